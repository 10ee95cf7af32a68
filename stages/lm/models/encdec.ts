/**
 * Encoder-decoder LM with next-token logits at every position and no leak
 * from future tokens.
 *
 * A window of T tokens is split at P = floor(T/2). A bidirectional encoder
 * reads x[0..P-1] (its own positions 0..P-1); a causal decoder reads all T
 * positions, and after each self-attention block cross-attends to the memory
 * [null slot; encoder outputs]. Every encoder output depends on all of
 * x[0..P-1], so a decoder position t may read it only once it has seen those
 * tokens, t >= P-1; positions t < P-1 see only the learned null slot (which
 * keeps their softmax well defined). Token embedding and PE are shared by
 * both stacks; cross-attention carries no positional bias.
 */
import * as tf from '@tensorflow/tfjs';
import { layerNorm } from '../../ml/ops.js';
import { param, ParamLayout, type ParamSpec, type Params } from '../../ml/params.js';
import { ConstantCache } from '../../ml/models/constants.js';
import { crossResidual } from '../../ml/models/attention.js';
import {
  attentionSpecs,
  blockSpecs,
  embed,
  embeddingSpecs,
  lnHead,
  lnHeadSpecs,
  lnSpecs,
  selfBlock,
  validateTransformer,
} from '../../ml/models/transformer.js';
import type { LmConfig, LmInput, LmModel } from './types.js';

const MASKED = -1e9;

/** Bias [T, P+1]: slot 0 (null) always visible, encoder slots from position P-1 on. */
export function crossMask(length: number, split: number): Float32Array {
  const slots = split + 1;
  const out = new Float32Array(length * slots);
  for (let t = 0; t < length; t++) {
    for (let j = 1; j < slots; j++) out[t * slots + j] = t >= split - 1 ? 0 : MASKED;
  }
  return out;
}

function specs(c: LmConfig): ParamSpec[] {
  const n = c.layers;
  return [
    ...embeddingSpecs(c, c.vocab),
    ...Array.from({ length: n }, (_, i) => blockSpecs(`e${i}`, c)).flat(),
    ...lnSpecs('lne', c.dModel),
    { name: 'null', shape: [1, c.dModel], init: { kind: 'normal', std: 0.02 } },
    // Decoder block i: causal self-attention and MLP, then cross-attention without an MLP.
    ...Array.from({ length: n }, (_, i) => [...blockSpecs(`d${i}`, c), ...attentionSpecs(`c${i}`, c)]).flat(),
    ...lnHeadSpecs(c.dModel, c.vocab),
  ];
}

export function buildLmEncDec(config: LmConfig): LmModel {
  validateTransformer(config);
  const layout = new ParamLayout(specs(config));
  const constants = new ConstantCache();
  const d = config.dModel;

  /** [B*(P+1), d]: the null slot, then the encoded prefix, per sequence. */
  const encode = (p: Params, input: LmInput, split: number): tf.Tensor => {
    const { batch, length } = input;
    const nullSlot = tf.broadcastTo(tf.reshape(param(p, 'null'), [1, 1, d]), [batch, 1, d]);
    if (split === 0) return tf.reshape(nullSlot, [batch, d]);
    const prefix = tf.reshape(
      tf.slice(tf.reshape(input.onehot, [batch, length, config.vocab]), [0, 0, 0], [batch, split, config.vocab]),
      [batch * split, config.vocab],
    );
    let e = embed(p, prefix, batch, split, config, constants);
    for (let i = 0; i < config.layers; i++) e = selfBlock(p, `e${i}`, e, batch, split, false, config, constants);
    e = layerNorm(e, param(p, 'lne.g'), param(p, 'lne.b'));
    return tf.reshape(tf.concat([nullSlot, tf.reshape(e, [batch, split, d])], 1), [batch * (split + 1), d]);
  };

  return {
    config,
    layout,
    forward(p: Params, input: LmInput): tf.Tensor2D {
      const { batch, length } = input;
      const split = Math.floor(length / 2);
      const memory = encode(p, input, split);
      const bias = constants.get(`cross:${length}`, () => tf.tensor2d(crossMask(length, split), [length, split + 1]));
      const shape = { batch, queries: length, slots: split + 1, heads: config.heads, dModel: d };
      let x = embed(p, input.onehot, batch, length, config, constants);
      for (let i = 0; i < config.layers; i++) {
        x = selfBlock(p, `d${i}`, x, batch, length, true, config, constants);
        x = crossResidual(p, `c${i}`, x, memory, bias, shape);
      }
      return lnHead(p, x) as tf.Tensor2D;
    },
    dispose: () => constants.dispose(),
  };
}
