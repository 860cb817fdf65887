// The attention family's conformance cases: forward and backward on small, unit and odd shapes and after a KV cache.
import { attention, attentionBackward } from '../../ops/attention';
import type { ConformanceCase } from '../../testing/conformance';

/** Causal attention forward and backward, including queries after cached keys. */
export function attentionCases(): ConformanceCase[] {
  return [
    { name: 'B=2 H=3 T=5 D=4', B: 2, H: 3, Tq: 5, Tk: 5, D: 4 },
    { name: 'B=1 H=1 T=1 D=1', B: 1, H: 1, Tq: 1, Tk: 1, D: 1 },
    { name: 'B=1 H=2 T=17 D=9', B: 1, H: 2, Tq: 17, Tk: 17, D: 9 },
    { name: 'KV cache: 3 queries after 6 cached keys, D=8', B: 2, H: 2, Tq: 3, Tk: 9, D: 8 },
    // Head sizes around the wasm kernels' paths (keys four at a time, then 1 to 3 more; head vectors two, one, then
    // single elements at a time): the names preset's D=4, below, between and above one vector, and T=1.
    { name: 'names shape: B=2 H=4 T=16 D=4', B: 2, H: 4, Tq: 16, Tk: 16, D: 4 },
    { name: 'B=1 H=2 T=7 D=3', B: 1, H: 2, Tq: 7, Tk: 7, D: 3 },
    { name: 'B=2 H=1 T=6 D=5', B: 2, H: 1, Tq: 6, Tk: 6, D: 5 },
    { name: 'B=1 H=1 T=11 D=1', B: 1, H: 1, Tq: 11, Tk: 11, D: 1 },
    { name: 'B=1 H=2 T=9 D=17', B: 1, H: 2, Tq: 9, Tk: 9, D: 17 },
    { name: 'B=1 H=1 T=13 D=32', B: 1, H: 1, Tq: 13, Tk: 13, D: 32 },
    { name: 'B=2 H=2 T=1 D=8', B: 2, H: 2, Tq: 1, Tk: 1, D: 8 },
    { name: 'KV cache: 1 query after 10 cached keys, D=4', B: 1, H: 3, Tq: 1, Tk: 11, D: 4 },
    { name: 'KV cache: 2 queries after 5 cached keys, D=3', B: 1, H: 2, Tq: 2, Tk: 7, D: 3 },
  ].map(({ name, B, H, Tq, Tk, D }) => ({
    kernel: 'attention',
    name,
    run: ({ randn }) => {
      const q = randn([B, H, Tq, D]);
      const k = randn([B, H, Tk, D]);
      const v = randn([B, H, Tk, D]);
      const { out, att } = attention(q, k, v);
      const { dq, dk, dv } = attentionBackward(q, k, v, att, randn([B, H, Tq, D]));
      return { out, att, dq, dk, dv };
    },
  }));
}
