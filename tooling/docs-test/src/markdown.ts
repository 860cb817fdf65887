// The fenced code blocks of a Markdown file, in order.

/** One fenced block: its info string (`js`, `sh`, `text`, …), its text and the line its fence opens on. */
export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
  readonly line: number;
}

/**
 * Every ``` fenced block of `markdown`, in document order.
 * @throws Error naming the line of a fence that is never closed.
 */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`markdown: the code block opened on line ${i + 1} is never closed`);
    blocks.push({ lang: open[1]!, code: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return blocks;
}
