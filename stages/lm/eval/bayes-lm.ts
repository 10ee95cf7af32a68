/**
 * The Bayes-optimal language model of a Markov source: at every position
 * the exact posterior predictive of the next token given the whole prefix.
 * Its long-context CE is the entropy rate and its predictions do not depend
 * on how far back the input starts once it sees `order` tokens, so it is the
 * floor for longCe and the zero for symmetric-KL misalignment.
 */
import { bayesNextToken, type MarkovSource } from '../data/markov-source.js';
import type { EvalLm } from './types.js';

export class BayesLm implements EvalLm {
  readonly config: { vocab: number };

  constructor(readonly source: MarkovSource) {
    this.config = { vocab: source.vocab };
  }

  async logProbs(rows: Int8Array, batch: number, length: number): Promise<Float32Array> {
    const V = this.source.vocab;
    if (rows.length !== batch * length) throw new Error(`rows has ${rows.length} tokens, expected ${batch}*${length}`);
    const out = new Float32Array(batch * length * V);
    for (let b = 0; b < batch; b++) {
      const row = rows.subarray(b * length, (b + 1) * length);
      for (let t = 0; t < length; t++) {
        // With `order` tokens seen the predictive depends on those alone, so longer prefixes are cut to them.
        const p = bayesNextToken(this.source, row.subarray(Math.max(0, t + 1 - this.source.order), t + 1));
        const base = (b * length + t) * V;
        for (let v = 0; v < V; v++) out[base + v] = Math.log(p[v] ?? 0);
      }
    }
    return out;
  }

  dispose(): void {}
}
