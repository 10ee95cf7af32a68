/**
 * Seeded pseudo-random numbers: mulberry32 (Tommy Ettinger, public domain),
 * a 32-bit state generator. The whole state is one uint32, so checkpoints
 * save and restore it exactly; streams for different purposes (train data,
 * test data, init, batch order) come from {@link deriveSeed}.
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The full generator state; `new Rng(0).restore(s)` continues the stream. */
  get state(): number {
    return this.#state;
  }

  restore(state: number): this {
    this.#state = state >>> 0;
    return this;
  }

  /** Uniform uint32. */
  nextU32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi], both ends included. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Standard normal (Box-Muller, one value per two uniforms, no cached spare). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1], so log(u) is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * An independent seed for the stream `label` of experiment seed `seed`:
 * FNV-1a of the label mixed with the seed through the splitmix32 finaliser.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  }
  let z = (h ^ Math.imul(seed >>> 0, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
