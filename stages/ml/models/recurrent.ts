/**
 * Shared plumbing of the recurrent models: time-major input projections for
 * all steps in one matMul, and the scalar head on the last hidden state.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops.js';
import { param, type ParamSpec, type Params } from '../params.js';
import { VOCAB, type ModelConfig } from './types.js';

/** Weights per layer: input [in, gates*H], recurrent [H, gates*H], biases. */
export function recurrentSpecs(c: ModelConfig, gates: number): ParamSpec[] {
  const h = c.hidden;
  const limit = 1 / Math.sqrt(h); // PyTorch's default for nn.LSTM / nn.GRU
  const specs: ParamSpec[] = [];
  for (let i = 0; i < c.layers; i++) {
    const inputSize = i === 0 ? VOCAB : h;
    specs.push(
      { name: `r${i}.wx`, shape: [inputSize, gates * h], init: { kind: 'uniform', limit } },
      { name: `r${i}.bx`, shape: [gates * h], init: { kind: 'uniform', limit } },
      { name: `r${i}.wh`, shape: [h, gates * h], init: { kind: 'uniform', limit } },
      { name: `r${i}.bh`, shape: [gates * h], init: { kind: 'uniform', limit } },
    );
  }
  specs.push(
    { name: 'head.w', shape: [h, 1], init: { kind: 'uniform', limit } },
    { name: 'head.b', shape: [1], init: { kind: 'zeros' } },
  );
  return specs;
}

/** Batch-major one-hot [B*T, V] -> time-major rows [T*B, V]. */
export function timeMajor(onehot: tf.Tensor, batch: number, length: number): tf.Tensor {
  return tf.reshape(tf.transpose(tf.reshape(onehot, [batch, length, -1]), [1, 0, 2]), [batch * length, -1]);
}

/** Scalar prediction [B] from the last hidden state [B, H]. */
export function recurrentHead(p: Params, h: tf.Tensor): tf.Tensor1D {
  return tf.reshape(dense(h, param(p, 'head.w'), param(p, 'head.b')), [h.shape[0]!]) as tf.Tensor1D;
}

export function validateRecurrent(c: ModelConfig): void {
  if (c.hidden < 1 || c.layers < 1) throw new Error('Recurrent models need hidden >= 1 and layers >= 1');
}
