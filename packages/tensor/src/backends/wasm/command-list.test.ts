import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kernels, type Tensor, Tensor as TensorClass, kernel, randn } from '../../index';
import { KERNEL_COMMAND_IDS, KERNEL_PARAMETER_COUNTS } from '../../generated/kernel-exports';
import { type Address, compileKernels, instantiateKernels } from './module';
import { type WasmBackend, createWasmBackend } from './index';

// A recorded list must do exactly what the kernels do one by one: each case runs a sequence of kernels directly,
// then records the same sequence, writes new inputs and replays it, comparing every output bit for bit.
let wasm: WasmBackend;

beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
});

afterAll(() => {
  wasm.dispose();
});

/** The tensors of one case: inputs (written anew before each run) and outputs (read after). */
interface Case {
  inputs: Tensor[];
  outputs: Tensor[];
  calls(kernels: Partial<Kernels>): void;
}

/** Matmul, broadcast add (strided: metadata), layernorm and its backward (direct exports), attention and its backward (metadata, scratch), embedding, adam. */
function transformerCase(dtype: 'float32' | 'float64'): Case {
  const [B, H, T, D] = [2, 2, 5, 4];
  const C = H * D;
  const r = (shape: number[], seed: number): Tensor => randn(shape, { seed, dtype, backend: wasm });
  const zeros = (shape: number[]): Tensor => TensorClass.empty(shape, dtype, wasm);
  const x = r([1, B * T, C], 1);
  const w = r([1, 3 * C, C], 2);
  const bias = r([3 * C], 3).reshape([1, 1, 3 * C]).broadcastTo([1, B * T, 3 * C]);
  const qkv = zeros([1, B * T, 3 * C]);
  const heads = (t: Tensor, part: number): Tensor => TensorClass.view(t.storage, [B, H, T, D], [T * 3 * C, D, 3 * C, 1], t.offset + part * C);
  const rowsHeads = (t: Tensor): Tensor => TensorClass.view(t.storage, [B, H, T, D], [T * C, D, C, 1], t.offset);
  const y = zeros([1, B * T, C]);
  const att = zeros([B, H, T, T]);
  const dy = r([1, B * T, C], 4);
  const dqkv = zeros([1, B * T, 3 * C]);
  const out = zeros([B * T, C]);
  const mean = zeros([B * T]);
  const rstd = zeros([B * T]);
  const gain = r([C], 5);
  const dx = zeros([B * T, C]);
  const dgain = zeros([C]);
  const dbias = zeros([C]);
  const m = zeros([3 * C * C]);
  const v = zeros([3 * C * C]);
  const param = r([3 * C * C], 6);
  const grad = r([3 * C * C], 7);
  return {
    inputs: [x, w, dy, grad],
    outputs: [qkv, y, att, dqkv, out, mean, rstd, dx, dgain, dbias, param, m, v],
    calls(k) {
      k.matmul!({ a: x, b: w, out: qkv, transA: false, transB: true, accumulate: false });
      k.binary!({ op: 'add', a: qkv, b: bias, out: qkv });
      k.attention!({ q: heads(qkv, 0), k: heads(qkv, 1), v: heads(qkv, 2), out: rowsHeads(y), att, scale: 0.5, offset: 0 });
      k.fill!({ out: dqkv, value: 0 });
      const [dq, dk, dv] = [0, 1, 2].map((part) => heads(dqkv, part)) as [Tensor, Tensor, Tensor];
      k.attentionBackward!({ q: heads(qkv, 0), k: heads(qkv, 1), v: heads(qkv, 2), att, dout: rowsHeads(dy), dq, dk, dv, scale: 0.5, offset: 0 });
      k.layernorm!({ x: y.reshape([B * T, C]), weight: gain, bias: null, out, mean, rstd, eps: 1e-5 });
      k.layernormBackward!({ x: y.reshape([B * T, C]), weight: gain, mean, rstd, dout: dy.reshape([B * T, C]), dx, dweight: dgain, dbias });
      k.unary!({ op: 'gelu_erf', x: out, out, param: 0 });
      k.adam!({ param, grad, m, v, lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 3 });
    },
  };
}

/** Every kernel of `k` as the dispatcher hands it out for the case's dtype (the per-kernel path). */
function direct(dtype: 'float32' | 'float64'): Partial<Kernels> {
  const names = ['matmul', 'binary', 'attention', 'fill', 'attentionBackward', 'layernorm', 'layernormBackward', 'unary', 'adam'] as const;
  return Object.fromEntries(names.map((name) => [name, kernel(wasm, name, dtype)]));
}

/** Writes the case's inputs from `seed`, zeroes nothing else (outputs carry over, as a pass's accumulators do). */
function writeInputs(c: Case, seed: number): void {
  c.inputs.forEach((t, i) => {
    const values = randn([t.storage.size], { seed: seed * 10 + i, dtype: t.dtype as 'float32' | 'float64', backend: wasm });
    t.storage.backend.write(t.storage, 0, values.toArray());
    values.dispose();
  });
}

const read = (c: Case): number[][] => c.outputs.map((t) => Array.from(t.toArray()));

describe('wasm command lists', () => {
  it('number the exports 0 … n-1 (the interpreter itself is not a command) and trap on an unknown id', async () => {
    const ids = Object.entries(KERNEL_COMMAND_IDS);
    expect(ids.map(([, id]) => id)).toEqual(ids.map((_, i) => i));
    for (const [name] of ids) expect(KERNEL_PARAMETER_COUNTS).toHaveProperty(name);
    expect(KERNEL_COMMAND_IDS).not.toHaveProperty('runCommands');
    expect(ids.length).toBeGreaterThan(40);
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
    const exports = await instantiateKernels(await compileKernels(false, wasm.simd), memory);
    const at = 1 << 20;
    new Float64Array(memory.buffer, at, 1)[0] = ids.length;
    expect(() => {
      exports.runCommands(at as Address, 1);
    }).toThrow(WebAssembly.RuntimeError);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`replay gives the bits of the kernels one by one, run after run (${dtype})`, async () => {
      await wasm.setThreads(1);
      const one = transformerCase(dtype);
      const replayed = transformerCase(dtype);
      const list = wasm.recordCommands((k) => {
        replayed.calls(k);
      });
      expect(list).not.toBeNull();
      expect(list!.length).toBe(9);
      for (let run = 0; run < 3; run++) {
        writeInputs(one, run);
        writeInputs(replayed, run);
        one.calls(direct(dtype));
        expect(list!.run()).toBe(true);
        expect(read(replayed)).toEqual(read(one));
      }
      list!.dispose();
      expect(list!.run()).toBe(false);
    });
  }

  it('records nothing and computes nothing while recording', async () => {
    await wasm.setThreads(1);
    const c = transformerCase('float32');
    const before = read(c);
    const list = wasm.recordCommands((k) => {
      c.calls(k);
    });
    expect(read(c)).toEqual(before);
    list!.dispose();
  });

  it('refuses a kernel that reads memory on the host (crossEntropy counts its targets)', async () => {
    await wasm.setThreads(1);
    const logits = randn([4, 5], { seed: 1, backend: wasm });
    const targets = TensorClass.empty([4], 'int32', wasm);
    const probs = TensorClass.empty([4, 5], 'float32', wasm);
    const losses = TensorClass.empty([4], 'float32', wasm);
    const loss = TensorClass.empty([1], 'float32', wasm);
    const list = wasm.recordCommands((k) => {
      k.crossEntropy!({ logits, targets, probs, losses, loss });
    });
    expect(list).toBeNull();
  });

  it('refuses a kernel that the pool would split across threads, and a list stops applying when thread settings change', async () => {
    const c = transformerCase('float32');
    await wasm.setThreads(2);
    wasm.minParallelWork = 1;
    try {
      expect(wasm.recordCommands((k) => { c.calls(k); })).toBeNull();
    } finally {
      wasm.minParallelWork = 32768;
    }
    const list = wasm.recordCommands((k) => { c.calls(k); })!;
    expect(list.run()).toBe(true);
    wasm.minParallelWork = 1;
    expect(list.run()).toBe(false);
    wasm.minParallelWork = 32768;
    expect(list.run()).toBe(true);
    await wasm.setThreads(1);
    expect(list.run()).toBe(false);
    list.dispose();
  });

  it('a list over a freed tensor does not run', async () => {
    await wasm.setThreads(1);
    const a = randn([3, 4], { seed: 1, backend: wasm });
    const out = TensorClass.empty([3, 4], 'float32', wasm);
    const list = wasm.recordCommands((k) => {
      k.unary!({ op: 'exp', x: a, out, param: 0 });
    })!;
    const expected = TensorClass.empty([3, 4], 'float32', wasm);
    kernel(wasm, 'unary', 'float32')({ op: 'exp', x: a, out: expected, param: 0 });
    expect(list.run()).toBe(true);
    expect(out.toArray()).toEqual(expected.toArray());
    a.dispose();
    expect(list.run()).toBe(false);
    list.dispose();
  });

  it('errors of the calls themselves propagate (a freed tensor while recording)', async () => {
    await wasm.setThreads(1);
    const a = randn([3, 4], { seed: 1, backend: wasm });
    const out = TensorClass.empty([3, 4], 'float32', wasm);
    a.dispose();
    expect(() => wasm.recordCommands((k) => { k.unary!({ op: 'exp', x: a, out, param: 0 }); })).toThrow(/freed/);
  });
});
