/**
 * Decoder-only, pre-LN, causal Transformer with a scalar regression head on
 * the last position.
 */
import type * as tf from '@tensorflow/tfjs';
import { ParamLayout, type Params } from '../params.js';
import { ConstantCache } from './constants.js';
import {
  embed,
  embeddingSpecs,
  headSpecs,
  lnHead,
  lnSpecs,
  selfBlock,
  selfBlockLast,
  selfBlockSpecs,
  validateTransformer,
} from './transformer.js';
import type { BatchInput, Model, ModelConfig } from './types.js';

export function buildDecoder(config: ModelConfig): Model {
  validateTransformer(config);
  const layout = new ParamLayout([
    ...embeddingSpecs(config),
    ...Array.from({ length: config.layers }, (_, i) => selfBlockSpecs(`l${i}`, config)).flat(),
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
      for (let i = 0; i + 1 < config.layers; i++) {
        x = selfBlock(p, `l${i}`, x, batch, length, true, config, constants);
      }
      // Only the last position reaches the head, so the top block computes just that row.
      return lnHead(p, selfBlockLast(p, `l${config.layers - 1}`, x, batch, length, config, constants));
    },
    dispose: () => constants.dispose(),
  };
}
