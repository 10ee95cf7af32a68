import { rmSync } from 'node:fs';
import type { CellRecord } from '../../cache/cache.js';
import type { Failure } from '../events.js';
import { canonicalJson } from '../../util/hash.js';
import { metricsSpec } from '../../metrics/spec.js';
import { metricsFromOutputs } from '../../metrics/store.js';
import { classify, recordOf, type CellEnv, type CellJob } from '../run-cell.js';
import type { JobResult, StagingDir } from './job-files.js';
import { sameFiles } from './manifest.js';

/** What the coordinator made of a job's result. */
export type Ingested =
  | { kind: 'stored'; record: CellRecord }
  | { kind: 'failed'; failure: Failure }
  /** The job ran on inputs other than the ones the cell's fingerprint names: its result must not be cached. */
  | { kind: 'stale'; why: string };

export interface StagedRun {
  id: string;
  files: StagingDir;
  workDir: string;
  runtime: Record<string, string>;
}

/**
 * Verifies a finished job against the cell as the coordinator now knows it
 * (fingerprint computed from its settled inputs) and, on success, stores the
 * outputs and commits the record exactly as a local run does.
 */
export async function ingest(job: CellJob, env: CellEnv, run: StagedRun, result: JobResult): Promise<Ingested> {
  const stale = staleness(job, run, result);
  if (stale !== undefined) return { kind: 'stale', why: stale };
  const failure = failureOf(result, env.signal.aborted);
  if (failure !== undefined) return { kind: 'failed', failure };
  const files = Object.keys(result.outputs);
  let stored: Awaited<ReturnType<typeof env.cache.storeOutputs>>;
  try {
    stored = await env.cache.storeOutputs(run.files.out, files, job.node.kind.definition.volatile);
  } catch (e) {
    // A link or special file among the job's outputs, or a full disk: the cell fails with the reason.
    return { kind: 'failed', failure: { reason: 'store-failed', message: (e as Error).message } };
  }
  const changed = files.find((f) => stored.outputs[f]?.sha256 !== result.outputs[f]?.sha256);
  if (changed !== undefined) return { kind: 'failed', failure: { reason: 'output-mismatch', path: changed } };
  const attempt = {
    startedAt: result.startedAt,
    durationMs: Date.parse(result.finishedAt) - Date.parse(result.startedAt),
    host: result.host,
  };
  const record = recordOf(job, env, attempt, stored);
  const spec = metricsSpec(job.node.config.metrics);
  const outcome = await env.cache.commit(
    record,
    spec === undefined ? undefined : metricsFromOutputs(env.cache, spec, record.outputs),
  );
  // A gc between store and commit removed a blob: the cell is not cached, and says why.
  if (!outcome.committed)
    return {
      kind: 'failed',
      failure: {
        reason: 'store-failed',
        message: `the stored artifact "${outcome.missing}" was removed before its record could be committed`,
      },
    };
  rmSync(run.workDir, { recursive: true, force: true });
  return { kind: 'stored', record };
}

/** Why the inputs the job read are not the settled ones (an upstream was cut off early, or its output changed). */
function staleness(job: CellJob, run: StagedRun, result: JobResult): string | undefined {
  for (const [name, list] of Object.entries(job.inputs)) {
    const read = result.inputs[name];
    if (read === undefined || read.length !== list.length) return `input "${name}" was not read as planned`;
    const i = list.findIndex(({ record }, k) => !sameFiles(read[k], record.outputs));
    if (i >= 0) return `input "${name}" from ${list[i]?.cell.id ?? '?'} differs from its cached result`;
  }
  if (job.node.kind.type === 'module' && canonicalJson(run.runtime) !== canonicalJson(job.runtime))
    return 'runtime facts changed';
  return undefined;
}

function failureOf(result: JobResult, aborted: boolean): Failure | undefined {
  if (result.missingOutput !== undefined) return { reason: 'missing-output', path: result.missingOutput };
  const failure = classify(result.exit, result.stageError);
  // SIGTERM that ablate did not send: scancel by hand, preemption or Slurm's time limit.
  if (failure?.reason === 'cancelled' && !aborted)
    return { reason: 'killed-by-signal', signal: 'SIGTERM (from Slurm or scancel)' };
  return failure;
}
