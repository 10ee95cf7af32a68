import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../stages/ml/backend.js';
import { encodeBatch } from '../../stages/ml/batch.js';
import { buildModel } from '../../stages/ml/models/index.js';
import { ConstantCache } from '../../stages/ml/models/constants.js';
import { lastPosition, selfBlock, selfBlockLast } from '../../stages/ml/models/transformer.js';
import { readTensor } from '../../stages/ml/ops.js';
import type { Model } from '../../stages/ml/models/types.js';
import { Rng } from '../../stages/ml/prng.js';
import { ARCH_PE, tinyConfig } from './fixtures.js';

function randomRows(rng: Rng, batch: number, length: number): number[][] {
  return Array.from({ length: batch }, () => Array.from({ length }, () => rng.int(2)));
}

/** Initial weights plus noise, so activations and gradients are far from trivial. */
function noisyParams(model: Model, seed: number, std = 0.3): Float32Array {
  const rng = new Rng(seed);
  const p = model.layout.initialise(rng);
  for (let i = 0; i < p.length; i++) p[i] = p[i]! + std * rng.normal();
  return p;
}

function predict(model: Model, params: Float32Array, rows: number[][]): Float32Array {
  return readTensor(() =>
    model.forward(model.layout.named(model.layout.tensors(params)), encodeBatch(rows, model.config.bos)),
  );
}

test('every arch and PE maps [B, T] tokens to [B] outputs', async () => {
  await initBackend('cpu');
  const rng = new Rng(1);
  for (const ap of ARCH_PE) {
    const model = buildModel(tinyConfig(ap));
    const params = noisyParams(model, 2);
    for (const length of [1, 4]) {
      const out = predict(model, params, randomRows(rng, 3, length));
      assert.equal(out.length, 3, `${ap.arch}/${ap.pe}`);
      assert.ok(out.every(Number.isFinite), `${ap.arch}/${ap.pe} outputs finite`);
    }
    model.dispose();
  }
});

test('gradients match central finite differences (cpu, float32)', async () => {
  await initBackend('cpu');
  const rng = new Rng(7);
  for (const ap of ARCH_PE) {
    const model = buildModel(tinyConfig({ ...ap, activation: ap.pe === 'alibi' ? 'gelu' : 'relu' }));
    const params = noisyParams(model, 11);
    const rows = randomRows(rng, 4, 5);
    const targets = Array.from({ length: 4 }, () => 2 * rng.normal());
    const loss = (p: Float32Array): number =>
      tf.tidy(() => {
        const input = encodeBatch(rows, true);
        const y = tf.tensor1d(targets);
        return tf
          .mean(tf.squaredDifference(model.forward(model.layout.named(model.layout.tensors(p)), input), y))
          .dataSync()[0]!;
      });
    const grad = tf.tidy(() => {
      const input = encodeBatch(rows, true);
      const y = tf.tensor1d(targets);
      const f = (...ts: tf.Tensor[]): tf.Scalar =>
        tf.mean(tf.squaredDifference(model.forward(model.layout.named(ts), input), y));
      return model.layout.flatten(tf.grads(f)(model.layout.tensors(params)));
    });
    // Small steps: ReLU kinks and softmax curvature make larger ones inaccurate.
    const eps = 2e-3;
    for (const e of model.layout.entries) {
      // A random direction on this parameter only: checks each tensor's gradient.
      const dir = new Float32Array(params.length);
      let analytic = 0;
      for (let i = e.offset; i < e.offset + e.size; i++) {
        dir[i] = rng.normal();
        analytic += dir[i]! * grad[i]!;
      }
      const plus = params.map((v, i) => v + eps * dir[i]!);
      const minus = params.map((v, i) => v - eps * dir[i]!);
      const numeric = (loss(plus) - loss(minus)) / (2 * eps);
      const tol = 2e-3 + 3e-2 * Math.abs(numeric);
      assert.ok(
        Math.abs(numeric - analytic) <= tol,
        `${ap.arch}/${ap.pe} ${e.name}: numeric ${numeric} vs analytic ${analytic}`,
      );
    }
    model.dispose();
  }
});

test('the last-position block equals the full block read at the last position', async () => {
  await initBackend('cpu');
  for (const pe of ['none', 'rope', 'alibi'] as const) {
    const model = buildModel(tinyConfig({ pe, layers: 1 }));
    const params = noisyParams(model, 3);
    const k = new ConstantCache();
    const x = tf.randomNormal([3 * 5, 8], 0, 1, 'float32', 4);
    const named = (): ReturnType<typeof model.layout.named> => model.layout.named(model.layout.tensors(params));
    const full = readTensor(() => lastPosition(selfBlock(named(), 'l0', x, 3, 5, true, model.config, k), 3, 5, 8));
    const last = readTensor(() => selfBlockLast(named(), 'l0', x, 3, 5, model.config, k));
    x.dispose();
    full.forEach((v, i) => assert.ok(Math.abs(v - last[i]!) < 1e-5, `${pe} at ${i}: ${v} vs ${last[i]}`));
    k.dispose();
    model.dispose();
  }
});

test('causal decoders ignore nothing before the last token: outputs depend on every position', async () => {
  await initBackend('cpu');
  const model = buildModel(tinyConfig({ pe: 'learned' }));
  const params = noisyParams(model, 5);
  const a = predict(model, params, [[0, 0, 0, 0]])[0]!;
  const b = predict(model, params, [[1, 0, 0, 0]])[0]!;
  assert.notEqual(a, b);
  model.dispose();
});

test('every model runs a training step on wasm (all kernels and gradients exist)', async () => {
  await initBackend('wasm');
  const rng = new Rng(2);
  for (const ap of ARCH_PE) {
    const model = buildModel(tinyConfig({ ...ap, activation: ap.pe === 'alibi' ? 'gelu' : 'relu' }));
    const params = noisyParams(model, 6);
    const rows = randomRows(rng, 4, 3);
    const grad = tf.tidy(() => {
      const input = encodeBatch(rows, true);
      const y = tf.tensor1d([0.1, 0.2, 0.3, 0.4]);
      const f = (...ts: tf.Tensor[]): tf.Scalar =>
        tf.mean(tf.squaredDifference(model.forward(model.layout.named(ts), input), y));
      return model.layout.flatten(tf.grads(f)(model.layout.tensors(params)));
    });
    assert.ok(grad.every(Number.isFinite), `${ap.arch}/${ap.pe} finite gradient`);
    assert.ok(
      grad.some((g) => g !== 0),
      `${ap.arch}/${ap.pe} non-zero gradient`,
    );
    model.dispose();
  }
  assert.equal(tf.getBackend(), 'wasm');
});

test('learned PE refuses sequences longer than its table', async () => {
  await initBackend('cpu');
  const model = buildModel(tinyConfig({ pe: 'learned', maxLen: 4 }));
  const params = noisyParams(model, 1);
  assert.throws(() => predict(model, params, [[0, 1, 0, 1]]), /exceeds the learned PE table \(maxLen 4\)/);
  model.dispose();
});

test('bad configs fail with clear messages', () => {
  assert.throws(() => buildModel(tinyConfig({ heads: 3 })), /must be a multiple of heads/);
  assert.throws(() => buildModel(tinyConfig({ arch: 'mlp' as never })), /Unknown arch 'mlp'/);
  assert.throws(() => buildModel(tinyConfig({ pe: 'xpos' as never })), /Unknown positional encoding 'xpos'/);
});
