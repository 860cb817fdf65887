// @microgpt/quant/node: everything in @microgpt/quant plus quantized checkpoint folders on disk.
export * from './index';
export { isQuantizedCheckpoint, loadQuantizedCheckpoint, saveQuantizedCheckpoint } from './folder';
