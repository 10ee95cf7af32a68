/**
 * Multi-head cross-attention of every decoder position over a memory, with an
 * additive mask per (query, memory slot). The synthetic study's cross-attention
 * reads one query per sequence; a language model needs one per position.
 */
import * as tf from '@tensorflow/tfjs';
import { dense, matMul } from '../../ml/ops.js';
import { param, type Params } from '../../ml/params.js';

export interface CrossShape {
  batch: number;
  /** Query positions per sequence. */
  length: number;
  /** Memory slots per sequence. */
  slots: number;
  heads: number;
  dModel: number;
}

/** [B*n, d] -> [B*H, n, dh], or [B*H, dh, n] when `keysFirst` (ready for q @ kT). */
function heads(x: tf.Tensor, batch: number, n: number, s: CrossShape, keysFirst = false): tf.Tensor {
  const dh = s.dModel / s.heads;
  const t = tf.transpose(tf.reshape(x, [batch, n, s.heads, dh]), keysFirst ? [0, 2, 3, 1] : [0, 2, 1, 3]);
  return tf.reshape(t, keysFirst ? [batch * s.heads, dh, n] : [batch * s.heads, n, dh]);
}

/**
 * h [B*T, d] (normalised queries) over memory [B*M, d]; `bias` [T, M] is added
 * to the scores of every sequence and head (-1e9 hides a slot). Returns [B*T, d].
 */
export function maskedCrossAttention(
  p: Params,
  prefix: string,
  h: tf.Tensor,
  memory: tf.Tensor,
  bias: tf.Tensor,
  s: CrossShape,
): tf.Tensor {
  const dh = s.dModel / s.heads;
  const proj = (n: 'q' | 'k' | 'v', x: tf.Tensor): tf.Tensor =>
    dense(x, param(p, `${prefix}.w${n}`), param(p, `${prefix}.b${n}`));
  const q = heads(proj('q', h), s.batch, s.length, s);
  const kT = heads(proj('k', memory), s.batch, s.slots, s, true);
  const v = heads(proj('v', memory), s.batch, s.slots, s);
  const scores = tf.add(tf.mul(matMul(q, kT), 1 / Math.sqrt(dh)), bias);
  const ctx = matMul(tf.softmax(scores), v);
  const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [s.batch, s.heads, s.length, dh]), [0, 2, 1, 3]), [
    s.batch * s.length,
    s.dModel,
  ]);
  return dense(merged, param(p, `${prefix}.wo`), param(p, `${prefix}.bo`));
}
