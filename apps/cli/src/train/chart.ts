// The loss curves at the end of a run: a small chart in the terminal (asciichart) and loss.svg in the run
// folder, train and validation loss against the step.
import * as asciichart from 'asciichart';

/**
 * Loss history as [step, loss] pairs: the trainer's bounded history (at most 1,000 points a series), which the
 * charts are drawn from; the full curve is in metrics.jsonl.
 */
export interface LossHistory {
  readonly train: readonly (readonly [number, number])[];
  readonly val: readonly (readonly [number, number])[];
}

/** At most `width` points: the mean of each run of consecutive points (keeps the curve's shape, drops noise). */
export function downsample(points: readonly (readonly [number, number])[], width: number): [number, number][] {
  if (points.length <= width) return points.map(([x, y]) => [x, y]);
  const out: [number, number][] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * points.length) / width);
    const to = Math.floor(((i + 1) * points.length) / width);
    let sx = 0;
    let sy = 0;
    for (let j = from; j < to; j++) {
      sx += points[j]![0];
      sy += points[j]![1];
    }
    out.push([sx / (to - from), sy / (to - from)]);
  }
  return out;
}

/** The value of a step series at `x`: the last point at or before it (the first point before any). */
function stepValue(points: readonly (readonly [number, number])[], x: number): number {
  let value = points[0]![1];
  for (const [px, py] of points) if (px <= x) value = py;
  return value;
}

/** A terminal chart of the train loss (and the val loss, held between evaluations), `width` columns wide. */
export function terminalChart(history: LossHistory, width = 60, height = 10): string {
  const train = downsample(history.train, width);
  if (train.length < 2) return '';
  const series = [train.map(([, y]) => y)];
  const colors = [asciichart.blue];
  if (history.val.length > 0) {
    series.push(train.map(([x]) => stepValue(history.val, x)));
    colors.push(asciichart.green);
  }
  return asciichart.plot(series, { height, colors, format: (v: number) => v.toFixed(3).padStart(7) });
}

const W = 640;
const H = 360;
const PAD = { left: 56, right: 16, top: 28, bottom: 40 };

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count || 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** loss.svg: train and validation loss against the step, with axes, ticks and a legend. */
export function lossSvg(history: LossHistory, title: string): string {
  const train = downsample(history.train, 400);
  const all = [...train, ...history.val];
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="20" y="40">no steps recorded</text></svg>\n`;
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(0, ...xs), Math.max(...xs, 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const yPad = (y1 - y0) * 0.05 || 0.5;
  const [lo, hi] = [y0 - yPad, y1 + yPad];
  const px = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number): number => H - PAD.bottom - ((y - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const path = (points: readonly (readonly [number, number])[]): string => points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const yTicks = ticks(lo, hi, 5).map((t) => `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  const xTicks = ticks(x0, x1, 6).map((t) => `<text x="${px(t).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t}</text>`);
  const val = history.val.length === 0 ? [] : [`<polyline points="${path(history.val)}" fill="none" stroke="#e4572e" stroke-width="2"/>`, ...history.val.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="#e4572e"/>`)];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="18" font-size="13">${title.replace(/[<>&]/g, '')}</text>`,
    ...yTicks,
    ...xTicks,
    `<text x="${(W + PAD.left) / 2}" y="${H - 6}" text-anchor="middle">step</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">loss</text>`,
    `<polyline points="${path(train)}" fill="none" stroke="#2e86ab" stroke-width="1.5"/>`,
    ...val,
    `<text x="${W - PAD.right - 120}" y="18" fill="#2e86ab">— train</text>`,
    ...(history.val.length === 0 ? [] : [`<text x="${W - PAD.right - 60}" y="18" fill="#e4572e">● val</text>`]),
    '</svg>',
    '',
  ].join('\n');
}
