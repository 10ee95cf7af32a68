/**
 * The stationary distribution of the chain over order-k contexts, by a dense
 * linear solve of pi (P - I) = 0 with sum(pi) = 1 (Gaussian elimination with
 * partial pivoting). A solve rather than power iteration: its accuracy does
 * not depend on the chain's mixing time, which Dirichlet rows with small
 * concentration can make long, and at the sizes we allow (V^k <= 1024
 * contexts) it costs well under a second.
 */

/** Index of the context that follows `context` when token y is emitted (base V, oldest token most significant). */
export function nextContext(context: number, y: number, vocab: number, contexts: number): number {
  return ((context * vocab) % contexts) + y;
}

/** Solve A x = b in place (A row-major n x n); throws when A is singular. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (Math.abs(a[pivot * n + col]!) < 1e-300)
      throw new Error('stationary distribution: the context chain is not irreducible');
    if (pivot !== col) {
      for (let j = 0; j < n; j++) [a[col * n + j], a[pivot * n + j]] = [a[pivot * n + j]!, a[col * n + j]!];
      [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    }
    const p = a[col * n + col]!;
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col]! / p;
      if (f === 0) continue;
      for (let j = col; j < n; j++) a[r * n + j]! -= f * a[col * n + j]!;
      b[r]! -= f * b[col]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < n; j++) s -= a[r * n + j]! * x[j]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

/** Stationary distribution over the V^k contexts of `transition` (V^k rows of V). */
export function stationaryOf(transition: Float64Array, vocab: number, contexts: number): Float64Array {
  const n = contexts;
  // Row i of A is equation i of (P^T - I) pi = 0; the last is replaced by sum(pi) = 1.
  const a = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    a[c * n + c]! -= 1;
    for (let y = 0; y < vocab; y++) a[nextContext(c, y, vocab, n) * n + c]! += transition[c * vocab + y]!;
  }
  a.fill(1, (n - 1) * n, n * n);
  const b = new Float64Array(n);
  b[n - 1] = 1;
  const pi = solve(a, b, n);
  // Rounding can leave tiny negatives; clamp and renormalise.
  let sum = 0;
  for (let c = 0; c < n; c++) {
    if (pi[c]! < -1e-9)
      throw new Error(`stationary distribution: solve gave pi[${c}] = ${pi[c]}; the context chain is ill-conditioned`);
    if (pi[c]! < 0) pi[c] = 0;
    sum += pi[c]!;
  }
  for (let c = 0; c < n; c++) pi[c]! /= sum;
  return pi;
}
