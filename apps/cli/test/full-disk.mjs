// Preloaded into a CLI child (`node --import full-disk.mjs cli.js …`) on machines where the test cannot mount a
// small tmpfs: once the file named by MICROGPT_TEST_DISK_FULL exists, every write fails with ENOSPC, as when the
// disk has filled up. Removing that file frees the "disk" again.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const trigger = process.env.MICROGPT_TEST_DISK_FULL;
const full = () => trigger !== undefined && fs.existsSync(trigger);
const noSpace = (syscall) => Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: 'ENOSPC', errno: -28, syscall });
const open = fs.promises.open;

fs.promises.open = async (path, flags, mode) => {
  const handle = await open(path, flags, mode);
  if (typeof flags !== 'string' || !/[wa+]/.test(flags)) return handle;
  const writeFile = handle.writeFile.bind(handle);
  const write = handle.write.bind(handle);
  handle.writeFile = async (...args) => {
    if (full()) throw noSpace('write');
    return writeFile(...args);
  };
  handle.write = async (...args) => {
    if (full()) throw noSpace('write');
    return write(...args);
  };
  return handle;
};
syncBuiltinESMExports();
