// @microgpt/autograd in a bundled page, on the wasm backend: backward() agrees with central differences, and
// AdamW fits a small MLP (the README's example).
import { adamw, add, constant, gradCheck, matmul, mean, mul, param, releaseGraph, relu, sub, sum, tanh } from '@microgpt/autograd';
import { randn, ready, tensor } from '@microgpt/tensor';
import { report } from './report';

void report(async () => {
  const backend = await ready();
  const check = gradCheck((x, w) => sum(tanh(matmul(x, w))), [randn([5, 7], { seed: 1, dtype: 'float64' }), randn([7, 3], { seed: 2, dtype: 'float64' })]);

  const x = constant(tensor(Array.from({ length: 64 }, (_, i) => [i / 10 - 3.2])));
  const y = constant(tensor(Array.from({ length: 64 }, (_, i) => [Math.sin(i / 10 - 3.2)])));
  const w1 = param(randn([1, 32], { seed: 1 }));
  const b1 = param(randn([32], { seed: 2, std: 0.1 }));
  const w2 = param(randn([32, 1], { seed: 3, std: 0.2 }));
  const b2 = param(randn([1], { seed: 4, std: 0.1 }));
  const opt = adamw([w1, b1, w2, b2], { lr: 0.01, weightDecay: 0 });
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    const err = sub(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2), y);
    const loss = mean(mul(err, err));
    loss.backward();
    opt.step();
    opt.zeroGrad();
    losses.push(await loss.value.itemAsync());
    releaseGraph(loss);
  }
  return { backend: backend.name, gradCheck: check.message, gradCheckOk: check.ok, firstLoss: losses[0], lastLoss: losses.at(-1) };
});
