/**
 * All of a model's parameters live in one flat Float32Array on the JS side.
 *
 * A {@link ParamLayout} names its slices. Each step makes one tensor per
 * slice, the backward pass returns one gradient per tensor, and the gradients
 * are copied back into one flat array: gradient clipping, Adam (in JS),
 * checkpoints and `weights.bin` all work on flat buffers. (Splitting one flat
 * tensor in-graph looks tidier but wasm's Slice copies its whole input for
 * every piece, which cost more than the rest of a step.)
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './prng.js';

export type Init =
  { kind: 'zeros' } | { kind: 'ones' } | { kind: 'normal'; std: number } | { kind: 'uniform'; limit: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

export interface ParamEntry extends ParamSpec {
  offset: number;
  size: number;
}

/** Named tensor views of the flat vector, valid inside the enclosing tidy. */
export type Params = Record<string, tf.Tensor>;

export class ParamLayout {
  readonly entries: readonly ParamEntry[];
  readonly size: number;

  constructor(specs: ParamSpec[]) {
    const seen = new Set<string>();
    let offset = 0;
    this.entries = specs.map((spec) => {
      if (seen.has(spec.name)) throw new Error(`Duplicate parameter '${spec.name}'`);
      seen.add(spec.name);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const entry = { ...spec, offset, size };
      offset += size;
      return entry;
    });
    this.size = offset;
  }

  /** Fresh initial values, drawn in layout order from `rng`. */
  initialise(rng: Rng): Float32Array {
    const out = new Float32Array(this.size);
    for (const e of this.entries) {
      const view = out.subarray(e.offset, e.offset + e.size);
      fill(view, e.init, rng);
    }
    return out;
  }

  /** One tensor per parameter, in layout order, holding a copy of `values`. */
  tensors(values: Float32Array): tf.Tensor[] {
    if (values.length !== this.size) throw new Error(`Expected ${this.size} parameter values, got ${values.length}`);
    return this.entries.map((e) => tf.tensor(values.subarray(e.offset, e.offset + e.size), e.shape, 'float32'));
  }

  /** Name the tensors made by {@link tensors} (or stand-ins in the same order). */
  named(tensors: readonly tf.Tensor[]): Params {
    const params: Params = {};
    this.entries.forEach((e, i) => {
      const t = tensors[i];
      if (!t) throw new Error(`Missing tensor for parameter '${e.name}'`);
      params[e.name] = t;
    });
    return params;
  }

  /** Copy per-parameter gradients (undefined: no path, zero) into one flat array. */
  flatten(grads: ReadonlyArray<tf.Tensor | undefined>, out: Float32Array = new Float32Array(this.size)): Float32Array {
    this.entries.forEach((e, i) => {
      const g = grads[i];
      if (g) out.set(g.dataSync(), e.offset);
      else out.fill(0, e.offset, e.offset + e.size);
    });
    return out;
  }

  /** A plain-data description for model.json. */
  describe(): Array<{ name: string; shape: number[]; offset: number }> {
    return this.entries.map((e) => ({ name: e.name, shape: [...e.shape], offset: e.offset }));
  }

  entry(name: string): ParamEntry {
    const e = this.entries.find((x) => x.name === name);
    if (!e) throw new Error(`No parameter '${name}'`);
    return e;
  }
}

function fill(view: Float32Array, init: Init, rng: Rng): void {
  switch (init.kind) {
    case 'zeros':
      return;
    case 'ones':
      view.fill(1);
      return;
    case 'normal':
      for (let i = 0; i < view.length; i++) view[i] = rng.normal() * init.std;
      return;
    case 'uniform':
      for (let i = 0; i < view.length; i++) view[i] = (2 * rng.next() - 1) * init.limit;
      return;
  }
}

/** Look up a parameter view, with a clear error for a model/layout mismatch. */
export function param(p: Params, name: string): tf.Tensor {
  const t = p[name];
  if (!t) throw new Error(`Model uses parameter '${name}' missing from its layout`);
  return t;
}
