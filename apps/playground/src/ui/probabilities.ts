// The next-token distribution for the inspected prompt, recomputed on the page as the temperature, top-k and
// top-p sliders move (the worker sends the logits once): the model package's own softmax and cuts, so the bars
// show exactly what sampling with those settings draws from.
import { cutProbabilities, softmaxAt } from '@microgpt/model';
import { element, replaceChildren } from './dom';
import { visibleText } from './tokens';

/** Sampling settings of the sliders; temperature 0 is greedy, topK 0 and topP 1 are off. */
export interface ProbeSettings {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
}

/** The `count` most likely tokens under `settings`: [id, probability], most likely first (ties: lower id). */
export function topTokens(logits: Float64Array, settings: ProbeSettings, count: number): [number, number][] {
  const V = logits.length;
  let probs: Float64Array;
  if (settings.temperature === 0) {
    probs = new Float64Array(V);
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    probs[best] = 1;
  } else {
    probs = softmaxAt(logits, 0, V, settings.temperature);
    cutProbabilities(probs, settings.topK > 0 ? settings.topK : undefined, settings.topP < 1 ? settings.topP : undefined);
    const total = probs.reduce((a, b) => a + b, 0);
    for (let i = 0; i < V; i++) probs[i] = probs[i]! / total;
  }
  return Array.from(probs.keys())
    .sort((a, b) => probs[b]! - probs[a]! || a - b)
    .slice(0, count)
    .map((id) => [id, probs[id]!]);
}

/** Draws the bars of `top` into the list `container`. */
export function renderBars(container: HTMLElement, top: readonly [number, number][], vocab: readonly string[]): void {
  replaceChildren(
    container,
    top.map(([id, p]) => {
      const item = element('li', 'bar');
      const name = element('span', 'bar-label', visibleText(vocab[id] ?? `#${id}`));
      const track = element('span', 'bar-track');
      const fill = element('span', 'bar-fill');
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      track.append(fill);
      item.append(name, track, element('span', 'bar-value', `${(100 * p).toFixed(1)}%`));
      item.title = `id ${id}`;
      return item;
    }),
  );
}
