/**
 * The generalization horizon counts from the end of the training range: a
 * failure inside it is reported as such and does not zero the horizon.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SeqSet } from '../../stages/ml/dataset.js';
import { evaluateTrained, oodHorizon, type LengthMetrics } from '../../stages/ml/evaluation.js';
import { clampedInverse } from '../../stages/ml/inverse.js';
import type { ModelFile } from '../../stages/ml/model-io.js';
import type { TrainedModel } from '../../stages/ml/predict.js';
import { loadReparam } from '../../stages/ml/reparam.js';

/** Four all-zero sequences per length 1..maxLength, target f(length). */
function lengthSet(maxLength: number, f: (x: number) => number): SeqSet {
  const lengths = Array.from({ length: maxLength * 4 }, (_, i) => 1 + Math.floor(i / 4));
  const offsets = Int32Array.from(
    lengths.reduce<number[]>((acc, l, i) => [...acc, i === 0 ? 0 : acc[i - 1]! + lengths[i - 1]!], []),
  );
  const total = lengths.reduce((a, b) => a + b, 0);
  return {
    count: lengths.length,
    lengths: Int32Array.from(lengths),
    offsets,
    tokens: new Int8Array(total),
    targets: Float32Array.from(lengths),
    targetsF: Float32Array.from(lengths, f),
  };
}

async function fakeModel(f: string, output: (length: number) => number): Promise<TrainedModel> {
  const invert = clampedInverse(await loadReparam(f));
  const file = { task: 'length', f, train: { lengthMin: 1, lengthMax: 10, targetMean: 5.5 } } as unknown as ModelFile;
  return {
    config: file.config,
    task: 'length',
    f,
    file,
    predict: (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => output(s.length))),
    toTarget: (y) => invert(y).value,
    invert,
    dispose: () => undefined,
  };
}

describe('generalization horizon', () => {
  it('of a model that fails only at length 1 is its out-of-distribution horizon, with the ID failure flagged', async () => {
    // Exact up to length 30 except at length 1, where it answers 4; then it saturates at 30.
    const model = await fakeModel('identity', (l) => (l === 1 ? 4 : Math.min(l, 30)));
    const r = await evaluateTrained(
      model,
      lengthSet(40, (x) => x),
      1,
    );
    assert.equal(r.summary.horizon, 30);
    assert.equal(r.summary.idFailure, true);
    assert.deepEqual(r.summary.idFailedLengths, [1]);
    // Failing at 31 (error 1, not under the threshold 1) ends it.
    assert.equal(r.perLength.find((p) => p.length === 31)?.mse, 1);
  });

  it('is the training length when the first longer length fails, and is unaffected by later successes', () => {
    const per = (mses: [number, number][]): LengthMetrics[] =>
      mses.map(([length, mse]) => ({ length, count: 1, mse, mseF: mse, baselineMse: 1, clamped: 0 }));
    assert.equal(
      oodHorizon(
        per([
          [9, 0],
          [10, 0],
          [11, 5],
          [12, 0],
        ]),
        10,
        1,
      ),
      10,
    );
    assert.equal(
      oodHorizon(
        per([
          [10, 0],
          [11, 0],
          [12, 0.5],
          [13, 2],
        ]),
        10,
        1,
      ),
      12,
    );
    assert.equal(
      oodHorizon(
        per([
          [1, 9],
          [11, 0],
          [12, null as unknown as number],
        ]),
        10,
        1,
      ),
      11,
      'an undefined error ends it',
    );
  });

  it('counts clamped outputs per length and in the summary', async () => {
    // A log model whose output overflows exp beyond length 20.
    const model = await fakeModel('log', (l) => (l > 20 ? 800 : Math.log(l)));
    const r = await evaluateTrained(model, lengthSet(25, Math.log), 1);
    assert.deepEqual(r.summary.clamped, { count: 20, total: 100, share: 0.2 });
    assert.equal(r.perLength.find((p) => p.length === 21)?.clamped, 4);
    assert.equal(r.perLength.find((p) => p.length === 20)?.clamped, 0);
    assert.ok(r.summary.oodMse !== null && Number.isFinite(r.summary.oodMse));
    assert.equal(r.summary.horizon, 20);
    assert.equal(r.summary.idFailure, false);
  });
});
