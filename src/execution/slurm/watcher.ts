import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { ProgressUpdate } from '../../stage-api.js';
import { readJson, type JobResult, type StagingDir } from './job-files.js';
import { dependencyNeverSatisfied, describeState, phaseOf } from './job-state.js';
import type { SlurmCli } from './slurm-cli.js';

export interface WatchedJob {
  id: string;
  files: StagingDir;
}

/** How waiting for a job ended. */
export type JobOutcome =
  | { kind: 'result'; result: JobResult }
  /** Slurm dropped it before it ran: a job it depended on did not succeed. */
  | { kind: 'never-started'; state: string }
  /** Its processes are gone but it wrote no result (time limit, memory, node failure, scancel by hand). */
  | { kind: 'lost'; state: string }
  | { kind: 'aborted' };

export interface WatchOptions {
  pollMs: number;
  /** How long a job that Slurm says has ended may take to show its result on a network filesystem. */
  graceMs: number;
  /** At most this many scontrol queries per tick; result files are checked for every job. */
  queriesPerTick: number;
}

interface Waiter {
  job: WatchedJob;
  onProgress(update: ProgressUpdate): void;
  done(outcome: JobOutcome): void;
  lastState?: string;
  endedAt?: number;
  progressOffset: number;
}

/**
 * Waits for jobs by reading their staging directories and, for jobs that
 * have not written a result, asking `scontrol -o show job`. One shared
 * ticker serves every waiting cell.
 */
export class JobWatcher {
  private readonly waiters = new Map<string, Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;

  /** One abort listener for all waiters: a wide matrix has hundreds waiting at once. */
  constructor(
    private readonly slurm: SlurmCli,
    private readonly o: WatchOptions,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener(
      'abort',
      () => {
        for (const w of [...this.waiters.values()]) w.done({ kind: 'aborted' });
      },
      { once: true },
    );
  }

  wait(job: WatchedJob, onProgress: (u: ProgressUpdate) => void): Promise<JobOutcome> {
    if (this.signal.aborted) return Promise.resolve({ kind: 'aborted' });
    return new Promise((resolve) => {
      const waiter: Waiter = {
        job,
        onProgress,
        progressOffset: 0,
        done: (outcome) => {
          if (this.waiters.get(job.id) !== waiter) return;
          this.waiters.delete(job.id);
          resolve(outcome);
        },
      };
      this.waiters.set(job.id, waiter);
      this.schedule(0);
    });
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      void this.tick()
        .catch((e: unknown) => {
          // A staging file vanishing under a read, say: report it as state and look again next tick.
          for (const w of this.waiters.values()) this.note(w, `could not check the job: ${(e as Error).message}`);
        })
        .finally(() => {
          this.timer = undefined;
          this.schedule(this.o.pollMs);
        });
    }, ms);
  }

  private async tick(): Promise<void> {
    const pending: Waiter[] = [];
    for (const w of this.waiters.values()) {
      this.forwardProgress(w);
      const result = readResult(w.job);
      if (result !== undefined) w.done({ kind: 'result', result });
      else pending.push(w);
    }
    if (pending.length === 0) return;
    const start = this.cursor % pending.length;
    const batch = [...pending.slice(start), ...pending.slice(0, start)].slice(0, this.o.queriesPerTick);
    this.cursor = start + batch.length;
    await Promise.all(batch.map((w) => this.query(w)));
  }

  private async query(w: Waiter): Promise<void> {
    const q = await this.slurm.show(w.job.id);
    if (q.kind === 'no-answer') {
      this.note(w, `scontrol did not answer: ${q.message}`);
      return;
    }
    if (q.kind === 'unknown') {
      this.ended(w, 'no longer known to Slurm', false);
      return;
    }
    const s = q.state;
    this.note(w, `slurm job ${w.job.id} ${describeState(s)}`);
    if (dependencyNeverSatisfied(s)) {
      // Pending forever (no kill_invalid_depend on this cluster) or already cancelled for it.
      if (phaseOf(s) !== 'ended') await this.slurm.cancel([w.job.id]);
      w.done({ kind: 'never-started', state: describeState(s) });
    } else if (phaseOf(s) === 'ended') {
      this.ended(w, describeState(s), s.state === 'CANCELLED');
    }
  }

  /** An ended job without a result may still be arriving over NFS; give it graceMs (none when cancelled). */
  private ended(w: Waiter, state: string, cancelled: boolean): void {
    w.endedAt ??= Date.now();
    const result = readResult(w.job);
    if (result !== undefined) w.done({ kind: 'result', result });
    else if (cancelled || Date.now() - w.endedAt >= this.o.graceMs) w.done({ kind: 'lost', state });
  }

  private note(w: Waiter, message: string): void {
    if (w.lastState === message) return;
    w.lastState = message;
    w.onProgress({ message });
  }

  /** Progress lines the stage wrote since the last tick (JS stages report through the job entry). */
  private forwardProgress(w: Waiter): void {
    const path = w.job.files.progress;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size <= w.progressOffset) return;
    const buf = Buffer.alloc(size - w.progressOffset);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, w.progressOffset);
    } finally {
      closeSync(fd);
    }
    const text = buf.toString('utf8');
    const complete = text.lastIndexOf('\n') + 1;
    w.progressOffset += Buffer.byteLength(text.slice(0, complete));
    for (const line of text.slice(0, complete).split('\n')) {
      if (line.trim() === '') continue;
      try {
        w.onProgress(JSON.parse(line) as ProgressUpdate);
      } catch {
        // A torn line from a crashed writer: skip it rather than stop reporting.
      }
    }
  }
}

function readResult(job: WatchedJob): JobResult | undefined {
  return existsSync(job.files.result) ? (readJson(job.files.result) as JobResult | undefined) : undefined;
}
