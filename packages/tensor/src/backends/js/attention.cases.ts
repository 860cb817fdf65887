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
