/** Build a model from its config: a pure function, no module side effects. */
import { buildDecoder } from './decoder.js';
import { buildEncDec } from './encdec.js';
import { buildRnn } from './rnn.js';
import { ARCHS, POSITIONAL_ENCODINGS, type Model, type ModelConfig } from './types.js';

export * from './types.js';

export function buildModel(config: ModelConfig): Model {
  validateConfig(config);
  switch (config.arch) {
    case 'decoder':
      return buildDecoder(config);
    case 'encdec':
      return buildEncDec(config);
    case 'lstm':
    case 'gru':
      return buildRnn(config, config.arch);
  }
}

function validateConfig(c: ModelConfig): void {
  if (!ARCHS.includes(c.arch)) throw new Error(`Unknown arch '${String(c.arch)}'. Known: ${ARCHS.join(', ')}.`);
  if (!POSITIONAL_ENCODINGS.includes(c.pe)) {
    throw new Error(`Unknown positional encoding '${String(c.pe)}'. Known: ${POSITIONAL_ENCODINGS.join(', ')}.`);
  }
  for (const key of ['layers', 'dModel', 'heads', 'dFF', 'hidden', 'maxLen'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`Model config '${key}' must be a positive integer`);
  }
}

/**
 * The reference model of the synthetic study (paper notes section 8.1, minus
 * GELU): decoder-only, 2 layers, d_model 64, 4 heads, d_ff 256, NoPE, BOS.
 * bench/train measures it. The train stage's own defaults are smaller (see
 * the schema of stages/train.ts).
 */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  arch: 'decoder',
  pe: 'none',
  layers: 2,
  dModel: 64,
  heads: 4,
  dFF: 256,
  hidden: 64,
  activation: 'relu',
  maxLen: 64,
  bos: true,
};
