// The `microgpt` executable. It exits explicitly (after stdout drains) because the wasm backend's worker
// threads would otherwise keep the process alive. No top-level await: the same bundle, turned into CommonJS, is the
// script of the single executable (scripts/standalone.mjs --sea).
import { main } from './main';

void main(process.argv.slice(2)).then((code) => {
  process.stdout.write('', () => process.exit(code));
});
