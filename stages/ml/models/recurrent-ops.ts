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
 * steps. The JS math is the same on every backend.
 *
 * Shapes: `xs` [T*B, G*H] time-major input projections (input biases
 * included), result [T*B, H] time-major hidden states. Zero initial state.
 */
import * as tf from '@tensorflow/tfjs';
import { readTensor } from '../ops.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

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
 * LSTM layer (PyTorch gate order i, f, g, o).
 * @param xs [T*B, 4H] input projections with both biases added
 * @param wh [H, 4H] recurrent weights
 */
export function lstmLayer(xs: tf.Tensor, wh: tf.Tensor, length: number, batch: number): tf.Tensor {
  const op = tf.customGrad((xIn, wIn, save) => {
    const [x, w] = [xIn as tf.Tensor, wIn as tf.Tensor];
    const h = w.shape[0]!;
    const g4 = 4 * h;
    const z = Float32Array.from(x.dataSync() as Float32Array); // becomes the activated gates
    const cs = new Float32Array(length * batch * h);
    const hs = new Float32Array(length * batch * h);
    for (let t = 0; t < length; t++) {
      const rec = t === 0 ? undefined : matMulData(tf.tensor2d(hs.subarray((t - 1) * batch * h, t * batch * h), [batch, h]), w);
      for (let b = 0; b < batch; b++) {
        const row = (t * batch + b) * g4;
        const at = (t * batch + b) * h;
        const prev = ((t - 1) * batch + b) * h;
        if (rec) for (let j = 0; j < g4; j++) z[row + j] = z[row + j]! + rec[b * g4 + j]!;
        for (let k = 0; k < h; k++) {
          const i = sigmoid(z[row + k]!);
          const f = sigmoid(z[row + h + k]!);
          const g = Math.tanh(z[row + 2 * h + k]!);
          const o = sigmoid(z[row + 3 * h + k]!);
          z[row + k] = i;
          z[row + h + k] = f;
          z[row + 2 * h + k] = g;
          z[row + 3 * h + k] = o;
          const c = (t > 0 ? f * cs[prev + k]! : 0) + i * g;
          cs[at + k] = c;
          hs[at + k] = o * Math.tanh(c);
        }
      }
    }
    const saved = [w, rows(z, g4), rows(cs, h), rows(hs, h)];
    (save as tf.GradSaveFunc)(saved);
    return {
      value: saved[3]!,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const [sw, sGates, sC, sH] = kept as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const gates = sGates.dataSync() as Float32Array;
        const cAll = sC.dataSync() as Float32Array;
        const dh = Float32Array.from(dy.dataSync() as Float32Array);
        const dz = new Float32Array(length * batch * g4);
        const dc = new Float32Array(batch * h); // dL/dc_t carried backwards
        const wT = tf.transpose(sw); // [4H, H]
        for (let t = length - 1; t >= 0; t--) {
          for (let b = 0; b < batch; b++) {
            const row = (t * batch + b) * g4;
            const at = (t * batch + b) * h;
            const prev = ((t - 1) * batch + b) * h;
            for (let k = 0; k < h; k++) {
              const i = gates[row + k]!;
              const f = gates[row + h + k]!;
              const g = gates[row + 2 * h + k]!;
              const o = gates[row + 3 * h + k]!;
              const tc = Math.tanh(cAll[at + k]!);
              const dht = dh[at + k]!;
              const dct = dc[b * h + k]! + dht * o * (1 - tc * tc);
              const cPrev = t > 0 ? cAll[prev + k]! : 0;
              dz[row + k] = dct * g * i * (1 - i);
              dz[row + h + k] = dct * cPrev * f * (1 - f);
              dz[row + 2 * h + k] = dct * i * (1 - g * g);
              dz[row + 3 * h + k] = dht * tc * o * (1 - o);
              dc[b * h + k] = dct * f;
            }
          }
          if (t > 0) {
            const rec = matMulData(tf.tensor2d(dz.subarray(t * batch * g4, (t + 1) * batch * g4), [batch, g4]), wT);
            const base = (t - 1) * batch * h;
            for (let j = 0; j < batch * h; j++) dh[base + j] = dh[base + j]! + rec[j]!;
          }
        }
        const dzT = rows(dz, g4);
        return [dzT, tf.matMul(previousStatesT(sH.dataSync() as Float32Array, length, batch, h), dzT)];
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
    const h = w.shape[0]!;
    const g3 = 3 * h;
    const xz = x.dataSync() as Float32Array;
    const bhv = bias.dataSync() as Float32Array;
    // Per (t, b): r, z, n, and hn = (h W_n + b_n) for the backward pass.
    const acts = new Float32Array(length * batch * 4 * h);
    const hs = new Float32Array(length * batch * h);
    for (let t = 0; t < length; t++) {
      const rec = t === 0 ? undefined : matMulData(tf.tensor2d(hs.subarray((t - 1) * batch * h, t * batch * h), [batch, h]), w);
      for (let b = 0; b < batch; b++) {
        const xrow = (t * batch + b) * g3;
        const arow = (t * batch + b) * 4 * h;
        const at = (t * batch + b) * h;
        const prev = ((t - 1) * batch + b) * h;
        const recRow = b * g3;
        for (let k = 0; k < h; k++) {
          const hr = (rec ? rec[recRow + k]! : 0) + bhv[k]!;
          const hzz = (rec ? rec[recRow + h + k]! : 0) + bhv[h + k]!;
          const hn = (rec ? rec[recRow + 2 * h + k]! : 0) + bhv[2 * h + k]!;
          const r = sigmoid(xz[xrow + k]! + hr);
          const z = sigmoid(xz[xrow + h + k]! + hzz);
          const n = Math.tanh(xz[xrow + 2 * h + k]! + r * hn);
          const hp = t > 0 ? hs[prev + k]! : 0;
          acts[arow + k] = r;
          acts[arow + h + k] = z;
          acts[arow + 2 * h + k] = n;
          acts[arow + 3 * h + k] = hn;
          hs[at + k] = n + z * (hp - n);
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
            const rec = matMulData(tf.tensor2d(dhh.subarray(t * batch * g3, (t + 1) * batch * g3), [batch, g3]), wT);
            const base = (t - 1) * batch * h;
            const here = t * batch * h;
            for (let j = 0; j < batch * h; j++) dh[base + j] = dh[base + j]! + dh[here + j]! + rec[j]!;
          }
        }
        const dhhT = rows(dhh, g3);
        return [rows(dx, g3), tf.matMul(previousStatesT(hAll, length, batch, h), dhhT), tf.tensor1d(Float32Array.from(db))];
      },
    };
  });
  return op(xs, wh, bh);
}
