/**
 * LSTM (PyTorch gate order i, f, g, o; separate input and recurrent biases)
 * with a scalar head on the last hidden state of the top layer.
 */
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import { recurrentHead, recurrentSpecs, stepInputs, timeMajor, validateRecurrent } from './recurrent.js';
import type { BatchInput, Model, ModelConfig } from './types.js';

export function buildLstm(config: ModelConfig): Model {
  validateRecurrent(config);
  const layout = new ParamLayout(recurrentSpecs(config, 4));
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
        let cell: tf.Tensor = tf.zeros([batch, h]);
        const outputs: tf.Tensor[] = [];
        for (let t = 0; t < length; t++) {
          const z = tf.add(xs[t]!, t === 0 ? bh : tf.add(matMul(hidden, wh), bh));
          const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          cell = tf.add(tf.mul(tf.sigmoid(zf), cell), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
          hidden = tf.mul(tf.sigmoid(zo), tf.tanh(cell));
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
