/**
 * A trained language model on disk, and inference from it.
 *
 *   weights.bin  Float32 LE, the flat parameter vector in layout order
 *   model.json   {@link LmModelFile}
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../ml/backend.js';
import { readF32, writeBin } from '../ml/binio.js';
import { readTensor } from '../ml/ops.js';
import type { Divergence } from './loss.js';
import { oneHotRows } from './loss.js';
import { buildLm, type LmConfig, type LmModel } from './models/index.js';
import type { LExtraRange, Overlap } from './windows.js';

export const LM_MODEL_FORMAT = 'ablate-lm-model/1';

export interface LmModelFile {
  format: typeof LM_MODEL_FORMAT;
  config: LmConfig;
  data: { source: 'markov' | 'text'; vocab: number; lTrain: number; testLength: number; entropyRate: number | null };
  train: {
    alpha: number;
    divergence: Divergence;
    lExtraRange: LExtraRange;
    overlap: Overlap;
    steps: number;
    batchSize: number;
    lr: number;
    seed: number;
  };
  paramCount: number;
  layout: Array<{ name: string; shape: number[]; offset: number }>;
  weights: 'weights.bin';
}

export type LmModelFileBody = Pick<LmModelFile, 'config' | 'data' | 'train'>;

export async function saveLm(dir: string, body: LmModelFileBody, model: LmModel, params: Float32Array): Promise<void> {
  const file: LmModelFile = {
    format: LM_MODEL_FORMAT,
    ...body,
    paramCount: model.layout.size,
    layout: model.layout.describe(),
    weights: 'weights.bin',
  };
  await writeBin(path.join(dir, 'weights.bin'), params);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(file, null, 2) + '\n');
}

export async function readLmFile(dir: string): Promise<{ file: LmModelFile; params: Float32Array }> {
  const file = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as LmModelFile;
  if ((file.format as unknown) !== LM_MODEL_FORMAT)
    throw new Error(`${dir}/model.json: format '${String(file.format)}' is not '${LM_MODEL_FORMAT}'`);
  const params = await readF32(path.join(dir, file.weights));
  if (params.length !== file.paramCount) {
    throw new Error(`${dir}/${file.weights} holds ${params.length} values, model.json says ${file.paramCount}`);
  }
  return { file, params };
}

export interface TrainedLm {
  config: LmConfig;
  file: LmModelFile;
  /** Log-softmax [batch, length, vocab], row-major, of `rows` (batch*length tokens, batch-major). */
  logProbs(rows: Int8Array, batch: number, length: number): Promise<Float32Array>;
  dispose(): void;
}

/** Positions per forward pass: bounds memory for long test rows. */
const CHUNK_POSITIONS = 16384;

export async function loadLm(dir: string, opts: { backend?: string } = {}): Promise<TrainedLm> {
  await initBackend(opts.backend);
  const { file, params } = await readLmFile(dir);
  const model = buildLm(file.config);
  if (model.layout.size !== file.paramCount) {
    model.dispose();
    throw new Error(`${dir}/model.json: ${file.paramCount} parameters, but its config builds ${model.layout.size}`);
  }
  const tensors = model.layout.tensors(params);
  const named = model.layout.named(tensors);
  const vocab = file.config.vocab;
  return {
    config: file.config,
    file,
    async logProbs(rows: Int8Array, batch: number, length: number): Promise<Float32Array> {
      if (rows.length !== batch * length)
        throw new Error(`logProbs: ${rows.length} tokens is not batch*length = ${batch * length}`);
      const out = new Float32Array(batch * length * vocab);
      const per = Math.max(1, Math.floor(CHUNK_POSITIONS / length));
      for (let b0 = 0; b0 < batch; b0 += per) {
        const nb = Math.min(per, batch - b0);
        const chunk = rows.subarray(b0 * length, (b0 + nb) * length);
        const values = readTensor(() =>
          tf.logSoftmax(model.forward(named, { batch: nb, length, onehot: oneHotRows(chunk, vocab) })),
        );
        out.set(values, b0 * length * vocab);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
    dispose() {
      for (const t of tensors) t.dispose();
      model.dispose();
    },
  };
}
