import { unreachable } from '../../util/unreachable.js';

/** A job as `scontrol -o show job ID` describes it: the fields ablate acts on. */
export interface JobState {
  id: string;
  state: string;
  reason: string;
  exitCode: string;
  nodes: string;
}

/** Where a job is in its life, as far as waiting for it goes. */
export type JobPhase = 'waiting' | 'running' | 'ended';

/**
 * States after which the job's processes are gone. Anything else (PENDING,
 * RUNNING, COMPLETING, SUSPENDED, REQUEUED, CONFIGURING, ...) may still
 * produce a result, so it counts as not ended.
 */
const ENDED = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'REVOKED',
  'SPECIAL_EXIT',
]);

export function phaseOf(s: JobState): JobPhase {
  if (ENDED.has(s.state)) return 'ended';
  return s.state === 'PENDING' ? 'waiting' : 'running';
}

/**
 * A dependency that can never be satisfied: the job will not run (Slurm
 * cancels it with kill_invalid_depend / --kill-on-invalid-dep, or leaves it
 * pending without).
 */
export function dependencyNeverSatisfied(s: JobState): boolean {
  return s.reason === 'DependencyNeverSatisfied';
}

/** One line of `scontrol -o show job`; undefined when it is not a job line. */
export function parseJobLine(line: string): JobState | undefined {
  const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1];
  const id = field('JobId');
  const state = field('JobState');
  if (id === undefined || state === undefined) return undefined;
  return {
    id,
    state,
    reason: field('Reason') ?? 'None',
    exitCode: field('ExitCode') ?? '',
    nodes: field('NodeList') ?? '',
  };
}

/** scontrol's answer for a job it no longer (or never) knew: purged after MinJobAge. */
export function isUnknownJob(message: string): boolean {
  return /Invalid job id specified/i.test(message);
}

export function describeState(s: JobState): string {
  const phase = phaseOf(s);
  switch (phase) {
    case 'waiting':
      return `PENDING (${s.reason})`;
    case 'running':
      return s.nodes === '' || s.nodes === '(null)' ? s.state : `${s.state} on ${s.nodes}`;
    case 'ended':
      return `${s.state}${s.reason !== 'None' ? ` (${s.reason})` : ''}, exit ${s.exitCode}`;
    default:
      return unreachable(phase);
  }
}
