/**
 * Encoder-decoder Transformer: a bidirectional pre-LN encoder over the
 * sequence, then decoder blocks whose single position starts as a learned
 * query and cross-attends to the encoder output. The head reads the decoder
 * output. The positional encoding acts inside the encoder only; the one-token
 * decoder has no self-attention and its cross-attention is content-based.
 */
import * as tf from '@tensorflow/tfjs';
import { layerNorm, linear } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import { crossResidual } from './attention.js';
import { ConstantCache } from './constants.js';
import {
  blockSpecs,
  embed,
  embeddingSpecs,
  lnHead,
  lnHeadSpecs,
  lnSpecs,
  mlpResidual,
  selfBlock,
  validateTransformer,
} from './transformer.js';
import { VOCAB, type BatchInput, type Model, type ModelConfig } from './types.js';

export function buildEncDec(config: ModelConfig): Model {
  validateTransformer(config);
  const layers = Array.from({ length: config.layers }, (_, i) => i);
  const layout = new ParamLayout([
    ...embeddingSpecs(config, VOCAB),
    ...layers.map((i) => blockSpecs(`enc${i}`, config)).flat(),
    ...lnSpecs('encf', config.dModel),
    { name: 'query', shape: [1, config.dModel], init: { kind: 'normal', std: 0.02 } },
    ...layers.map((i) => blockSpecs(`dec${i}`, config)).flat(),
    ...lnHeadSpecs(config.dModel, 1),
  ]);
  const constants = new ConstantCache();
  return {
    config,
    layout,
    stackable: true,
    forward(p: Params, input: BatchInput): tf.Tensor1D {
      const { batch, length } = input;
      let x = embed(p, input.onehot, batch, length, config, constants);
      for (const i of layers) x = selfBlock(p, `enc${i}`, x, batch, length, false, config, constants);
      const memory = layerNorm(x, param(p, 'encf.g'), param(p, 'encf.b'));
      const shape = { batch, queries: 1, slots: length, heads: config.heads, dModel: config.dModel };
      let y = linear(tf.ones([batch, 1]), param(p, 'query'));
      for (const i of layers) {
        y = crossResidual(p, `dec${i}`, y, memory, undefined, shape);
        y = mlpResidual(p, `dec${i}`, y, config);
      }
      return tf.reshape<tf.Rank.R1>(lnHead(p, y), [batch]);
    },
    dispose: () => constants.dispose(),
  };
}
