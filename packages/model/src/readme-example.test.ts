// The README's example, run as a test so that it stays true.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, writeFileAtomic } from './node';

it('README: encode, write atomically, read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'microgpt-model-'));
  try {
    const weights = Float32Array.from({ length: 27 * 16 }, (_, i) => i / 7);
    const bytes = encodeSafetensors({ 'wte.weight': { dtype: 'float32', shape: [27, 16], data: weights } }, { format: 'pt' });
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, bytes);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(await readFile(path)));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('wte.weight')).toEqual({ dtype: 'float32', shape: [27, 16], data: weights });
  } finally {
    await rm(dir, { recursive: true });
  }
});
