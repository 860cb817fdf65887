// The live loss chart (uPlot): training loss at each reported step and validation loss at each evaluation, on
// one step axis. The chart keeps a fixed height so the page does not jump while training.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** [step, loss] points. */
type Points = readonly (readonly [number, number])[];

/** The two curves on the union of their steps, null where a curve has no point (uPlot's aligned data). */
export function alignedSeries(train: Points, val: Points): [number[], (number | null)[], (number | null)[]] {
  const steps = [...new Set([...train.map(([s]) => s), ...val.map(([s]) => s)])].sort((a, b) => a - b);
  const trainAt = new Map(train.map(([s, l]) => [s, l]));
  const valAt = new Map(val.map(([s, l]) => [s, l]));
  return [steps, steps.map((s) => trainAt.get(s) ?? null), steps.map((s) => valAt.get(s) ?? null)];
}

/** A loss chart in `container`; `update` redraws it with new points. */
export function createLossChart(container: HTMLElement): { update(train: Points, val: Points): void } {
  const styles = getComputedStyle(container);
  const text = styles.color;
  const grid = styles.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
  const axis = { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } };
  const plot = new uPlot(
    {
      width: Math.max(240, container.clientWidth),
      height: 240,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: 'step' }, { ...axis, label: 'loss' }],
      series: [
        { label: 'step' },
        { label: 'train', stroke: styles.getPropertyValue('--accent').trim() || '#2563eb', width: 1.5, spanGaps: true },
        { label: 'val', stroke: styles.getPropertyValue('--accent-2').trim() || '#dc2626', width: 2, spanGaps: true, points: { show: true } },
      ],
    },
    [[], [], []],
    container,
  );
  new ResizeObserver(() => {
    plot.setSize({ width: Math.max(240, container.clientWidth), height: 240 });
  }).observe(container);
  return {
    update(train, val) {
      plot.setData(alignedSeries(train, val));
    },
  };
}
