/**
 * The driver both training loops share: it runs the optimizer steps a loop
 * defines, checkpoints on schedule and on abort, reports throttled progress
 * and yields to the event loop, and times the attempt. What a step computes
 * (the loss, the update, what it records) stays with the loop.
 */

export interface StepLoop {
  /** First step to run: 0, or the step a checkpoint resumed at. */
  start: number;
  steps: number;
  /** Steps between checkpoints (0: only on abort). */
  checkpointEvery: number;
  /** Runs step `step` (0-based) and returns what progress shows, the loss first. */
  step(step: number): { loss: number } & Record<string, number>;
  checkpoint(step: number): Promise<void>;
}

export interface StepHooks {
  progress?(update: { step: number; total: number; metrics: Record<string, number> }): void;
  signal?: AbortSignal;
  /** Minimum milliseconds between progress updates (default 500). */
  progressIntervalMs?: number;
  /** Called after each step (tests use it to interrupt a run). */
  afterStep?(step: number, loss: number): void;
}

export interface StepTiming {
  stepsThisRun: number;
  stepsPerSec: number;
  wallSeconds: number;
}

export async function runSteps(loop: StepLoop, hooks: StepHooks): Promise<StepTiming> {
  const interval = hooks.progressIntervalMs ?? 500;
  const t0 = performance.now();
  let lastReport = -Infinity;
  let lastYield = t0;
  for (let step = loop.start; step < loop.steps; step++) {
    if (hooks.signal?.aborted) {
      await loop.checkpoint(step);
      throw new Error(`Training aborted at step ${step} (checkpoint saved)`, { cause: hooks.signal.reason });
    }
    const shown = loop.step(step);
    const done = step + 1;
    hooks.afterStep?.(done, shown.loss);
    const now = performance.now();
    if (loop.checkpointEvery > 0 && done % loop.checkpointEvery === 0 && done < loop.steps) await loop.checkpoint(done);
    if (hooks.progress && (now - lastReport >= interval || done === loop.steps)) {
      lastReport = now;
      const rate = (done - loop.start) / ((now - t0) / 1000);
      const { loss, ...rest } = shown;
      hooks.progress({
        step: done,
        total: loop.steps,
        metrics: { loss, 'steps/s': Math.round(rate * 10) / 10, ...rest },
      });
    }
    if (now - lastYield > 100) {
      // Let timers, IPC and abort signals through.
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const stepsThisRun = loop.steps - loop.start;
  return { stepsThisRun, stepsPerSec: stepsThisRun > 0 ? stepsThisRun / wallSeconds : 0, wallSeconds };
}
