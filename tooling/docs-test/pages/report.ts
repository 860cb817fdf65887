// How a page tells the test its outcome: <body data-result> holds what `check` returned, as JSON, or
// <body data-error> the error it threw (`Name: message`).

/** Runs `check` and puts its result, or its error, on <body>. */
export async function report(check: () => unknown): Promise<void> {
  try {
    document.body.dataset.result = JSON.stringify(await check());
  } catch (error) {
    document.body.dataset.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

/**
 * The largest |got − want| / Σₚ|aᵢₚ·bₚⱼ| over the entries of a (m, k) · (k, n) product, with `want` computed here in
 * float64: a float32 matmul with any summation order stays within k·2⁻²⁴ of it (the classic γₖ bound).
 */
export function matmulErrorRatio(got: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let want = 0;
      let magnitude = 0;
      for (let p = 0; p < k; p++) {
        want += a[i * k + p]! * b[p * n + j]!;
        magnitude += Math.abs(a[i * k + p]! * b[p * n + j]!);
      }
      worst = Math.max(worst, Math.abs(got[i * n + j]! - want) / magnitude);
    }
  }
  return worst;
}
