/**
 * LayerNorm's arithmetic over the last axis, shared by the single and the
 * stacked op (ops.ts, stacked-ops.ts), which differ only in how the gain
 * and bias broadcast and how their gradients sum.
 */
import * as tf from '@tensorflow/tfjs';

const LN_EPS = 1e-5;

/** x normalised over its last axis, and the 1 / sqrt(var + eps) it was scaled by. */
export function normalize(x: tf.Tensor): { xhat: tf.Tensor; rstd: tf.Tensor } {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), LN_EPS));
  return { xhat: tf.mul(xc, rstd), rstd };
}

/** The input's gradient from `dxhat`, the output's gradient times the gain. */
export function normalizeGrad(dxhat: tf.Tensor, xhat: tf.Tensor, rstd: tf.Tensor): tf.Tensor {
  return tf.mul(
    tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true))),
    rstd,
  );
}
