import { availableParallelism } from 'node:os';
import type { Cache } from '../cache/cache.js';
import type { Reporter } from '../execution/events.js';
import { EXIT, UsageError } from '../exit.js';
import { currentSnapshot, type PlanSnapshot } from '../plan/plan-snapshot.js';
import { HumanReporter } from '../reporters/human.js';
import { JsonReporter } from '../reporters/json.js';
import { logArgs } from '../reporters/shell-quote.js';
import { resultsEvent } from '../report/results.js';
import type { RunOptions } from './run-options.js';

/**
 * `ablate run`. A fully cached pipeline whose stored plan is exact is
 * answered from it; anything else loads the planner and executor.
 */
export async function runCommand(o: RunOptions): Promise<number> {
  const jobs = o.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new UsageError(`--jobs must be a positive integer, got ${String(o.jobs)}`);
  const options = { ...o, requireCached: o.requireCached ?? requireCachedFromEnv() };
  const noop = (o.only ?? []).length === 0 && (o.force ?? []).length === 0 ? await currentSnapshot(o) : undefined;
  // A snapshot written by `status` lacks the final cells' files: the full path then names them (and stores them).
  if (
    noop !== undefined &&
    noop.snapshot.rows.every((r) => r.status === 'cached') &&
    noop.snapshot.finals !== undefined
  )
    return reportCached(options, noop, jobs);
  await noop?.cache.close();
  return (await import('./run-pipeline.js')).runPipeline(options, jobs);
}

/** `ABLATE_REQUIRE_CACHED=1` is `--require-cached` for a whole job; the flag, when given, wins. */
function requireCachedFromEnv(): boolean {
  const v = process.env.ABLATE_REQUIRE_CACHED;
  if (v === undefined || v === '' || v === '0') return false;
  if (v === '1') return true;
  throw new UsageError(`ABLATE_REQUIRE_CACHED must be 0 or 1, got "${v}"`);
}

/** A fully cached pipeline: the events a run would emit, from the stored plan, with nothing opened but the cache. */
async function reportCached(
  o: RunOptions,
  quick: { cache: Cache; snapshot: PlanSnapshot },
  jobs: number,
): Promise<number> {
  const reporter: Reporter =
    o.reporter === 'json' ? new JsonReporter() : await HumanReporter.create(process.stdout, logArgs(o));
  const emit = reporter.onEvent.bind(reporter);
  const start = Date.now();
  try {
    const { rows, pipeline, runtime } = quick.snapshot;
    emit({
      type: 'plan',
      pipeline,
      cells: rows.length,
      cached: rows.length,
      toRun: 0,
      jobs: o.executor === 'slurm' ? 1 : jobs,
      runtime,
    });
    if (o.dryRun) return EXIT.ok;
    for (const r of rows) emit({ type: 'cell', stage: r.stage, cell: r.cell, status: 'cached' });
    emit({
      type: 'summary',
      ran: 0,
      cached: rows.length,
      failed: 0,
      skipped: 0,
      interrupted: false,
      durationMs: Date.now() - start,
      failures: [],
    });
    if (quick.snapshot.finals !== undefined) emit(resultsEvent(pipeline, quick.snapshot.finals, o));
    return EXIT.ok;
  } finally {
    reporter.close();
    await quick.cache.close();
  }
}
