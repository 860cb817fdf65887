// README.md of an exported HF folder: a short model card saying what the model is, what it was trained on, how
// long and to what loss, and which exact mappings the export used.
import { type GPTConfig } from '../config';
import { countParameters } from '../gpt/params';
import { gpt2Mappings } from './export-config';

/** What the card says about training (each part optional: a model saved without a trainer has none). */
export interface ModelCardFacts {
  /** The training data (a file name or dataset name). */
  readonly data?: string;
  /** Optimizer steps taken. */
  readonly steps?: number;
  /** The last training loss. */
  readonly trainLoss?: number;
  /** The last validation loss. */
  readonly valLoss?: number;
}

/**
 * The model card (Markdown, with HF's YAML front matter) for a model with `config` exported to GPT-2's layout.
 */
export function modelCard(config: GPTConfig, facts: ModelCardFacts): string {
  const parameters = countParameters(config).toLocaleString('en-US');
  const fmt = (x: number | undefined): string => (x === undefined ? 'not recorded' : x.toFixed(4));
  const mappings = gpt2Mappings(config);
  return [
    '---',
    'library_name: transformers',
    'tags: [gpt2, microgpt]',
    '---',
    '',
    '# microgpt model (GPT-2 layout)',
    '',
    `A GPT trained with microgpt and exported as a Hugging Face \`GPT2LMHeadModel\`: ${config.nLayer} layers, ${config.nHead} heads, ${config.nEmbd} wide, context ${config.blockSize}, vocabulary ${config.vocabSize}, ${parameters} parameters.`,
    '',
    `- Data: ${facts.data ?? 'not recorded'}`,
    `- Steps: ${facts.steps ?? 'not recorded'}`,
    `- Training loss: ${fmt(facts.trainLoss)}; validation loss: ${fmt(facts.valLoss)}`,
    '',
    mappings.length === 0 ? 'The weights are microgpt\'s, unchanged (only renamed and transposed into Conv1D layout).' : `Exported with exact mappings: ${mappings.join('; ')}.`,
    '',
    '```python',
    'from transformers import AutoTokenizer, GPT2LMHeadModel',
    'model = GPT2LMHeadModel.from_pretrained("this-folder")',
    'tokenizer = AutoTokenizer.from_pretrained("this-folder")',
    '```',
    '',
  ].join('\n');
}
