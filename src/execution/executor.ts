import type { Analysis, Cell, StageNode } from '../plan/types.js';
import type { ArtifactStore, CachePaths, DoneEntry, FailureLog, LeaseStore, RecordStore } from '../cache/cache.js';
import { describeFailure, type Failure, type FailureSummary, type RunEvent } from './events.js';
import { runCell, readLogTail } from './run-cell.js';
import type { CellState, Planner, PlanFailure } from '../plan/planner.js';
import { ok, type Result } from '../util/result.js';

export interface ExecutorOptions {
  analysis: Analysis;
  planner: Planner;
  cache: RecordStore & ArtifactStore & LeaseStore & FailureLog & CachePaths;
  pipelineKey: string;
  cells: readonly Cell[];
  jobs: number;
  gpus: number[];
  signal: AbortSignal;
  versions: Record<string, string>;
  emit(event: RunEvent): void;
  /** Runs one cell; the local default is `runCell`, a cluster executor swaps in its own. */
  runner?: CellRunner;
  /** The runner's cluster schedules CPUs and GPUs: start every ready cell at once. */
  clusterScheduled?: boolean;
  /** A shared remote cache, asked for a verified result before a cell is computed. */
  remoteLookup?(cell: Cell, state: Extract<CellState, { kind: 'run' }>): Promise<DoneEntry | undefined>;
  /** Cells whose results were downloaded from the remote before the run began. */
  fromRemote?: ReadonlySet<string>;
  /** Called when a computed cell has committed (e.g. to upload it). */
  onCommitted?(cell: Cell, fingerprint: DoneEntry['fingerprint']): void;
}

export type CellRunner = typeof runCell;

export interface RunSummary {
  ran: number;
  cached: number;
  /** Of the cached cells, those downloaded from the remote. */
  remote: number;
  failed: number;
  skipped: number;
  interrupted: boolean;
}

const LEASE_POLL_MS = 250;
/**
 * Cells in flight per job. A cell's CPU slot is handed on when its process
 * exits, so storing and committing one cell overlaps the next one's process;
 * this bounds how many cells may be between start and commit at once.
 */
const MAX_TASKS_PER_JOB = 4;

/**
 * Runs the cells that are not cached, in dependency order, at most `jobs`
 * CPU slots at a time; a slot is held from a cell's start until its process
 * exits. A finished cell may make dependents cached (early cutoff: identical
 * outputs give identical fingerprints downstream).
 */
export class Executor {
  private readonly states = new Map<string, CellState>();
  private readonly done = new Set<string>();
  private readonly ready: Cell[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly failures: FailureSummary[] = [];
  private readonly counts: RunSummary = { ran: 0, cached: 0, remote: 0, failed: 0, skipped: 0, interrupted: false };
  private freeCpu: number;
  private readonly freeGpus: number[];
  private readonly inScope: Set<string>;
  private wake: (() => void) | undefined;

  constructor(
    private readonly o: ExecutorOptions,
    initial: ReadonlyMap<string, CellState>,
  ) {
    for (const [id, s] of initial) this.states.set(id, s);
    this.freeCpu = o.jobs;
    this.freeGpus = [...o.gpus];
    this.inScope = new Set(o.cells.map((c) => c.id));
  }

  /** Every cell's state as the run left it. */
  finalStates(): ReadonlyMap<string, CellState> {
    return this.states;
  }

  async run(): Promise<Result<RunSummary, PlanFailure>> {
    const start = Date.now();
    for (const cell of this.o.cells) {
      const s = this.states.get(cell.id);
      if (s?.kind === 'cached') this.finishCached(cell, s.record, this.o.fromRemote?.has(cell.id) === true);
      else if (s?.kind === 'run') this.ready.push(cell);
    }
    while (this.ready.length > 0 || this.running.size > 0) {
      if (!this.o.signal.aborted) this.launch();
      if (this.running.size === 0) break;
      // A slot also frees when a cell's process exits, before the cell's task (storing, committing) ends.
      await Promise.race([...this.running, new Promise<void>((r) => (this.wake = r))]);
    }
    this.counts.interrupted = this.o.signal.aborted;
    // Every cell ends ran, cached, failed or skipped after a failure; one that did none of these never ran and must not pass.
    for (const cell of this.o.cells) {
      if (!this.done.has(cell.id) && !this.counts.interrupted)
        this.fail(cell, 'did not run: an input was not produced', undefined);
    }
    this.o.emit({ type: 'summary', ...this.counts, durationMs: Date.now() - start, failures: this.failures });
    return ok(this.counts);
  }

  private launch(): void {
    for (let i = 0; i < this.ready.length;) {
      const cell = this.ready[i] as Cell;
      const node = this.o.analysis.stages.get(cell.stage) as StageNode;
      const cluster = this.o.clusterScheduled === true;
      const cpu = cluster
        ? 0
        : Math.min(this.o.jobs, node.config.resources?.cpu ?? node.kind.definition.resources?.cpu ?? 1);
      const gpu = cluster ? 0 : (node.config.resources?.gpu ?? node.kind.definition.resources?.gpu ?? 0);
      if (gpu > this.o.gpus.length) {
        this.ready.splice(i, 1);
        this.fail(cell, describeFailure({ reason: 'no-gpu', needed: gpu, available: this.o.gpus.length }), undefined);
        continue;
      }
      if (cpu > this.freeCpu || gpu > this.freeGpus.length) {
        i++;
        continue;
      }
      if (!cluster && this.running.size >= this.o.jobs * MAX_TASKS_PER_JOB) break;
      this.ready.splice(i, 1);
      this.freeCpu -= cpu;
      const gpus = this.freeGpus.splice(0, gpu);
      let held = true;
      const freeSlot = (): void => {
        if (!held) return;
        held = false;
        this.freeCpu += cpu;
        this.freeGpus.push(...gpus);
        this.wake?.();
      };
      const task = this.execute(cell, node, gpus, freeSlot)
        .catch((e: unknown) => this.crashed(cell, e))
        .finally(() => {
          freeSlot();
          this.running.delete(task);
        });
      this.running.add(task);
    }
  }

  private async execute(cell: Cell, node: StageNode, gpus: number[], freeSlot: () => void): Promise<void> {
    const state = this.states.get(cell.id);
    if (state?.kind !== 'run') return;
    const lease = await this.waitForLease(cell, state.fingerprint, state.forced);
    if (lease === 'cached' || lease === 'aborted') return;
    try {
      const hit = await this.o.remoteLookup?.(cell, state);
      if (hit !== undefined) {
        this.finishCached(cell, hit, true);
        await this.release(cell);
        return;
      }
      this.o.emit({ type: 'cell-start', stage: cell.stage, cell: cell.id });
      const started = Date.now();
      const inputs: Record<string, { cell: Cell; record: DoneEntry }[]> = {};
      for (const [name, input] of Object.entries(cell.inputs)) {
        inputs[name] = input.cells.map((id) => {
          const s = this.states.get(id);
          if (s?.kind !== 'cached') throw new Error(`Internal error: input ${id} of ${cell.id} is not available`);
          return { cell: this.o.analysis.cells.get(id) as Cell, record: s.record };
        });
      }
      const result = await (this.o.runner ?? runCell)(
        {
          cell,
          node,
          fingerprint: state.fingerprint,
          breakdown: state.breakdown,
          inputs,
          runtime: state.breakdown.runtime,
        },
        {
          cache: this.o.cache,
          pipeline: this.o.pipelineKey,
          pipelineDir: this.o.analysis.pipeline.dir,
          signal: this.o.signal,
          gpus,
          versions: this.o.versions,
          onProgress: (update) => this.o.emit({ type: 'progress', stage: cell.stage, cell: cell.id, update }),
          onProcessExit: () => {
            // Said before the slot frees, so a reporter hears of this exit before the next cell's start.
            this.o.emit({ type: 'cell-exit', stage: cell.stage, cell: cell.id });
            freeSlot();
          },
        },
      );
      if (result.ok) {
        this.counts.ran++;
        this.done.add(cell.id);
        this.states.set(cell.id, { kind: 'cached', fingerprint: state.fingerprint, record: result.value });
        this.o.emit({
          type: 'cell',
          stage: cell.stage,
          cell: cell.id,
          status: 'ran',
          durationMs: Date.now() - started,
        });
        this.o.onCommitted?.(cell, state.fingerprint);
        await this.release(cell);
      } else if (result.error.reason === 'cancelled' || (await this.interruptedWith(result.error))) {
        this.done.add(cell.id);
      } else if (result.error.reason === 'cache-corrupt') {
        await this.o.cache.forget((this.states.get(result.error.cell) as { fingerprint: string }).fingerprint as never);
        this.fail(
          cell,
          `${describeFailure(result.error)}; it was removed from the cache and re-runs next time`,
          undefined,
        );
      } else {
        const log = this.o.cache.logPath(state.fingerprint);
        const message = describeFailure(result.error);
        // On a full disk even this small write fails; the failure is still reported below.
        await this.o.cache
          .recordFailure({
            pipeline: this.o.pipelineKey,
            cell: cell.id,
            fingerprint: state.fingerprint,
            error: message,
            log,
            at: new Date().toISOString(),
          })
          .catch(() => undefined);
        // A cell that failed before its process started has no log of its own to show.
        this.fail(cell, message, result.error.reason === 'prepare-failed' ? undefined : log);
      }
    } finally {
      await this.o.cache.releaseLease(state.fingerprint);
    }
  }

  /**
   * Ctrl-C signals the whole process group, so a cell's process may die of
   * it before the engine's own handler has run; give the handler a moment
   * before calling that death a failure.
   */
  private async interruptedWith(f: Failure): Promise<boolean> {
    if (f.reason !== 'killed-by-signal' || !['SIGINT', 'SIGTERM', 'SIGHUP'].includes(f.signal)) return false;
    if (!this.o.signal.aborted) await new Promise((r) => setTimeout(r, 200));
    return this.o.signal.aborted;
  }

  /** Another process may be computing the same fingerprint: wait for it rather than duplicate the work. */
  private async waitForLease(
    cell: Cell,
    fingerprint: DoneEntry['fingerprint'],
    forced: boolean,
  ): Promise<'acquired' | 'cached' | 'aborted'> {
    for (;;) {
      const record = forced ? undefined : this.o.cache.getDone(fingerprint);
      if (record !== undefined && this.o.cache.artifactsPresent(record)) {
        this.finishCached(cell, record);
        await this.release(cell);
        return 'cached';
      }
      if (this.o.signal.aborted) return 'aborted';
      const lease = await this.o.cache.acquireLease(fingerprint);
      if (lease.acquired) {
        const raced = forced ? undefined : this.o.cache.getDone(fingerprint);
        if (raced === undefined) return 'acquired';
        await this.o.cache.releaseLease(fingerprint);
        continue;
      }
      await new Promise((r) => setTimeout(r, LEASE_POLL_MS));
    }
  }

  private finishCached(cell: Cell, record: DoneEntry, fromRemote = false): void {
    this.states.set(cell.id, { kind: 'cached', fingerprint: record.fingerprint, record });
    this.done.add(cell.id);
    this.counts.cached++;
    if (fromRemote) this.counts.remote++;
    this.o.emit({
      type: 'cell',
      stage: cell.stage,
      cell: cell.id,
      status: 'cached',
      ...(fromRemote ? { source: 'remote' as const } : {}),
    });
  }

  /** Re-plans the dependents of a finished cell; each becomes cached, ready or stays blocked. */
  private async release(cell: Cell): Promise<void> {
    for (const id of this.o.analysis.graph.successors(cell.id) ?? []) {
      if (!this.inScope.has(id) || this.done.has(id)) continue;
      if (this.states.get(id)?.kind !== 'blocked') continue;
      const dependent = this.o.analysis.cells.get(id) as Cell;
      const s = await this.o.planner.stateOf(dependent, this.states);
      // Another input may have finished while this one was planned, and released the dependent already.
      if (this.done.has(id) || this.states.get(id)?.kind !== 'blocked') continue;
      if (!s.ok) {
        this.fail(dependent, describePlan(s.error), undefined);
        continue;
      }
      this.states.set(id, s.value);
      if (s.value.kind === 'cached') {
        this.finishCached(dependent, s.value.record);
        await this.release(dependent);
      } else if (s.value.kind === 'run') {
        this.ready.push(dependent);
      }
    }
  }

  /** An error no failure reason covers: the cell fails with it rather than vanish from the run. */
  private crashed(cell: Cell, e: unknown): void {
    const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    if (!this.done.has(cell.id)) this.fail(cell, message, undefined);
    else this.o.emit({ type: 'warning', message: `${cell.id}: ${message}` });
  }

  private fail(cell: Cell, message: string, log: string | undefined): void {
    this.counts.failed++;
    this.done.add(cell.id);
    this.failures.push({
      stage: cell.stage,
      cell: cell.id,
      message,
      log,
      tail: log === undefined ? undefined : readLogTail(log, 8),
    });
    this.o.emit({ type: 'cell', stage: cell.stage, cell: cell.id, status: 'failed', message, log });
    this.skipDependents(cell, cell.id);
  }

  /** `failed`: the cell whose failure this skip goes back to, named in every skipped cell below it. */
  private skipDependents(cell: Cell, failed: string): void {
    for (const id of this.o.analysis.graph.successors(cell.id) ?? []) {
      if (!this.inScope.has(id) || this.done.has(id)) continue;
      this.skip(this.o.analysis.cells.get(id) as Cell, failed);
    }
  }

  private skip(cell: Cell, failed: string): void {
    this.counts.skipped++;
    this.done.add(cell.id);
    this.o.emit({
      type: 'cell',
      stage: cell.stage,
      cell: cell.id,
      status: 'skipped',
      message: describeFailure({ reason: 'upstream-failed', upstream: failed }),
    });
    this.skipDependents(cell, failed);
  }
}

function describePlan(f: PlanFailure): string {
  return f.reason === 'dep-missing' ? `declared dependency "${f.path}" does not exist` : f.message;
}
