// The `microgpt` executable. It exits explicitly (after stdout drains) because the wasm backend's worker
// threads would otherwise keep the process alive.
import { main } from './main';

const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
