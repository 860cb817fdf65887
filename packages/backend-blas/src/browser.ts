// What a browser bundle gets for @microgpt/backend-blas: the `browser` condition of its exports points here. The
// package calls the system's BLAS through koffi (native code) from Node.js worker threads, none of which a page
// has, so a bundler gets this file instead of trying to pack koffi's binaries, and importing it fails at once
// with the reason and what to use instead.
import { BackendError } from '@microgpt/tensor';

throw new BackendError(
  "backend-blas: runs only in Node.js (it calls the system's BLAS through koffi, native code, from worker threads); in a browser use the wasm backend of @microgpt/tensor (startBackend('wasm')) or @microgpt/backend-webgpu",
);
