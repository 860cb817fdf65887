// One attention head as a heatmap: row i is how position i spreads its attention over positions 0…i (the
// causal mask leaves the rest empty). Token labels run along both axes.
import type { AttentionView } from '../protocol';
import { visibleText } from './tokens';

/** The (T, T) probabilities of `layer`, `head`. */
export function headMatrix(view: AttentionView, layer: number, head: number): Float64Array {
  const T = view.tokens.length;
  return view.layers[layer]!.subarray(head * T * T, (head + 1) * T * T);
}

/** Draws head `head` of layer `layer` on `canvas`, darker for more attention, in the page's accent colour. */
export function drawHeatmap(canvas: HTMLCanvasElement, view: AttentionView, layer: number, head: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const T = view.tokens.length;
  const probs = headMatrix(view, layer, head);
  const styles = getComputedStyle(canvas);
  const label = 28;
  const cell = Math.max(4, Math.floor((canvas.width - label) / Math.max(T, 1)));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = `${Math.min(12, cell)}px ui-monospace, monospace`;
  ctx.fillStyle = styles.color;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < T; i++) {
    const text = visibleText(view.tokens[i]!).slice(0, 3);
    ctx.fillText(text, label + i * cell + cell / 2, label / 2);
    ctx.fillText(text, label / 2, label + i * cell + cell / 2);
  }
  const accent = styles.getPropertyValue('--accent-rgb').trim() || '37, 99, 235';
  for (let i = 0; i < T; i++) {
    for (let j = 0; j <= i; j++) {
      ctx.fillStyle = `rgba(${accent}, ${0.08 + 0.92 * probs[i * T + j]!})`;
      ctx.fillRect(label + j * cell, label + i * cell, cell - 1, cell - 1);
    }
  }
}
