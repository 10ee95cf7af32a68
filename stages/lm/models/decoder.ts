/**
 * Decoder-only LM: causal pre-LN Transformer over all positions, a vocabulary
 * head on every position. Blocks are the synthetic study's (`selfBlock`).
 */
import type * as tf from '@tensorflow/tfjs';
import { ParamLayout, type Params } from '../../ml/params.js';
import { ConstantCache } from '../../ml/models/constants.js';
import { selfBlock, selfBlockSpecs } from '../../ml/models/transformer.js';
import { blockConfig, lmEmbed, lmEmbeddingSpecs, lmHead, lmHeadSpecs, validateLmTransformer } from './embedding.js';
import type { LmConfig, LmInput, LmModel } from './types.js';

export function buildLmDecoder(config: LmConfig): LmModel {
  validateLmTransformer(config);
  const bc = blockConfig(config);
  const layout = new ParamLayout([
    ...lmEmbeddingSpecs(config),
    ...Array.from({ length: config.layers }, (_, i) => selfBlockSpecs(`l${i}`, bc)).flat(),
    ...lmHeadSpecs(config),
  ]);
  const constants = new ConstantCache();
  return {
    config,
    layout,
    forward(p: Params, input: LmInput): tf.Tensor2D {
      const { batch, length } = input;
      let x = lmEmbed(p, input.onehot, batch, length, config, constants);
      for (let i = 0; i < config.layers; i++) x = selfBlock(p, `l${i}`, x, batch, length, true, bc, constants);
      return lmHead(p, x);
    },
    dispose: () => constants.dispose(),
  };
}
