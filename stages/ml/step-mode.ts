/**
 * How a training group computes a step: `stacked`, one pass of the stacked
 * model for every replica, or `one-by-one`, each replica's own pass. Both
 * give the same bytes (test/ml/group-train.test.ts); which is faster depends
 * on the model and the backend. Stacking saves the fixed cost of each
 * parameter-free op, but on wasm every parameterised op still runs once per
 * replica, so it pays only for small models, where that fixed cost dominates
 * (docs/benchmarks.md). In `auto`, the group times both on the same batches
 * of its first steps and keeps the faster; a trial whose bytes differ turns
 * stacking off for good.
 */
export type StepMode = 'stacked' | 'one-by-one';

export type StackPolicy = 'auto' | 'always' | 'never';

/** Trials after one warm-up trial (constant tables and kernels are built on first use). */
const TRIALS = 4;

export class StepModeChooser {
  readonly #passes: Record<StepMode | 'trial', number> = { stacked: 0, 'one-by-one': 0, trial: 0 };
  #trials = 0;
  #stackedMs = 0;
  #oneByOneMs = 0;
  #chosen: StepMode | undefined;

  constructor(
    policy: StackPolicy,
    canStack: boolean,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    if (!canStack || policy === 'never') this.#chosen = 'one-by-one';
    else if (policy === 'always') this.#chosen = 'stacked';
  }

  /** The mode to run, or `trial` to run both and report with {@link record}. */
  next(): StepMode | 'trial' {
    return this.#chosen ?? 'trial';
  }

  /** Counts the replica-steps of one pass in `mode`. */
  count(replicas: number, mode: StepMode | 'trial'): void {
    this.#passes[mode] += replicas;
  }

  /** Logs how the group's replica-steps were computed, when any could have been stacked. */
  summarize(): void {
    const { stacked, trial } = this.#passes;
    if (stacked + trial === 0) return;
    const all = stacked + trial + this.#passes['one-by-one'];
    this.log(`train: ${stacked} of ${all} replica-steps stacked, ${trial} in timing trials`);
  }

  record(stackedMs: number, oneByOneMs: number, sameBytes: boolean, replicas: number): void {
    if (!sameBytes) {
      this.#chosen = 'one-by-one';
      this.log('train: the stacked step did not reproduce the single-run bytes here; replicas train one by one');
      return;
    }
    // The first trial pays for building kernels and constant tables in both modes.
    if (this.#trials++ > 0) {
      this.#stackedMs += stackedMs;
      this.#oneByOneMs += oneByOneMs;
    }
    if (this.#trials <= TRIALS) return;
    this.#chosen = this.#stackedMs < this.#oneByOneMs ? 'stacked' : 'one-by-one';
    const ratio = this.#oneByOneMs / Math.max(this.#stackedMs, 1e-9);
    this.log(
      `train: ${replicas} replicas, stacked steps ${ratio.toFixed(2)}x the speed of one by one: ${this.#chosen}`,
    );
  }
}
