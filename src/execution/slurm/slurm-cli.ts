import { runCapture, runCaptureSync } from '../child-process.js';
import { err, ok, type Result } from '../../util/result.js';
import { parseSbatchId } from './job-script.js';
import { isUnknownJob, parseJobLine, type JobState } from './job-state.js';

/** What a query for one job found: its state, that Slurm no longer knows it, or no answer. */
export type JobQuery =
  { kind: 'state'; state: JobState } | { kind: 'unknown' } | { kind: 'no-answer'; message: string };

/**
 * The Slurm commands ablate uses: sbatch, scontrol, scancel and sinfo. No
 * sacct, since many clusters run without accounting.
 */
export class SlurmCli {
  async reachable(): Promise<Result<string, string>> {
    const r = await runCapture('sinfo', ['--noheader', '--format=%P %a %D %T'], 15_000);
    return r.ok ? ok(r.value.trim()) : err(r.error);
  }

  /** Submits a batch script; `extra` (from --slurm-opt) goes before it and overrides its #SBATCH lines. */
  async submit(script: string, extra: readonly string[]): Promise<Result<string, string>> {
    const r = await runCapture('sbatch', ['--parsable', ...extra, script], 60_000);
    if (!r.ok) return r;
    const id = parseSbatchId(r.value);
    return id === undefined ? err(`sbatch printed no job id: ${r.value}`) : ok(id);
  }

  async show(id: string): Promise<JobQuery> {
    const r = await runCapture('scontrol', ['-o', 'show', 'job', id], 15_000);
    if (!r.ok) return isUnknownJob(r.error) ? { kind: 'unknown' } : { kind: 'no-answer', message: r.error };
    const state = r.value
      .split('\n')
      .map(parseJobLine)
      .find((s) => s?.id === id);
    return state === undefined ? { kind: 'unknown' } : { kind: 'state', state };
  }

  async cancel(ids: readonly string[]): Promise<Result<string, string>> {
    if (ids.length === 0) return ok('');
    return runCapture('scancel', [...ids], 30_000);
  }

  /** For a process that is exiting now (a second Ctrl-C): nothing asynchronous runs any more. */
  cancelSync(ids: readonly string[]): void {
    if (ids.length > 0) runCaptureSync('scancel', [...ids]);
  }
}
