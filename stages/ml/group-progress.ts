/**
 * Progress of the runs of a training group: each run's own throttled
 * progress line (step, loss, steps/s since its attempt started), a turn of
 * the event loop every 100 ms so timers, IPC and abort signals get through,
 * and the wall time of the whole attempt.
 */
import type { StepHooks } from './step-loop.js';

export interface ProgressRun {
  hooks: StepHooks;
  /** The step the run starts (or resumes) at, and its last step. */
  start: number;
  steps: number;
}

export interface GroupTiming {
  wallSeconds: number;
}

export interface GroupProgress {
  /** After step `done` (1-based) of the runs at `indices`, with their losses in the same order. */
  after(done: number, indices: readonly number[], losses: ArrayLike<number>): Promise<void>;
  finish(): GroupTiming;
}

export function groupProgress(runs: readonly ProgressRun[]): GroupProgress {
  const t0 = performance.now();
  const lastReport = runs.map(() => -Infinity);
  let lastYield = t0;
  return {
    async after(done, indices, losses) {
      const now = performance.now();
      indices.forEach((index, i) => {
        const run = runs[index]!;
        const interval = run.hooks.progressIntervalMs ?? 500;
        if (!run.hooks.progress || (now - lastReport[index]! < interval && done !== run.steps)) return;
        lastReport[index] = now;
        const rate = (done - run.start) / ((now - t0) / 1000);
        run.hooks.progress({
          step: done,
          total: run.steps,
          metrics: { loss: losses[i]!, 'steps/s': Math.round(rate * 10) / 10 },
        });
      });
      if (now - lastYield > 100) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    },
    finish: () => ({ wallSeconds: (performance.now() - t0) / 1000 }),
  };
}
