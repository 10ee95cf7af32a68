/**
 * Training speed of lm-train's step (and inference speed of loadLm's
 * forward) per architecture, size, alpha and vocabulary, on one backend,
 * on a uniform random token stream (speed does not depend on the data).
 *
 *   npm run build && node dist/bench/lm/speed.js [--steps 30] [--backend wasm] [--only decoder/rope]
 *
 * Prints one JSON row per measurement (stderr) and a markdown table: wall
 * steps/s, CPU seconds of 600 steps (the core budget a cell spends; steadier
 * than wall time on a shared machine), and the wall seconds of one forward +
 * log-softmax over 64 test rows of 128 tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../stages/ml/backend.js';
import { deriveSeed, Rng } from '../../stages/ml/prng.js';
import { oneHotRows } from '../../stages/lm/loss.js';
import { buildLm, type LmConfig } from '../../stages/lm/models/index.js';
import { lmLossAndGrad } from '../../stages/lm/train-loop.js';
import { WindowSampler } from '../../stages/lm/windows.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const STEPS = Number(arg('steps', '30'));
const ONLY = arg('only', '');
const L_TRAIN = 32;
const BATCH = 32;
const SIZES = {
  small: { layers: 1, dModel: 32, heads: 4, dFF: 64, hidden: 32 },
  base: { layers: 2, dModel: 32, heads: 4, dFF: 128, hidden: 64 },
};
const MODELS: Array<[LmConfig['arch'], LmConfig['pe']]> = [
  ['decoder', 'none'],
  ['decoder', 'rope'],
  ['decoder', 'alibi'],
  ['encdec', 'none'],
  ['lstm', 'none'],
  ['gru', 'none'],
];

/** Wall and CPU seconds per step (CPU time is steadier on a loaded machine: it is what the study's core budget pays). */
function timeSteps(config: LmConfig, alpha: number, stream: Int8Array): { wall: number; cpu: number } {
  const model = buildLm(config);
  const params = model.layout.initialise(new Rng(deriveSeed(0, 'init')));
  const grad = new Float32Array(model.layout.size);
  const sampler = new WindowSampler(stream.length, L_TRAIN, BATCH, 'half', new Rng(1));
  const cfg = { alpha, divergence: 'sce' as const, overlap: 'all' as const, lTrain: L_TRAIN };
  const adam = new (class {
    apply(p: Float32Array, g: Float32Array): void {
      for (let i = 0; i < p.length; i++) p[i] = p[i]! - 1e-4 * g[i]!;
    }
  })();
  for (let i = 0; i < 3; i++) lmLossAndGrad(model, params, stream, sampler.next(), cfg, grad);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < STEPS; i++) {
    lmLossAndGrad(model, params, stream, sampler.next(), cfg, grad);
    adam.apply(params, grad);
  }
  const wall = (performance.now() - t0) / 1000 / STEPS;
  const c = process.cpuUsage(c0);
  model.dispose();
  return { wall, cpu: (c.user + c.system) / 1e6 / STEPS };
}

function timeInference(config: LmConfig, stream: Int8Array): number {
  const model = buildLm({ ...config, maxLen: 128 });
  const tensors = model.layout.tensors(model.layout.initialise(new Rng(2)));
  const named = model.layout.named(tensors);
  const run = (): void => {
    const t = tf.tidy(() =>
      tf.logSoftmax(
        model.forward(named, {
          batch: 64,
          length: 128,
          onehot: oneHotRows(stream.subarray(0, 64 * 128), config.vocab),
        }),
      ),
    );
    t.dataSync();
    t.dispose();
  };
  run();
  const t0 = performance.now();
  run();
  const s = (performance.now() - t0) / 1000;
  for (const t of tensors) t.dispose();
  model.dispose();
  return s;
}

const backend = await initBackend(arg('backend', 'wasm'));
const rows: string[] = [];
for (const vocab of [8, 32]) {
  const rng = new Rng(deriveSeed(0, 'bench'));
  const stream = Int8Array.from({ length: 20000 }, () => rng.int(vocab));
  for (const [size, dims] of Object.entries(SIZES)) {
    for (const [arch, pe] of MODELS) {
      if (ONLY && !`${arch}/${pe}`.startsWith(ONLY)) continue;
      const config: LmConfig = { arch, pe, activation: 'relu', maxLen: L_TRAIN, vocab, ...dims };
      const plain = timeSteps(config, 0, stream);
      const reg = timeSteps(config, 0.3, stream);
      const infer = timeInference(config, stream);
      const row = {
        backend: backend.backend,
        arch,
        pe,
        size,
        vocab,
        lTrain: L_TRAIN,
        batch: BATCH,
        alpha0: plain,
        alpha03: reg,
        inferSec64x128: infer,
      };
      console.error(JSON.stringify(row));
      rows.push(
        `| ${arch}/${pe} | ${size} | ${vocab} | ${(1 / plain.wall).toFixed(1)} | ${(1 / reg.wall).toFixed(1)} | ${(600 * plain.cpu).toFixed(0)} | ${(600 * reg.cpu).toFixed(0)} | ${infer.toFixed(2)} |`,
      );
    }
  }
}
console.log(`backend ${backend.backend}, lTrain ${L_TRAIN}, batch ${BATCH}, ${STEPS} timed steps`);
console.log(
  '| model | size | vocab | wall steps/s α=0 | wall steps/s α=0.3 | CPU s / 600 steps α=0 | CPU s / 600 steps α=0.3 | logProbs 64×128 wall s |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
