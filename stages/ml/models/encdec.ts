/**
 * Encoder-decoder Transformer: a bidirectional pre-LN encoder over the
 * sequence, then decoder blocks whose single position starts as a learned
 * query and cross-attends to the encoder output. The head reads the decoder
 * output. The positional encoding acts inside the encoder only; the one-token
 * decoder has no self-attention and its cross-attention is content-based.
 */
import * as tf from '@tensorflow/tfjs';
import { layerNorm, matMul } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import { ConstantCache } from './constants.js';
import {
  crossAttention,
  crossBlockSpecs,
  embed,
  embeddingSpecs,
  headSpecs,
  lnHead,
  lnSpecs,
  mlpResidual,
  selfBlock,
  selfBlockSpecs,
  validateTransformer,
} from './transformer.js';
import type { BatchInput, Model, ModelConfig } from './types.js';

export function buildEncDec(config: ModelConfig): Model {
  validateTransformer(config);
  const layers = Array.from({ length: config.layers }, (_, i) => i);
  const layout = new ParamLayout([
    ...embeddingSpecs(config),
    ...layers.map((i) => selfBlockSpecs(`enc${i}`, config)).flat(),
    ...lnSpecs('encf', config.dModel),
    { name: 'query', shape: [1, config.dModel], init: { kind: 'normal', std: 0.02 } },
    ...layers.map((i) => crossBlockSpecs(`dec${i}`, config)).flat(),
    ...lnSpecs('lnf', config.dModel),
    ...headSpecs(config.dModel),
  ]);
  const constants = new ConstantCache();
  return {
    config,
    layout,
    forward(p: Params, input: BatchInput): tf.Tensor1D {
      const { batch, length } = input;
      let x = embed(p, input.onehot, batch, length, config, constants);
      for (const i of layers) x = selfBlock(p, `enc${i}`, x, batch, length, false, config, constants);
      const memory = layerNorm(x, param(p, 'encf.g'), param(p, 'encf.b'));
      let y = matMul(tf.ones([batch, 1]), param(p, 'query'));
      for (const i of layers) {
        const h = layerNorm(y, param(p, `dec${i}.ln1.g`), param(p, `dec${i}.ln1.b`));
        y = tf.add(y, crossAttention(p, `dec${i}`, h, memory, batch, length, config));
        y = mlpResidual(p, `dec${i}`, y, config);
      }
      return lnHead(p, y);
    },
    dispose: () => constants.dispose(),
  };
}
