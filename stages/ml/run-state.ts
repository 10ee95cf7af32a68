/**
 * What a training run carries from step to step and what a checkpoint
 * holds of it: the parameters, Adam's moments, the batch sampler's RNG and
 * the loss of every step. Both training loops build one, resume it from a
 * checkpoint and snapshot it into one, so a resumed run continues
 * bit-identically.
 */
import { FlatAdam, type AdamOptions } from './adam.js';
import type { CheckpointState } from './checkpoint.js';
import type { ParamLayout } from './params.js';
import { deriveSeed, Rng } from './prng.js';

export class RunState {
  params: Float32Array;
  readonly adam: FlatAdam;
  /** Draws the batches; `init` draws the initial weights from its own stream. */
  readonly rng: Rng;
  readonly losses: Float32Array;
  /** The step the run continues from: 0, or the checkpoint's. */
  start = 0;

  constructor(layout: ParamLayout, o: AdamOptions & { seed: number; steps: number }, batchStream: string) {
    this.rng = new Rng(deriveSeed(o.seed, batchStream));
    this.adam = new FlatAdam(layout.size, o);
    this.params = layout.initialise(new Rng(deriveSeed(o.seed, 'init')));
    this.losses = new Float32Array(o.steps);
  }

  resume(saved: CheckpointState): void {
    this.params = saved.params;
    this.adam.restore(saved.m, saved.v, saved.adamT);
    this.rng.restore(saved.rngState);
    this.losses.set(saved.losses);
    this.start = saved.step;
  }

  snapshot(step: number): CheckpointState {
    const { adam, rng, params } = this;
    return {
      step,
      rngState: rng.state,
      adamT: adam.t,
      params,
      m: adam.m,
      v: adam.v,
      losses: this.losses.subarray(0, step),
    };
  }
}
