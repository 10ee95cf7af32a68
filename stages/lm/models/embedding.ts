/**
 * Token embedding (one-hot matMul: wasm has no gather gradient), additive
 * positional tables and the vocabulary head shared by the Transformer LMs.
 */
import * as tf from '@tensorflow/tfjs';
import { dense, layerNorm, matMul } from '../../ml/ops.js';
import { param, type ParamSpec, type Params } from '../../ml/params.js';
import { type ConstantCache, sinusoidalTable } from '../../ml/models/constants.js';
import type { ModelConfig } from '../../ml/models/types.js';
import { lnSpecs } from '../../ml/models/transformer.js';
import type { LmConfig } from './types.js';

const STD = 0.02;

/** The synthetic study's block config for the shared Transformer blocks (no BOS in LM windows). */
export function blockConfig(c: LmConfig): ModelConfig {
  return { ...c, bos: false };
}

export function validateLmTransformer(c: LmConfig): void {
  if (c.dModel % c.heads !== 0) throw new Error(`dModel (${c.dModel}) must be a multiple of heads (${c.heads})`);
  if (c.pe === 'rope' && (c.dModel / c.heads) % 2 !== 0)
    throw new Error('RoPE needs an even head size (dModel / heads)');
}

export function lmEmbeddingSpecs(c: LmConfig): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: 'embed', shape: [c.vocab, c.dModel], init: { kind: 'normal', std: STD } }];
  // Rows past the trained length are never updated and keep their random init.
  if (c.pe === 'learned') specs.push({ name: 'pos', shape: [c.maxLen, c.dModel], init: { kind: 'normal', std: STD } });
  return specs;
}

export function lmHeadSpecs(c: LmConfig): ParamSpec[] {
  return [
    ...lnSpecs('lnf', c.dModel),
    { name: 'head.w', shape: [c.dModel, c.vocab], init: { kind: 'normal', std: STD } },
    { name: 'head.b', shape: [c.vocab], init: { kind: 'zeros' } },
  ];
}

/** [B*T, vocab] one-hot -> [B*T, d], plus the learned or sinusoidal table of positions 0..T-1. */
export function lmEmbed(
  p: Params,
  onehot: tf.Tensor,
  batch: number,
  length: number,
  c: LmConfig,
  k: ConstantCache,
): tf.Tensor {
  const x = matMul(onehot, param(p, 'embed'));
  let table: tf.Tensor | undefined;
  if (c.pe === 'learned') {
    if (length > c.maxLen) {
      throw new Error(
        `Input of ${length} positions exceeds the learned PE table (maxLen ${c.maxLen}); train with a larger maxLen`,
      );
    }
    table = length === c.maxLen ? param(p, 'pos') : tf.slice(param(p, 'pos'), [0, 0], [length, c.dModel]);
  } else if (c.pe === 'sinusoidal') {
    table = k.get(`sin:${length}`, () => sinusoidalTable(length, c.dModel));
  }
  if (!table) return x;
  return tf.reshape(tf.add(tf.reshape(x, [batch, length, c.dModel]), table), [batch * length, c.dModel]);
}

/** Final LayerNorm and the vocabulary projection: [n, d] -> [n, vocab]. */
export function lmHead(p: Params, x: tf.Tensor): tf.Tensor2D {
  const h = layerNorm(x, param(p, 'lnf.g'), param(p, 'lnf.b'));
  return dense(h, param(p, 'head.w'), param(p, 'head.b')) as tf.Tensor2D;
}
