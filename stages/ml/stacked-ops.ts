/**
 * The parameterised ops of a stacked model: K replicas of one architecture
 * trained as one graph, each parameter a tensor [K, ...shape] and the
 * activations the replicas' rows back to back ([K*n, d], replica-major).
 *
 * Every op that touches a parameter runs once per replica, on exactly the
 * operands and shapes a single model (K = 1) would see: wasm's BatchMatMul
 * uses XNNPACK only for a batch of one, and one matMul per replica keeps each
 * replica's arithmetic independent of K, so a replica's result is
 * byte-identical whether it trains alone or beside others. Ops without
 * parameters (attention, softmax, residual adds) run once for all replicas.
 */
import * as tf from '@tensorflow/tfjs';
import { type Activation, gelu } from './activation.js';
import { normalize, normalizeGrad } from './layer-norm.js';

/**
 * The replicas' pieces of a stacked tensor [K, ...] along axis 0, each
 * [1, ...]. Copied through JS: wasm's SplitV and Slice copy element by
 * element in JS and cost more than the matMuls they feed. The pieces are
 * leaves for autodiff; the custom gradients below route around them.
 */
function pieces(x: tf.Tensor, k: number): tf.Tensor[] {
  return k === 1 ? [x] : copiedPieces(x, k, [1, ...x.shape.slice(1)]);
}

/** Replica i's slice of x's values as a fresh tensor of `shape`. */
function copiedPieces(x: tf.Tensor, k: number, shape: number[]): tf.Tensor[] {
  const data = x.dataSync() as Float32Array;
  const size = data.length / k;
  return Array.from({ length: k }, (_, i) => tf.tensor(data.subarray(i * size, (i + 1) * size), shape, 'float32'));
}

/**
 * Each replica's bias [K, out] as a rank-1 tensor [out], copied even for one
 * replica: wasm's fused matMul reads a bias's rank from its buffer, which a
 * reshape shares.
 */
function biasPieces(b: tf.Tensor, k: number): tf.Tensor[] {
  return copiedPieces(b, k, [b.shape[1]!]);
}

function swapLast(x: tf.Tensor): tf.Tensor {
  return tf.transpose(x, [0, 2, 1]);
}

/** `x_k @ w_k` for every replica k: x [K, n, in], w [K, in, out] -> [K, n, out]. */
function perReplicaMatMul(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const k = w.shape[0];
  const ws = pieces(w, k);
  const out = pieces(x, k).map((xk, i) => tf.matMul(xk, ws[i]!));
  return out.length === 1 ? out[0]! : tf.concat(out, 0);
}

/** `ones @ x_k` per replica (column sums, as a single model's bias gradient): x [K, n, d] -> [K, d]. */
function perReplicaColumnSums(xs: readonly tf.Tensor[]): tf.Tensor {
  const sums = xs.map((xk) => tf.matMul(tf.ones([1, 1, xk.shape[1]!]), xk));
  const all = sums.length === 1 ? sums[0]! : tf.concat(sums, 0);
  return tf.reshape(all, [xs.length, all.shape[2]!]);
}

/** Gradients of `x_k @ w_k (+ b_k)` for upstream dz [K, n, out]: dx, dw and, with `bias`, db. */
function perReplicaMatMulGrads(dz: tf.Tensor, x: tf.Tensor, w: tf.Tensor, bias: boolean): tf.Tensor[] {
  const k = w.shape[0];
  const dzs = pieces(dz, k);
  const xs = pieces(x, k);
  const ws = pieces(w, k);
  const dx = dzs.map((d, i) => tf.matMul(d, swapLast(ws[i]!)));
  const dw = dzs.map((d, i) => tf.matMul(swapLast(xs[i]!), d));
  const grads = k === 1 ? [dx[0]!, dw[0]!] : [tf.concat(dx, 0), tf.concat(dw, 0)];
  return bias ? [...grads, perReplicaColumnSums(dzs)] : grads;
}

const linearNoBias = tf.customGrad((xIn, wIn, save) => {
  const [x, w] = [xIn as tf.Tensor, wIn as tf.Tensor];
  (save as tf.GradSaveFunc)([x, w]);
  return {
    value: perReplicaMatMul(x, w),
    gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => perReplicaMatMulGrads(dz, saved[0]!, saved[1]!, false),
  };
});

/** Per replica, XNNPACK's fused `act(x_k @ w_k + b_k)`, the op a single model runs. */
function perReplicaDense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, relu: boolean): tf.Tensor {
  const k = w.shape[0];
  const ws = pieces(w, k);
  const bs = biasPieces(b, k);
  const out = pieces(x, k).map((xk, i) =>
    tf.fused.matMul({ a: xk, b: ws[i]!, bias: bs[i]!, activation: relu ? 'relu' : 'linear' }),
  );
  return out.length === 1 ? out[0]! : tf.concat(out, 0);
}

function denseOp(relu: boolean) {
  return tf.customGrad((xIn, wIn, bIn, save) => {
    const [x, w, b] = [xIn as tf.Tensor, wIn as tf.Tensor, bIn as tf.Tensor];
    const y = perReplicaDense(x, w, b, relu);
    // Saved tensors are copied on the tape: the output only where ReLU's mask needs it.
    (save as tf.GradSaveFunc)(relu ? [x, w, y] : [x, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const dz = sy ? tf.mul(dy, tf.step(sy)) : dy;
        return perReplicaMatMulGrads(dz, sx, sw, true);
      },
    };
  });
}

const denseLinear = denseOp(false);
const denseRelu = denseOp(true);

/** Rows [K*n, d] as [K, n, d] for K replicas. */
function byReplica(x: tf.Tensor, k: number): tf.Tensor {
  return tf.reshape(x, [k, -1, x.shape[x.rank - 1]!]);
}

function rowsOf(x: tf.Tensor): tf.Tensor {
  return tf.reshape(x, [-1, x.shape[2]!]);
}

/** `x @ w` per replica for rows x [K*n, in] and a stacked weight w [K, in, out]: [K*n, out]. */
export function stackedLinear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return rowsOf(linearNoBias(byReplica(x, w.shape[0]), w));
}

/** `act(x @ w + b)` per replica: x [K*n, in], w [K, in, out], b [K, out] -> [K*n, out]. */
export function stackedDense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, activation: Activation): tf.Tensor {
  const x3 = byReplica(x, w.shape[0]);
  switch (activation) {
    case 'linear':
      return rowsOf(denseLinear(x3, w, b));
    case 'relu':
      return rowsOf(denseRelu(x3, w, b));
    case 'gelu':
      return gelu(rowsOf(denseLinear(x3, w, b)));
  }
}

const layerNormOp = tf.customGrad((xIn, gIn, bIn, save) => {
  const [x, g, b] = [xIn as tf.Tensor, gIn as tf.Tensor, bIn as tf.Tensor];
  const [k, d] = [g.shape[0], g.shape[1]!];
  const g3 = tf.reshape(g, [k, 1, d]);
  const { xhat, rstd } = normalize(x);
  (save as tf.GradSaveFunc)([xhat, rstd, g3]);
  return {
    value: tf.add(tf.mul(xhat, g3), tf.reshape(b, [k, 1, d])),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sxhat, srstd, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dx = normalizeGrad(tf.mul(dy, sg), sxhat, srstd);
      return [dx, perReplicaColumnSums(pieces(tf.mul(dy, sxhat), k)), perReplicaColumnSums(pieces(dy, k))];
    },
  };
});

/** LayerNorm of rows [K*n, d] with per-replica gain and bias [K, d]. */
export function stackedLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return rowsOf(layerNormOp(byReplica(x, gain.shape[0]), gain, bias));
}
