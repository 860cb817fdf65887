// Typed access to the page's elements: a missing id or a wrong element type is a bug in index.html, so it
// throws at start-up rather than failing later on a click.

/** The element with `id`, checked to be an instance of `type`. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`playground: #${id} is missing or not a ${type.name}`);
  return element;
}

/** The value of a number input, or `fallback` when it is empty or not a number. */
export function numberValue(input: HTMLInputElement, fallback: number): number {
  const value = input.valueAsNumber;
  return Number.isFinite(value) ? value : fallback;
}

/** Replaces the children of `parent` with `children`. */
export function replaceChildren(parent: Element, children: readonly Node[]): void {
  parent.replaceChildren(...children);
}

/** A new element with a class and text. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
