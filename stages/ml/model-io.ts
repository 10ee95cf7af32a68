/**
 * A trained model on disk:
 *
 *   weights.bin  Float32 LE, the flat parameter vector (layout in model.json)
 *   model.json   {@link ModelFile}
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readF32, writeBin } from './binio.js';
import type { Task } from './dataset.js';
import type { Model, ModelConfig } from './models/types.js';
import type { TargetNorm } from './train-loop.js';

export const MODEL_FORMAT = 'ablate-model/1';

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  arch: ModelConfig['arch'];
  config: ModelConfig;
  task: Task;
  /** Reparameterization the model's output lives in (`stages/reparam/<f>`). */
  f: string;
  fDescribe: string;
  /** The network predicts (f(target) - mean) / std; predictions are de-normalised. */
  targetNorm: TargetNorm;
  /** Training data facts evaluation needs. */
  train: { lengthMin: number; lengthMax: number; targetMean: number };
  /** Seed of initialisation and batch order (absent in files written by hand). */
  seed?: number;
  paramCount: number;
  layout: Array<{ name: string; shape: number[]; offset: number }>;
  weights: 'weights.bin';
}

export async function saveModel(
  dir: string,
  file: Omit<ModelFile, 'format' | 'weights' | 'layout' | 'paramCount'>,
  model: Model,
  params: Float32Array,
): Promise<void> {
  const full: ModelFile = {
    format: MODEL_FORMAT,
    ...file,
    paramCount: model.layout.size,
    layout: model.layout.describe(),
    weights: 'weights.bin',
  };
  await writeBin(path.join(dir, 'weights.bin'), params);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(full, null, 2) + '\n');
}

export async function readModelFile(dir: string): Promise<{ file: ModelFile; params: Float32Array }> {
  const file = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as ModelFile;
  if ((file.format as unknown) !== MODEL_FORMAT)
    throw new Error(`${dir}/model.json: format '${String(file.format)}' is not '${MODEL_FORMAT}'`);
  const params = await readF32(path.join(dir, file.weights));
  if (params.length !== file.paramCount) {
    throw new Error(`${dir}/${file.weights} holds ${params.length} values, model.json says ${file.paramCount}`);
  }
  return { file, params };
}
