// The training worker's entry: starts the wasm backend (threads when the page is cross-origin isolated), then
// hands every request to the controller. Requests that arrive while the backend starts wait in order. WebGPU is
// asked for after `ready`, so that wasm is usable at once; the page hears which adapter it got, or why none.
import { type WasmBackend, startBackend } from '@microgpt/tensor';
import type { Request, WorkerEvent } from '../protocol';
import { createController } from './controller';
import { openWebGPU } from './webgpu';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(event: WorkerEvent, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const waiting: Request[] = [];
scope.onmessage = (event) => {
  waiting.push(event.data);
};

try {
  const backend = (await startBackend('wasm')) as WasmBackend;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const maxThreads = isolated ? Math.max(1, navigator.hardwareConcurrency) : 1;
  const webgpu = openWebGPU();
  const controller = createController(backend, (event, transfer = []) => {
    scope.postMessage(event, transfer);
  }, maxThreads, webgpu.then((opened) => opened.backend));
  scope.postMessage({ type: 'ready', threads: maxThreads, isolated });
  void webgpu.then(({ status }) => {
    scope.postMessage({ type: 'webgpu', status });
  });
  scope.onmessage = (event) => {
    void controller.handle(event.data);
  };
  for (const request of waiting.splice(0)) void controller.handle(request);
} catch (error) {
  scope.postMessage({ type: 'error', request: 'init', message: `the WebAssembly backend did not start: ${(error as Error).message}` });
}
