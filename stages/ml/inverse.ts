/**
 * The inverse of a reparameterization as evaluation uses it: total and
 * finite on any model output. A model can output values f never takes
 * (a negative number for sqrt, 0 for 1/sqrt, 800 for log, whose exp
 * overflows); such an output is clamped to the image under f of the target
 * range [0, TARGET_MAX] before inverting, and the clamp is counted so that
 * reports can say how often it happened.
 */
import type { Reparam } from './reparam.js';

/** The largest length an inverse returns: far beyond any test length, and finite squared. */
export const TARGET_MAX = 1e6;

export interface Inversion {
  value: number;
  clamped: boolean;
}

export type Inverter = (y: number) => Inversion;

export function clampedInverse(r: Pick<Reparam, 'f' | 'inverse'>): Inverter {
  const ends = [r.f(0), r.f(TARGET_MAX)];
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  return (y) => {
    // NaN stays NaN (a broken model's error is undefined, not clamped away).
    if (Number.isNaN(y)) return { value: Number.NaN, clamped: false };
    const c = Math.min(Math.max(y, lo), hi);
    return { value: r.inverse(c), clamped: c !== y };
  };
}
