// The norm family's conformance cases: RMSNorm and LayerNorm forward and backward, with and without weight and bias.
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from '../../ops/norm';
import type { Tensor } from '../../tensor';
import type { ConformanceCase } from '../../testing/conformance';

/** RMSNorm and LayerNorm, forward and backward, with and without the per-channel tensors, C = 1 included. */
export function normCases(): ConformanceCase[] {
  return [
    { name: 'C=16 no weight', N: 7, C: 16, affine: false },
    { name: 'C=37 with weight and bias', N: 5, C: 37, affine: true },
    { name: 'C=1', N: 3, C: 1, affine: true },
  ].map(({ name, N, C, affine }) => ({
    kernel: 'norm',
    name,
    run: ({ randn }) => {
      const x = randn([N, C], 2, 0.5);
      const weight = affine ? randn([C], 0.5, 1) : null;
      const bias = affine ? randn([C]) : null;
      const dout = randn([N, C]);
      const rms = rmsnorm(x, weight);
      const rmsGrads = rmsnormBackward(x, weight, rms.rstd, dout, {});
      const ln = layernorm(x, weight, bias);
      const lnGrads = layernormBackward(x, weight, ln.mean, ln.rstd, dout, { hasBias: bias !== null });
      const results: Record<string, Tensor> = { rms: rms.out, rstd: rms.rstd, rmsDx: rmsGrads.dx, ln: ln.out, lnDx: lnGrads.dx };
      if (rmsGrads.dweight) results.rmsDw = rmsGrads.dweight;
      if (lnGrads.dweight) results.lnDw = lnGrads.dweight;
      if (lnGrads.dbias) results.lnDb = lnGrads.dbias;
      return results;
    },
  }));
}
