/**
 * The batches a run draws, from its own seeded stream: a length with
 * probability proportional to its share of the training set, then
 * `batchSize` sequences of that length. Runs of one group draw their own
 * lengths, so at a given step some replicas share a length and can take one
 * stacked pass, and the others take their own.
 */
import { bucketByLength } from './batch.js';
import type { SeqSet } from './dataset.js';
import type { Rng } from './prng.js';

export class BatchSampler {
  readonly #buckets: number[][];
  readonly #byIndex: number[];

  constructor(
    readonly set: SeqSet,
    readonly batchSize: number,
    readonly rng: Rng,
  ) {
    const buckets = [...bucketByLength(set.lengths).values()];
    this.#buckets = buckets;
    this.#byIndex = new Array<number>(set.count);
    buckets.forEach((b, i) => b.forEach((idx) => (this.#byIndex[idx] = i)));
  }

  next(): number[] {
    const bucket = this.#buckets[this.#byIndex[this.rng.int(this.set.count)]!]!;
    return Array.from({ length: this.batchSize }, () => bucket[this.rng.int(bucket.length)]!);
  }
}
