// The 512³ float32 matmul race of the relaxed-SIMD targets, shared by the `matmul-fma` suite (Node) and the page
// the `browser` suite opens in Chromium: each implementation is a row, and the rounds take the rows in turn, so
// that a load on the machine falls on every row alike; a row's figure is its median over the rounds. Nothing here
// needs Node: the page runs it as it is, with no CPU clock.
import { type WasmBackend, createWasmBackend, matmul, randn } from '@microgpt/tensor';

/** Rows and columns of both operands. */
export const RACE_N = 512;
/** Rounds of the race, each timing every row once. */
export const RACE_ROUNDS = 25;
/** Products one row computes per round. */
export const RACE_CALLS_PER_ROUND = 3;
/** Untimed products per row before the first round. */
const WARMUP_CALLS = 10;

/** Floating-point operations of one RACE_N³ product. */
export const RACE_PRODUCT_FLOPS = 2 * RACE_N ** 3;

/** What a row computes: its name in the results and the flops of one call (raceRow defaults to the RACE_N³ product). */
export interface RaceWork {
  readonly name: string;
  readonly flops: number;
}

/** One implementation in the race: its product and what it must do before its turn (set its thread count). */
export interface RaceRow extends RaceWork {
  readonly impl: string;
  readonly threads: number;
  readonly call: () => void;
  readonly prepare: () => Promise<void>;
  /** Wall seconds of each round's RACE_CALLS_PER_ROUND products. */
  readonly wall: number[];
  /** CPU seconds of the same, where a CPU clock was given. */
  readonly cpu: number[];
}

/** A row of the race; `backend`, when given, is set to `threads` before each turn. */
export function raceRow(impl: string, threads: number, call: () => void, backend?: WasmBackend, work: RaceWork = { name: `matmul-${RACE_N}`, flops: RACE_PRODUCT_FLOPS }): RaceRow {
  return { ...work, impl, threads, call, wall: [], cpu: [], prepare: async () => backend?.setThreads(threads) };
}

/** A 512² × 512² product on a wasm backend with the `simd` module (two threads available), and its backend. */
export async function wasmRaceProduct(simd: 'relaxed-simd' | 'simd128'): Promise<{ backend: WasmBackend; call: () => void }> {
  const backend = await createWasmBackend({ simd, threads: 2 });
  const a = randn([RACE_N, RACE_N], { seed: 1, backend });
  const b = randn([RACE_N, RACE_N], { seed: 2, backend });
  const out = matmul(a, b);
  return { backend, call: () => void matmul(a, b, { out }) };
}

/**
 * Warms every row up, then runs RACE_ROUNDS rounds, recording each row's wall seconds and, with `cpuSeconds` (a
 * clock of the process's CPU time), its CPU seconds.
 */
export async function runRace(rows: readonly RaceRow[], cpuSeconds?: () => number): Promise<void> {
  for (const r of rows) {
    await r.prepare();
    for (let i = 0; i < WARMUP_CALLS; i++) r.call();
  }
  for (let round = 0; round < RACE_ROUNDS; round++) {
    for (const r of rows) {
      await r.prepare();
      const cpuStart = cpuSeconds?.() ?? 0;
      const start = performance.now();
      for (let i = 0; i < RACE_CALLS_PER_ROUND; i++) r.call();
      r.wall.push((performance.now() - start) / 1000);
      if (cpuSeconds) r.cpu.push(cpuSeconds() - cpuStart);
    }
  }
}

/** GFLOP/s of RACE_CALLS_PER_ROUND calls of `flops` each (by default RACE_N³ products) in `seconds`. */
export function raceGflops(seconds: number, flops = RACE_PRODUCT_FLOPS): number {
  return Number(((RACE_CALLS_PER_ROUND * flops) / seconds / 1e9).toFixed(3));
}
