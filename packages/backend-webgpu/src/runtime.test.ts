// The runtime's error path: what the device refuses (a shader that does not compile, a binding that does not
// match) comes back as a typed error from the next read, naming the backend; the runtime keeps working after it.
import { BackendError } from '@microgpt/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { WebGPUError } from './errors';
import { nodeGPU } from './node';
import { type GpuRuntime, createRuntime } from './runtime';
import { hasAdapter } from './test-backend';
import { ENTRY, packParams, uniform } from './wgsl';

const storage = (size: number): { backend: never; dtype: 'float32'; size: number } => ({ backend: undefined as never, dtype: 'float32', size });

if (await hasAdapter()) {
  const adapter = (await (await nodeGPU()).requestAdapter())!;
  const device = await adapter.requestDevice();
  const rt: GpuRuntime = createRuntime('webgpu-rt', device, device.limits, 'lanes');
  afterAll(() => {
    rt.destroy();
  });

  describe('webgpu runtime', () => {
    it('reports a shader the device rejects as a WebGPUError from the next read, then reads again', async () => {
      const out = storage(4);
      rt.allocate(out, 'float32', 4);
      rt.dispatch(`${uniform('n: u32')}\n${ENTRY}\n  t_out[i] = undefined_name;\n}`, packParams([{ u: 4 }]), [['t_out', out, 'f32']], 4);
      const failed = rt.read(out, 0, 4);
      await expect(failed).rejects.toThrow(WebGPUError);
      await expect(failed).rejects.toThrow(/^webgpu-rt\.submit: the device reported an error: .*undefined_name/s);
      rt.write(out, 1, Float32Array.from([2.5]));
      expect(Array.from(await rt.read(out, 0, 4))).toEqual([0, 2.5, 0, 0]);
      rt.release(out);
    });

    it('refuses a storage it does not hold, by name', async () => {
      await expect(rt.read(storage(1), 0, 1)).rejects.toThrow(BackendError);
      expect(() => {
        rt.write(storage(1), 0, new Float32Array(1));
      }).toThrow(/webgpu-rt\.write: storage is freed or not from this backend/);
    });
  });
} else {
  it.skip('webgpu runtime: no WebGPU adapter here', () => {});
}
