/**
 * One optimizer step's forward and backward passes for the replicas of a
 * training group. Replicas whose batches have the same sequence length can
 * take one pass of the stacked model (stacked-ops.ts); the others take their
 * own. Both give each replica the same bytes; a {@link StepModeChooser}
 * decides which runs.
 */
import * as tf from '@tensorflow/tfjs';
import { encodeBatch } from './batch.js';
import { seqTokens, type SeqSet } from './dataset.js';
import type { Model } from './models/types.js';
import { stackedTensors, unstackGrads } from './replicas.js';
import type { StepModeChooser } from './step-mode.js';
import type { TargetNorm } from './train-loop.js';

/** One replica's share of a step: its parameters, the sequences it draws and where its gradient goes. */
export interface ReplicaBatch {
  params: Float32Array;
  grad: Float32Array;
  set: SeqSet;
  norm: TargetNorm;
  /** Indices into `set`, all of one length; the same count for every replica. */
  indices: readonly number[];
}

/**
 * Per-replica losses of one pass over replicas whose batches share a length:
 * the stacked model for two or more, the plain model for one (the stacked
 * form of one replica gives the same bytes). Each gradient lands in its
 * replica's `grad`.
 */
export function groupLossAndGrad(model: Model, replicas: readonly ReplicaBatch[]): Float32Array {
  let lossVec: tf.Tensor | undefined;
  tf.tidy(() => {
    const k = replicas.length;
    const batch = replicas[0]!.indices.length;
    const rows: ArrayLike<number>[] = [];
    const targets: number[] = [];
    for (const { set, norm, indices } of replicas) {
      for (const i of indices) {
        rows.push(seqTokens(set, i));
        targets.push((set.targetsF[i]! - norm.mean) / norm.std);
      }
    }
    const input = encodeBatch(rows, model.config.bos);
    const y = tf.tensor2d(targets, [k, batch]);
    const stacked = k > 1;
    if (stacked && !model.stackable) throw new Error(`A ${model.config.arch} model cannot be stacked`);
    const params = replicas.map((r) => r.params);
    const tensors = stacked ? stackedTensors(model.layout, params) : model.layout.tensors(params[0]!);
    const f = (...ts: tf.Tensor[]): tf.Scalar => {
      const pred = tf.reshape(model.forward(model.layout.named(ts), input), [k, batch]);
      lossVec = tf.keep(tf.mean(tf.squaredDifference(pred, y), 1));
      // Replica k's loss reaches only replica k's parameters, with weight 1.
      return tf.sum(lossVec);
    };
    const { grads } = tf.valueAndGrads(f)(tensors);
    if (stacked)
      unstackGrads(
        model.layout,
        grads,
        replicas.map((r) => r.grad),
      );
    else model.layout.flatten(grads, replicas[0]!.grad);
  });
  if (!lossVec) throw new Error('The loss was not computed');
  const losses = lossVec.dataSync() as Float32Array;
  lossVec.dispose();
  return losses;
}

/** Loss and flat gradient of one batch of one model. */
export function lossAndGrad(
  model: Model,
  params: Float32Array,
  set: SeqSet,
  indices: readonly number[],
  norm: TargetNorm,
  grad: Float32Array,
): number {
  return groupLossAndGrad(model, [{ params, grad, set, norm, indices }])[0]!;
}

function oneByOne(model: Model, batches: readonly ReplicaBatch[]): Float32Array {
  return Float32Array.from(batches, (b) => groupLossAndGrad(model, [b])[0]!);
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Replicas that share a sequence length, by their index in `batches`. */
function byLength(batches: readonly ReplicaBatch[]): number[][] {
  const parts = new Map<number, number[]>();
  batches.forEach((b, i) => {
    const length = b.set.lengths[b.indices[0]!]!;
    const part = parts.get(length);
    if (part) part.push(i);
    else parts.set(length, [i]);
  });
  return [...parts.values()];
}

/** One pass over replicas of one length, in the mode the chooser picks; a trial runs both and compares. */
function sameLengthLosses(model: Model, batches: readonly ReplicaBatch[], chooser: StepModeChooser): Float32Array {
  const mode = batches.length === 1 ? 'one-by-one' : chooser.next();
  chooser.count(batches.length, mode);
  if (mode === 'stacked') return groupLossAndGrad(model, batches);
  if (mode === 'one-by-one') return oneByOne(model, batches);
  const t0 = performance.now();
  const stacked = groupLossAndGrad(model, batches);
  const stackedGrads = batches.map((b) => Float32Array.from(b.grad));
  const t1 = performance.now();
  const losses = oneByOne(model, batches);
  const t2 = performance.now();
  const same = sameBytes(stacked, losses) && batches.every((b, i) => sameBytes(b.grad, stackedGrads[i]!));
  chooser.record(t1 - t0, t2 - t1, same, batches.length);
  return losses;
}

/** Losses of every replica of a step, in the order of `batches`; gradients into each `grad`. */
export function stepLosses(model: Model, batches: readonly ReplicaBatch[], chooser: StepModeChooser): Float32Array {
  const losses = new Float32Array(batches.length);
  for (const part of byLength(batches)) {
    const partLosses = sameLengthLosses(
      model,
      part.map((i) => batches[i]!),
      chooser,
    );
    part.forEach((i, j) => (losses[i] = partLosses[j]!));
  }
  return losses;
}
