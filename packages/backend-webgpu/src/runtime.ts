// The device side of the backend: one GPU buffer per storage, found by identity; every write, kernel and read-back
// copy is recorded on one pending command encoder, submitted only when a read needs it (or the batch grows long),
// so a training step is a few command buffers. Errors come back through error scopes around each submit and
// allocation and reject the next read; a lost device rejects every later call.
import { BackendError, BackendMemoryError, type DType, type Storage, type TypedArray, allocTypedArray, bytesPerElement } from '@microgpt/tensor';
import { WebGPUDeviceLostError, fromGPUError } from './errors';
import { bindSlots } from './bind-slots';
import { rebaseAccesses } from './rebase';
import { type RowForm, SERIAL_ROWS, WORKGROUP_SIZE } from './wgsl';

// The numeric values of GPUBufferUsage and GPUMapMode (fixed by the spec), so that no global object is needed.
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const MAP_READ = 1;

/** Commands recorded before the runtime submits them without waiting for a read (bounds the temporary buffers). */
const MAX_PENDING_COMMANDS = 512;
/** The binding of the window bases (see Window): past any buffer slot a shader may have. */
const WINDOW_BASE_BINDING = 100;
/** vec4s of window bases: one u32 per binding slot, up to 16 slots (tensors of one buffer far apart bind apart). */
const WINDOW_BASE_VECTORS = 4;

/** The limits the runtime splits work by: the device's, or lower ones a caller asked for (tests of the split paths). */
export interface RuntimeLimits {
  /** Bytes one buffer may hold: larger storages are refused before allocating. */
  readonly maxBufferSize: number;
  /** Bytes one binding may span: kernels bind windows of larger buffers and run in parts. */
  readonly maxStorageBufferBindingSize: number;
  /** Workgroups along one dimension of one dispatch. */
  readonly maxComputeWorkgroupsPerDimension: number;
}

/**
 * The part of a buffer one dispatch binds, in 4-byte elements from the buffer's start: `first` up to `first +
 * count`. The runtime binds from `first` rounded down to the device's offset alignment, and the shader's indices
 * into the array stay those of the whole buffer (the runtime subtracts the window's start).
 */
export interface Window {
  readonly first: number;
  readonly count: number;
}

/**
 * A storage array of one dispatch: the name the shader uses for it (`t_…`), its buffer (a storage of this backend,
 * or a buffer of the runtime's own), its WGSL element type, and the window of it that the dispatch touches (the
 * whole buffer when absent; required where the buffer passes maxStorageBufferBindingSize).
 */
export type Binding = readonly [name: string, buffer: Storage | GPUBuffer, type: 'f32' | 'i32' | 'u32', window?: Window];

/** The device, its buffers, the pending commands and the pipeline cache of one backend. */
export interface GpuRuntime {
  readonly name: string;
  readonly device: GPUDevice;
  readonly limits: RuntimeLimits;
  /** How the row kernels spread a row (see RowForm): their shaders and dispatchRows follow it. */
  readonly rowForm: RowForm;
  /** The most 4-byte elements a Window may count (maxStorageBufferBindingSize less the offset alignment's slack). */
  readonly windowElements: number;
  /** Whether `storage`'s buffer passes maxStorageBufferBindingSize, so that every dispatch must bind a Window of it. */
  needsWindow(storage: Storage): boolean;
  /** Allocates a zero-filled buffer for `size` elements of `dtype` and registers `storage` as its owner. */
  allocate(storage: Storage, dtype: DType, size: number): void;
  /** Destroys the buffer of `storage` once the commands recorded so far no longer need it. */
  release(storage: Storage): void;
  /** Records a copy of `data` into `storage` at element `offset` (a uint8 write's partial end words: a shader's). */
  write(storage: Storage, offset: number, data: TypedArray): void;
  /** Records a copy of `length` elements at `offset` and submits; resolves to them. */
  read(storage: Storage, offset: number, length: number): Promise<TypedArray>;
  /**
   * Records one dispatch of the WGSL compute shader `code` (entry `main`, workgroup size WORKGROUP_SIZE) over
   * `threads` invocations (more run; the shader checks its bound): binding 0 is a uniform buffer holding `params`,
   * and the storage arrays named in `buffers` are declared here, one binding per distinct buffer, or per cluster of
   * overlapping windows of it (WebGPU refuses overlapping writable bindings of one buffer, and a model's tensors are
   * views of a few arenas: bind-slots.ts), each name in the code replaced by its binding's.
   */
  dispatch(code: string, params: ArrayBuffer, buffers: readonly Binding[], threads: number): void;
  /**
   * Records one dispatch of `code` over a `grid` of workgroups (x, y, z), for shaders with their own workgroup
   * shape (matmul tiles); bindings as in `dispatch`.
   * @throws {BackendMemoryError} when a dimension of the grid passes maxComputeWorkgroupsPerDimension, or a buffer
   * too large for one binding comes without a window (or with one that does not fit).
   */
  dispatchGroups(code: string, params: ArrayBuffer, buffers: readonly Binding[], grid: readonly [number, number, number]): void;
  /**
   * Records a dispatch of a row kernel (rowKernelHead) over `rows` rows: one workgroup per row in the lanes form,
   * SERIAL_ROWS rows a workgroup in the serial form; bindings as in `dispatch`.
   */
  dispatchRows(code: string, params: ArrayBuffer, buffers: readonly Binding[], rows: number): void;
  /** A zero-filled storage buffer of `bytes` for one kernel's intermediate values, destroyed after the next submit. */
  scratch(bytes: number): GPUBuffer;
  /** Throws a WebGPUDeviceLostError once the device is lost. */
  checkAlive(op: string): void;
  /** Submits what is recorded, destroys every buffer, and destroys the device. */
  destroy(): void;
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The runtime of a backend named `name` over `device`, splitting work by `limits`, running row kernels in `rowForm`. */
export function createRuntime(name: string, device: GPUDevice, limits: RuntimeLimits, rowForm: RowForm): GpuRuntime {
  const alignment = device.limits.minStorageBufferOffsetAlignment;
  const windowElements = Math.floor((limits.maxStorageBufferBindingSize - alignment) / 4);
  const buffers = new WeakMap<Storage, GPUBuffer>();
  const live = new Set<GPUBuffer>();
  const pipelines = new Map<string, Map<string, GPUComputePipeline>>();
  const errors: Promise<Error | null>[] = [];
  let encoder: GPUCommandEncoder | null = null;
  let pending = 0;
  // Buffers that recorded commands still use: destroyed after the submit that runs them.
  let afterSubmit: GPUBuffer[] = [];
  let lost: GPUDeviceLostInfo | null = null;
  // Reads in flight, rejected at once when the device is lost (a map would never complete).
  const inFlight = new Set<(error: Error) => void>();
  void device.lost.then((info) => {
    lost = info;
    for (const reject of inFlight) reject(new WebGPUDeviceLostError(`${name}.readAsync: the GPU device was lost (${info.reason}: ${info.message})`));
    inFlight.clear();
  });

  let destroyed = false;
  const checkAlive = (op: string): void => {
    if (destroyed) throw new WebGPUDeviceLostError(`${name}.${op}: the backend was disposed (its GPU device is destroyed)`);
    if (lost) throw new WebGPUDeviceLostError(`${name}.${op}: the GPU device was lost (${lost.reason}: ${lost.message})`);
  };

  /** Opens validation and out-of-memory scopes; `close` pops them, and their errors reject the next read. */
  const open = (): void => {
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
  };
  const close = (op: string): void => {
    const oom = device.popErrorScope();
    const validation = device.popErrorScope();
    errors.push(
      Promise.all([oom, validation]).then(([a, b]) => {
        const error = a ?? b;
        return error ? fromGPUError(name, op, error) : null;
      }),
    );
  };

  const bufferOf = (storage: Storage, op: string): GPUBuffer => {
    checkAlive(op);
    const buffer = buffers.get(storage);
    if (!buffer) throw new BackendError(`${name}.${op}: storage is freed or not from this backend`);
    return buffer;
  };

  // A batch of commands records inside one pair of error scopes, closed when it is submitted: a shader, bind group
  // or command the device refuses becomes an error of the next read, not a message on the console.
  const recording = (): GPUCommandEncoder => {
    if (!encoder) {
      open();
      encoder = device.createCommandEncoder();
    }
    return encoder;
  };

  const submit = (): void => {
    if (!encoder) return;
    const finished = encoder;
    encoder = null;
    pending = 0;
    device.queue.submit([finished.finish()]);
    close('submit');
    for (const buffer of afterSubmit) buffer.destroy();
    afterSubmit = [];
  };

  const counted = (): void => {
    if (++pending >= MAX_PENDING_COMMANDS) submit();
  };

  /** A buffer of `bytes` (a multiple of 4) holding `fill(view)`, destroyed after the next submit. */
  const uploaded = (bytes: number, usage: number, fill: (mapped: ArrayBuffer) => void): GPUBuffer => {
    const buffer = device.createBuffer({ size: Math.max(bytes, 16), usage, mappedAtCreation: true });
    fill(buffer.getMappedRange());
    buffer.unmap();
    afterSubmit.push(buffer);
    return buffer;
  };

  // Which tensor names each shader uses: a binding the shader never reads is left out of its layout by WebGPU, so
  // it must be left out of the bind group too (an absent weight's stand-in, a column kernel that skips x).
  const names = new Map<string, Map<string, boolean>>();
  const uses = (code: string, tensorName: string): boolean => {
    let byName = names.get(code);
    if (!byName) names.set(code, (byName = new Map<string, boolean>()));
    let found = byName.get(tensorName);
    if (found === undefined) byName.set(tensorName, (found = new RegExp(`\\b${tensorName}\\b`).test(code)));
    return found;
  };

  /**
   * The pipeline of `code` with its tensors bound to `slots` (the index of each one's binding, bind-slots.ts): the arrays
   * are declared here and each tensor's name replaced by its binding's. Created once per code and aliasing.
   */
  const pipeline = (code: string, bound: readonly Binding[], slots: readonly number[], windowed: boolean): GPUComputePipeline => {
    let byAliasing = pipelines.get(code);
    if (!byAliasing) pipelines.set(code, (byAliasing = new Map<string, GPUComputePipeline>()));
    const key = `${slots.join(',')}${windowed ? ':windowed' : ''}`;
    let found = byAliasing.get(key);
    if (!found) {
      let source = code;
      let declarations = windowed ? `@group(0) @binding(${WINDOW_BASE_BINDING}) var<uniform> windowBase: array<vec4<u32>, ${WINDOW_BASE_VECTORS}>;\n` : '';
      bound.forEach(([tensorName, , type], k) => {
        const slot = slots[k]!;
        if (slots.indexOf(slot) === k) declarations += `@group(0) @binding(${slot + 1}) var<storage, read_write> buffer${slot}: array<${type}>;\n`;
        source = windowed
          ? rebaseAccesses(source, tensorName, `buffer${slot}`, `windowBase[${slot >> 2}][${slot & 3}]`)
          : source.replace(new RegExp(`\\b${tensorName}\\b`, 'g'), `buffer${slot}`);
      });
      const module = device.createShaderModule({ code: declarations + source });
      found = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      byAliasing.set(key, found);
    }
    return found;
  };

  const dispatchGroups = (code: string, params: ArrayBuffer, bound: readonly Binding[], grid: readonly [number, number, number]): void => {
    checkAlive('dispatch');
    if (grid.some((n) => n === 0)) return;
    if (grid.some((n) => n > limits.maxComputeWorkgroupsPerDimension)) {
      throw new BackendMemoryError(`${name}.dispatch: a grid of ${grid.join(' × ')} workgroups passes ${limits.maxComputeWorkgroupsPerDimension} (maxComputeWorkgroupsPerDimension) along one dimension`);
    }
    const used = bound.filter(([tensorName]) => uses(code, tensorName));
    const owners = used.map(([, owner, , window]) => ['dtype' in owner ? bufferOf(owner, 'dispatch') : owner, window] as const);
    const { slots, bound: distinct } = bindSlots(name, owners, alignment, limits.maxStorageBufferBindingSize);
    if (distinct.length > WINDOW_BASE_VECTORS * 4) throw new BackendError(`${name}.dispatch: ${distinct.length} bindings; a shader here takes at most ${WINDOW_BASE_VECTORS * 4}`);
    const windowed = distinct.some(({ range }) => range !== null);
    const pass = recording().beginComputePass();
    const compute = pipeline(code, used, slots, windowed);
    const uniform = uploaded(alignUp(params.byteLength, 16), USAGE.UNIFORM, (mapped) => {
      new Uint8Array(mapped).set(new Uint8Array(params));
    });
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    distinct.forEach(({ buffer, range }, i) => entries.push({ binding: i + 1, resource: range ? { buffer, ...range } : { buffer } }));
    if (windowed) {
      const bases = uploaded(WINDOW_BASE_VECTORS * 16, USAGE.UNIFORM, (mapped) => {
        new Uint32Array(mapped).set(distinct.map(({ range }) => (range ? range.offset / 4 : 0)));
      });
      entries.push({ binding: WINDOW_BASE_BINDING, resource: { buffer: bases } });
    }
    const group = device.createBindGroup({ layout: compute.getBindGroupLayout(0), entries });
    pass.setPipeline(compute);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    pass.end();
    counted();
  };

  const dispatch = (code: string, params: ArrayBuffer, bound: readonly Binding[], threads: number): void => {
    const groups = Math.ceil(threads / WORKGROUP_SIZE);
    const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
    dispatchGroups(code, params, bound, [x, x === 0 ? 0 : Math.ceil(groups / x), 1]);
  };

  /** Writes bytes that do not start or end on a 4-byte boundary (uint8 storages) by merging whole words. */
  const patchBytes = (storage: Storage, byteOffset: number, bytes: Uint8Array): void => {
    const first = Math.floor(byteOffset / 4);
    const words = Math.ceil((byteOffset + bytes.length) / 4) - first;
    const staged = new Uint8Array(words * 4);
    const mask = new Uint8Array(words * 4);
    staged.set(bytes, byteOffset - first * 4);
    mask.fill(0xff, byteOffset - first * 4, byteOffset - first * 4 + bytes.length);
    const temporary = uploaded(words * 8, USAGE.STORAGE, (mapped) => {
      new Uint8Array(mapped).set(staged);
      new Uint8Array(mapped).set(mask, words * 4);
    });
    dispatch(PATCH_BYTES, new Uint32Array([first, words, 0, 0]).buffer, [['t_dst', storage, 'u32', { first, count: words }], ['t_staged', temporary, 'u32']], words);
  };

  return {
    name,
    device,
    limits,
    rowForm,
    windowElements,
    needsWindow: (storage) => bufferOf(storage, 'dispatch').size > limits.maxStorageBufferBindingSize,
    checkAlive,
    allocate(storage, dtype, size) {
      checkAlive('alloc');
      const bytes = alignUp(size * bytesPerElement(dtype), 4);
      if (bytes > limits.maxBufferSize) {
        throw new BackendMemoryError(`${name}.alloc: ${size} ${dtype} elements need ${bytes} bytes; one GPU buffer here holds at most ${limits.maxBufferSize} bytes (maxBufferSize)`);
      }
      const usage = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
      open();
      const buffer = device.createBuffer({ size: Math.max(bytes, 4), usage });
      close('alloc');
      buffers.set(storage, buffer);
      live.add(buffer);
    },
    release(storage) {
      const buffer = buffers.get(storage);
      if (!buffer) throw new BackendError(`${name}.free: storage is freed or not from this backend`);
      buffers.delete(storage);
      live.delete(buffer);
      if (encoder) afterSubmit.push(buffer);
      else buffer.destroy();
    },
    write(storage, offset, data) {
      const target = bufferOf(storage, 'write');
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const byteOffset = offset * data.BYTES_PER_ELEMENT;
      const head = Math.min(bytes.length, (4 - (byteOffset % 4)) % 4);
      const middle = Math.floor((bytes.length - head) / 4) * 4;
      if (head > 0) patchBytes(storage, byteOffset, bytes.subarray(0, head));
      if (head + middle < bytes.length) patchBytes(storage, byteOffset + head + middle, bytes.subarray(head + middle));
      if (middle === 0) return;
      const source = uploaded(middle, USAGE.COPY_SRC, (mapped) => {
        new Uint8Array(mapped).set(bytes.subarray(head, head + middle));
      });
      recording().copyBufferToBuffer(source, 0, target, byteOffset + head, middle);
      counted();
    },
    read(storage, offset, length) {
      let source: GPUBuffer;
      try {
        source = bufferOf(storage, 'readAsync');
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      const width = bytesPerElement(storage.dtype);
      if (length === 0) return Promise.resolve(allocTypedArray(storage.dtype, 0));
      const start = Math.floor((offset * width) / 4) * 4;
      const size = alignUp((offset + length) * width, 4) - start;
      const staging = device.createBuffer({ size, usage: USAGE.MAP_READ | USAGE.COPY_DST });
      recording().copyBufferToBuffer(source, start, staging, 0, size);
      submit();
      const reported = errors.splice(0);
      const done = (async (): Promise<TypedArray> => {
        try {
          for (const error of await Promise.all(reported)) if (error) throw error;
          await staging.mapAsync(MAP_READ);
          const out = allocTypedArray(storage.dtype, length);
          const from = offset * width - start;
          new Uint8Array(out.buffer).set(new Uint8Array(staging.getMappedRange(), from, length * width));
          return out;
        } finally {
          staging.destroy();
        }
      })();
      return new Promise<TypedArray>((resolve, reject) => {
        inFlight.add(reject);
        done.then(resolve, reject).finally(() => inFlight.delete(reject));
      });
    },
    dispatch,
    dispatchGroups,
    dispatchRows(code, params, bound, rows) {
      const groups = rowForm === 'serial' ? Math.ceil(rows / SERIAL_ROWS) : rows;
      const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
      dispatchGroups(code, params, bound, [x, x === 0 ? 0 : Math.ceil(groups / x), 1]);
    },
    scratch(bytes) {
      const buffer = device.createBuffer({ size: alignUp(Math.max(bytes, 4), 4), usage: USAGE.STORAGE });
      afterSubmit.push(buffer);
      return buffer;
    },
    destroy() {
      if (destroyed) return;
      submit();
      for (const buffer of live) buffer.destroy();
      live.clear();
      device.destroy();
      destroyed = true;
    },
  };
}

/** dst words [first, first + words) take the staged bytes where the mask is set (staged words, then mask words). */
const PATCH_BYTES = /* wgsl */ `
struct P { first: u32, words: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * ${WORKGROUP_SIZE}u + lid;
  if (i >= p.words) { return; }
  let mask = t_staged[p.words + i];
  t_dst[p.first + i] = (t_dst[p.first + i] & ~mask) | (t_staged[i] & mask);
}
`;
