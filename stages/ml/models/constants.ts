/**
 * Constant tensors a model reuses across steps (attention bias, PE tables),
 * built once per sequence length and kept out of `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';

const MASKED = -1e9;

export class ConstantCache {
  #tensors = new Map<string, tf.Tensor>();

  get(key: string, make: () => tf.Tensor): tf.Tensor {
    let t = this.#tensors.get(key);
    if (!t) {
      t = tf.keep(make());
      this.#tensors.set(key, t);
    }
    return t;
  }

  dispose(): void {
    for (const t of this.#tensors.values()) t.dispose();
    this.#tensors.clear();
  }
}

/** ALiBi slopes 2^(-8(h+1)/H), as in Press et al. for a power-of-two H. */
export function alibiSlopes(heads: number): number[] {
  return Array.from({ length: heads }, (_, h) => Math.pow(2, (-8 * (h + 1)) / heads));
}

/**
 * Additive attention bias. `causal` masks future keys; `alibi` adds
 * -slope·distance per head. Shape [heads, T, T] with ALiBi, else [T, T].
 */
export function attentionBias(length: number, heads: number, causal: boolean, alibi: boolean): tf.Tensor {
  const slopes = alibi ? alibiSlopes(heads) : [0];
  const out = new Float32Array(slopes.length * length * length);
  slopes.forEach((m, h) => {
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < length; j++) {
        const masked = causal && j > i;
        out[(h * length + i) * length + j] = masked ? MASKED : -m * Math.abs(i - j);
      }
    }
  });
  return alibi ? tf.tensor3d(out, [heads, length, length]) : tf.tensor2d(out, [length, length]);
}

/** Sinusoidal position table [T, d] (Vaswani et al.), positions 0..T-1. */
export function sinusoidalTable(length: number, d: number): tf.Tensor2D {
  const out = new Float32Array(length * d);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < d; i += 2) {
      const angle = pos / Math.pow(10000, i / d);
      out[pos * d + i] = Math.sin(angle);
      if (i + 1 < d) out[pos * d + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(out, [length, d]);
}

/**
 * RoPE tables for head size `dh` (rotate-half convention, base 10000):
 * cos and sin [T, dh], and the rotation R [dh, dh] with x @ R = rotate_half(x)
 * = concat(-x2, x1).
 */
export function ropeTables(length: number, dh: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = dh / 2;
  const cos = new Float32Array(length * dh);
  const sin = new Float32Array(length * dh);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / dh);
      for (const k of [i, i + half]) {
        cos[pos * dh + k] = Math.cos(angle);
        sin[pos * dh + k] = Math.sin(angle);
      }
    }
  }
  return { cos: tf.tensor2d(cos, [length, dh]), sin: tf.tensor2d(sin, [length, dh]) };
}

export function ropeRotation(dh: number): tf.Tensor2D {
  const half = dh / 2;
  const r = new Float32Array(dh * dh);
  for (let i = 0; i < half; i++) {
    r[(i + half) * dh + i] = -1; // out[i] = -x[i + half]
    r[i * dh + (i + half)] = 1; // out[i + half] = x[i]
  }
  return tf.tensor2d(r, [dh, dh]);
}
