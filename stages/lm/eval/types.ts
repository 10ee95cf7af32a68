/**
 * The slices of a trained language model and of a token data artifact that
 * evaluation needs. TrainedLm (stages/lm/model-io.ts) and LmData
 * (stages/lm/data/format.ts) satisfy them structurally, and so can an exact
 * Bayes predictor or a hand-made fake in a test.
 */

/** Next-token log-probabilities, [batch, length, vocab] row-major, for batch*length input tokens. */
export interface EvalLm {
  config: { vocab: number };
  logProbs(rows: Int8Array, batch: number, length: number): Promise<Float32Array>;
}

export interface EvalDataMeta {
  vocab: number;
  lTrain: number;
  testLength: number;
  testSequences: number;
  entropyRate: number | null;
}

/** `test` holds testSequences rows of testLength + 1 tokens, row-major. */
export interface EvalData {
  meta: EvalDataMeta;
  test: Int8Array;
}

/** Row i of the test split: testLength + 1 tokens (inputs and, shifted by one, targets). */
export function testRowOf(data: EvalData, i: number): Int8Array {
  const w = data.meta.testLength + 1;
  return data.test.subarray(i * w, (i + 1) * w);
}

/** A mean with its standard error over independent draws. */
export interface MeanSe {
  mean: number;
  se: number;
}
