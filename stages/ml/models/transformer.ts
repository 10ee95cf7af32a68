/**
 * Pre-LayerNorm Transformer pieces shared by the decoder-only and the
 * encoder-decoder models of both tracks: the synthetic regressors and the
 * language models differ only in their vocabulary and head width.
 */
import * as tf from '@tensorflow/tfjs';
import { dense, layerNorm, linear, matMul } from '../ops.js';
import { param, type ParamSpec, type Params } from '../params.js';
import { attend, mergeHeads, project, projectOut, splitHeads } from './attention.js';
import { attentionBias, type ConstantCache, ropeRotation, ropeTables, sinusoidalTable } from './constants.js';
import type { ModelConfig } from './types.js';

const STD = 0.02;

/** What the blocks, embedding and heads read of a model config. */
export type TransformerConfig = Pick<
  ModelConfig,
  'pe' | 'layers' | 'dModel' | 'heads' | 'dFF' | 'activation' | 'maxLen'
>;

export function validateTransformer(c: TransformerConfig): void {
  if (c.dModel % c.heads !== 0) throw new Error(`dModel (${c.dModel}) must be a multiple of heads (${c.heads})`);
  if (c.pe === 'rope' && (c.dModel / c.heads) % 2 !== 0)
    throw new Error('RoPE needs an even head size (dModel / heads)');
}

/** Token embedding [vocab, d] and, for learned PE, the position table. */
export function embeddingSpecs(c: TransformerConfig, vocab: number): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: 'embed', shape: [vocab, c.dModel], init: { kind: 'normal', std: STD } }];
  // Rows past the trained length are never updated and keep their random init.
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
function outStd(c: TransformerConfig): number {
  return STD / Math.sqrt(2 * c.layers);
}

export function attentionSpecs(prefix: string, c: TransformerConfig): ParamSpec[] {
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

/** A block: attention (self or cross) and the MLP, each with its LayerNorm. */
export function blockSpecs(prefix: string, c: TransformerConfig): ParamSpec[] {
  return [...attentionSpecs(prefix, c), ...mlpSpecs(prefix, c)];
}

export function mlpSpecs(prefix: string, c: TransformerConfig): ParamSpec[] {
  const d = c.dModel;
  return [
    ...lnSpecs(`${prefix}.ln2`, d),
    { name: `${prefix}.w1`, shape: [d, c.dFF], init: { kind: 'normal', std: STD } },
    { name: `${prefix}.b1`, shape: [c.dFF], init: { kind: 'zeros' } },
    { name: `${prefix}.w2`, shape: [c.dFF, d], init: { kind: 'normal', std: outStd(c) } },
    { name: `${prefix}.b2`, shape: [d], init: { kind: 'zeros' } },
  ];
}

/** The final LayerNorm and the output projection [d, outputs]. */
export function lnHeadSpecs(d: number, outputs: number): ParamSpec[] {
  return [
    ...lnSpecs('lnf', d),
    { name: 'head.w', shape: [d, outputs], init: { kind: 'normal', std: STD } },
    { name: 'head.b', shape: [outputs], init: { kind: 'zeros' } },
  ];
}

/**
 * Token embedding (one-hot matMul: wasm has no gather gradient) plus the
 * additive learned or sinusoidal table of positions 0..T-1: [B*T, vocab]
 * one-hot -> [B*T, d].
 */
export function embed(
  p: Params,
  onehot: tf.Tensor,
  batch: number,
  length: number,
  c: TransformerConfig,
  k: ConstantCache,
): tf.Tensor {
  const x = linear(onehot, param(p, 'embed'));
  let table: tf.Tensor | undefined;
  if (c.pe === 'learned') {
    if (length > c.maxLen) {
      throw new Error(
        `Input of ${length} positions exceeds the learned PE table (maxLen ${c.maxLen}); train with a larger maxLen`,
      );
    }
    const pos = param(p, 'pos');
    if (pos.rank === 3) return addStackedPositions(x, pos, batch, length, c.dModel);
    table = length === c.maxLen ? pos : tf.slice(pos, [0, 0], [length, c.dModel]);
  } else if (c.pe === 'sinusoidal') {
    table = k.get(`sin:${length}`, () => sinusoidalTable(length, c.dModel));
  }
  if (!table) return x;
  return tf.reshape(tf.add(tf.reshape(x, [batch, length, c.dModel]), table), [batch * length, c.dModel]);
}

/**
 * Rows [K*B*T, d] of K replicas plus each replica's learned table [K, maxLen, d]
 * at positions 0..T-1.
 */
function addStackedPositions(x: tf.Tensor, pos: tf.Tensor, batch: number, length: number, d: number): tf.Tensor {
  const k = pos.shape[0];
  const table = length === pos.shape[1] ? pos : tf.slice(pos, [0, 0, 0], [k, length, d]);
  const rows = tf.add(tf.reshape(x, [k, batch / k, length, d]), tf.reshape(table, [k, 1, length, d]));
  return tf.reshape(rows, [batch * length, d]);
}

/**
 * RoPE on [B*H, n, dh] (positions `from`..`from`+n-1): x*cos + rotate_half(x)*sin,
 * with rotate_half as a matMul by a constant signed permutation.
 */
function applyRope(x: tf.Tensor, from: number, n: number, c: TransformerConfig, k: ConstantCache): tf.Tensor {
  const dh = c.dModel / c.heads;
  const rot = k.get(`ropeR:${dh}`, () => ropeRotation(dh));
  const table = (which: 'cos' | 'sin'): tf.Tensor =>
    k.get(`rope:${which}:${from}:${n}`, () =>
      tf.tidy(() => tf.slice(ropeTables(from + n, dh)[which], [from, 0], [n, dh])),
    );
  const rotated = tf.reshape(matMul(tf.reshape(x, [-1, dh]), rot), x.shape);
  return tf.add(tf.mul(x, table('cos')), tf.mul(rotated, table('sin')));
}

/** The bias rows for queries at positions from..from+n-1 over T keys. */
function biasRows(
  length: number,
  from: number,
  n: number,
  causal: boolean,
  c: TransformerConfig,
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
  c: TransformerConfig,
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
  return projectOut(p, prefix, mergeHeads(ctx, batch, length, c));
}

/** x + MLP(LN(x)). */
export function mlpResidual(p: Params, prefix: string, x: tf.Tensor, c: TransformerConfig): tf.Tensor {
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
  c: TransformerConfig,
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
  c: TransformerConfig,
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
  const attn = projectOut(p, prefix, tf.reshape(ctx, [batch, d]));
  return mlpResidual(p, prefix, tf.add(lastPosition(x, batch, length, d), attn), c);
}

/** The final LayerNorm and the output projection: [n, d] -> [n, outputs]. */
export function lnHead(p: Params, x: tf.Tensor): tf.Tensor {
  const h = layerNorm(x, param(p, 'lnf.g'), param(p, 'lnf.b'));
  return dense(h, param(p, 'head.w'), param(p, 'head.b'));
}
