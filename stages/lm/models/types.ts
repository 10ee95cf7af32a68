/**
 * The language models' shared config and interface: every model maps a
 * batch of token windows to next-token logits at every position.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ParamLayout, Params } from '../../ml/params.js';

export const LM_ARCHS = ['decoder', 'encdec', 'lstm', 'gru'] as const;
export type LmArch = (typeof LM_ARCHS)[number];

export const LM_PES = ['none', 'learned', 'sinusoidal', 'rope', 'alibi'] as const;
export type LmPe = (typeof LM_PES)[number];

export interface LmConfig {
  arch: LmArch;
  /** Positional encoding of the Transformers (lstm/gru ignore it). */
  pe: LmPe;
  /** Transformer blocks (encdec: per stack) or stacked recurrent layers. */
  layers: number;
  dModel: number;
  heads: number;
  dFF: number;
  /** Hidden size of lstm/gru. */
  hidden: number;
  activation: 'relu' | 'gelu';
  /** Rows of a learned PE table: the longest input a `learned` model accepts. */
  maxLen: number;
  /** Token ids 0..vocab-1. */
  vocab: number;
}

/** A batch of equal-length token windows, as they are (no BOS token). */
export interface LmInput {
  batch: number;
  length: number;
  /** One-hot rows [batch * length, vocab], batch-major. */
  onehot: tf.Tensor2D;
}

export interface LmModel {
  readonly config: LmConfig;
  readonly layout: ParamLayout;
  /** Logits [batch * length, vocab], batch-major: row (b, t) predicts token t+1 from tokens 0..t. */
  forward(p: Params, input: LmInput): tf.Tensor2D;
  /** Free cached constant tensors (masks, PE tables). */
  dispose(): void;
}
