/**
 * Seeded uniform random numbers for the analysis stages.
 *
 * Every estimate in a report (misalignment samples, bootstrap intervals,
 * permutation p-values) must be reproducible from the cell's params, so no
 * analysis code may touch Math.random. simple-statistics accepts a
 * `randomSource` wherever it draws; this module makes one from the project's
 * generator, with a named stream per purpose so that two estimates seeded
 * alike still draw independently.
 */
import { deriveSeed, Rng } from '../ml/prng.js';

export type RandomSource = () => number;

export function createRng(seed: number, stream: string): RandomSource {
  const rng = new Rng(deriveSeed(seed, `analysis/${stream}`));
  return () => rng.next();
}

/** Uniform integer in [lo, hi], both ends included. */
export function randomInt(rng: RandomSource, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** A sequence of fair coin flips, the synthetic tasks' input distribution. */
export function randomBits(rng: RandomSource, length: number): number[] {
  return Array.from({ length }, () => (rng() < 0.5 ? 0 : 1));
}
