// `--freeze embeddings,layers:0-1`: which parameters a fine-tuning run leaves as they are, by group, turned into
// the parameter names the trainer takes.
import { type GPTConfig, parameterSpecs } from '@microgpt/model';
import { usageError } from '../errors';

const HINT = 'give a comma-separated list of embeddings, head, layers:A-B (or layers:N), or parameter names (`microgpt info --ckpt DIR` shows the sizes)';

/** The layer numbers of `layers:A-B` or `layers:N`, checked against the model's nLayer. */
function layersOf(part: string, nLayer: number): number[] {
  const match = /^layers:(\d+)(?:-(\d+))?$/.exec(part);
  if (!match) throw usageError(`--freeze ${part}: expected layers:A-B or layers:N`, HINT);
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from > to || to >= nLayer) throw usageError(`--freeze ${part}: the model's layers are 0 to ${nLayer - 1}`, HINT);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * The parameter names of a `--freeze` list for a model of `config`: `embeddings` (token and position
 * embeddings; the output head too when it is tied to them), `head` (the output projection), `layers:A-B` (every
 * parameter of those blocks), or exact parameter names.
 * @throws CliError (usage) for an unknown group or name, a layer outside the model, or an untied head that is absent.
 */
export function frozenParameters(flag: string, config: GPTConfig): string[] {
  const names = parameterSpecs(config).map((s) => s.name);
  const chosen = new Set<string>();
  for (const part of flag.split(',').map((p) => p.trim())) {
    if (part === 'embeddings') {
      for (const name of ['wte', 'wpe']) if (names.includes(name)) chosen.add(name);
    } else if (part === 'head') {
      if (!names.includes('lm_head')) throw usageError('--freeze head: this model ties its output head to the token embeddings', 'freeze embeddings instead');
      chosen.add('lm_head');
    } else if (part.startsWith('layers:')) {
      for (const layer of layersOf(part, config.nLayer)) for (const name of names) if (name.startsWith(`h.${layer}.`)) chosen.add(name);
    } else if (names.includes(part)) chosen.add(part);
    else throw usageError(`--freeze ${JSON.stringify(part)}: not a group or a parameter of this model`, HINT);
  }
  if (chosen.size === names.length) throw usageError('--freeze leaves nothing to train', 'freeze fewer groups');
  return [...chosen];
}
