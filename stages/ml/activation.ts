/** The MLP activations, shared by the single and the stacked dense ops. */
import * as tf from '@tensorflow/tfjs';

export type Activation = 'linear' | 'relu' | 'gelu';

/** GELU, tanh approximation (as in GPT-2), built from differentiable ops. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), c);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}
