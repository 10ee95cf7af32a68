/**
 * One training step's loss and flat gradient: next-token CE on s1, plus
 * alpha times the divergence over the overlap of s1 and s2 (windows.ts).
 * s1 and s2 run as one batch of 2B windows when the regularizer is on; with
 * alpha = 0 (or no overlap) s2 is never built.
 */
import * as tf from '@tensorflow/tfjs';
import { divergence, nextTokenCe, oneHotRows, type Divergence } from './loss.js';
import type { LmModel } from './models/types.js';
import { overlapRange, windowTokens, type Overlap, type WindowDraw } from './windows.js';

export interface StepConfig {
  alpha: number;
  divergence: Divergence;
  overlap: Overlap;
  lTrain: number;
}

export interface StepResult {
  ce: number;
  /** NaN when the divergence was not computed. */
  misalign: number;
}

/** Loss parts and the flat gradient (into `grad`); tensors are freed before returning. */
export function lmLossAndGrad(
  model: LmModel,
  params: Float32Array,
  stream: ArrayLike<number>,
  draw: WindowDraw,
  cfg: StepConfig,
  grad: Float32Array,
): StepResult {
  const { lTrain } = cfg;
  const vocab = model.config.vocab;
  const range = cfg.alpha > 0 ? overlapRange(lTrain, draw.lExtra, cfg.overlap) : null;
  const b = draw.offsets.length;
  const s1 = windowTokens(stream, draw.offsets, lTrain, 0);
  const kept: tf.Tensor[] = [];
  try {
    return tf.tidy(() => {
      let inputs = s1.inputs;
      if (range) {
        const s2 = windowTokens(stream, draw.offsets, lTrain, draw.lExtra);
        inputs = new Int32Array(2 * b * lTrain);
        inputs.set(s1.inputs);
        inputs.set(s2.inputs, b * lTrain);
      }
      const batch = range ? 2 * b : b;
      const input = { batch, length: lTrain, onehot: oneHotRows(inputs, vocab) };
      const targets = oneHotRows(s1.targets, vocab);
      const tensors = model.layout.tensors(params);
      const f = (...ts: tf.Tensor[]): tf.Scalar => {
        const logits = model.forward(model.layout.named(ts), input);
        const s1Logits = range ? tf.slice(logits, [0, 0], [b * lTrain, vocab]) : logits;
        const ce = nextTokenCe(s1Logits, targets);
        kept.push(tf.keep(ce));
        if (!range) return ce;
        const byPos = tf.reshape(logits, [2, b, lTrain, vocab]);
        const pick = (which: number, from: number): tf.Tensor =>
          tf.reshape(tf.slice(byPos, [which, 0, from, 0], [1, b, range.count, vocab]), [b * range.count, vocab]);
        const d = divergence(cfg.divergence, pick(0, range.s1From), pick(1, range.s2From));
        kept.push(tf.keep(d));
        return tf.add(ce, tf.mul(d, cfg.alpha));
      };
      const { grads } = tf.valueAndGrads(f)(tensors);
      model.layout.flatten(grads, grad);
      return { ce: kept[0]!.dataSync()[0]!, misalign: kept[1] ? kept[1].dataSync()[0]! : NaN };
    });
  } finally {
    for (const t of kept) t.dispose();
  }
}
