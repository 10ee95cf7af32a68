/**
 * The params both training kinds (`train`, `lm-train`) share, written once:
 * the architecture, then the optimizer. Each kind passes the defaults and
 * wording where they differ. The property order is the order ctx.params
 * arrives in, so it is kept as it was.
 */
import { posInt } from './stage-util.js';

export interface ArchitectureDefaults {
  dFF: number;
  maxLen: number;
  maxLenDescription: string;
}

export function architectureProperties(d: ArchitectureDefaults) {
  return {
    arch: { enum: ['decoder', 'encdec', 'lstm', 'gru'], default: 'decoder', description: 'Architecture' },
    pe: {
      enum: ['none', 'learned', 'sinusoidal', 'rope', 'alibi'],
      default: 'none',
      description: 'Positional encoding of the Transformers (ignored by lstm/gru)',
    },
    layers: posInt('Transformer blocks (encdec: per stack) or stacked RNN layers', 2, 16),
    dModel: posInt('Transformer width', 32, 1024),
    heads: posInt('Attention heads (must divide dModel)', 4, 64),
    dFF: posInt('Transformer MLP width', d.dFF, 4096),
    hidden: posInt('RNN hidden size', 64, 1024),
    activation: { enum: ['relu', 'gelu'], default: 'relu', description: 'MLP activation (relu is fused, faster)' },
    maxLen: posInt(d.maxLenDescription, d.maxLen, 100000),
  } as const;
}

export interface OptimizerDefaults {
  steps: number;
  batchSize: number;
  batchDescription: string;
  lr: number;
  checkpointEvery: number;
  seedDescription: string;
}

export function optimizerProperties(d: OptimizerDefaults) {
  return {
    steps: posInt('Optimizer steps', d.steps),
    batchSize: posInt(d.batchDescription, d.batchSize),
    lr: { type: 'number', exclusiveMinimum: 0, default: d.lr, description: 'Adam learning rate' },
    lrSchedule: {
      enum: ['cosine', 'constant'],
      default: 'cosine',
      description: 'cosine decays to 10% of lr by the last step',
    },
    clip: { type: 'number', minimum: 0, default: 1, description: 'Global gradient-norm clip (0: off)' },
    checkpointEvery: {
      type: 'integer',
      minimum: 0,
      default: d.checkpointEvery,
      description: 'Steps between checkpoints (0: off)',
    },
    seed: { type: 'integer', minimum: 0, default: 0, description: d.seedDescription },
  } as const;
}
