/**
 * GRU (PyTorch formulation: gates r, z, n; the reset gate scales the
 * recurrent part of n) with a scalar head on the last hidden state.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import { recurrentHead, recurrentSpecs, stepInputs, timeMajor, validateRecurrent } from './recurrent.js';
import type { BatchInput, Model, ModelConfig } from './types.js';

export function buildGru(config: ModelConfig): Model {
  validateRecurrent(config);
  const layout = new ParamLayout(recurrentSpecs(config, 3));
  const h = config.hidden;
  return {
    config,
    layout,
    forward(p: Params, input: BatchInput): tf.Tensor1D {
      const { batch, length } = input;
      let x = timeMajor(input.onehot, batch, length);
      let last: tf.Tensor = tf.zeros([batch, h]);
      for (let layer = 0; layer < config.layers; layer++) {
        const xs = stepInputs(p, layer, x, length);
        const wh = param(p, `r${layer}.wh`);
        const bh = param(p, `r${layer}.bh`);
        let hidden: tf.Tensor = tf.zeros([batch, h]);
        const outputs: tf.Tensor[] = [];
        for (let t = 0; t < length; t++) {
          const hh = dense(hidden, wh, bh);
          const [xrz, xn] = tf.split(xs[t]!, [2 * h, h], 1) as [tf.Tensor, tf.Tensor];
          const [hrz, hn] = tf.split(hh, [2 * h, h], 1) as [tf.Tensor, tf.Tensor];
          const [r, z] = tf.split(tf.sigmoid(tf.add(xrz, hrz)), 2, 1) as [tf.Tensor, tf.Tensor];
          const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
          hidden = tf.add(n, tf.mul(z, tf.sub(hidden, n)));
          outputs.push(hidden);
        }
        last = hidden;
        if (layer + 1 < config.layers) x = tf.concat(outputs, 0);
      }
      return recurrentHead(p, last);
    },
    dispose: () => undefined,
  };
}
