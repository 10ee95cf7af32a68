/**
 * Differentiable building blocks tuned for the wasm backend.
 *
 * wasm's BatchMatMul is fast only when neither operand is transposed, and
 * TF.js's own matMul gradient passes transpose flags. These ops transpose
 * explicitly (a cheap copy) and then multiply plainly, which made a small
 * Transformer's step several times faster with identical losses. They also
 * fuse bias/activation into the forward matMul and compute bias and
 * LayerNorm gradients with a ones-row matMul instead of an axis-0 reduction.
 * Every op used here and in the models has a wasm kernel, gradients
 * included (no gather: its gradient needs UnsortedSegmentSum).
 */
import * as tf from '@tensorflow/tfjs';
import { type Activation, gelu } from './activation.js';
import { normalize, normalizeGrad } from './layer-norm.js';
import { stackedDense, stackedLayerNorm, stackedLinear } from './stacked-ops.js';

/** Swap the last two axes (explicit copy). */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  switch (x.rank) {
    case 2:
      return tf.transpose(x, [1, 0]);
    case 3:
      return tf.transpose(x, [0, 2, 1]);
    default:
      throw new Error(`transposeLast expects rank 2 or 3, got ${x.rank}`);
  }
}

/** Sum over the rows of a 2-D tensor as `ones[1,n] @ x`, shaped [cols]. */
function sumRows(x: tf.Tensor): tf.Tensor {
  const n = x.shape[0];
  return tf.reshape(tf.matMul(tf.ones([1, n]), x), [x.shape[1]!]);
}

const matMulT = tf.customGrad((a, b, save) => {
  const [x, y] = [a as tf.Tensor, b as tf.Tensor];
  (save as tf.GradSaveFunc)([x, y]);
  return {
    value: tf.matMul(x, y),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, transposeLast(sb)), tf.matMul(transposeLast(sa), dy)];
    },
  };
});

/**
 * `a @ b` for two rank-2 or two rank-3 (same batch) tensors, whose gradient
 * uses explicit transposes and plain matMuls.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return matMulT(a, b);
}

/** `x @ w` for rows x [n, in] and a weight [in, out] (or stacked [K, in, out]). */
export function linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return w.rank === 3 ? stackedLinear(x, w) : matMul(x, w);
}

export { type Activation, gelu } from './activation.js';

const denseLinear = tf.customGrad((xIn, wIn, bIn, save) => {
  const [x, w, b] = [xIn as tf.Tensor2D, wIn as tf.Tensor2D, bIn as tf.Tensor1D];
  (save as tf.GradSaveFunc)([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, transposeLast(sw)), tf.matMul(transposeLast(sx), dy), sumRows(dy)];
    },
  };
});

const denseRelu = tf.customGrad((xIn, wIn, bIn, save) => {
  const [x, w, b] = [xIn as tf.Tensor2D, wIn as tf.Tensor2D, bIn as tf.Tensor1D];
  const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
  (save as tf.GradSaveFunc)([x, w, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dz = tf.mul(dy, tf.step(sy));
      return [tf.matMul(dz, transposeLast(sw)), tf.matMul(transposeLast(sx), dz), sumRows(dz)];
    },
  };
});

/**
 * `act(x @ w + b)` for x [n, in], w [in, out], b [out]; with stacked
 * parameters (w [K, in, out], b [K, out]) for the rows of K replicas.
 */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, activation: Activation = 'linear'): tf.Tensor {
  if (w.rank === 3) return stackedDense(x, w, b, activation);
  switch (activation) {
    case 'linear':
      return denseLinear(x, w, b);
    case 'relu':
      return denseRelu(x, w, b);
    case 'gelu':
      return gelu(denseLinear(x, w, b));
  }
}

const layerNormFn = tf.customGrad((xIn, gIn, bIn, save) => {
  const [x, g, b] = [xIn as tf.Tensor, gIn as tf.Tensor, bIn as tf.Tensor];
  const { xhat, rstd } = normalize(x);
  (save as tf.GradSaveFunc)([xhat, rstd, g]);
  return {
    value: tf.add(tf.mul(xhat, g), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sxhat, srstd, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      return [normalizeGrad(tf.mul(dy, sg), sxhat, srstd), sumRows(tf.mul(dy, sxhat)), sumRows(dy)];
    },
  };
});

/** LayerNorm over the last axis of a 2-D tensor [n, d] with gain/bias [d] (or stacked [K, d]). */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  if (x.rank !== 2) throw new Error(`layerNorm expects rank 2, got ${x.rank}`);
  if (gain.rank === 2) return stackedLayerNorm(x, gain, bias);
  return layerNormFn(x, gain, bias);
}

/**
 * Run `fn` in a tidy and read its result into JS. (Returning a typed array
 * from `tf.tidy` itself makes TF.js walk every element looking for tensors.)
 */
export function readTensor(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
