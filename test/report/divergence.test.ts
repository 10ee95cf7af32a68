import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crossEntropy,
  distributionMisalignment,
  entropy,
  symmetricCrossEntropy,
  symmetricKl,
  type NextTokenModel,
} from '../../stages/analysis/divergence.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

const p = [0.7, 0.2, 0.1];
const q = [0.1, 0.3, 0.6];

describe('symmetric cross-entropy', () => {
  it('SCE(p, p) = 2 H(p), not 0', () => {
    close(symmetricCrossEntropy(p, p), 2 * entropy(p));
    close(entropy([0.5, 0.5]), Math.log(2));
  });

  it('is symmetric and equals KL(p||q) + KL(q||p) + H(p) + H(q)', () => {
    close(symmetricCrossEntropy(p, q), symmetricCrossEntropy(q, p));
    const kl = (a: number[], b: number[]): number => crossEntropy(a, b) - entropy(a);
    close(symmetricCrossEntropy(p, q), kl(p, q) + kl(q, p) + entropy(p) + entropy(q));
  });

  it('symmetric KL is >= 0 and 0 exactly at equality', () => {
    assert.equal(symmetricKl(p, p), 0);
    assert.ok(symmetricKl(p, q) > 0);
    // A zero-probability token is a large finite penalty, not Infinity.
    assert.ok(Number.isFinite(symmetricKl([1, 0], [0, 1])));
    assert.throws(() => symmetricKl([1], [0.5, 0.5]), /differ in size/);
  });
});

describe('distribution-form misalignment', () => {
  const bits = (rng: () => number, n: number): number[] => Array.from({ length: n }, () => (rng() < 0.5 ? 0 : 1));

  it('is 2H and symKL 0 for a model that ignores everything but the last token', async () => {
    const model: NextTokenModel = (seqs) =>
      Promise.resolve(seqs.map((s) => (s.at(-1) === 1 ? [0.8, 0.2] : [0.3, 0.7])));
    const r = await distributionMisalignment(model, { samples: 300, seed: 1, trainLength: 16, sampleSequence: bits });
    assert.equal(r.symmetricKl.mean, 0);
    close(r.sce.mean, 2 * r.entropy.mean, 1e-9);
    assert.deepEqual(r.suffixRange, [8, 16]);
  });

  it('is positive when the distribution depends on the context length', async () => {
    const model: NextTokenModel = (seqs) => Promise.resolve(seqs.map((s) => [1 / s.length, 1 - 1 / s.length]));
    const r = await distributionMisalignment(model, { samples: 300, seed: 1, trainLength: 16, sampleSequence: bits });
    assert.ok(r.symmetricKl.mean > 0 && r.symmetricKl.se > 0);
  });
});
