/**
 * Training and inference throughput of the ML stages, per backend.
 *
 *   npx tsc -p . && node dist/bench/train/train-bench.js [--backends wasm,cpu] [--seconds 4] [--lengths 10,50]
 *
 * Models: the reference decoder of the synthetic study (2 layers, d_model 64,
 * 4 heads, d_ff 256, NoPE) and an LSTM (1 layer, hidden 64); batch 64 of
 * sequences with `length` data tokens plus BOS. A training step is exactly
 * what the train stage runs (forward, backward, JS Adam). Each number is the
 * best of three timed windows of `--seconds`/3 after a warm-up, so a busy
 * machine shows less; the load average is printed for context. CPU-time
 * steps/s (process user+system time) is printed next to wall-clock steps/s.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_ADAM, FlatAdam } from '../../stages/ml/adam.js';
import { BACKEND_CHAIN, initBackend } from '../../stages/ml/backend.js';
import { encodeBatch } from '../../stages/ml/batch.js';
import type { SeqSet } from '../../stages/ml/dataset.js';
import { buildModel, DEFAULT_MODEL_CONFIG } from '../../stages/ml/models/index.js';
import type { Model, ModelConfig } from '../../stages/ml/models/types.js';
import { readTensor } from '../../stages/ml/ops.js';
import { Rng } from '../../stages/ml/prng.js';
import { lossAndGrad } from '../../stages/ml/train-loop.js';

interface Options {
  backends: string[];
  seconds: number;
  lengths: number[];
  batch: number;
}

const MODELS: Record<string, Partial<ModelConfig>> = {
  'decoder-ref': {},
  'lstm-h64': { arch: 'lstm', layers: 1, hidden: 64 },
};

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    backends: get('backends')?.split(',') ?? [...BACKEND_CHAIN],
    seconds: Number(get('seconds') ?? 4),
    lengths: (get('lengths') ?? '10,50').split(',').map(Number),
    batch: Number(get('batch') ?? 64),
  };
}

function randomSet(rng: Rng, count: number, length: number): SeqSet {
  const tokens = Int8Array.from({ length: count * length }, () => rng.int(2));
  const targetsF = new Float32Array(count).map(() => rng.next());
  return {
    count, tokens, targetsF, targets: targetsF,
    lengths: new Int32Array(count).fill(length),
    offsets: Int32Array.from({ length: count }, (_, i) => i * length),
  };
}

/** Best rate (per second) over three windows: wall clock and process CPU time. */
function measure(work: () => number, seconds: number): { wall: number; cpu: number } {
  for (let i = 0; i < 3; i++) work(); // warm-up: kernels, constant caches
  let wall = 0;
  let cpu = 0;
  for (let w = 0; w < 3; w++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let units = 0;
    while (performance.now() - t0 < (seconds * 1000) / 3 || units === 0) units += work();
    const dt = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    wall = Math.max(wall, units / dt);
    cpu = Math.max(cpu, units / ((c.user + c.system) / 1e6));
  }
  return { wall, cpu };
}

function trainStep(model: Model, set: SeqSet, batch: number, state: { params: Float32Array; adam: FlatAdam; grad: Float32Array; rng: Rng }): number {
  const idx = Array.from({ length: batch }, () => state.rng.int(set.count));
  lossAndGrad(model, state.params, set, idx, { mean: 0.5, std: 0.3 }, state.grad);
  state.adam.apply(state.params, state.grad);
  return 1;
}

function inferBatch(model: Model, params: tf.Tensor[], rows: number[][]): number {
  readTensor(() => model.forward(model.layout.named(params), encodeBatch(rows, model.config.bos)));
  return rows.length;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  console.log(`# load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}, batch ${opts.batch}`);
  console.log('backend\tmodel\tlength\tparams\ttrain steps/s (wall)\ttrain steps/s (cpu time)\tinference seqs/s');
  for (const backend of opts.backends) {
    try {
      await initBackend(backend);
    } catch (error) {
      console.log(`${backend}\tskipped: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    for (const [name, over] of Object.entries(MODELS)) {
      for (const length of opts.lengths) {
        const model = buildModel({ ...DEFAULT_MODEL_CONFIG, maxLen: length + 1, ...over });
        const rng = new Rng(1);
        const set = randomSet(rng, 1024, length);
        const state = {
          params: model.layout.initialise(rng), adam: new FlatAdam(model.layout.size, DEFAULT_ADAM),
          grad: new Float32Array(model.layout.size), rng,
        };
        const seconds = backend === 'cpu' ? Math.min(opts.seconds, 3) : opts.seconds;
        const trainRate = measure(() => trainStep(model, set, opts.batch, state), seconds);
        const params = model.layout.tensors(state.params);
        const rows = Array.from({ length: 256 }, () => Array.from({ length }, () => rng.int(2)));
        const inferRate = measure(() => inferBatch(model, params, rows), seconds);
        tf.dispose(params);
        model.dispose();
        console.log(
          [backend, name, length, model.layout.size, trainRate.wall.toFixed(1), trainRate.cpu.toFixed(1), inferRate.wall.toFixed(0)].join('\t'),
        );
      }
    }
  }
}

await main();
