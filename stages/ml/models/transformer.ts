/**
 * Pre-LayerNorm Transformer pieces shared by the decoder-only and the
 * encoder-decoder models. Activations are kept 2-D, [batch * T, d], so every
 * projection is one plain matMul; all heads go through one batched matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { dense, layerNorm, matMul } from '../ops.js';
import { param, type ParamSpec, type Params } from '../params.js';
import { attentionBias, type ConstantCache, ropeRotation, ropeTables, sinusoidalTable } from './constants.js';
import { VOCAB, type ModelConfig } from './types.js';

const STD = 0.02;

export function validateTransformer(c: ModelConfig): void {
  if (c.dModel % c.heads !== 0) throw new Error(`dModel (${c.dModel}) must be a multiple of heads (${c.heads})`);
  if (c.pe === 'rope' && (c.dModel / c.heads) % 2 !== 0) throw new Error('RoPE needs an even head size');
}

/** Token embedding and, for learned PE, the position table. */
export function embeddingSpecs(c: ModelConfig): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: 'embed', shape: [VOCAB, c.dModel], init: { kind: 'normal', std: STD } }];
  if (c.pe === 'learned') specs.push({ name: 'pos', shape: [c.maxLen, c.dModel], init: { kind: 'normal', std: STD } });
  return specs;
}

export function lnSpecs(name: string, d: number): ParamSpec[] {
  return [
    { name: `${name}.g`, shape: [d], init: { kind: 'ones' } },
    { name: `${name}.b`, shape: [d], init: { kind: 'zeros' } },
  ];
}

/** Output projections are scaled down with depth (GPT-2). */
function outStd(c: ModelConfig): number {
  return STD / Math.sqrt(2 * c.layers);
}

export function attentionSpecs(prefix: string, c: ModelConfig): ParamSpec[] {
  const d = c.dModel;
  return [
    ...lnSpecs(`${prefix}.ln1`, d),
    ...(['q', 'k', 'v'] as const).flatMap((n): ParamSpec[] => [
      { name: `${prefix}.w${n}`, shape: [d, d], init: { kind: 'normal', std: STD } },
      { name: `${prefix}.b${n}`, shape: [d], init: { kind: 'zeros' } },
    ]),
    { name: `${prefix}.wo`, shape: [d, d], init: { kind: 'normal', std: outStd(c) } },
    { name: `${prefix}.bo`, shape: [d], init: { kind: 'zeros' } },
  ];
}

export function selfBlockSpecs(prefix: string, c: ModelConfig): ParamSpec[] {
  return [...attentionSpecs(prefix, c), ...mlpSpecs(prefix, c)];
}

export function mlpSpecs(prefix: string, c: ModelConfig): ParamSpec[] {
  const d = c.dModel;
  return [
    ...lnSpecs(`${prefix}.ln2`, d),
    { name: `${prefix}.w1`, shape: [d, c.dFF], init: { kind: 'normal', std: STD } },
    { name: `${prefix}.b1`, shape: [c.dFF], init: { kind: 'zeros' } },
    { name: `${prefix}.w2`, shape: [c.dFF, d], init: { kind: 'normal', std: outStd(c) } },
    { name: `${prefix}.b2`, shape: [d], init: { kind: 'zeros' } },
  ];
}

export function headSpecs(inputSize: number): ParamSpec[] {
  return [
    { name: 'head.w', shape: [inputSize, 1], init: { kind: 'normal', std: STD } },
    { name: 'head.b', shape: [1], init: { kind: 'zeros' } },
  ];
}

/** Token embedding plus additive PE: [B*T, VOCAB] one-hot -> [B*T, d]. */
export function embed(
  p: Params,
  onehot: tf.Tensor,
  batch: number,
  length: number,
  c: ModelConfig,
  k: ConstantCache,
): tf.Tensor {
  const x = matMul(onehot, param(p, 'embed'));
  let table: tf.Tensor | undefined;
  if (c.pe === 'learned') {
    if (length > c.maxLen) {
      throw new Error(`Sequence of ${length} positions exceeds the learned PE table (maxLen ${c.maxLen})`);
    }
    table = tf.slice(param(p, 'pos'), [0, 0], [length, c.dModel]);
  } else if (c.pe === 'sinusoidal') {
    table = k.get(`sin:${length}`, () => sinusoidalTable(length, c.dModel));
  }
  if (!table) return x;
  return tf.reshape(tf.add(tf.reshape(x, [batch, length, c.dModel]), table), [batch * length, c.dModel]);
}

/** [B*T, d] -> [B*H, T, dh] (or [B*H, dh, T] when `keysFirst`, ready for q @ kT). */
function splitHeads(x: tf.Tensor, batch: number, length: number, c: ModelConfig, keysFirst = false): tf.Tensor {
  const dh = c.dModel / c.heads;
  const t = tf.transpose(tf.reshape(x, [batch, length, c.heads, dh]), keysFirst ? [0, 2, 3, 1] : [0, 2, 1, 3]);
  return tf.reshape(t, keysFirst ? [batch * c.heads, dh, length] : [batch * c.heads, length, dh]);
}

/** [B*H, T, dh] -> [B*T, d]. */
function mergeHeads(x: tf.Tensor, batch: number, length: number, c: ModelConfig): tf.Tensor {
  const dh = c.dModel / c.heads;
  const t = tf.transpose(tf.reshape(x, [batch, c.heads, length, dh]), [0, 2, 1, 3]);
  return tf.reshape(t, [batch * length, c.dModel]);
}

/**
 * RoPE on [B*H, n, dh] (positions `from`..`from`+n-1): x*cos + rotate_half(x)*sin,
 * with rotate_half as a matMul by a constant signed permutation.
 */
function applyRope(x: tf.Tensor, from: number, n: number, c: ModelConfig, k: ConstantCache): tf.Tensor {
  const dh = c.dModel / c.heads;
  const rot = k.get(`ropeR:${dh}`, () => ropeRotation(dh));
  const table = (which: 'cos' | 'sin'): tf.Tensor =>
    k.get(`rope:${which}:${from}:${n}`, () =>
      tf.tidy(() => tf.slice(ropeTables(from + n, dh)[which], [from, 0], [n, dh])),
    );
  const rotated = tf.reshape(matMul(tf.reshape(x, [-1, dh]), rot), x.shape);
  return tf.add(tf.mul(x, table('cos')), tf.mul(rotated, table('sin')));
}

function project(p: Params, prefix: string, n: 'q' | 'k' | 'v', h: tf.Tensor): tf.Tensor {
  return dense(h, param(p, `${prefix}.w${n}`), param(p, `${prefix}.b${n}`));
}

/**
 * Attention of queries q [B*H, nq, dh] over keys kT [B*H, dh, T] and values
 * v [B*H, T, dh], with an additive bias broadcast over the batch
 * ([nq, T], or [H, nq, T] for ALiBi): [B*H, nq, dh].
 */
function attend(
  q: tf.Tensor,
  kT: tf.Tensor,
  v: tf.Tensor,
  bias: tf.Tensor | undefined,
  batch: number,
  c: ModelConfig,
): tf.Tensor {
  const [bh, nq] = [q.shape[0]!, q.shape[1]!];
  const t = kT.shape[2]!;
  let scores = tf.mul(matMul(q, kT), 1 / Math.sqrt(c.dModel / c.heads));
  if (bias && bias.rank === 3) {
    scores = tf.reshape(tf.add(tf.reshape(scores, [batch, c.heads, nq, t]), bias), [bh, nq, t]);
  } else if (bias) {
    scores = tf.add(scores, bias);
  }
  return matMul(tf.softmax(scores), v);
}

/** The bias rows for queries at positions from..from+n-1 over T keys. */
function biasRows(
  length: number,
  from: number,
  n: number,
  causal: boolean,
  c: ModelConfig,
  k: ConstantCache,
): tf.Tensor | undefined {
  if (!causal && c.pe !== 'alibi') return undefined;
  if (from === 0 && n === length) {
    return k.get(`bias:${length}:${causal}`, () => attentionBias(length, c.heads, causal, c.pe === 'alibi'));
  }
  return k.get(`bias:${length}:${causal}:${from}:${n}`, () =>
    tf.tidy(() => {
      const full = attentionBias(length, c.heads, causal, c.pe === 'alibi');
      return full.rank === 3
        ? tf.slice(full, [0, from, 0], [c.heads, n, length])
        : tf.slice(full, [from, 0], [n, length]);
    }),
  );
}

/** Multi-head self-attention of all positions on normalised input h [B*T, d]. */
function selfAttention(
  p: Params,
  prefix: string,
  h: tf.Tensor,
  batch: number,
  length: number,
  causal: boolean,
  c: ModelConfig,
  k: ConstantCache,
): tf.Tensor {
  let q = splitHeads(project(p, prefix, 'q', h), batch, length, c);
  let kT: tf.Tensor;
  if (c.pe === 'rope') {
    q = applyRope(q, 0, length, c, k);
    const key = applyRope(splitHeads(project(p, prefix, 'k', h), batch, length, c), 0, length, c, k);
    kT = tf.transpose(key, [0, 2, 1]);
  } else {
    kT = splitHeads(project(p, prefix, 'k', h), batch, length, c, true);
  }
  const v = splitHeads(project(p, prefix, 'v', h), batch, length, c);
  const ctx = attend(q, kT, v, biasRows(length, 0, length, causal, c, k), batch, c);
  return dense(mergeHeads(ctx, batch, length, c), param(p, `${prefix}.wo`), param(p, `${prefix}.bo`));
}

/** x + MLP(LN(x)). */
export function mlpResidual(p: Params, prefix: string, x: tf.Tensor, c: ModelConfig): tf.Tensor {
  const h = layerNorm(x, param(p, `${prefix}.ln2.g`), param(p, `${prefix}.ln2.b`));
  const inner = dense(h, param(p, `${prefix}.w1`), param(p, `${prefix}.b1`), c.activation);
  return tf.add(x, dense(inner, param(p, `${prefix}.w2`), param(p, `${prefix}.b2`)));
}

/** One pre-LN block: x + SelfAttn(LN(x)), then x + MLP(LN(x)). */
export function selfBlock(
  p: Params,
  prefix: string,
  x: tf.Tensor,
  batch: number,
  length: number,
  causal: boolean,
  c: ModelConfig,
  k: ConstantCache,
): tf.Tensor {
  const h = layerNorm(x, param(p, `${prefix}.ln1.g`), param(p, `${prefix}.ln1.b`));
  const y = tf.add(x, selfAttention(p, prefix, h, batch, length, causal, c, k));
  return mlpResidual(p, prefix, y, c);
}

/** Rows of the last position: [B*T, d] -> [B, d]. */
export function lastPosition(x: tf.Tensor, batch: number, length: number, d: number): tf.Tensor {
  if (length === 1) return x;
  return tf.reshape(tf.slice(tf.reshape(x, [batch, length, d]), [0, length - 1, 0], [batch, 1, d]), [batch, d]);
}

/**
 * A causal block evaluated only where the head reads, the last position:
 * keys and values still cover every position, but the query, the output
 * projection and the MLP run on B rows instead of B*T. Returns [B, d], equal
 * to `lastPosition(selfBlock(...))`.
 */
export function selfBlockLast(
  p: Params,
  prefix: string,
  x: tf.Tensor,
  batch: number,
  length: number,
  c: ModelConfig,
  k: ConstantCache,
): tf.Tensor {
  const d = c.dModel;
  const dh = d / c.heads;
  const h = layerNorm(x, param(p, `${prefix}.ln1.g`), param(p, `${prefix}.ln1.b`));
  const hLast = lastPosition(h, batch, length, d);
  // [B, H*dh] is already [B*H, 1, dh] in memory: no transpose.
  let q = tf.reshape(project(p, prefix, 'q', hLast), [batch * c.heads, 1, dh]);
  let kT: tf.Tensor;
  if (c.pe === 'rope') {
    q = applyRope(q, length - 1, 1, c, k);
    const key = applyRope(splitHeads(project(p, prefix, 'k', h), batch, length, c), 0, length, c, k);
    kT = tf.transpose(key, [0, 2, 1]);
  } else {
    kT = splitHeads(project(p, prefix, 'k', h), batch, length, c, true);
  }
  const v = splitHeads(project(p, prefix, 'v', h), batch, length, c);
  const ctx = attend(q, kT, v, biasRows(length, length - 1, 1, true, c, k), batch, c);
  const attn = dense(tf.reshape(ctx, [batch, d]), param(p, `${prefix}.wo`), param(p, `${prefix}.bo`));
  return mlpResidual(p, prefix, tf.add(lastPosition(x, batch, length, d), attn), c);
}

/** Scalar head on [B, d] features after a final LayerNorm: [B]. */
export function lnHead(p: Params, x: tf.Tensor): tf.Tensor1D {
  const h = layerNorm(x, param(p, 'lnf.g'), param(p, 'lnf.b'));
  const y = dense(h, param(p, 'head.w'), param(p, 'head.b'));
  return tf.reshape(y, [x.shape[0]!]) as tf.Tensor1D;
}

/** Multi-head cross-attention of one query per sequence [B, d] over memory [B*T, d]: [B, d]. */
export function crossAttention(
  p: Params,
  prefix: string,
  q: tf.Tensor,
  memory: tf.Tensor,
  batch: number,
  length: number,
  c: ModelConfig,
): tf.Tensor {
  const query = tf.reshape(project(p, prefix, 'q', q), [batch * c.heads, 1, c.dModel / c.heads]);
  const kT = splitHeads(project(p, prefix, 'k', memory), batch, length, c, true);
  const v = splitHeads(project(p, prefix, 'v', memory), batch, length, c);
  const ctx = tf.reshape(attend(query, kT, v, undefined, batch, c), [batch, c.dModel]);
  return dense(ctx, param(p, `${prefix}.wo`), param(p, `${prefix}.bo`));
}

export function crossBlockSpecs(prefix: string, c: ModelConfig): ParamSpec[] {
  return [...attentionSpecs(prefix, c), ...mlpSpecs(prefix, c)];
}
