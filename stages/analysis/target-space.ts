/**
 * The target a regression model of the synthetic tasks is trained on, as a
 * function of its input, and the fixed scale of that target over the
 * training distribution. The misalignment metric subtracts the first (the
 * target's own change between two suffixes is not the model's fault) and
 * divides by the second (a scale of the task, so a model that collapses to a
 * near-constant output is not rewarded, as dividing by its own output
 * variance would).
 */

export type TargetTask = 'mean' | 'length';

export interface TargetSpace {
  task: TargetTask;
  /** f(target) of one 0/1 sequence, rounded to float32 as the data set stores it. */
  value(seq: readonly number[]): number;
  /** Var[f(target)] with lengths uniform in `range` and fair coin tokens: exact, not sampled. */
  variance: number;
  range: [number, number];
}

/**
 * The mean task is never reparameterized (the data stage refuses f other
 * than identity for it); the length task's target is f(length).
 */
export function targetSpace(task: TargetTask, f: (x: number) => number, range: [number, number]): TargetSpace {
  const [lo, hi] = range;
  const lengths = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  if (task === 'mean') {
    // Var[mean of l fair coins | l] = 1/(4l), and E[mean | l] = 1/2 for every l,
    // so the total variance is E[1/(4l)] over the training lengths.
    const variance = lengths.reduce((a, l) => a + 1 / (4 * l), 0) / lengths.length;
    return { task, value: (seq) => Math.fround(seq.reduce((a, b) => a + b, 0) / seq.length), variance, range };
  }
  const values = lengths.map((l) => Math.fround(f(l)));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { task, value: (seq) => Math.fround(f(seq.length)), variance, range };
}

export function isTargetTask(task: unknown): task is TargetTask {
  return task === 'mean' || task === 'length';
}
