/**
 * Long-short misalignment of a language model: for each suffix pair the
 * next-token distributions at the shared last position of x[-l1:] and
 * x[-l2:], compared with symmetric cross-entropy (the paper's metric) and
 * symmetric KL (the disagreement alone: SCE = symKL + H(p) + H(q)). All
 * suffixes of one length go through the model together, batchSize at a time.
 */
import { entropy, symmetricCrossEntropy, symmetricKl } from '../../analysis/divergence.js';
import { estimate } from '../../analysis/estimate.js';
import { drawSuffixPairs, suffixRange, type SuffixPair } from './suffixes.js';
import { testRowOf, type EvalData, type EvalLm, type MeanSe } from './types.js';

export interface Misalignment {
  sce: MeanSe;
  symkl: MeanSe;
  /** Mean of (H(p) + H(q)) / 2: the part of SCE that is sharpness, not disagreement. */
  entropy: MeanSe;
  samples: number;
  seed: number;
  suffixRange: [number, number];
}

export interface MisalignOptions {
  samples: number;
  seed: number;
  batchSize: number;
  signal?: AbortSignal;
}

export async function misalignment(model: EvalLm, data: EvalData, opts: MisalignOptions): Promise<Misalignment> {
  const { lTrain } = data.meta;
  if (lTrain > data.meta.testLength + 1)
    throw new Error(`lTrain ${lTrain} exceeds the test rows (${data.meta.testLength + 1} tokens)`);
  const pairs = drawSuffixPairs(opts.samples, lTrain, data.meta.testSequences, opts.seed);
  const dists = await lastPositionDistributions(model, data, pairs, opts);
  const sce: number[] = [];
  const kl: number[] = [];
  const ent: number[] = [];
  pairs.forEach((_, i) => {
    const p = dists[2 * i] as Float64Array;
    const q = dists[2 * i + 1] as Float64Array;
    sce.push(symmetricCrossEntropy(p, q));
    kl.push(symmetricKl(p, q));
    ent.push((entropy(p) + entropy(q)) / 2);
  });
  return {
    sce: estimate(sce),
    symkl: estimate(kl),
    entropy: estimate(ent),
    samples: opts.samples,
    seed: opts.seed,
    suffixRange: suffixRange(lTrain),
  };
}

/** Distributions for every suffix, in pair order (2i: x[-l1:], 2i+1: x[-l2:]). */
export async function lastPositionDistributions(
  model: EvalLm,
  data: EvalData,
  pairs: readonly SuffixPair[],
  opts: Pick<MisalignOptions, 'batchSize' | 'signal'>,
): Promise<Float64Array[]> {
  const V = model.config.vocab;
  const lTrain = data.meta.lTrain;
  const out: Float64Array[] = new Array<Float64Array>(pairs.length * 2);
  for (const [length, slots] of byLength(pairs)) {
    for (let start = 0; start < slots.length; start += opts.batchSize) {
      opts.signal?.throwIfAborted();
      const chunk = slots.slice(start, start + opts.batchSize);
      const inputs = new Int8Array(chunk.length * length);
      chunk.forEach((slot, b) => {
        const x = testRowOf(data, (pairs[slot >> 1] as SuffixPair).row);
        inputs.set(x.subarray(lTrain - length, lTrain), b * length);
      });
      const lp = await model.logProbs(inputs, chunk.length, length);
      if (lp.length !== chunk.length * length * V) {
        throw new Error(`logProbs returned ${lp.length} values, expected ${chunk.length * length * V}`);
      }
      chunk.forEach((slot, b) => {
        const last = (b * length + length - 1) * V;
        out[slot] = Float64Array.from(lp.subarray(last, last + V), Math.exp);
      });
    }
  }
  return out;
}

/** Slot indices (2i for l1, 2i+1 for l2) grouped by suffix length, lengths ascending. */
function byLength(pairs: readonly SuffixPair[]): [number, number[]][] {
  const groups = new Map<number, number[]>();
  const add = (length: number, slot: number): void => {
    const g = groups.get(length);
    if (g) g.push(slot);
    else groups.set(length, [slot]);
  };
  pairs.forEach((p, i) => {
    add(p.l1, 2 * i);
    add(p.l2, 2 * i + 1);
  });
  return [...groups.entries()].sort((a, b) => a[0] - b[0]);
}
