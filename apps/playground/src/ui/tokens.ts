// The tokenizer preview: the start of the text as coloured tokens. Hovering (or focusing) a token shows its id
// and bytes; colours cycle so neighbouring tokens differ.
import type { TokenView } from '../protocol';
import { element, replaceChildren } from './dom';

const COLOURS = 6;

/** How a token's text is shown: whitespace and control characters made visible. */
export function visibleText(text: string): string {
  return text.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '·').replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The title of a token: its id and bytes in hex. */
export function tokenTitle(token: TokenView): string {
  return `id ${token.id} · bytes ${token.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/** Draws `tokens` into `container`. */
export function renderTokens(container: HTMLElement, tokens: readonly TokenView[]): void {
  replaceChildren(
    container,
    tokens.map((token, i) => {
      const span = element('span', `token c${i % COLOURS}`, visibleText(token.text));
      span.title = tokenTitle(token);
      span.tabIndex = 0;
      span.setAttribute('aria-label', `${JSON.stringify(token.text)}, ${tokenTitle(token)}`);
      return span;
    }),
  );
}
