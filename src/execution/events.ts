import type { ProgressUpdate } from '../stage-api.js';
import { unreachable } from '../util/unreachable.js';

export type CellStatus = 'ran' | 'cached' | 'failed' | 'skipped';

/** Why a cell did not produce a result. */
export type Failure =
  | { reason: 'exit-non-zero'; code: number }
  | { reason: 'killed-by-signal'; signal: string }
  | { reason: 'timeout'; seconds: number }
  | { reason: 'stage-error'; message: string }
  | { reason: 'missing-output'; path: string }
  | { reason: 'bad-output'; path: string; kind: string }
  | { reason: 'cache-corrupt'; cell: string; path: string }
  | { reason: 'store-failed'; message: string }
  | { reason: 'prepare-failed'; message: string }
  | { reason: 'cancelled' }
  | { reason: 'spawn-error'; message: string }
  | { reason: 'no-gpu'; needed: number; available: number }
  | { reason: 'upstream-failed'; upstream: string }
  | { reason: 'cluster-job'; job: string; message: string }
  | { reason: 'output-mismatch'; path: string }
  | { reason: 'unexpected'; message: string };

export function describeFailure(f: Failure): string {
  switch (f.reason) {
    case 'exit-non-zero':
      return `exited with code ${f.code}`;
    case 'killed-by-signal':
      return f.signal === 'SIGKILL' ? 'killed (SIGKILL; out of memory?)' : `killed by ${f.signal}`;
    case 'timeout':
      return `timed out after ${f.seconds} s`;
    case 'stage-error':
      return f.message;
    case 'missing-output':
      return `declared output "${f.path}" was not written`;
    case 'bad-output':
      return `output "${f.path}" is a ${f.kind}, not a regular file (links and special files are not stored)`;
    case 'cache-corrupt':
      return `cached artifact "${f.path}" of ${f.cell} is corrupt`;
    case 'store-failed':
      return `its outputs could not be stored: ${f.message}`;
    case 'prepare-failed':
      return `its inputs or log could not be prepared: ${f.message}`;
    case 'cancelled':
      return 'cancelled';
    case 'spawn-error':
      return `could not start: ${f.message}`;
    case 'no-gpu':
      return `needs ${f.needed} GPU(s), ${f.available} available`;
    case 'upstream-failed':
      return `${f.upstream} failed`;
    case 'cluster-job':
      return `cluster job ${f.job}: ${f.message}`;
    case 'output-mismatch':
      return `staged output "${f.path}" no longer matches what its job wrote`;
    case 'unexpected':
      return `internal error: ${f.message}`;
    default:
      return unreachable(f);
  }
}

export interface FailureSummary {
  stage: string;
  cell: string;
  message: string;
  log?: string;
  tail?: string;
}

/** Everything a run reports. Reporters consume these; nothing else prints. */
export type RunEvent =
  /** `toRunByStage`: how many of the cells to run belong to each stage, for an ETA from each stage's own durations. */
  | {
      type: 'plan';
      pipeline: string;
      cells: number;
      cached: number;
      toRun: number;
      jobs: number;
      runtime: Record<string, string>;
      toRunByStage?: Record<string, number>;
    }
  /** The cells `--only` or `--force` selected, before the plan; `of`: cells in the pipeline. */
  | { type: 'selection'; flag: 'only' | 'force'; cells: string[]; of: number }
  | { type: 'cell-start'; stage: string; cell: string }
  /** The cell's process has exited; its `cell` event follows once its outputs are checked and stored. */
  | { type: 'cell-exit'; stage: string; cell: string }
  /** `--dry-run` and `--require-cached`: a cell that a run would compute, and why. */
  | { type: 'would-run'; stage: string; cell: string; reasons: string[] }
  | { type: 'progress'; stage: string; cell: string; update: ProgressUpdate }
  /** `source: 'remote'`: a cached result downloaded from the remote and verified during this run. */
  | {
      type: 'cell';
      stage: string;
      cell: string;
      status: CellStatus;
      source?: 'remote';
      durationMs?: number;
      message?: string;
      log?: string;
    }
  | { type: 'warning'; message: string }
  /** Last, after a run that left every final cell cached: where its results are and how to copy them out. */
  | {
      type: 'results';
      pipeline: string;
      cells: { stage: string; cell: string; files: string[] }[];
      out: string;
      exportCommand: string;
    }
  | {
      type: 'summary';
      ran: number;
      cached: number;
      /** Of the cached cells, those downloaded from the remote during this run. */
      remote?: number;
      failed: number;
      skipped: number;
      durationMs: number;
      interrupted: boolean;
      failures: FailureSummary[];
    };

/** What happened to one cell in `push` or `pull`. */
export type TransferOutcome = 'sent' | 'received' | 'present' | 'absent' | 'not-computed' | 'rejected' | 'failed';

/** Events of `ablate push` and `ablate pull`. */
export type TransferEvent =
  | {
      type: 'transfer';
      direction: 'push' | 'pull';
      stage: string;
      cell: string;
      outcome: TransferOutcome;
      bytes: number;
      message?: string;
    }
  | {
      type: 'transfer-summary';
      direction: 'push' | 'pull';
      remote: string;
      counts: Record<TransferOutcome, number>;
      bytes: number;
      durationMs: number;
    };

export interface Reporter {
  onEvent(event: RunEvent | TransferEvent): void;
  close(): void;
}
