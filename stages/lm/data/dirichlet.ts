/**
 * Seeded Gamma and Dirichlet draws from our mulberry32 Rng, so a Markov
 * source is a pure function of its seed. Gamma by Marsaglia and Tsang (2000),
 * "A simple method for generating gamma variables", in log space: for shape
 * a < 1 it uses G(a) = G(a + 1) * U^(1/a), whose logarithm stays finite
 * where U^(1/a) itself would underflow to 0 for small concentrations.
 */
import type { Rng } from '../../ml/prng.js';

/** log of a Gamma(shape, 1) draw. */
export function logGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new Error(`Gamma shape must be positive, got ${shape}`);
  if (shape < 1) return logGamma(rng, shape + 1) + Math.log(1 - rng.next()) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next(); // (0, 1]
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** One draw of a symmetric Dirichlet(concentration) over n outcomes, written into out[offset..offset+n). */
export function dirichletInto(rng: Rng, n: number, concentration: number, out: Float64Array, offset = 0): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const g = logGamma(rng, concentration);
    out[offset + i] = g;
    if (g > max) max = g;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(out[offset + i]! - max);
    out[offset + i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[offset + i]! /= sum;
}
