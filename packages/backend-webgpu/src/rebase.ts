// Rewriting a shader's accesses to a storage array so that it indexes a window of a buffer (bound from an offset)
// with the indices of the whole buffer: see Window in runtime.ts.
import { BackendError } from '@microgpt/tensor';

/**
 * `source` with every access `name[index]` replaced by `array[(index) - base]`: the shader indexes a window of a
 * buffer as it would the whole buffer.
 */
export function rebaseAccesses(source: string, name: string, array: string, base: string): string {
  const pattern = new RegExp(`\\b${name}\\s*\\[`, 'g');
  let out = '';
  let from = 0;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    let depth = 1;
    let end = pattern.lastIndex;
    for (; depth > 0; end++) {
      if (end >= source.length) throw new BackendError(`webgpu: unbalanced brackets after ${name}[ in a shader`);
      if (source[end] === '[') depth++;
      else if (source[end] === ']') depth--;
    }
    out += `${source.slice(from, match.index)}${array}[(${rebaseAccesses(source.slice(pattern.lastIndex, end - 1), name, array, base)}) - ${base}]`;
    from = end;
    pattern.lastIndex = end;
  }
  return out + source.slice(from);
}
