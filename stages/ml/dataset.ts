/**
 * The synthetic sequence data sets: generation and the on-disk artifact.
 *
 * Artifact (directory), per split `train` and `test`:
 *
 *   <split>.tokens.bin     Int8     all sequences' tokens (0/1) back to back, no BOS
 *   <split>.lengths.bin    Int32 LE one length per sequence
 *   <split>.targets.bin    Float32 LE target in the original space (mean, or length l)
 *   <split>.targets_f.bin  Float32 LE f(target) (equals targets when f is identity)
 *   meta.json              {@link DatasetMeta}
 *
 * BOS is not stored: when `meta.bos` is true, models prepend token 2 to every
 * sequence (so a NoPE model can sense length through attention to BOS).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readF32, readI32, readI8, writeBin } from './binio.js';
import { deriveSeed, Rng } from './prng.js';
import type { Reparam } from './reparam.js';

export const DATASET_FORMAT = 'ablate-seqs/1';
export type Task = 'mean' | 'length';
export const TASKS: readonly Task[] = ['mean', 'length'];

/** Token sequences with targets; sequence i is tokens[offsets[i] .. offsets[i] + lengths[i]). */
export interface SeqSet {
  count: number;
  lengths: Int32Array;
  offsets: Int32Array;
  tokens: Int8Array;
  targets: Float32Array;
  targetsF: Float32Array;
}

export interface DataParams {
  task: Task;
  f: string;
  trainLengthMin: number;
  trainLengthMax: number;
  testLengthMax: number;
  trainSamples: number;
  testSamplesPerLength: number;
  seed: number;
  bos: boolean;
}

export interface SplitMeta {
  count: number;
  tokens: number;
  lengthMin: number;
  lengthMax: number;
  /** Mean of the targets in the original space. */
  targetMean: number;
  /** Mean and standard deviation of f(target). */
  targetFMean: number;
  targetFStd: number;
}

export interface DatasetMeta {
  format: typeof DATASET_FORMAT;
  task: Task;
  f: string;
  fDescribe: string;
  bos: boolean;
  vocab: { '0': 'zero'; '1': 'one'; '2': 'BOS' };
  seed: number;
  prng: 'mulberry32';
  params: DataParams;
  train: SplitMeta;
  test: SplitMeta;
}

export interface Dataset {
  meta: DatasetMeta;
  train: SeqSet;
  test: SeqSet;
}

export function seqTokens(set: SeqSet, i: number): Int8Array {
  const start = set.offsets[i]!;
  return set.tokens.subarray(start, start + set.lengths[i]!);
}

function offsetsOf(lengths: Int32Array): Int32Array {
  const offsets = new Int32Array(lengths.length);
  let at = 0;
  lengths.forEach((l, i) => {
    offsets[i] = at;
    at += l;
  });
  return offsets;
}

/** Build a split from per-sequence lengths, drawing tokens from `rng`. */
function generateSplit(lengths: Int32Array, task: Task, reparam: Reparam, rng: Rng): SeqSet {
  const offsets = offsetsOf(lengths);
  const total = lengths.reduce((a, b) => a + b, 0);
  const tokens = new Int8Array(total);
  const targets = new Float32Array(lengths.length);
  const targetsF = new Float32Array(lengths.length);
  lengths.forEach((l, i) => {
    let ones = 0;
    for (let j = 0; j < l; j++) {
      const bit = rng.nextU32() >>> 31; // top bit: 0 or 1 with p = 0.5
      tokens[offsets[i]! + j] = bit;
      ones += bit;
    }
    const target = task === 'mean' ? ones / l : l;
    targets[i] = target;
    targetsF[i] = task === 'mean' ? target : reparam.f(target);
  });
  return { count: lengths.length, lengths, offsets, tokens, targets, targetsF };
}

export function validateDataParams(p: DataParams): void {
  if (!Number.isInteger(p.trainLengthMin) || p.trainLengthMin < 1)
    throw new Error('trainLengthMin must be an integer >= 1');
  if (p.trainLengthMax < p.trainLengthMin) throw new Error('trainLengthMax must be >= trainLengthMin');
  if (p.testLengthMax < 1) throw new Error('testLengthMax must be >= 1');
  if (p.task === 'mean' && p.f !== 'identity') {
    throw new Error(`f='${p.f}' only applies to task 'length'; task 'mean' needs f='identity'`);
  }
}

/** Generate train and test splits, deterministic in `params.seed`. */
export function generateDataset(params: DataParams, reparam: Reparam): Dataset {
  validateDataParams(params);
  const trainRng = new Rng(deriveSeed(params.seed, 'data.train'));
  const trainLengths = new Int32Array(params.trainSamples);
  for (let i = 0; i < trainLengths.length; i++) {
    trainLengths[i] = trainRng.intBetween(params.trainLengthMin, params.trainLengthMax);
  }
  const train = generateSplit(trainLengths, params.task, reparam, trainRng);
  const testLengths = new Int32Array(params.testLengthMax * params.testSamplesPerLength);
  for (let l = 1; l <= params.testLengthMax; l++) {
    testLengths.fill(l, (l - 1) * params.testSamplesPerLength, l * params.testSamplesPerLength);
  }
  const test = generateSplit(testLengths, params.task, reparam, new Rng(deriveSeed(params.seed, 'data.test')));
  const meta: DatasetMeta = {
    format: DATASET_FORMAT,
    task: params.task,
    f: params.task === 'mean' ? 'identity' : reparam.name,
    fDescribe: params.task === 'mean' ? 'x' : reparam.describe,
    bos: params.bos,
    vocab: { '0': 'zero', '1': 'one', '2': 'BOS' },
    seed: params.seed,
    prng: 'mulberry32',
    params,
    train: splitMeta(train),
    test: splitMeta(test),
  };
  return { meta, train, test };
}

function splitMeta(s: SeqSet): SplitMeta {
  const mean = (xs: Float32Array): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const fMean = mean(s.targetsF);
  const fVar = s.targetsF.reduce((a, b) => a + (b - fMean) * (b - fMean), 0) / Math.max(1, s.count);
  return {
    count: s.count,
    tokens: s.tokens.length,
    lengthMin: s.lengths.reduce((a, b) => Math.min(a, b), Infinity),
    lengthMax: s.lengths.reduce((a, b) => Math.max(a, b), 0),
    targetMean: mean(s.targets),
    targetFMean: fMean,
    targetFStd: Math.sqrt(fVar),
  };
}

export async function writeDataset(dir: string, data: Dataset): Promise<void> {
  for (const split of ['train', 'test'] as const) {
    const s = data[split];
    await writeBin(path.join(dir, `${split}.tokens.bin`), s.tokens);
    await writeBin(path.join(dir, `${split}.lengths.bin`), s.lengths);
    await writeBin(path.join(dir, `${split}.targets.bin`), s.targets);
    await writeBin(path.join(dir, `${split}.targets_f.bin`), s.targetsF);
  }
  await writeFile(path.join(dir, 'meta.json'), JSON.stringify(data.meta, null, 2) + '\n');
}

export async function readDatasetMeta(dir: string): Promise<DatasetMeta> {
  const meta = JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as DatasetMeta;
  if ((meta.format as unknown) !== DATASET_FORMAT) {
    throw new Error(`${dir}/meta.json: format '${String(meta.format)}' is not '${DATASET_FORMAT}'`);
  }
  return meta;
}

export async function readSplit(dir: string, split: 'train' | 'test'): Promise<SeqSet> {
  const lengths = await readI32(path.join(dir, `${split}.lengths.bin`));
  const tokens = await readI8(path.join(dir, `${split}.tokens.bin`));
  const targets = await readF32(path.join(dir, `${split}.targets.bin`));
  const targetsF = await readF32(path.join(dir, `${split}.targets_f.bin`));
  const offsets = offsetsOf(lengths);
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total !== tokens.length || targets.length !== lengths.length || targetsF.length !== lengths.length) {
    throw new Error(`${dir}: ${split} files disagree on sizes (tokens ${tokens.length}, lengths sum ${total})`);
  }
  return { count: lengths.length, lengths, offsets, tokens, targets, targetsF };
}

export async function readDataset(dir: string): Promise<Dataset> {
  return { meta: await readDatasetMeta(dir), train: await readSplit(dir, 'train'), test: await readSplit(dir, 'test') };
}
