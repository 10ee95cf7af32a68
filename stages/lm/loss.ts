/**
 * Next-token cross-entropy and the misalignment divergences, in TF.js,
 * built from ops with wasm gradients (one-hot products instead of gather).
 */
import * as tf from '@tensorflow/tfjs';

export const DIVERGENCES = ['sce', 'symkl'] as const;
export type Divergence = (typeof DIVERGENCES)[number];

/** One-hot rows [n, vocab] of `tokens` (ids checked against vocab). */
export function oneHotRows(tokens: ArrayLike<number>, vocab: number): tf.Tensor2D {
  const out = new Float32Array(tokens.length * vocab);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= vocab) throw new Error(`Token id ${t} is outside the vocabulary 0..${vocab - 1}`);
    out[i * vocab + t] = 1;
  }
  return tf.tensor2d(out, [tokens.length, vocab]);
}

/** Mean over rows of -log softmax(logits)[target]; targets one-hot [n, vocab]. */
export function nextTokenCe(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/**
 * Divergence between the next-token distributions p = softmax(a) and
 * q = softmax(b), row by row, averaged over rows; both sides differentiable.
 *   sce:   CE(p, q) + CE(q, p) = -Σ p log q - Σ q log p
 *   symkl: KL(p‖q) + KL(q‖p)   = Σ (p - q)(log p - log q)
 */
export function divergence(kind: Divergence, a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  const la = tf.logSoftmax(a);
  const lb = tf.logSoftmax(b);
  const pa = tf.exp(la);
  const pb = tf.exp(lb);
  const perRow =
    kind === 'sce'
      ? tf.neg(tf.add(tf.sum(tf.mul(pa, lb), -1), tf.sum(tf.mul(pb, la), -1)))
      : tf.sum(tf.mul(tf.sub(pa, pb), tf.sub(la, lb)), -1);
  return tf.mean(perRow);
}
