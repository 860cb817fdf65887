// The tokenizer preview: the start of the text as coloured tokens. Hovering or focusing a token shows its id and
// bytes in a detail line; colours cycle so neighbouring tokens differ. The list is one tab stop (a roving
// tabindex): arrow keys, Home and End move between tokens, so a keyboard user does not tab through 300 of them.
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

/**
 * Draws `tokens` into `container`. The token at the list's old tab stop keeps it (the first one when there was
 * none); when a token had keyboard focus, the token at its index takes it back, so a refreshed preview (the data
 * or the tokenizer changed) does not drop a keyboard user's place to the top of the page.
 */
export function renderTokens(container: HTMLElement, tokens: readonly TokenView[]): void {
  const previous = [...container.children];
  const focused = previous.indexOf(document.activeElement as Element);
  const stop = Math.min(Math.max(0, previous.findIndex((child) => (child as HTMLElement).tabIndex === 0)), tokens.length - 1);
  const spans = tokens.map((token, i) => {
    const span = element('span', `token c${i % COLOURS}`, visibleText(token.text));
    span.title = tokenTitle(token);
    span.tabIndex = i === stop ? 0 : -1;
    span.setAttribute('role', 'listitem');
    span.setAttribute('aria-label', `${JSON.stringify(token.text)}, ${tokenTitle(token)}`);
    return span;
  });
  replaceChildren(container, spans);
  if (focused >= 0) spans[stop]?.focus();
}

/** The index a key moves to from `index` among `count` tokens, or null for other keys. */
export function tokenKeyTarget(key: string, index: number, count: number): number | null {
  const moves: Record<string, number> = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: count - 1 };
  return key in moves ? Math.max(0, Math.min(count - 1, moves[key]!)) : null;
}

/** Keyboard moves and the detail line (`detail` shows the hovered or focused token's text, id and bytes). */
export function wireTokens(container: HTMLElement, detail: HTMLElement): void {
  const show = (target: EventTarget | null): void => {
    if (target instanceof HTMLElement && target.classList.contains('token')) detail.textContent = `${target.textContent} — ${target.title}`;
  };
  container.addEventListener('mouseover', (event) => {
    show(event.target);
  });
  container.addEventListener('focusin', (event) => {
    show(event.target);
  });
  container.addEventListener('keydown', (event) => {
    const tokens = [...container.children] as HTMLElement[];
    const index = tokens.indexOf(event.target as HTMLElement);
    const next = index < 0 ? null : tokenKeyTarget(event.key, index, tokens.length);
    if (next === null) return;
    event.preventDefault();
    tokens[index]!.tabIndex = -1;
    tokens[next]!.tabIndex = 0;
    tokens[next]!.focus();
  });
}
