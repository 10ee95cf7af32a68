/**
 * K replicas' flat parameter vectors as the stacked tensors a stackable
 * model takes ([K, ...shape] per layout entry), and the stacked gradients
 * back into each replica's flat gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLayout } from './params.js';

/** One tensor [K, ...shape] per layout entry, replica k's values at index k. */
export function stackedTensors(layout: ParamLayout, replicas: readonly Float32Array[]): tf.Tensor[] {
  const k = replicas.length;
  return layout.entries.map((e) => {
    const values = new Float32Array(k * e.size);
    replicas.forEach((params, i) => values.set(params.subarray(e.offset, e.offset + e.size), i * e.size));
    return tf.tensor(values, [k, ...e.shape], 'float32');
  });
}

/** Copies stacked per-entry gradients (undefined: no path, zero) into each replica's flat gradient. */
export function unstackGrads(
  layout: ParamLayout,
  grads: ReadonlyArray<tf.Tensor | undefined>,
  outs: readonly Float32Array[],
): void {
  layout.entries.forEach((e, i) => {
    const g = grads[i];
    const data = g?.dataSync();
    outs.forEach((out, r) => {
      if (data) out.set(data.subarray(r * e.size, (r + 1) * e.size), e.offset);
      else out.fill(0, e.offset, e.offset + e.size);
    });
  });
}
