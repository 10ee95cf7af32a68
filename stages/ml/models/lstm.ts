/**
 * LSTM with a scalar head on the last hidden state of the top layer.
 * Per layer: input projections of all steps in one matMul (both biases
 * folded in), then the recurrence as one op with hand-written BPTT
 * (recurrent-ops.ts). Gate columns are ordered i, f, o, g.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import { recurrentHead, recurrentSpecs, timeMajor, validateRecurrent } from './recurrent.js';
import { lstmLayer } from './recurrent-ops.js';
import type { BatchInput, Model, ModelConfig } from './types.js';

export function buildLstm(config: ModelConfig): Model {
  validateRecurrent(config);
  const layout = new ParamLayout(recurrentSpecs(config, 4));
  return {
    config,
    layout,
    forward(p: Params, input: BatchInput): tf.Tensor1D {
      const { batch, length } = input;
      let x = timeMajor(input.onehot, batch, length);
      for (let layer = 0; layer < config.layers; layer++) {
        const bias = tf.add(param(p, `r${layer}.bx`), param(p, `r${layer}.bh`));
        const xs = dense(x, param(p, `r${layer}.wx`), bias);
        x = lstmLayer(xs, param(p, `r${layer}.wh`), length, batch);
      }
      return recurrentHead(p, lastStep(x, batch, length));
    },
    dispose: () => undefined,
  };
}

/** Hidden states of the last step from time-major rows [T*B, H]: [B, H]. */
export function lastStep(hs: tf.Tensor, batch: number, length: number): tf.Tensor {
  return length === 1 ? hs : tf.slice(hs, [(length - 1) * batch, 0], [batch, hs.shape[1]!]);
}
