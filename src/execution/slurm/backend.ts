import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Analysis, Cell, StageNode } from '../../plan/types.js';
import type { ArtifactStore, CachePaths, CellRecord, DoneEntry, LeaseStore } from '../../cache/cache.js';
import { describeFailure, type Failure, type RunEvent } from '../events.js';
import type { CellRunner } from '../executor.js';
import type { FingerprintHash } from '../../plan/fingerprint.js';
import type { CellState, Planner } from '../../plan/planner.js';
import type { Sha256 } from '../../util/hash.js';
import { err, ok, type Result } from '../../util/result.js';
import { unreachable } from '../../util/unreachable.js';
import type { CellEnv, CellJob } from '../run-cell.js';
import { ingest } from './ingest.js';
import { StagingDir } from './job-files.js';
import { jobName } from './job-script.js';
import { SlurmCli } from './slurm-cli.js';
import { prepareJob, type InputSource } from './stage-job.js';
import { JobWatcher, type JobOutcome } from './watcher.js';

export interface SlurmSettings {
  partition?: string;
  /** Passed to sbatch as is (--slurm-opt), after ablate's own options, so they win. */
  extraArgs: string[];
  pollMs: number;
  graceMs: number;
  /** The node binary on the compute nodes. */
  nodePath: string;
  /**
   * Where jobs read and write, on a filesystem the compute nodes share;
   * `<cache>/slurm` by default. Set it when the cache (LMDB) stays on a
   * local disk, as LMDB wants.
   */
  stagingDir?: string;
}

export interface BackendOptions {
  analysis: Analysis;
  planner: Planner;
  cache: LeaseStore & CachePaths & ArtifactStore;
  settings: SlurmSettings;
  signal: AbortSignal;
  emit(event: RunEvent): void;
}

/** One sbatch submission of one cell. */
interface Submission {
  id: string;
  files: StagingDir;
  workDir: string;
  runtime: Record<string, string>;
  /** Submitted before its inputs were settled, so its inputs may turn out stale. */
  early: boolean;
  /** Jobs it waits for (afterok). */
  after: string[];
  /** Its outcome was taken, or ablate cancelled it: close() leaves it alone. */
  settled: boolean;
  cancelled: boolean;
}

/**
 * Runs cells as Slurm jobs. Every cell that is not cached is submitted at
 * once, dependents with `afterok` on their upstream jobs and reading the
 * upstream's staging out/ directly. The local Executor still decides, cell
 * by cell, in dependency order: when it asks for a cell its inputs are
 * settled in the cache and its fingerprint is known, and the runner waits
 * for that cell's job, checks that the job read exactly those inputs, and
 * ingests. A job whose inputs turned out stale (an upstream cut off early)
 * or that Slurm dropped is resubmitted then, with inputs from the cache.
 */
export class SlurmBackend {
  private readonly slurm = new SlurmCli();
  private readonly watcher: JobWatcher;
  private readonly current = new Map<string, Submission>();
  private readonly byId = new Map<string, Submission>();
  private seq = 0;
  private readonly cancelling = new Set<Promise<unknown>>();
  /** Cells sbatch refused (an impossible gres, a partition that does not exist): not tried twice. */
  private readonly refused = new Map<string, Failure>();
  private readonly leases = new Set<FingerprintHash>();
  private readonly exitHook = (): void => this.slurm.cancelSync(this.unsettled().map((s) => s.id));
  private readonly onAbort = (): void => void this.cancel(this.unsettled());
  readonly runner: CellRunner = (job, env) => this.run(job, env);

  private constructor(
    private readonly o: BackendOptions,
    private readonly staging: string,
    private readonly root: string,
  ) {
    this.watcher = new JobWatcher(
      this.slurm,
      { pollMs: o.settings.pollMs, graceMs: o.settings.graceMs, queriesPerTick: 16 },
      o.signal,
    );
    // A second Ctrl-C exits at once; the jobs must not outlive the run unseen.
    process.on('exit', this.exitHook);
    o.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Checks that a cluster answers. Jobs' files go under `<staging>/<run>/`,
   * and checkpoints under `<staging>/work/<fingerprint>/` so that they survive
   * into the next run; compute nodes must see both at the same path.
   */
  static async open(o: BackendOptions): Promise<Result<SlurmBackend, string>> {
    const reachable = await new SlurmCli().reachable();
    if (!reachable.ok) return err(`--executor slurm: no Slurm cluster answers (sinfo: ${reachable.error})`);
    const staging = o.settings.stagingDir ?? join(o.cache.dir, 'slurm');
    const run = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    try {
      mkdirSync(join(staging, run), { recursive: true });
    } catch (e) {
      return err(`--executor slurm: cannot create the staging directory ${staging}: ${(e as Error).message}`);
    }
    return ok(new SlurmBackend(o, staging, join(staging, run)));
  }

  /** Submits every cell that is not cached, in dependency order. */
  async submitAll(cells: readonly Cell[], states: ReadonlyMap<string, CellState>): Promise<void> {
    for (const cell of cells) {
      if (this.o.signal.aborted) return;
      const state = states.get(cell.id);
      if (state === undefined || state.kind === 'cached') continue;
      const sources = this.sourcesOf(cell, states);
      if (sources === undefined) continue;
      const files = this.stagingFor(cell);
      const known = state.kind === 'run';
      const runtime = known ? state.breakdown.runtime : await this.provisionalRuntime(cell);
      if (runtime === undefined) continue;
      // Like the executor, never compute a fingerprint another process is computing (and share its checkpoints).
      if (known && !(await this.lease(state.fingerprint))) continue;
      const workDir = known ? this.workDir(state.fingerprint) : files.work;
      const sub = await this.submit(cell, sources, files, workDir, runtime, true);
      // Its dependents are not submitted (no job to wait for); the executor skips them once it fails.
      if (!sub.ok && sub.error.reason === 'cluster-job') this.refused.set(cell.id, sub.error);
    }
  }

  /** Wraps the reporter: a cell settled without its job (cached by early cutoff, skipped) has its job cancelled. */
  observe(emit: (e: RunEvent) => void): (e: RunEvent) => void {
    return (e) => {
      if (e.type === 'cell' && e.status !== 'ran') {
        const sub = this.current.get(e.cell);
        if (sub !== undefined && !sub.settled) void this.cancel([sub]);
      }
      emit(e);
    };
  }

  async close(): Promise<void> {
    await this.cancel(this.unsettled());
    await Promise.all(this.cancelling);
    // The executor releases the leases of the cells it ran; these are the others'.
    for (const fingerprint of this.leases) await this.o.cache.releaseLease(fingerprint);
    process.off('exit', this.exitHook);
    this.o.signal.removeEventListener('abort', this.onAbort);
    try {
      // Cancelled jobs may still be writing for a moment; anything left behind is safe to delete by hand.
      rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Best effort.
    }
  }

  private async run(job: CellJob, env: CellEnv): Promise<Result<CellRecord, Failure>> {
    let sub = this.current.get(job.cell.id);
    if (sub?.settled === true) sub = undefined;
    if (sub !== undefined && this.orphaned(sub)) {
      // Slurm will drop it for its dependency; no need to wait until it does.
      await this.cancel([sub]);
      this.appendLog(job, sub, 'cancelled: a job it waited for was cancelled (its cell was cached by early cutoff)');
      sub = undefined;
    }
    for (;;) {
      if (sub === undefined) {
        const refused = this.refused.get(job.cell.id);
        if (refused !== undefined) return this.refusal(job, refused);
        const fresh = await this.resubmit(job);
        if (!fresh.ok) return this.refusal(job, fresh.error);
        sub = fresh.value;
      }
      const outcome = await this.watcher.wait(sub, env.onProgress);
      if (outcome.kind !== 'aborted') sub.settled = true;
      const next = await this.take(job, env, sub, outcome);
      if (next !== 'again') return next;
      sub = undefined;
    }
  }

  /** The cell's result from one job's outcome, or 'again' for one submitted early that must run again on its settled inputs. */
  private async take(
    job: CellJob,
    env: CellEnv,
    sub: Submission,
    outcome: JobOutcome,
  ): Promise<Result<CellRecord, Failure> | 'again'> {
    const log = (note: string): void => this.appendLog(job, sub, note);
    switch (outcome.kind) {
      case 'aborted':
        return err({ reason: 'cancelled' });
      case 'never-started':
        log(`never started: ${outcome.state}`);
        if (sub.early) return 'again';
        return err({ reason: 'cluster-job', job: sub.id, message: `never started: ${outcome.state}` });
      case 'lost':
        log(`ended without a result: ${outcome.state}`);
        return err({
          reason: 'cluster-job',
          job: sub.id,
          message: `${outcome.state}, without writing a result${hint(sub)}`,
        });
      case 'result': {
        const r = await ingest(job, env, sub, outcome.result);
        switch (r.kind) {
          case 'stored':
            log('ingested');
            return ok(r.record);
          case 'failed':
            log('failed');
            return err(r.failure);
          case 'stale':
            log(`discarded, ${r.why}${sub.early ? '; running it again on the cached inputs' : ''}`);
            return sub.early ? 'again' : err({ reason: 'unexpected', message: `${job.cell.id}: ${r.why}` });
          default:
            return unreachable(r);
        }
      }
      default:
        return unreachable(outcome);
    }
  }

  /** sbatch's answer goes where `ablate log` looks, as a job's output would. */
  private refusal(job: CellJob, failure: Failure): Result<CellRecord, Failure> {
    const path = this.o.cache.logPath(job.fingerprint);
    mkdirSync(join(path, '..'), { recursive: true });
    appendFileSync(path, `== ${job.cell.id}: ${describeFailure(failure)}\n`);
    return err(failure);
  }

  /** A new job for a cell whose inputs are settled: they all come from the cache. */
  private async resubmit(job: CellJob): Promise<Result<Submission, Failure>> {
    const sources: Record<string, InputSource[]> = {};
    for (const [name, list] of Object.entries(job.inputs))
      sources[name] = list.map(({ cell, record }) => ({ kind: 'cached', cell, record }));
    return this.submit(job.cell, sources, this.stagingFor(job.cell), this.workDir(job.fingerprint), job.runtime, false);
  }

  private async submit(
    cell: Cell,
    sources: Record<string, InputSource[]>,
    files: StagingDir,
    workDir: string,
    runtime: Record<string, string>,
    early: boolean,
  ): Promise<Result<Submission, Failure>> {
    const node = this.o.analysis.stages.get(cell.stage) as StageNode;
    const { partition, nodePath, extraArgs } = this.o.settings;
    const prepared = await prepareJob({
      cell,
      node,
      inputs: sources,
      files,
      workDir,
      runtime,
      pipelineDir: this.o.analysis.pipeline.dir,
      cache: this.o.cache,
      nodePath,
      ...(partition === undefined ? {} : { partition }),
    });
    if (!prepared.ok) return prepared;
    const id = await this.slurm.submit(prepared.value.script, extraArgs);
    if (!id.ok) return err({ reason: 'cluster-job', job: '(not submitted)', message: `sbatch failed: ${id.error}` });
    const sub: Submission = {
      id: id.value,
      files,
      workDir,
      runtime,
      early,
      after: prepared.value.after,
      settled: false,
      cancelled: false,
    };
    this.current.set(cell.id, sub);
    this.byId.set(sub.id, sub);
    const after = prepared.value.after.length > 0 ? ` after ${prepared.value.after.join(',')}` : '';
    this.o.emit({
      type: 'progress',
      stage: cell.stage,
      cell: cell.id,
      update: { message: `submitted as slurm job ${sub.id}${after}` },
    });
    return ok(sub);
  }

  /** Where each input of a cell comes from at submission; undefined when an upstream has no job to wait for. */
  private sourcesOf(cell: Cell, states: ReadonlyMap<string, CellState>): Record<string, InputSource[]> | undefined {
    const out: Record<string, InputSource[]> = {};
    for (const [name, input] of Object.entries(cell.inputs)) {
      const list: InputSource[] = [];
      for (const id of input.cells) {
        const upstream = this.o.analysis.cells.get(id) as Cell;
        const s = states.get(id);
        const sub = this.current.get(id);
        if (s?.kind === 'cached') list.push({ kind: 'cached', cell: upstream, record: s.record });
        else if (sub !== undefined) list.push({ kind: 'staged', cell: upstream, outDir: sub.files.out, jobId: sub.id });
        else return undefined;
      }
      out[name] = list;
    }
    return out;
  }

  /**
   * Runtime facts (e.g. the tfjs backend) of a cell whose fingerprint is not
   * known yet: they depend on its stage kind only, so placeholder inputs do.
   */
  private async provisionalRuntime(cell: Cell): Promise<Record<string, string> | undefined> {
    const placeholders: Record<string, DoneEntry[]> = {};
    for (const [name, input] of Object.entries(cell.inputs)) {
      placeholders[name] = input.cells.map((id) => ({
        fingerprint: '' as FingerprintHash,
        cell: id,
        outputs: {},
        outputsHash: '' as Sha256,
      }));
    }
    const fp = await this.o.planner.fingerprint(cell, placeholders);
    return fp.ok ? fp.value.data.runtime : undefined;
  }

  private async lease(fingerprint: FingerprintHash): Promise<boolean> {
    const lease = await this.o.cache.acquireLease(fingerprint);
    if (lease.acquired) this.leases.add(fingerprint);
    return lease.acquired;
  }

  /** Waits for an upstream job that ablate cancelled before it finished. */
  private orphaned(sub: Submission): boolean {
    return sub.after.some((id) => {
      const up = this.byId.get(id);
      return up !== undefined && up.cancelled && !existsSync(up.files.result);
    });
  }

  /** A fingerprint's checkpoints: kept across runs, since a job cannot reach the cache's own work dir when the cache is local. */
  private workDir(fingerprint: FingerprintHash): string {
    return join(this.staging, 'work', fingerprint);
  }

  private stagingFor(cell: Cell): StagingDir {
    return new StagingDir(join(this.root, `${this.seq++}-${jobName(cell.id).slice(0, 60)}`));
  }

  private unsettled(): Submission[] {
    return [...this.current.values()].filter((s) => !s.settled);
  }

  private async cancel(subs: Submission[]): Promise<void> {
    if (subs.length === 0) return;
    for (const s of subs) {
      s.settled = true;
      s.cancelled = true;
    }
    const p = this.slurm.cancel(subs.map((s) => s.id));
    this.cancelling.add(p);
    await p.finally(() => this.cancelling.delete(p));
  }

  /** The job's output goes where `ablate log` looks: the log of the cell's fingerprint. */
  private appendLog(job: CellJob, sub: Submission, note: string): void {
    const path = this.o.cache.logPath(job.fingerprint);
    mkdirSync(join(path, '..'), { recursive: true });
    const body = existsSync(sub.files.log) ? readFileSync(sub.files.log, 'utf8') : '(the job wrote no log)\n';
    appendFileSync(path, `${body}== ${job.cell.id}: slurm job ${sub.id} ${note}\n`);
  }
}

function hint(sub: Submission): string {
  return existsSync(sub.files.log) ? '' : `; is ${sub.files.dir} on a filesystem the compute nodes share?`;
}
