// Attention kernels on strided operands: q, k, v read straight from fused (B, T, 3C) rows and out / gradients
// written into (B, T, C) rows, as @microgpt/model calls them, give exactly what the same kernel gives on
// contiguous copies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import { randn, tensor } from '../create';
import { kernel } from '../dispatch';
import type { FloatDType } from '../dtype';
import { findBackend } from '../registry';
import { Tensor } from '../tensor';
import { type WasmBackend, createWasmBackend } from '../backends/wasm/index';

let wasm: WasmBackend;
beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
  wasm.minParallelWork = 1;
});
afterAll(() => {
  wasm.dispose();
});

/** The (B, H, T, D) view of part `part` of (B, T, 3·H·D) rows. */
function headsOf(rows: Tensor, part: number, B: number, T: number, H: number, D: number): Tensor {
  const C = H * D;
  return Tensor.view(rows.storage, [B, H, T, D], [T * 3 * C, D, 3 * C, 1], rows.offset + part * C);
}

/** The (B, H, T, D) view of (B, T, H·D) rows. */
function rowHeads(rows: Tensor, B: number, T: number, H: number, D: number): Tensor {
  return Tensor.view(rows.storage, [B, H, T, D], [T * H * D, D, H * D, 1], rows.offset);
}

function check(backend: Backend, dtype: FloatDType, B: number, T: number, H: number, D: number): void {
  const C = H * D;
  const qkv = randn([B, T, 3 * C], { seed: 1, dtype, backend });
  const dy = randn([B, T, C], { seed: 2, dtype, backend });
  const [q, k, v] = [0, 1, 2].map((p) => headsOf(qkv, p, B, T, H, D)) as [Tensor, Tensor, Tensor];
  const [qc, kc, vc] = [q, k, v].map((t) => t.contiguous()) as [Tensor, Tensor, Tensor];
  const scale = 1 / Math.sqrt(D);
  const forward = kernel(backend, 'attention', dtype);
  const backward = kernel(backend, 'attentionBackward', dtype);
  // Strided: out into rows.
  const y = tensor(new (dtype === 'float64' ? Float64Array : Float32Array)(B * T * C), { shape: [B, T, C], backend });
  const att = Tensor.empty([B, H, T, T], dtype, backend);
  forward({ q, k, v, out: rowHeads(y, B, T, H, D), att, scale, offset: 0 });
  const dqkv = Tensor.empty([B, T, 3 * C], dtype, backend);
  const [dq, dk, dv] = [0, 1, 2].map((p) => headsOf(dqkv, p, B, T, H, D)) as [Tensor, Tensor, Tensor];
  backward({ q, k, v, att, dout: rowHeads(dy, B, T, H, D), dq, dk, dv, scale, offset: 0 });
  // Contiguous reference through the same kernels.
  const outC = Tensor.empty([B, H, T, D], dtype, backend);
  const attC = Tensor.empty([B, H, T, T], dtype, backend);
  forward({ q: qc, k: kc, v: vc, out: outC, att: attC, scale, offset: 0 });
  const [dqC, dkC, dvC] = [qc, kc, vc].map((t) => Tensor.empty(t.shape, dtype, backend)) as [Tensor, Tensor, Tensor];
  backward({ q: qc, k: kc, v: vc, att: attC, dout: rowHeads(dy, B, T, H, D).contiguous(), dq: dqC, dk: dkC, dv: dvC, scale, offset: 0 });
  expect(att.toArray()).toEqual(attC.toArray());
  expect(rowHeads(y, B, T, H, D).contiguous().toArray()).toEqual(outC.toArray());
  expect(dq.contiguous().toArray()).toEqual(dqC.toArray());
  expect(dk.contiguous().toArray()).toEqual(dkC.toArray());
  expect(dv.contiguous().toArray()).toEqual(dvC.toArray());
}

describe('attention on strided operands', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [B, T, H, D] of [[2, 5, 3, 4], [1, 7, 1, 9], [3, 4, 2, 8]] as const) {
      it(`js, ${dtype}, B ${B} T ${T} H ${H} D ${D}`, () => {
        check(findBackend('js'), dtype, B, T, H, D);
      });
      it(`wasm, ${dtype}, B ${B} T ${T} H ${H} D ${D}`, () => {
        check(wasm, dtype, B, T, H, D);
      });
    }
  }
});
