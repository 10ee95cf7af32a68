import type { Analysis, Cell, StageNode } from '../plan/types.js';
import type { ArtifactStore, CachePaths, DoneEntry, FailureLog, LeaseStore, RecordStore } from '../cache/cache.js';
import { describeFailure, type Failure, type FailureSummary, type RunEvent } from './events.js';
import { runCell, readLogTail, type CellJob, type CellEnv } from './run-cell.js';
import { groupKey, groupSize, type Grouping } from './grouping.js';
import type { CellRecord } from '../cache/cache.js';
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
  /** Sibling cells of a kind with a group policy run together (local runs only); absent: on, uncapped. */
  grouping?: Grouping;
}

export type CellRunner = typeof runCell;

/** A cell to compute, with its planned state; its lease is held. */
interface Leased {
  cell: Cell;
  state: Extract<CellState, { kind: 'run' }>;
}

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
  /** Cells whose lease another run held when they were grouped: each now waits for it alone. */
  private readonly loners = new Set<string>();

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
      const cells = this.gather(cell, node, cpu, gpu);
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
      const task = this.execute(cells, node, gpus, freeSlot)
        .catch((e: unknown) => {
          for (const c of cells) this.crashed(c, e);
        })
        .finally(() => {
          freeSlot();
          this.running.delete(task);
        });
      this.running.add(task);
    }
  }

  /**
   * The ready cells that run with `cell` in one process: those of its stage
   * whose params agree outside the kind's `over`, sized so that the free
   * slots get a group each rather than one slot all of them. Taken out of
   * the ready list; `cell` comes first.
   */
  private gather(cell: Cell, node: StageNode, cpu: number, gpu: number): Cell[] {
    const policy = node.kind.definition.group;
    const grouping = this.o.grouping ?? { on: true };
    // A cluster runner submits one job per cell; only the local worker runs groups.
    if (policy === undefined || !grouping.on || this.o.runner !== undefined || node.kind.type !== 'module')
      return [cell];
    if (this.loners.has(cell.id)) return [cell];
    const key = groupKey(cell.params, policy.over);
    const siblings = this.ready.filter(
      (c) => c.stage === cell.stage && !this.loners.has(c.id) && groupKey(c.params, policy.over) === key,
    );
    const slots = Math.max(
      1,
      Math.min(
        cpu > 0 ? Math.floor(this.freeCpu / cpu) : Infinity,
        gpu > 0 ? Math.floor(this.freeGpus.length / gpu) : Infinity,
      ),
    );
    const take = siblings.slice(0, groupSize(policy, grouping, siblings.length + 1, slots) - 1);
    for (const c of take) this.ready.splice(this.ready.indexOf(c), 1);
    return [cell, ...take];
  }

  /**
   * Runs a cell, or a group of cells in one process. Each member is leased
   * on its own; one found cached, or computed elsewhere, drops out, and a
   * group left with one member runs it as a lone cell.
   */
  private async execute(cells: Cell[], node: StageNode, gpus: number[], freeSlot: () => void): Promise<void> {
    const members: Leased[] = [];
    try {
      for (const cell of cells) {
        const state = this.states.get(cell.id);
        if (state?.kind !== 'run') continue;
        // Waiting on one member's lease while holding another's could deadlock two runs grouping alike.
        const lease = await this.waitForLease(cell, state.fingerprint, state.forced, cells.length > 1);
        if (lease === 'busy') this.requeue(cell);
        if (lease !== 'acquired') continue;
        members.push({ cell, state });
        if (await this.fromRemote(cell, state)) members.pop();
      }
      if (members.length === 0) freeSlot();
      else if (members.length === 1) await this.computeOne(members[0] as Leased, node, gpus, freeSlot);
      else await this.computeGroup(members, node, gpus, freeSlot);
    } finally {
      for (const { state } of members) await this.o.cache.releaseLease(state.fingerprint);
    }
  }

  /** A remote result, when the remote has one: the cell is cached and its lease released. */
  private async fromRemote(cell: Cell, state: Extract<CellState, { kind: 'run' }>): Promise<boolean> {
    const hit = await this.o.remoteLookup?.(cell, state);
    if (hit === undefined) return false;
    this.finishCached(cell, hit, true);
    await this.release(cell);
    await this.o.cache.releaseLease(state.fingerprint);
    return true;
  }

  /** A member whose lease another run holds goes back to the ready list, to wait for it alone. */
  private requeue(cell: Cell): void {
    this.loners.add(cell.id);
    this.ready.unshift(cell);
    this.wake?.();
  }

  private async computeOne(m: Leased, node: StageNode, gpus: number[], freeSlot: () => void): Promise<void> {
    const { cell, state } = m;
    this.o.emit({ type: 'cell-start', stage: cell.stage, cell: cell.id });
    const started = Date.now();
    const result = await (this.o.runner ?? runCell)(this.jobOf(cell, node, state), {
      ...this.envOf(gpus, freeSlot, [cell]),
      onProgress: (update) => this.o.emit({ type: 'progress', stage: cell.stage, cell: cell.id, update }),
    });
    await this.settle(cell, state, result, started);
  }

  private async computeGroup(members: Leased[], node: StageNode, gpus: number[], freeSlot: () => void): Promise<void> {
    const cells = members.map((m) => m.cell);
    for (const cell of cells) this.o.emit({ type: 'cell-start', stage: cell.stage, cell: cell.id });
    const started = Date.now();
    const { runGroup } = await import('./run-group.js');
    const results = await runGroup(
      members.map(({ cell, state }) => this.jobOf(cell, node, state)),
      {
        ...this.envOf(gpus, freeSlot, cells),
        onProgress: (i, update) => {
          const cell = cells[i] as Cell;
          this.o.emit({ type: 'progress', stage: cell.stage, cell: cell.id, update });
        },
      },
    );
    await Promise.all(
      members.map(({ cell, state }, i) => this.settle(cell, state, results[i] as Result<CellRecord, Failure>, started)),
    );
  }

  private jobOf(cell: Cell, node: StageNode, state: Extract<CellState, { kind: 'run' }>): CellJob {
    const inputs: Record<string, { cell: Cell; record: DoneEntry }[]> = {};
    for (const [name, input] of Object.entries(cell.inputs)) {
      inputs[name] = input.cells.map((id) => {
        const s = this.states.get(id);
        if (s?.kind !== 'cached') throw new Error(`Internal error: input ${id} of ${cell.id} is not available`);
        return { cell: this.o.analysis.cells.get(id) as Cell, record: s.record };
      });
    }
    return {
      cell,
      node,
      fingerprint: state.fingerprint,
      breakdown: state.breakdown,
      inputs,
      runtime: state.breakdown.runtime,
    };
  }

  private envOf(gpus: number[], freeSlot: () => void, cells: readonly Cell[]): Omit<CellEnv, 'onProgress'> {
    return {
      cache: this.o.cache,
      pipeline: this.o.pipelineKey,
      pipelineDir: this.o.analysis.pipeline.dir,
      signal: this.o.signal,
      gpus,
      versions: this.o.versions,
      onProcessExit: () => {
        // Said before the slot frees, so a reporter hears of this exit before the next cell's start.
        for (const cell of cells) this.o.emit({ type: 'cell-exit', stage: cell.stage, cell: cell.id });
        freeSlot();
      },
    };
  }

  /** Records how a computed cell ended: committed, interrupted, or failed with its reason. */
  private async settle(
    cell: Cell,
    state: Extract<CellState, { kind: 'run' }>,
    result: Result<CellRecord, Failure>,
    started: number,
  ): Promise<void> {
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

  /**
   * Another process may be computing the same fingerprint: wait for it
   * rather than duplicate the work, or with `once`, say it is busy.
   */
  private async waitForLease(
    cell: Cell,
    fingerprint: DoneEntry['fingerprint'],
    forced: boolean,
    once = false,
  ): Promise<'acquired' | 'cached' | 'aborted' | 'busy'> {
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
      if (once) return 'busy';
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
