/**
 * Time left in a run, from each stage's own durations seen so far: a
 * pipeline's stages differ by orders of magnitude (a training cell against
 * the analysis cell after it), so one mean over all cells misleads as soon
 * as the mix of stages left differs from the mix done.
 */
export class Eta {
  private readonly left = new Map<string, number>();
  private readonly seen = new Map<string, { total: number; count: number }>();

  /** Cells to run, by stage, as the plan counted them. */
  plan(toRunByStage: Record<string, number>): void {
    for (const [stage, n] of Object.entries(toRunByStage)) this.left.set(stage, n);
  }

  /** A cell that was to run is done (ran, failed, skipped or found cached after all); `durationMs` when it ran. */
  finished(stage: string, durationMs?: number): void {
    const n = this.left.get(stage);
    if (n !== undefined && n > 0) this.left.set(stage, n - 1);
    if (durationMs === undefined) return;
    const s = this.seen.get(stage) ?? { total: 0, count: 0 };
    s.total += durationMs;
    s.count++;
    this.seen.set(stage, s);
  }

  /**
   * Milliseconds left with `jobs` cells at a time, counting the time each
   * running cell has already spent; `partial` when a stage with cells left
   * has no duration yet, so the estimate leaves it out.
   */
  estimate(
    jobs: number,
    running: Iterable<{ stage: string; elapsedMs: number }>,
  ): { ms: number; partial: boolean } | undefined {
    let work = 0;
    let partial = false;
    let known = false;
    const runningByStage = new Map<string, number>();
    for (const r of running) {
      runningByStage.set(r.stage, (runningByStage.get(r.stage) ?? 0) + 1);
      const mean = this.mean(r.stage);
      if (mean !== undefined) work += Math.max(0, mean - r.elapsedMs);
    }
    for (const [stage, n] of this.left) {
      if (n === 0) continue;
      const mean = this.mean(stage);
      const waiting = n - (runningByStage.get(stage) ?? 0);
      if (mean === undefined) partial = true;
      else {
        known = true;
        work += Math.max(0, waiting) * mean;
      }
    }
    if (!known) return undefined;
    return { ms: work / Math.max(1, jobs), partial };
  }

  private mean(stage: string): number | undefined {
    const s = this.seen.get(stage);
    return s === undefined ? undefined : s.total / s.count;
  }
}
