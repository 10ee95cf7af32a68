/**
 * Decoder-only, pre-LN, causal Transformer with a scalar regression head on
 * the last position.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamLayout, type Params } from '../params.js';
import { ConstantCache } from './constants.js';
import {
  blockSpecs,
  embed,
  embeddingSpecs,
  lnHead,
  lnHeadSpecs,
  selfBlock,
  selfBlockLast,
  validateTransformer,
} from './transformer.js';
import { VOCAB, type BatchInput, type Model, type ModelConfig } from './types.js';

export function buildDecoder(config: ModelConfig): Model {
  validateTransformer(config);
  const layout = new ParamLayout([
    ...embeddingSpecs(config, VOCAB),
    ...Array.from({ length: config.layers }, (_, i) => blockSpecs(`l${i}`, config)).flat(),
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
      for (let i = 0; i + 1 < config.layers; i++) {
        x = selfBlock(p, `l${i}`, x, batch, length, true, config, constants);
      }
      // Only the last position reaches the head, so the top block computes just that row.
      const last = selfBlockLast(p, `l${config.layers - 1}`, x, batch, length, config, constants);
      return tf.reshape<tf.Rank.R1>(lnHead(p, last), [batch]);
    },
    dispose: () => constants.dispose(),
  };
}
