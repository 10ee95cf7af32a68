/**
 * Which sequence length each training step uses, and the sequences a run
 * draws at that length.
 *
 * The schedule draws a length uniformly from the lengths present in the
 * training set (the data stage draws lengths uniformly, so this matches its
 * distribution), from a stream that no seed enters: every run over data with
 * the same lengths present sees the same lengths in the same order. That is
 * what lets runs that differ in seed, target function or learning rate
 * train as the replicas of one stacked model with static shapes, each
 * replica computing exactly what it would alone. Which sequences a run
 * draws at each step comes from its own seeded stream.
 */
import { bucketByLength } from './batch.js';
import type { SeqSet } from './dataset.js';
import { deriveSeed, Rng } from './prng.js';

/** The distinct lengths of a set, ascending. */
export function lengthsPresent(set: SeqSet): number[] {
  return [...bucketByLength(set.lengths).keys()];
}

/** The length of every step 0..steps-1; a prefix of a longer schedule over the same lengths. */
export function lengthSchedule(lengths: readonly number[], steps: number): Int32Array {
  if (lengths.length === 0) throw new Error('The training set holds no sequences');
  const rng = new Rng(deriveSeed(0, 'train.lengths'));
  const out = new Int32Array(steps);
  for (let t = 0; t < steps; t++) out[t] = lengths[rng.int(lengths.length)]!;
  return out;
}

/** Draws a run's batches: `batchSize` sequences of the step's length, uniformly, from `rng`. */
export class BatchSampler {
  readonly #buckets: Map<number, number[]>;

  constructor(
    set: SeqSet,
    readonly batchSize: number,
    readonly rng: Rng,
  ) {
    this.#buckets = bucketByLength(set.lengths);
  }

  next(length: number): number[] {
    const bucket = this.#buckets.get(length);
    if (!bucket) throw new Error(`The training set has no sequence of length ${length}`);
    return Array.from({ length: this.batchSize }, () => bucket[this.rng.int(bucket.length)]!);
  }
}
