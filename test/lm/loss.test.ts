import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../stages/ml/backend.js';
import { readTensor } from '../../stages/ml/ops.js';
import { Rng } from '../../stages/ml/prng.js';
import { divergence, nextTokenCe, oneHotRows } from '../../stages/lm/loss.js';

const V = 5;

function logSoftmaxJs(row: number[]): number[] {
  const m = Math.max(...row);
  const z = Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) + m;
  return row.map((x) => x - z);
}

function randomLogits(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: V }, () => 2 * rng.normal()));
}

/** d/da of the row divergence, derived by hand (p = softmax(a), q = softmax(b)). */
function analyticGrad(kind: 'sce' | 'symkl', a: number[], b: number[]): number[] {
  const lp = logSoftmaxJs(a);
  const lq = logSoftmaxJs(b);
  const p = lp.map(Math.exp);
  const q = lq.map(Math.exp);
  if (kind === 'sce') {
    // p_i - q_i - p_i (log q_i - Σ_j p_j log q_j)
    const mean = p.reduce((s, pj, j) => s + pj * lq[j]!, 0);
    return p.map((pi, i) => pi - q[i]! - pi * (lq[i]! - mean));
  }
  // p_i (log p_i - log q_i) + p_i - q_i - p_i KL(p‖q)
  const kl = p.reduce((s, pj, j) => s + pj * (lp[j]! - lq[j]!), 0);
  return p.map((pi, i) => pi * (lp[i]! - lq[i]!) + pi - q[i]! - pi * kl);
}

test('nextTokenCe is the mean -log softmax of the target', async () => {
  await initBackend('wasm');
  const logits = randomLogits(new Rng(1), 4);
  const targets = [0, 3, 4, 1];
  const expected = -targets.reduce((s, t, i) => s + logSoftmaxJs(logits[i]!)[t]!, 0) / 4;
  const got = readTensor(() => nextTokenCe(tf.tensor2d(logits), oneHotRows(targets, V)))[0]!;
  assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
  assert.throws(() => oneHotRows([5], V), /Token id 5 is outside the vocabulary 0..4/);
});

test('sce and symkl match their definitions; symkl(p,p)=0, sce(p,p)=2H(p)', async () => {
  await initBackend('wasm');
  const rng = new Rng(2);
  const a = randomLogits(rng, 3);
  const b = randomLogits(rng, 3);
  let sce = 0;
  let symkl = 0;
  let twoH = 0;
  a.forEach((row, i) => {
    const lp = logSoftmaxJs(row);
    const lq = logSoftmaxJs(b[i]!);
    for (let v = 0; v < V; v++) {
      const [p, q] = [Math.exp(lp[v]!), Math.exp(lq[v]!)];
      sce += -p * lq[v]! - q * lp[v]!;
      symkl += (p - q) * (lp[v]! - lq[v]!);
      twoH += -2 * p * lp[v]!;
    }
  });
  const val = (kind: 'sce' | 'symkl', x: number[][], y: number[][]): number =>
    readTensor(() => divergence(kind, tf.tensor2d(x), tf.tensor2d(y)))[0]!;
  assert.ok(Math.abs(val('sce', a, b) - sce / 3) < 1e-4);
  assert.ok(Math.abs(val('symkl', a, b) - symkl / 3) < 1e-4);
  assert.ok(val('symkl', a, b) > 0);
  assert.ok(Math.abs(val('symkl', a, a)) < 1e-6);
  assert.ok(Math.abs(val('sce', a, a) - twoH / 3) < 1e-4);
});

test('divergence gradients w.r.t. both sides of logits match the hand-derived formula', async () => {
  await initBackend('wasm');
  const rng = new Rng(3);
  const n = 4;
  const a = randomLogits(rng, n);
  const b = randomLogits(rng, n);
  for (const kind of ['sce', 'symkl'] as const) {
    const [ga, gb] = tf.tidy(() => {
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => divergence(kind, x, y))([tf.tensor2d(a), tf.tensor2d(b)]);
      return g.map((t) => t.arraySync() as number[][]);
    }) as unknown as [number[][], number[][]];
    for (let i = 0; i < n; i++) {
      // Both divergences are symmetric, so the b-gradient is the same formula with the roles swapped.
      const ea = analyticGrad(kind, a[i]!, b[i]!).map((x) => x / n);
      const eb = analyticGrad(kind, b[i]!, a[i]!).map((x) => x / n);
      for (let v = 0; v < V; v++) {
        assert.ok(Math.abs(ga[i]![v]! - ea[v]!) < 1e-5, `${kind} d/da[${i}][${v}]: ${ga[i]![v]} vs ${ea[v]}`);
        assert.ok(Math.abs(gb[i]![v]! - eb[v]!) < 1e-5, `${kind} d/db[${i}][${v}]: ${gb[i]![v]} vs ${eb[v]}`);
      }
      assert.ok(
        ga[i]!.some((x) => Math.abs(x) > 1e-3),
        'gradient is not trivially zero',
      );
    }
  }
});
