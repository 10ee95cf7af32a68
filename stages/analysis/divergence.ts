/**
 * Long-short misalignment, distribution form: for language-model heads the
 * paper compares next-token distributions at the shared last position with
 * symmetric cross-entropy (paper notes section 2; SCE from Wang et al. 2019).
 *
 *   SCE(p, q) = CE(p, q) + CE(q, p) = KL(p||q) + KL(q||p) + H(p) + H(q)
 *
 * SCE(p, p) = 2H(p), not 0: it also rewards sharp outputs (notes section 7.8),
 * so we report symmetric KL = SCE - H(p) - H(q) beside it as the pure
 * disagreement term.
 */
import { estimate, type Estimate } from './estimate.js';
import { createRng, randomInt, type RandomSource } from './random.js';

export type Distribution = ArrayLike<number>;

/**
 * log(0) is clamped so a zero-probability token gives a large finite
 * penalty rather than Infinity (SCE19 clamps log 0 the same way).
 */
const LOG_FLOOR = Math.log(1e-12);

const safeLog = (x: number): number => (x > 0 ? Math.max(Math.log(x), LOG_FLOOR) : LOG_FLOOR);

/** H(p) = -sum p log p, in nats. */
export function entropy(p: Distribution): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] ?? 0;
    if (pi > 0) h -= pi * Math.log(pi);
  }
  return h;
}

/** CE(p, q) = -sum p log q, in nats. */
export function crossEntropy(p: Distribution, q: Distribution): number {
  assertSameSize(p, q);
  let ce = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] ?? 0;
    if (pi > 0) ce -= pi * safeLog(q[i] ?? 0);
  }
  return ce;
}

export function symmetricCrossEntropy(p: Distribution, q: Distribution): number {
  return crossEntropy(p, q) + crossEntropy(q, p);
}

/** KL(p||q) + KL(q||p); >= 0, and 0 exactly when p = q. */
export function symmetricKl(p: Distribution, q: Distribution): number {
  // Clamp tiny negative rounding so callers can rely on >= 0.
  return Math.max(0, symmetricCrossEntropy(p, q) - entropy(p) - entropy(q));
}

function assertSameSize(p: Distribution, q: Distribution): void {
  if (p.length !== q.length) throw new Error(`distributions differ in size: ${p.length} vs ${q.length}`);
}

/** Next-token distributions at the last position of each sequence. */
export type NextTokenModel = (seqs: number[][]) => Promise<Distribution[]>;

export interface DistributionMisalignmentOptions {
  samples: number;
  seed: number;
  trainLength: number;
  /** Draws one input of the given length (a corpus window, a synthetic document). */
  sampleSequence: (rng: RandomSource, length: number) => number[];
  batchSize?: number;
  signal?: AbortSignal;
}

export interface DistributionMisalignment {
  sce: Estimate;
  symmetricKl: Estimate;
  /** Mean of (H(p) + H(q)) / 2: how much of SCE is sharpness rather than disagreement. */
  entropy: Estimate;
  samples: number;
  seed: number;
  trainLength: number;
  suffixRange: [number, number];
}

export async function distributionMisalignment(
  model: NextTokenModel,
  opts: DistributionMisalignmentOptions,
): Promise<DistributionMisalignment> {
  const rng = createRng(opts.seed, 'distribution-misalignment');
  const lo = Math.max(1, Math.ceil(opts.trainLength / 2));
  const hi = opts.trainLength;
  const sce: number[] = [];
  const kl: number[] = [];
  const ent: number[] = [];
  const batch = Math.max(1, Math.floor((opts.batchSize ?? 256) / 2));
  for (let done = 0; done < opts.samples; done += batch) {
    opts.signal?.throwIfAborted();
    const seqs: number[][] = [];
    for (let i = done; i < Math.min(opts.samples, done + batch); i++) {
      const x = opts.sampleSequence(rng, hi);
      seqs.push(x.slice(hi - randomInt(rng, lo, hi)), x.slice(hi - randomInt(rng, lo, hi)));
    }
    const dists = await model(seqs);
    for (let i = 0; i + 1 < seqs.length; i += 2) {
      const p = dists[i];
      const q = dists[i + 1];
      if (!p || !q) throw new Error(`model returned ${dists.length} distributions for ${seqs.length} sequences`);
      sce.push(symmetricCrossEntropy(p, q));
      kl.push(symmetricKl(p, q));
      ent.push((entropy(p) + entropy(q)) / 2);
    }
  }
  return {
    sce: estimate(sce),
    symmetricKl: estimate(kl),
    entropy: estimate(ent),
    samples: opts.samples,
    seed: opts.seed,
    trainLength: opts.trainLength,
    suffixRange: [lo, hi],
  };
}
