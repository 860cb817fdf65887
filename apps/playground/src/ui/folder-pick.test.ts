import { describe, expect, it } from 'vitest';
import { type FolderFile, readPickedFolder } from './folder-pick';

/** A file as a folder pick gives it: its bytes, name and path under the picked folder. */
function picked(path: string, text: string): FolderFile {
  const name = path.split('/').pop()!;
  return Object.defineProperty(new File([text], name), 'webkitRelativePath', { value: path });
}

describe('a picked folder', () => {
  it('reads the files an import uses directly inside it, and nothing else', async () => {
    const files = await readPickedFolder([
      picked('gpt2/config.json', '{"model_type":"gpt2"}'),
      picked('gpt2/model.safetensors', 'weights'),
      picked('gpt2/tokenizer.json', '{}'),
      picked('gpt2/generation_config.json', '{"eos_token_id":1}'),
      picked('gpt2/pytorch_model.bin', 'other weights'),
      picked('gpt2/checkpoint-100/config.json', '{"older":true}'),
    ]);
    const text = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, new TextDecoder().decode(bytes)]));
    expect(text).toEqual({ 'config.json': '{"model_type":"gpt2"}', 'model.safetensors': 'weights', 'tokenizer.json': '{}' });
  });

  it('names the folder when it holds none of those files', async () => {
    await expect(readPickedFolder([picked('photos/cat.png', 'x'), picked('photos/sub/config.json', '{}')])).rejects.toThrow(/^the picked folder photos holds none of model\.safetensors, config\.json, tokenizer\.json, optimizer\.safetensors, trainer_state\.json, tokenizer_config\.json; pick a microgpt checkpoint folder or a Hugging Face GPT-2 folder$/);
    await expect(readPickedFolder([])).rejects.toThrow(/^the picked folder holds none of/);
  });
});
