/**
 * What every architecture shares: its config, and the model interface the
 * training loop, evaluation and predict API drive.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Activation } from '../ops.js';
import type { ParamLayout, Params } from '../params.js';

export const ARCHS = ['decoder', 'encdec', 'lstm', 'gru'] as const;
export type Arch = (typeof ARCHS)[number];

export const POSITIONAL_ENCODINGS = ['none', 'learned', 'sinusoidal', 'rope', 'alibi'] as const;
export type PositionalEncoding = (typeof POSITIONAL_ENCODINGS)[number];

/** Token ids: 0 and 1 are data, {@link BOS} marks the start when `bos` is on. */
export const BOS = 2;
export const VOCAB = 3;

export interface ModelConfig {
  arch: Arch;
  /** Positional encoding (Transformers only; recurrent models ignore it). */
  pe: PositionalEncoding;
  /** Transformer blocks (decoder; encdec: encoder and decoder each) or stacked RNN layers. */
  layers: number;
  dModel: number;
  heads: number;
  dFF: number;
  /** Hidden size of the recurrent archs. */
  hidden: number;
  activation: Activation;
  /** Largest number of positions (BOS included) a learned PE table covers. */
  maxLen: number;
  /** Whether inputs start with a BOS token (id {@link BOS}). */
  bos: boolean;
}

/** A batch of equal-length token sequences, ready for a forward pass. */
export interface BatchInput {
  batch: number;
  /** Positions per sequence, BOS included. */
  length: number;
  /** One-hot rows [batch * length, VOCAB], row-major by (sequence, position). */
  onehot: tf.Tensor2D;
}

export interface Model {
  readonly config: ModelConfig;
  readonly layout: ParamLayout;
  /**
   * Whether `forward` also takes stacked parameters, [K, ...shape] each, for
   * K replicas at once; `input.batch` then counts every replica's sequences,
   * replica-major.
   */
  readonly stackable: boolean;
  /** Scalar predictions [batch] in normalised target units. */
  forward(params: Params, input: BatchInput): tf.Tensor1D;
  /** Free cached constant tensors (masks, PE tables). */
  dispose(): void;
}
