// One AdamW step in place, one invocation per element (in parts of consecutive elements where needed: split.ts). The bias corrections 1 - beta^step come from the core's
// correctly rounded power, as the reference takes them, then round to float32 with the other scalars.
import { type AdamArgs, type Kernels, powCorrectlyRounded } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, packParams, uniform } from '../wgsl';
import { dispatchContiguous } from './split';

const ADAM = /* wgsl */ `
${uniform('n: u32, param: u32, grad: u32, m: u32, v: u32, lr: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32, decay: f32, bias1: f32, bias2: f32')}
${ENTRY}
  if (i >= p.n) { return; }
  let g = t_grad[p.grad + i];
  let m = p.beta1 * t_m[p.m + i] + p.oneMinusBeta1 * g;
  let v = p.beta2 * t_v[p.v + i] + p.oneMinusBeta2 * (g * g);
  t_m[p.m + i] = m;
  t_v[p.v + i] = v;
  t_param[p.param + i] = t_param[p.param + i] * p.decay - (p.lr * (m / p.bias1)) / (sqrt(v / p.bias2) + p.eps);
}`;

/** adam on `rt` (float32). */
export function adamKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    adam({ param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step }: AdamArgs) {
      const tensors = [['t_param', param], ['t_grad', grad], ['t_m', m], ['t_v', v]] as const;
      dispatchContiguous(rt, ADAM, tensors, param.size, (start, count) => packParams([
        { u: count }, ...tensors.map(([, t]) => ({ u: t.offset + start })),
        { f: lr }, { f: beta1 }, { f: beta2 }, { f: 1 - beta1 }, { f: 1 - beta2 }, { f: eps }, { f: 1 - lr * weightDecay },
        { f: 1 - powCorrectlyRounded(beta1, step) }, { f: 1 - powCorrectlyRounded(beta2, step) },
      ]));
    },
  };
}
