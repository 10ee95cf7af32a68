/**
 * Turning token sequences into model inputs. A batch holds sequences of one
 * length (static shapes); BOS (token 2) is prepended when the model uses it.
 */
import * as tf from '@tensorflow/tfjs';
import { BOS, VOCAB, type BatchInput } from './models/types.js';

/**
 * One-hot input for equal-length rows of 0/1 tokens. The tensor belongs to
 * the caller (or the enclosing tidy).
 */
export function encodeBatch(rows: ArrayLike<number>[], bos: boolean): BatchInput {
  const batch = rows.length;
  const first = rows[0];
  if (!first) throw new Error('encodeBatch needs at least one sequence');
  const seqLen = first.length;
  const length = seqLen + (bos ? 1 : 0);
  if (length === 0) throw new Error('Cannot encode empty sequences without BOS');
  const out = new Float32Array(batch * length * VOCAB);
  rows.forEach((row, b) => {
    if (row.length !== seqLen)
      throw new Error(`encodeBatch: sequence ${b} has length ${row.length}, expected ${seqLen}`);
    let at = b * length;
    if (bos) out[at++ * VOCAB + BOS] = 1;
    for (let j = 0; j < seqLen; j++) {
      const token = row[j]!;
      if (token !== 0 && token !== 1) throw new Error(`Token ${token} at ${b}:${j} is not 0 or 1`);
      out[at++ * VOCAB + token] = 1;
    }
  });
  return { batch, length, onehot: tf.tensor2d(out, [batch * length, VOCAB]) };
}

/** Indices of `lengths` grouped by length (ascending lengths). */
export function bucketByLength(lengths: ArrayLike<number>): Map<number, number[]> {
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < lengths.length; i++) {
    const l = lengths[i]!;
    let b = buckets.get(l);
    if (!b) buckets.set(l, (b = []));
    b.push(i);
  }
  return new Map([...buckets.entries()].sort((a, b) => a[0] - b[0]));
}
