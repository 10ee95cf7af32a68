/**
 * LSTM and GRU regressors: the shared recurrent core (recurrent.ts) with a
 * scalar head on the last hidden state of the top layer.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import {
  lastStep,
  type RecurrentCell,
  recurrentLimit,
  recurrentSpecs,
  recurrentStack,
  timeMajor,
  validateRecurrent,
} from './recurrent.js';
import { VOCAB, type BatchInput, type Model, type ModelConfig } from './types.js';

export function buildRnn(config: ModelConfig, cell: RecurrentCell): Model {
  validateRecurrent(config);
  const layout = new ParamLayout([
    ...recurrentSpecs(config, VOCAB, cell),
    { name: 'head.w', shape: [config.hidden, 1], init: { kind: 'uniform', limit: recurrentLimit(config.hidden) } },
    { name: 'head.b', shape: [1], init: { kind: 'zeros' } },
  ]);
  return {
    config,
    layout,
    stackable: false,
    forward(p: Params, input: BatchInput): tf.Tensor1D {
      const { batch, length } = input;
      const hs = recurrentStack(p, config, timeMajor(input.onehot, batch, length), batch, length, cell);
      const last = lastStep(hs, batch, length);
      return tf.reshape<tf.Rank.R1>(dense(last, param(p, 'head.w'), param(p, 'head.b')), [batch]);
    },
    dispose: () => undefined,
  };
}
