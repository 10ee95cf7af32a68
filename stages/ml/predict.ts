/**
 * The stable API other stages use to run a trained model.
 *
 *   const m = await loadTrained(trainCellDir);
 *   const yF = await m.predict([[0, 1, 1], [1, 0]]);  // outputs in f-space
 *   const l = m.toTarget(yF[0]);                       // back to the target space
 *   m.dispose();
 *
 * Sequences are arrays of 0/1 tokens of any lengths (BOS is added when the
 * model was trained with it); they are grouped by length internally and the
 * outputs come back in input order.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { encodeBatch } from './batch.js';
import type { Task } from './dataset.js';
import { readModelFile, type ModelFile } from './model-io.js';
import { buildModel } from './models/index.js';
import { readTensor } from './ops.js';
import type { Model, ModelConfig } from './models/types.js';
import { clampedInverse, type Inverter } from './inverse.js';
import { loadReparam } from './reparam.js';

export interface TrainedModel {
  config: ModelConfig;
  task: Task;
  /** Name of the reparameterization (`identity` for the raw target). */
  f: string;
  /** Everything in model.json (training ranges, target normalisation, layout). */
  file: ModelFile;
  /** Model outputs in f-space, one per sequence, in input order. */
  predict(seqs: number[][]): Promise<Float32Array>;
  /** Inverse f: an output in f-space to the original target space (clamped, see inverse.ts). */
  toTarget(y: number): number;
  /** The same, saying whether the output had to be clamped into the range of f. */
  invert: Inverter;
  /** Frees the model's tensors; `predict` must not be called afterwards. */
  dispose(): void;
}

export interface LoadOptions {
  /**
   * Backend to initialise when none is yet (else the backend chain /
   * ABLATE_BACKEND). Stages pass `ctx.runtime.backend`.
   */
  backend?: string;
  /** Sequences per forward pass (default 512). */
  batchSize?: number;
}

/** Load the outputs of a train cell (`model.json` + `weights.bin` in `dir`). */
export async function loadTrained(dir: string, options: LoadOptions = {}): Promise<TrainedModel> {
  await initBackend(options.backend);
  const { file, params } = await readModelFile(dir);
  const invert = clampedInverse(await loadReparam(file.f));
  const model = buildModel(file.config);
  const tensors = model.layout.tensors(params).map((t) => tf.keep(t));
  const named = model.layout.named(tensors);
  const batchSize = options.batchSize ?? 512;
  let disposed = false;
  return {
    config: file.config,
    task: file.task,
    f: file.f,
    file,
    async predict(seqs: number[][]): Promise<Float32Array> {
      if (disposed) throw new Error('predict() called after dispose()');
      return predictBatched(model, named, file, seqs, batchSize);
    },
    toTarget: (y) => invert(y).value,
    invert,
    dispose(): void {
      if (disposed) return;
      disposed = true;
      tf.dispose(tensors);
      model.dispose();
    },
  };
}

function predictBatched(
  model: Model,
  params: Record<string, tf.Tensor>,
  file: ModelFile,
  seqs: number[][],
  batchSize: number,
): Float32Array {
  const out = new Float32Array(seqs.length);
  const byLength = new Map<number, number[]>();
  seqs.forEach((s, i) => {
    const group = byLength.get(s.length) ?? [];
    group.push(i);
    byLength.set(s.length, group);
  });
  const { mean, std } = file.targetNorm;
  for (const indices of byLength.values()) {
    for (let at = 0; at < indices.length; at += batchSize) {
      const chunk = indices.slice(at, at + batchSize);
      const values = readTensor(() =>
        model.forward(
          params,
          encodeBatch(
            chunk.map((i) => seqs[i]!),
            model.config.bos,
          ),
        ),
      );
      chunk.forEach((idx, k) => (out[idx] = values[k]! * std + mean));
    }
  }
  return out;
}
