/**
 * Adam (Kingma & Ba, 2015, Algorithm 1 with the "epsilon-hat" form of
 * section 2) and global-norm gradient clipping, on flat Float32Arrays in
 * plain JS: a handful of passes over ~1e5 floats is cheaper than a dozen
 * wasm kernel launches, the state is two arrays and a step count (trivial
 * to checkpoint), and updates are bit-identical across TF.js backends.
 */

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip the gradient to this global L2 norm; 0 disables clipping. */
  clip: number;
}

export const DEFAULT_ADAM: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, clip: 1 };

export class FlatAdam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Updates applied so far. */
  t = 0;

  constructor(
    size: number,
    readonly options: AdamOptions,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  restore(m: Float32Array, v: Float32Array, t: number): void {
    if (m.length !== this.m.length || v.length !== this.v.length) throw new Error('Adam state size mismatch');
    this.m.set(m);
    this.v.set(v);
    this.t = t;
  }

  /**
   * Update `params` in place from `grad` (clipped in place first).
   * @returns the gradient's global L2 norm before clipping.
   */
  apply(params: Float32Array, grad: Float32Array, lr = this.options.lr): number {
    const { beta1, beta2, eps, clip } = this.options;
    const norm = l2norm(grad);
    const scale = clip > 0 && norm > clip ? clip / norm : 1;
    this.t += 1;
    const stepSize = (lr * Math.sqrt(1 - Math.pow(beta2, this.t))) / (1 - Math.pow(beta1, this.t));
    const { m, v } = this;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]! * scale;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! - (stepSize * mi) / (Math.sqrt(vi) + eps);
    }
    return norm;
  }
}

export function l2norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}
