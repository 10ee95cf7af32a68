/**
 * Per-position cross-entropy over the test split at full test length. Row
 * (b, t) of the model's output predicts token t+1 after seeing t+1 tokens,
 * so position p (1-based, tokens seen) is output t = p - 1 scored against
 * target x[p]. The standard error at a position is the sample sd over test
 * sequences / sqrt(n): sequences are independent draws, positions within a
 * sequence are not, so we never pool positions for an se.
 */
import { estimate } from '../../analysis/estimate.js';
import { testRowOf, type EvalData, type EvalLm, type MeanSe } from './types.js';

export interface PositionCe {
  position: number;
  ce: number;
  se: number;
}

/** CE over the test split: per position, and per-sequence means over positions 1..lTrain and lTrain+1..end. */
export interface PositionResult {
  perPosition: PositionCe[];
  /** Mean over positions 1..lTrain; se over sequences (each sequence's mean is one draw). */
  id: MeanSe;
  /** Mean over positions lTrain+1..testLength; se over sequences. */
  long: MeanSe;
}

/** Sums per position, accumulated batch by batch so memory stays at one batch of log-probs. */
export class PositionAccumulator {
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly idMeans: number[] = [];
  readonly longMeans: number[] = [];
  n = 0;

  constructor(
    readonly length: number,
    readonly lTrain: number,
  ) {
    this.sum = new Float64Array(length);
    this.sumSq = new Float64Array(length);
  }

  /** One sequence's per-position losses (length values). */
  add(losses: ArrayLike<number>): void {
    let id = 0;
    let long = 0;
    for (let t = 0; t < this.length; t++) {
      const v = losses[t] ?? Number.NaN;
      this.sum[t] = (this.sum[t] ?? 0) + v;
      this.sumSq[t] = (this.sumSq[t] ?? 0) + v * v;
      if (t < this.lTrain) id += v;
      else long += v;
    }
    this.idMeans.push(id / this.lTrain);
    this.longMeans.push(long / (this.length - this.lTrain));
    this.n++;
  }

  result(): PositionResult {
    return { perPosition: this.positions(), id: estimate(this.idMeans), long: estimate(this.longMeans) };
  }

  positions(): PositionCe[] {
    const out: PositionCe[] = [];
    for (let t = 0; t < this.length; t++) {
      const mean = (this.sum[t] ?? 0) / this.n;
      // Sample variance from the sums; clamp rounding below zero.
      const v = this.n > 1 ? Math.max(0, ((this.sumSq[t] ?? 0) - this.n * mean * mean) / (this.n - 1)) : Number.NaN;
      out.push({ position: t + 1, ce: mean, se: Math.sqrt(v / this.n) });
    }
    return out;
  }
}

export interface PerPositionOptions {
  batchSize: number;
  onBatch?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export async function perPositionCe(model: EvalLm, data: EvalData, opts: PerPositionOptions): Promise<PositionResult> {
  const { testLength: L, testSequences: n, vocab: V, lTrain } = data.meta;
  if (n < 1) throw new Error('the data has no test sequences');
  const acc = new PositionAccumulator(L, lTrain);
  const losses = new Float64Array(L);
  for (let start = 0; start < n; start += opts.batchSize) {
    opts.signal?.throwIfAborted();
    const batch = Math.min(opts.batchSize, n - start);
    const inputs = new Int8Array(batch * L);
    for (let b = 0; b < batch; b++) inputs.set(testRowOf(data, start + b).subarray(0, L), b * L);
    const lp = await model.logProbs(inputs, batch, L);
    if (lp.length !== batch * L * V)
      throw new Error(`logProbs returned ${lp.length} values, expected ${batch * L * V}`);
    for (let b = 0; b < batch; b++) {
      const row = testRowOf(data, start + b);
      for (let t = 0; t < L; t++) losses[t] = -(lp[(b * L + t) * V + (row[t + 1] ?? 0)] ?? Number.NaN);
      acc.add(losses);
    }
    opts.onBatch?.(start + batch, n);
  }
  return acc.result();
}
