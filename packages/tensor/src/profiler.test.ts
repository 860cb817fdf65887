// The kernel profiler: off, `kernel()` hands out the kernel itself; on, every call is recorded with its name,
// backend, dtype, threads, shapes and FLOPs (kernel-flops.ts) and results are unchanged; profileEpoch moves at each
// start and stop; the call list is bounded while totals stay complete; the table adds up; the Chrome trace passes a Trace Event Format schema check.
import { afterEach, describe, expect, it } from 'vitest';
import { findBackend } from './registry';
import { kernel } from './dispatch';
import { type Profile, type Profiler, profileEpoch, startProfile } from './profiler';
import { chromeTrace, profileRows, profileTable } from './profile-report';
import { traceProblems } from './trace-event-schema';
import { tensor } from './create';
import { matmul } from './ops/matmul';
import { add } from './ops/elementwise';

const js = findBackend('js');
let open: Profiler | null = null;
afterEach(() => {
  open?.stop();
  open = null;
});

const inputs = (): { a: ReturnType<typeof tensor>; b: ReturnType<typeof tensor> } => ({
  a: tensor(Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 7 - 1), { shape: [2, 3, 4], backend: js }),
  b: tensor(Float32Array.from({ length: 4 * 5 }, (_, i) => Math.sin(i)), { shape: [4, 5], backend: js }),
});

describe('profiler', () => {
  it('hands out the kernel itself when off, a recording wrapper while on, and the kernel again after', () => {
    const plain = kernel(js, 'matmul', 'float32');
    expect(kernel(js, 'matmul', 'float32')).toBe(plain);
    open = startProfile();
    const wrapped = kernel(js, 'matmul', 'float32');
    expect(wrapped).not.toBe(plain);
    expect(kernel(js, 'matmul', 'float32')).toBe(wrapped);
    open.stop();
    expect(kernel(js, 'matmul', 'float32')).toBe(plain);
    const before = profileEpoch();
    const profiler = startProfile();
    expect(profileEpoch()).not.toBe(before);
    const during = profileEpoch();
    profiler.stop();
    expect(profileEpoch()).not.toBe(during);
    const after = profileEpoch();
    profiler.stop();
    expect(profileEpoch()).toBe(after);
    expect(() => {
      startProfile().stop();
      open = startProfile();
      startProfile();
    }).toThrow('startProfile: a profile is already active; stop it first');
  });

  it('records each call (name, backend, dtype, threads, shapes, FLOPs) and leaves results unchanged', () => {
    const { a, b } = inputs();
    const expected = add(matmul(a, b), 1).toArray();
    open = startProfile();
    const got = add(matmul(a, b), 1).toArray();
    const profile = open.stop();
    expect(Array.from(got)).toEqual(Array.from(expected));
    const mm = profile.calls.find((c) => c.kernel === 'matmul')!;
    expect(mm).toMatchObject({ backend: 'js', dtype: 'float32', threads: 1, flops: 2 * 2 * 3 * 5 * 4 });
    expect(mm.shapes.a).toEqual([2, 3, 4]);
    expect(mm.shapes.out).toEqual([2, 3, 5]);
    expect(mm.duration).toBeGreaterThanOrEqual(0);
    expect(profile.calls.map((c) => c.kernel)).toContain('binaryScalar');
    expect(profile.calls.find((c) => c.kernel === 'binaryScalar')!.flops).toBe(2 * 3 * 5);
    for (const [name, totals] of Object.entries(profile.totals)) expect(totals.calls).toBe(profile.calls.filter((c) => c.kernel === name).length);
    expect(profile.calls.every((c, i) => i === 0 || c.start >= profile.calls[i - 1]!.start)).toBe(true);
  });

  it('keeps at most maxCalls calls but counts every call; a wrapper kept after stop records only into an active profile', () => {
    const { a, b } = inputs();
    open = startProfile({ maxCalls: 2 });
    const mm = kernel(js, 'matmul', 'float32');
    for (let i = 0; i < 5; i++) matmul(a, b);
    const first = open.stop();
    expect(first.calls).toHaveLength(2);
    expect(first.dropped).toBe(3);
    expect(first.totals.matmul!.calls).toBe(5);
    const out = tensor(new Float32Array(30), { shape: [2, 3, 5], backend: js });
    mm({ a, b, out, transA: false, transB: false, accumulate: false });
    expect(first.totals.matmul!.calls).toBe(5);
    open = startProfile();
    mm({ a, b, out, transA: false, transB: false, accumulate: false });
    expect(open.stop().totals.matmul!.calls).toBe(1);
    expect(() => startProfile({ maxCalls: -1 })).toThrow('maxCalls must be an integer ≥ 0, found -1');
  });
});

describe('profile report', () => {
  const profile: Profile = {
    calls: [
      { kernel: 'matmul', backend: 'wasm', dtype: 'float32', threads: 2, shapes: { a: [4, 8], b: [8, 16], out: [4, 16] }, start: 0.5, duration: 0.002, flops: 1024 },
      { kernel: 'softmax', backend: 'wasm', dtype: 'float32', threads: 2, shapes: { x: [4, 16], out: [4, 16] }, start: 1, duration: 0.5, flops: null },
      { kernel: 'copy', backend: 'js', dtype: 'float64', threads: 1, shapes: { src: [3], dst: [3] }, start: 2, duration: 0.1, flops: null },
    ],
    dropped: 1,
    totals: { matmul: { calls: 2, ms: 4, flops: 8e6, flopMs: 4 }, softmax: { calls: 1, ms: 0.5, flops: 0, flopMs: 0 }, copy: { calls: 1, ms: 0.1, flops: 0, flopMs: 0 } },
    wallMs: 10,
  };

  it('ranks kernels by time with shares that add up and GFLOP/s from the known counts', () => {
    const rows = profileRows(profile);
    expect(rows.map((r) => r.kernel)).toEqual(['matmul', 'softmax', 'copy']);
    expect(rows[0]).toMatchObject({ calls: 2, totalMs: 4, meanUs: 2000, gflops: 2 });
    expect(rows[0]!.share).toBeCloseTo(4 / 4.6, 15);
    expect(rows.reduce((n, r) => n + r.share, 0)).toBeCloseTo(1, 15);
    expect(rows[1]!.gflops).toBeNull();
    expect(profileTable(profile)).toBe(
      [
        'kernel      calls    total ms   share    µs/call   GFLOP/s',
        'matmul          2        4.00   87.0%     2000.0      2.00',
        'softmax         1        0.50   10.9%      500.0         -',
        'copy            1        0.10    2.2%      100.0         -',
        '4 kernel calls, 4.60 ms of 10 ms wall (46.0% in kernels)',
      ].join('\n'),
    );
  });

  it('writes a Chrome trace that the Trace Event Format schema accepts: complete events in µs, a track a backend', () => {
    const trace = JSON.parse(JSON.stringify(chromeTrace(profile, 'microgpt train'))) as ReturnType<typeof chromeTrace>;
    expect(traceProblems(trace)).toEqual([]);
    const complete = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(complete.map((e) => [e.name, e.ts, e.dur, e.tid])).toEqual([
      ['matmul', 500, 2, 1],
      ['softmax', 1000, 500, 1],
      ['copy', 2000, 100, 2],
    ]);
    expect(complete[0]!.args).toEqual({ dtype: 'float32', threads: 2, a: '4×8', b: '8×16', out: '4×16', gflop: 1024 / 1e9 });
    expect(trace.traceEvents.filter((e) => e.ph === 'M').map((e) => [e.name, e.tid, e.args])).toEqual([
      ['process_name', 0, { name: 'microgpt train' }],
      ['thread_name', 1, { name: 'wasm kernels' }],
      ['thread_name', 2, { name: 'js kernels' }],
    ]);
    expect(trace.otherData).toEqual({ recordedCalls: 3, droppedCalls: 1 });
  });

  it('the schema check refuses what viewers cannot read', () => {
    expect(traceProblems({ events: [] })).toEqual(["(root) should have required property 'traceEvents'"]);
    expect(traceProblems({ traceEvents: [{ name: 'k', ph: 'X', pid: 1, tid: 1, ts: 0 }] })).toContain(".traceEvents[0] should have required property 'dur'");
    expect(traceProblems({ traceEvents: [{ name: 'k', ph: 'Q', pid: 1, tid: 1, ts: 0 }] }).join('\n')).toContain('.traceEvents[0].ph should be equal to one of the allowed values');
    expect(traceProblems({ traceEvents: [{ name: 'k', ph: 'X', pid: 1.5, tid: 1, ts: -1, dur: 1 }] })).toHaveLength(2);
    expect(traceProblems({ traceEvents: [{ name: 'weird', ph: 'M', pid: 1, tid: 1, args: {} }] }).join('\n')).toContain('.traceEvents[0].name should be equal to one of the allowed values');
  });
});
