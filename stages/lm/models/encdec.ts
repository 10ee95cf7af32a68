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
import { attentionSpecs, lnSpecs, selfBlock, selfBlockSpecs } from '../../ml/models/transformer.js';
import { maskedCrossAttention } from './cross-attention.js';
import { blockConfig, lmEmbed, lmEmbeddingSpecs, lmHead, lmHeadSpecs, validateLmTransformer } from './embedding.js';
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
  const bc = blockConfig(c);
  const n = c.layers;
  return [
    ...lmEmbeddingSpecs(c),
    ...Array.from({ length: n }, (_, i) => selfBlockSpecs(`e${i}`, bc)).flat(),
    ...lnSpecs('lne', c.dModel),
    { name: 'null', shape: [1, c.dModel], init: { kind: 'normal', std: 0.02 } },
    ...Array.from({ length: n }, (_, i) => [...selfBlockSpecs(`d${i}`, bc), ...attentionSpecs(`c${i}`, bc)]).flat(),
    ...lmHeadSpecs(c),
  ];
}

export function buildLmEncDec(config: LmConfig): LmModel {
  validateLmTransformer(config);
  const bc = blockConfig(config);
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
    let e = lmEmbed(p, prefix, batch, split, config, constants);
    for (let i = 0; i < config.layers; i++) e = selfBlock(p, `e${i}`, e, batch, split, false, bc, constants);
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
      const shape = { batch, length, slots: split + 1, heads: config.heads, dModel: d };
      let x = lmEmbed(p, input.onehot, batch, length, config, constants);
      for (let i = 0; i < config.layers; i++) {
        x = selfBlock(p, `d${i}`, x, batch, length, true, bc, constants);
        const h = layerNorm(x, param(p, `c${i}.ln1.g`), param(p, `c${i}.ln1.b`));
        x = tf.add(x, maskedCrossAttention(p, `c${i}`, h, memory, bias, shape));
      }
      return lmHead(p, x);
    },
    dispose: () => constants.dispose(),
  };
}
