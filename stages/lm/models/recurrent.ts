/**
 * LSTM and GRU language models: the synthetic study's recurrent core
 * (ml/models/recurrent.ts) with a vocabulary head on every step. The
 * recurrences work time-major; logits are reordered batch-major at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../../ml/ops.js';
import { param, ParamLayout, type Params } from '../../ml/params.js';
import {
  recurrentLimit,
  recurrentSpecs,
  recurrentStack,
  timeMajor,
  validateRecurrent,
} from '../../ml/models/recurrent.js';
import type { LmConfig, LmInput, LmModel } from './types.js';

export function buildLmRecurrent(config: LmConfig): LmModel {
  validateRecurrent(config);
  const cell = config.arch === 'lstm' ? 'lstm' : 'gru';
  const v = config.vocab;
  const layout = new ParamLayout([
    ...recurrentSpecs(config, v, cell),
    { name: 'head.w', shape: [config.hidden, v], init: { kind: 'uniform', limit: recurrentLimit(config.hidden) } },
    { name: 'head.b', shape: [v], init: { kind: 'zeros' } },
  ]);
  return {
    config,
    layout,
    forward(p: Params, input: LmInput): tf.Tensor2D {
      const { batch, length } = input;
      const hs = recurrentStack(p, config, timeMajor(input.onehot, batch, length), batch, length, cell);
      const logits = dense(hs, param(p, 'head.w'), param(p, 'head.b'));
      return tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(logits, [length, batch, v]), [1, 0, 2]), [
        batch * length,
        v,
      ]);
    },
    dispose: () => undefined,
  };
}
