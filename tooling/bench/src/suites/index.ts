// Every suite `pnpm bench` knows, in the order they run when none is named.
import { browserSuite } from './browser';
import { coldStartSuite } from './cold-start';
import { corpusSuite } from './corpus';
import { generateSuite } from './generate';
import { matmulSuite } from './matmul';
import { matmulFmaSuite } from './matmul-fma';
import { profilerSuite } from './profiler';
import { qualitySuite } from './quality';
import { quantSuite } from './quant';
import { quantMatmulSuite } from './quant-matmul';
import { tensorboardSuite } from './tensorboard';
import type { Suite } from './suite';
import { tokenizerSuite } from './tokenizer';
import { trainSuite } from './train';
import { trainStepSuite } from './train-step';
import { webgpuSuite } from './webgpu';
import { webgpuCurveSuite } from './webgpu-curve';

export const SUITES: readonly Suite[] = [matmulSuite, matmulFmaSuite, quantMatmulSuite, trainStepSuite, trainSuite, generateSuite, coldStartSuite, tokenizerSuite, browserSuite, qualitySuite, quantSuite, profilerSuite, tensorboardSuite, corpusSuite, webgpuSuite, webgpuCurveSuite];
