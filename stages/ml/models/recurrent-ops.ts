/**
 * LSTM and GRU recurrences as single differentiable ops with hand-written
 * backpropagation through time.
 *
 * Autodiff through a step loop records ~45 small kernels per time step; on
 * wasm the per-step slices alone (Slice/Unpack copy their whole input for
 * every piece) cost more than the arithmetic. Here each step is one backend
 * matMul (h @ W_h, whose packed weights XNNPACK reuses across steps) and the
 * gate arithmetic, a few thousand floats, runs in plain JS on Float32Arrays,
 * forward and backward. The recurrent weight gradient is one matMul over all
 * steps. Sigmoids (and tanh as 2·sigmoid(2x) − 1) run on the backend in one
 * vectorised op per step; products and sums run in JS.
 *
 * Shapes: `xs` [T*B, G*H] time-major input projections (input biases
 * included), result [T*B, H] time-major hidden states. Zero initial state.
 */
import * as tf from '@tensorflow/tfjs';
import { readTensor } from '../ops.js';

/** Rows [T*B, n] of a JS array as a tensor. */
function rows(data: Float32Array, n: number): tf.Tensor2D {
  return tf.tensor2d(data, [data.length / n, n]);
}

/** h_{t-1} for every step, transposed: [H, T*B] (column t*B+b holds h_{t-1}[b]). */
function previousStatesT(hs: Float32Array, length: number, batch: number, h: number): tf.Tensor2D {
  const out = new Float32Array(h * length * batch);
  for (let t = 1; t < length; t++) {
    for (let b = 0; b < batch; b++) {
      const src = ((t - 1) * batch + b) * h;
      const col = t * batch + b;
      for (let k = 0; k < h; k++) out[k * length * batch + col] = hs[src + k]!;
    }
  }
  return tf.tensor2d(out, [h, length * batch]);
}

/** `a @ b` read back into JS (tensors freed). */
function matMulData(a: tf.Tensor, b: tf.Tensor): Float32Array {
  return readTensor(() => tf.matMul(a, b));
}

/**
 * Step `t`'s rows [B, cols] of a time-major JS array times `w`, read back:
 * the one backend matMul per step of both recurrences, forward (h @ W_h)
 * and backward (dz @ W_h^T).
 */
function stepMatMul(data: Float32Array, t: number, batch: number, cols: number, w: tf.Tensor): Float32Array {
  return matMulData(tf.tensor2d(data.subarray(t * batch * cols, (t + 1) * batch * cols), [batch, cols]), w);
}

/** Gradient of the recurrent weights over all steps: h_{t-1}^T @ dz, [H, G*H]. */
function recurrentWeightGrad(hs: Float32Array, dz: tf.Tensor, length: number, batch: number, h: number): tf.Tensor {
  return tf.matMul(previousStatesT(hs, length, batch, h), dz);
}

/**
 * sigmoid(x * scale) for JS rows [n, cols] on the backend (XNNPACK's
 * vectorised sigmoid is ~10x faster than Math.exp here); tanh(x) is
 * 2 * sigmoid(2x) - 1 with scale 2.
 */
function sigmoidRows(x: Float32Array, cols: number, scale: tf.Tensor | number): Float32Array {
  return readTensor(() => tf.sigmoid(tf.mul(rows(x, cols), scale)));
}

/**
 * LSTM layer (PyTorch gate order i, f, g, o).
 * @param xs [T*B, 4H] input projections with both biases added
 * @param wh [H, 4H] recurrent weights
 */
export function lstmLayer(xs: tf.Tensor, wh: tf.Tensor, length: number, batch: number): tf.Tensor {
  const op = tf.customGrad((xIn, wIn, save) => {
    const [x, w] = [xIn as tf.Tensor, wIn as tf.Tensor];
    const h = w.shape[0];
    const g4 = 4 * h;
    const n = batch * h;
    const xsData = x.dataSync() as Float32Array;
    // Gate pre-activations are scaled by 2 on the g block, so one sigmoid gives all four gates.
    const scale = tf.tensor1d(Array.from({ length: g4 }, (_, j) => (j >= 2 * h && j < 3 * h ? 2 : 1)));
    const gates = new Float32Array(length * batch * g4); // i, f, g, o after activation
    const cs = new Float32Array(length * n);
    const tcs = new Float32Array(length * n); // tanh(c)
    const hs = new Float32Array(length * n);
    for (let t = 0; t < length; t++) {
      const z = xsData.slice(t * batch * g4, (t + 1) * batch * g4);
      if (t > 0) {
        const rec = stepMatMul(hs, t - 1, batch, h, w);
        for (let j = 0; j < z.length; j++) z[j] = z[j]! + rec[j]!;
      }
      const s = sigmoidRows(z, g4, scale);
      for (let b = 0; b < batch; b++) {
        const row = b * g4;
        for (let k = 0; k < h; k++) {
          const g = 2 * s[row + 2 * h + k]! - 1;
          s[row + 2 * h + k] = g;
          const c = (t > 0 ? s[row + h + k]! * cs[(t - 1) * n + b * h + k]! : 0) + s[row + k]! * g;
          cs[t * n + b * h + k] = c;
        }
      }
      gates.set(s, t * batch * g4);
      const sc = sigmoidRows(cs.subarray(t * n, (t + 1) * n), h, 2);
      for (let b = 0; b < batch; b++) {
        for (let k = 0; k < h; k++) {
          const at = t * n + b * h + k;
          const tc = 2 * sc[b * h + k]! - 1;
          tcs[at] = tc;
          hs[at] = s[b * g4 + 3 * h + k]! * tc;
        }
      }
    }
    const saved = [w, rows(gates, g4), rows(cs, h), rows(tcs, h), rows(hs, h)];
    (save as tf.GradSaveFunc)(saved);
    return {
      value: saved[4]!,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const [sw, sGates, sC, sTc, sH] = kept as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const gs = sGates.dataSync() as Float32Array;
        const cAll = sC.dataSync() as Float32Array;
        const tcAll = sTc.dataSync() as Float32Array;
        const dh = Float32Array.from(dy.dataSync() as Float32Array);
        const dz = new Float32Array(length * batch * g4);
        const dc = new Float32Array(n); // dL/dc_t carried backwards
        const wT = tf.transpose(sw); // [4H, H]
        for (let t = length - 1; t >= 0; t--) {
          for (let b = 0; b < batch; b++) {
            const row = (t * batch + b) * g4;
            for (let k = 0; k < h; k++) {
              const at = t * n + b * h + k;
              const i = gs[row + k]!;
              const f = gs[row + h + k]!;
              const g = gs[row + 2 * h + k]!;
              const o = gs[row + 3 * h + k]!;
              const tc = tcAll[at]!;
              const dht = dh[at]!;
              const dct = dc[b * h + k]! + dht * o * (1 - tc * tc);
              const cPrev = t > 0 ? cAll[at - n]! : 0;
              dz[row + k] = dct * g * i * (1 - i);
              dz[row + h + k] = dct * cPrev * f * (1 - f);
              dz[row + 2 * h + k] = dct * i * (1 - g * g);
              dz[row + 3 * h + k] = dht * tc * o * (1 - o);
              dc[b * h + k] = dct * f;
            }
          }
          if (t > 0) {
            const rec = stepMatMul(dz, t, batch, g4, wT);
            const base = (t - 1) * n;
            for (let j = 0; j < n; j++) dh[base + j] = dh[base + j]! + rec[j]!;
          }
        }
        const dzT = rows(dz, g4);
        return [dzT, recurrentWeightGrad(sH.dataSync() as Float32Array, dzT, length, batch, h)];
      },
    };
  });
  return op(xs, wh);
}

/**
 * GRU layer (PyTorch formulation): r, z = sigmoid(x_rz + h W_rz + b_rz),
 * n = tanh(x_n + r * (h W_n + b_n)), h' = n + z * (h - n).
 * @param xs [T*B, 3H] input projections with the input bias added
 * @param wh [H, 3H] recurrent weights, bh [3H] recurrent bias
 */
export function gruLayer(xs: tf.Tensor, wh: tf.Tensor, bh: tf.Tensor, length: number, batch: number): tf.Tensor {
  const op = tf.customGrad((xIn, wIn, bIn, save) => {
    const [x, w, bias] = [xIn as tf.Tensor, wIn as tf.Tensor, bIn as tf.Tensor];
    const h = w.shape[0];
    const g3 = 3 * h;
    const xz = x.dataSync() as Float32Array;
    const bhv = bias.dataSync() as Float32Array;
    const n = batch * h;
    // Per (t, b): r, z, n, and hn = (h W_n + b_n) for the backward pass.
    const acts = new Float32Array(length * batch * 4 * h);
    const hs = new Float32Array(length * n);
    const preRZ = new Float32Array(batch * 2 * h);
    const preN = new Float32Array(n);
    for (let t = 0; t < length; t++) {
      const rec = t === 0 ? undefined : stepMatMul(hs, t - 1, batch, h, w);
      for (let b = 0; b < batch; b++) {
        const xrow = (t * batch + b) * g3;
        for (let j = 0; j < 2 * h; j++) preRZ[b * 2 * h + j] = xz[xrow + j]! + bhv[j]! + (rec ? rec[b * g3 + j]! : 0);
      }
      const rz = sigmoidRows(preRZ, 2 * h, 1);
      for (let b = 0; b < batch; b++) {
        const xrow = (t * batch + b) * g3;
        const arow = (t * batch + b) * 4 * h;
        for (let k = 0; k < h; k++) {
          const hn = (rec ? rec[b * g3 + 2 * h + k]! : 0) + bhv[2 * h + k]!;
          const r = rz[b * 2 * h + k]!;
          acts[arow + k] = r;
          acts[arow + h + k] = rz[b * 2 * h + h + k]!;
          acts[arow + 3 * h + k] = hn;
          preN[b * h + k] = xz[xrow + 2 * h + k]! + r * hn;
        }
      }
      const sn = sigmoidRows(preN, h, 2); // tanh(x) = 2 sigmoid(2x) - 1
      for (let b = 0; b < batch; b++) {
        const arow = (t * batch + b) * 4 * h;
        for (let k = 0; k < h; k++) {
          const nn = 2 * sn[b * h + k]! - 1;
          const z = acts[arow + h + k]!;
          const hp = t > 0 ? hs[(t - 1) * n + b * h + k]! : 0;
          acts[arow + 2 * h + k] = nn;
          hs[t * n + b * h + k] = nn + z * (hp - nn);
        }
      }
    }
    const saved = [w, rows(acts, 4 * h), rows(hs, h)];
    (save as tf.GradSaveFunc)(saved);
    return {
      value: saved[2]!,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const [sw, sActs, sH] = kept as [tf.Tensor, tf.Tensor, tf.Tensor];
        const a = sActs.dataSync() as Float32Array;
        const hAll = sH.dataSync() as Float32Array;
        const dh = Float32Array.from(dy.dataSync() as Float32Array);
        const dx = new Float32Array(length * batch * g3);
        const dhh = new Float32Array(length * batch * g3);
        const db = new Float64Array(g3);
        const wT = tf.transpose(sw); // [3H, H]
        for (let t = length - 1; t >= 0; t--) {
          for (let b = 0; b < batch; b++) {
            const row = (t * batch + b) * g3;
            const arow = (t * batch + b) * 4 * h;
            const at = (t * batch + b) * h;
            const prev = ((t - 1) * batch + b) * h;
            for (let k = 0; k < h; k++) {
              const [r, z, n, hn] = [a[arow + k]!, a[arow + h + k]!, a[arow + 2 * h + k]!, a[arow + 3 * h + k]!];
              const hp = t > 0 ? hAll[prev + k]! : 0;
              const dht = dh[at + k]!;
              const dn = dht * (1 - z) * (1 - n * n);
              const dr = dn * hn * r * (1 - r);
              const dzz = dht * (hp - n) * z * (1 - z);
              dx[row + k] = dr;
              dx[row + h + k] = dzz;
              dx[row + 2 * h + k] = dn;
              dhh[row + k] = dr;
              dhh[row + h + k] = dzz;
              dhh[row + 2 * h + k] = dn * r;
              dh[at + k] = dht * z; // reused below as the direct part of dL/dh_{t-1}
            }
          }
          for (let j = 0; j < batch * g3; j++) db[j % g3] = db[j % g3]! + dhh[t * batch * g3 + j]!;
          if (t > 0) {
            const rec = stepMatMul(dhh, t, batch, g3, wT);
            const base = (t - 1) * batch * h;
            const here = t * batch * h;
            for (let j = 0; j < batch * h; j++) dh[base + j] = dh[base + j]! + dh[here + j]! + rec[j]!;
          }
        }
        const dhhT = rows(dhh, g3);
        return [rows(dx, g3), recurrentWeightGrad(hAll, dhhT, length, batch, h), tf.tensor1d(Float32Array.from(db))];
      },
    };
  });
  return op(xs, wh, bh);
}
