/** Tiny configurations and data shared by the ml tests. */
import { generateDataset, type Dataset, type DataParams } from '../../stages/ml/dataset.js';
import type { ModelConfig } from '../../stages/ml/models/types.js';
import identity from '../../stages/reparam/identity.js';
import type { TrainConfig } from '../../stages/ml/train-loop.js';

export const ARCH_PE: Array<Pick<ModelConfig, 'arch' | 'pe'>> = [
  { arch: 'decoder', pe: 'none' },
  { arch: 'decoder', pe: 'learned' },
  { arch: 'decoder', pe: 'sinusoidal' },
  { arch: 'decoder', pe: 'rope' },
  { arch: 'decoder', pe: 'alibi' },
  { arch: 'encdec', pe: 'none' },
  { arch: 'encdec', pe: 'rope' },
  { arch: 'encdec', pe: 'alibi' },
  { arch: 'lstm', pe: 'none' },
  { arch: 'gru', pe: 'none' },
];

export function tinyConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch: 'decoder',
    pe: 'none',
    layers: 2,
    dModel: 8,
    heads: 2,
    dFF: 16,
    hidden: 6,
    activation: 'relu',
    maxLen: 16,
    bos: true,
    ...over,
  };
}

export const TINY_DATA: DataParams = {
  task: 'mean',
  f: 'identity',
  trainLengthMin: 1,
  trainLengthMax: 6,
  testLengthMax: 9,
  trainSamples: 200,
  testSamplesPerLength: 4,
  seed: 3,
  bos: true,
};

export function tinyDataset(over: Partial<DataParams> = {}): Dataset {
  return generateDataset({ ...TINY_DATA, ...over }, identity);
}

export function tinyTrain(over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    steps: 12,
    batchSize: 8,
    lr: 3e-3,
    lrSchedule: 'cosine',
    clip: 1,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    seed: 5,
    checkpointEvery: 0,
    ...over,
  };
}
