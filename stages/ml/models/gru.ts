/**
 * GRU (PyTorch formulation: gates r, z, n; the reset gate scales the
 * recurrent part of n) with a scalar head on the last hidden state. The
 * recurrence is one op with hand-written BPTT (recurrent-ops.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { dense } from '../ops.js';
import { param, ParamLayout, type Params } from '../params.js';
import { lastStep } from './lstm.js';
import { recurrentHead, recurrentSpecs, timeMajor, validateRecurrent } from './recurrent.js';
import { gruLayer } from './recurrent-ops.js';
import type { BatchInput, Model, ModelConfig } from './types.js';

export function buildGru(config: ModelConfig): Model {
  validateRecurrent(config);
  const layout = new ParamLayout(recurrentSpecs(config, 3));
  return {
    config,
    layout,
    forward(p: Params, input: BatchInput): tf.Tensor1D {
      const { batch, length } = input;
      let x = timeMajor(input.onehot, batch, length);
      for (let layer = 0; layer < config.layers; layer++) {
        const xs = dense(x, param(p, `r${layer}.wx`), param(p, `r${layer}.bx`));
        x = gruLayer(xs, param(p, `r${layer}.wh`), param(p, `r${layer}.bh`), length, batch);
      }
      return recurrentHead(p, lastStep(x, batch, length));
    },
    dispose: () => undefined,
  };
}
