import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CHAIN, cudaGpuVisible, initBackend, skippedBackends } from '../../stages/ml/backend.js';

const run = promisify(execFile);
const PROBE = fileURLToPath(new URL('../../stages/ml/probe.js', import.meta.url));

async function nativeAvailable(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

test('the chain picks the first backend that initialises; absent native ones are skipped', async () => {
  const saved = process.env['ABLATE_BACKEND'];
  delete process.env['ABLATE_BACKEND'];
  try {
    const info = await initBackend();
    assert.ok(BACKEND_CHAIN.includes(info.backend as never));
    assert.equal(info.tfjsVersion, tf.version.tfjs);
    if (!(await nativeAvailable('@tensorflow/tfjs-node'))) {
      assert.equal(info.backend, 'wasm');
      const skipped = skippedBackends().map((a) => a.backend);
      assert.deepEqual(skipped, ['tensorflow-gpu', 'tensorflow']);
      if (!cudaGpuVisible()) assert.match(skippedBackends()[0]!.error, /no CUDA GPU visible/);
    }
  } finally {
    if (saved !== undefined) process.env['ABLATE_BACKEND'] = saved;
  }
});

test('a preferred backend is used exactly: wasm and cpu both really initialise', async () => {
  assert.equal((await initBackend('cpu')).backend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal((await initBackend('wasm')).backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(
    tf.tidy(() => Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())),
    [2, 3],
  );
});

test('a preferred backend that fails is an error, not a fallback', async () => {
  if (!(await nativeAvailable('@tensorflow/tfjs-node'))) {
    await assert.rejects(initBackend('tensorflow'), /'tensorflow' was requested but failed to initialise/);
  }
  await assert.rejects(initBackend('webgpu'), /Unknown TF.js backend 'webgpu'/);
});

test('ABLATE_BACKEND selects the backend when no argument does', async () => {
  process.env['ABLATE_BACKEND'] = 'cpu';
  try {
    assert.equal((await initBackend()).backend, 'cpu');
  } finally {
    delete process.env['ABLATE_BACKEND'];
  }
});

test('probe prints the runtime facts as one JSON line', async () => {
  const env = { ...process.env };
  delete env['ABLATE_BACKEND'];
  const { stdout } = await run(process.execPath, [PROBE], { env });
  const facts = JSON.parse(stdout) as { backend: string; tfjsVersion: string };
  assert.deepEqual(Object.keys(facts).sort(), ['backend', 'tfjsVersion']);
  assert.equal(facts.tfjsVersion, tf.version.tfjs);
  const cpu = JSON.parse((await run(process.execPath, [PROBE, 'cpu'], { env })).stdout) as { backend: string };
  assert.equal(cpu.backend, 'cpu');
  await assert.rejects(run(process.execPath, [PROBE, 'nope'], { env }), /Unknown TF.js backend 'nope'/);
});
