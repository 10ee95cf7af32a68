/**
 * Multi-head attention pieces shared by every Transformer of both tracks:
 * head split and merge, the q/k/v projections, scaled dot-product attention
 * with an additive bias, and cross-attention over a memory. Activations stay
 * 2-D, [batch * n, d], so each projection is one matMul; all heads go through
 * one batched matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { dense, layerNorm, matMul } from '../ops.js';
import { param, type Params } from '../params.js';

/** How a model width splits into heads. */
export interface HeadShape {
  heads: number;
  dModel: number;
}

/** [B*n, d] -> [B*H, n, dh] (or [B*H, dh, n] when `keysFirst`, ready for q @ kT). */
export function splitHeads(x: tf.Tensor, batch: number, n: number, s: HeadShape, keysFirst = false): tf.Tensor {
  const dh = s.dModel / s.heads;
  const t = tf.transpose(tf.reshape(x, [batch, n, s.heads, dh]), keysFirst ? [0, 2, 3, 1] : [0, 2, 1, 3]);
  return tf.reshape(t, keysFirst ? [batch * s.heads, dh, n] : [batch * s.heads, n, dh]);
}

/** [B*H, n, dh] -> [B*n, d]. */
export function mergeHeads(x: tf.Tensor, batch: number, n: number, s: HeadShape): tf.Tensor {
  const dh = s.dModel / s.heads;
  const t = tf.transpose(tf.reshape(x, [batch, s.heads, n, dh]), [0, 2, 1, 3]);
  return tf.reshape(t, [batch * n, s.dModel]);
}

export function project(p: Params, prefix: string, n: 'q' | 'k' | 'v', h: tf.Tensor): tf.Tensor {
  return dense(h, param(p, `${prefix}.w${n}`), param(p, `${prefix}.b${n}`));
}

/** The output projection of an attention block: [n, d] -> [n, d]. */
export function projectOut(p: Params, prefix: string, ctx: tf.Tensor): tf.Tensor {
  return dense(ctx, param(p, `${prefix}.wo`), param(p, `${prefix}.bo`));
}

/**
 * Attention of queries q [B*H, nq, dh] over keys kT [B*H, dh, T] and values
 * v [B*H, T, dh], with an additive bias broadcast over the batch
 * ([nq, T], or [H, nq, T] for ALiBi): [B*H, nq, dh].
 */
export function attend(
  q: tf.Tensor,
  kT: tf.Tensor,
  v: tf.Tensor,
  bias: tf.Tensor | undefined,
  batch: number,
  s: HeadShape,
): tf.Tensor {
  const [bh, nq] = [q.shape[0], q.shape[1]!];
  const t = kT.shape[2]!;
  let scores = tf.mul(matMul(q, kT), 1 / Math.sqrt(s.dModel / s.heads));
  if (bias && bias.rank === 3) {
    scores = tf.reshape(tf.add(tf.reshape(scores, [batch, s.heads, nq, t]), bias), [bh, nq, t]);
  } else if (bias) {
    scores = tf.add(scores, bias);
  }
  return matMul(tf.softmax(scores), v);
}

/** Queries and memory slots per sequence of a cross-attention. */
export interface CrossShape extends HeadShape {
  batch: number;
  queries: number;
  slots: number;
}

/**
 * Multi-head cross-attention of normalised queries h [B*nq, d] over memory
 * [B*M, d]; `bias` [nq, M], if given, is added to the scores of every
 * sequence and head (-1e9 hides a slot). Returns [B*nq, d]. With one query
 * per sequence, [B, H*dh] already is [B*H, 1, dh] in memory, so the heads
 * split and merge by reshape alone.
 */
export function crossAttention(
  p: Params,
  prefix: string,
  h: tf.Tensor,
  memory: tf.Tensor,
  bias: tf.Tensor | undefined,
  s: CrossShape,
): tf.Tensor {
  const single = s.queries === 1;
  const query = project(p, prefix, 'q', h);
  const q = single
    ? tf.reshape(query, [s.batch * s.heads, 1, s.dModel / s.heads])
    : splitHeads(query, s.batch, s.queries, s);
  const kT = splitHeads(project(p, prefix, 'k', memory), s.batch, s.slots, s, true);
  const v = splitHeads(project(p, prefix, 'v', memory), s.batch, s.slots, s);
  const ctx = attend(q, kT, v, bias, s.batch, s);
  return projectOut(p, prefix, single ? tf.reshape(ctx, [s.batch, s.dModel]) : mergeHeads(ctx, s.batch, s.queries, s));
}

/** x + CrossAttn(LN(x)) over `memory`, the LayerNorm being the block's ln1. */
export function crossResidual(
  p: Params,
  prefix: string,
  x: tf.Tensor,
  memory: tf.Tensor,
  bias: tf.Tensor | undefined,
  s: CrossShape,
): tf.Tensor {
  const h = layerNorm(x, param(p, `${prefix}.ln1.g`), param(p, `${prefix}.ln1.b`));
  return tf.add(x, crossAttention(p, prefix, h, memory, bias, s));
}
