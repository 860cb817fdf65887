// @microgpt/backend-blas in a bundled page: its `browser` entry stands in for the Node-only package, so the page
// builds, and importing it rejects with the error that says why and what to use instead.
import { report } from './report';

void report(async () => {
  const blas = await import('@microgpt/backend-blas');
  return { exports: Object.keys(blas) };
});
