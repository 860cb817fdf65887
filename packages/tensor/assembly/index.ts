// Entry point of the WebAssembly kernels: re-exports every kernel family (helpers in math.ts stay internal).
export * from './elementwise';
export * from './unary';
export * from './reduce';
export * from './softmax';
export * from './norm';
export * from './embedding';
export * from './cross-entropy';
export * from './attention';
export * from './adam';
export * from './layout';
export * from './matmul';
export * from './quant-matmul';
export * from './multiply-add-ceiling';
