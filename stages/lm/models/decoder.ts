/**
 * Decoder-only LM: causal pre-LN Transformer over all positions, a vocabulary
 * head on every position. Blocks are the synthetic study's (`selfBlock`).
 */
import type * as tf from '@tensorflow/tfjs';
import { ParamLayout, type Params } from '../../ml/params.js';
import { ConstantCache } from '../../ml/models/constants.js';
import {
  blockSpecs,
  embed,
  embeddingSpecs,
  lnHead,
  lnHeadSpecs,
  selfBlock,
  validateTransformer,
} from '../../ml/models/transformer.js';
import type { LmConfig, LmInput, LmModel } from './types.js';

export function buildLmDecoder(config: LmConfig): LmModel {
  validateTransformer(config);
  const layout = new ParamLayout([
    ...embeddingSpecs(config, config.vocab),
    ...Array.from({ length: config.layers }, (_, i) => blockSpecs(`l${i}`, config)).flat(),
    ...lnHeadSpecs(config.dModel, config.vocab),
  ]);
  const constants = new ConstantCache();
  return {
    config,
    layout,
    forward(p: Params, input: LmInput): tf.Tensor2D {
      const { batch, length } = input;
      let x = embed(p, input.onehot, batch, length, config, constants);
      for (let i = 0; i < config.layers; i++) x = selfBlock(p, `l${i}`, x, batch, length, true, config, constants);
      return lnHead(p, x) as tf.Tensor2D;
    },
    dispose: () => constants.dispose(),
  };
}
