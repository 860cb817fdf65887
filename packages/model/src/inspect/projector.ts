// TensorBoard's embedding projector files for a model's token embeddings: tensors.tsv (one row of C numbers a
// token), metadata.tsv (the token's text, one a line, escaped so a tab or newline inside a token cannot break
// the table) and projector_config.pbtxt naming both. Browser-safe: strings in, strings out.

/** The three files, by name. */
export interface ProjectorFiles {
  /** One row per token: its C embedding values, tab-separated. */
  readonly 'tensors.tsv': string;
  /** One line per token: its text, escaped (see {@link escapeTsvField}). */
  readonly 'metadata.tsv': string;
  /** The projector config naming the tensor and both files. */
  readonly 'projector_config.pbtxt': string;
}

/**
 * A token's text as one TSV field: backslash, tab, newline and carriage return escaped as `\\`, `\t`, `\n`, `\r`;
 * other control characters and lone surrogates as `\u{…}`; an empty token as `""` (an empty line would be skipped).
 */
export function escapeTsvField(text: string): string {
  if (text === '') return '""';
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff)) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/**
 * The projector files for embeddings (V, C) row-major and the V tokens' texts.
 * @param name the tensor's name in the projector (`wte`).
 * @throws {RangeError} when `tokens` does not have V entries or a value is not finite.
 */
export function projectorFiles(embeddings: ArrayLike<number>, V: number, C: number, tokens: readonly string[], name = 'wte'): ProjectorFiles {
  if (tokens.length !== V) throw new RangeError(`projectorFiles: ${V} embedding rows but ${tokens.length} tokens`);
  if (embeddings.length !== V * C) throw new RangeError(`projectorFiles: expected ${V} × ${C} = ${V * C} values, found ${embeddings.length}`);
  const rows: string[] = [];
  for (let v = 0; v < V; v++) {
    const row: string[] = [];
    for (let c = 0; c < C; c++) {
      const x = embeddings[v * C + c]!;
      if (!Number.isFinite(x)) throw new RangeError(`projectorFiles: row ${v} (${JSON.stringify(tokens[v])}) column ${c} is ${x}`);
      row.push(String(x));
    }
    rows.push(row.join('\t'));
  }
  const config = `embeddings {\n  tensor_name: ${JSON.stringify(name)}\n  tensor_path: "tensors.tsv"\n  metadata_path: "metadata.tsv"\n}\n`;
  return { 'tensors.tsv': `${rows.join('\n')}\n`, 'metadata.tsv': `${tokens.map(escapeTsvField).join('\n')}\n`, 'projector_config.pbtxt': config };
}
