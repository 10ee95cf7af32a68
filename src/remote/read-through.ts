import type { Analysis, Cell, StageNode } from '../plan/types.js';
import type { ArtifactStore, DoneEntry, RecordStore } from '../cache/cache.js';
import type { RunEvent } from '../execution/events.js';
import type { CellState, Planner, PlanFailure } from '../plan/planner.js';
import { ok, type Result } from '../util/result.js';
import { mapBounded } from './pool.js';
import type { Remote } from './remote.js';
import { pullCell, type LocalCell } from './transfer.js';

export interface RemoteRunContext {
  remote: Remote;
  concurrency: number;
  cache: RecordStore & ArtifactStore;
  analysis: Analysis;
  pipelineKey: string;
  emit(event: RunEvent): void;
}

/**
 * Looks cells up on the remote during a run. A verified hit is committed
 * locally; a rejected object is reported and ignored; the first transport
 * failure turns the remote off for the rest of the run with one warning,
 * so a remote that is down costs one bounded wait, not one per cell.
 */
export class RemoteReader {
  private off = false;

  /** Read anew after an await: another cell's failed lookup may have turned the remote off meanwhile. */
  private isOff(): boolean {
    return this.off;
  }
  private readonly tried = new Set<string>();

  constructor(private readonly o: RemoteRunContext) {}

  /** The cell's done entry if the remote had a verified result for its fingerprint. */
  async lookup(cell: Cell, state: Extract<CellState, { kind: 'run' }>): Promise<DoneEntry | undefined> {
    if (this.off || state.forced || this.tried.has(state.fingerprint)) return undefined;
    this.tried.add(state.fingerprint);
    let outcome: Awaited<ReturnType<typeof pullCell>>;
    try {
      outcome = await pullCell(this.o.remote, this.o.cache, localCell(this.o, cell, state));
    } catch (e) {
      // Storing the download locally failed (a full disk, say): computing the cell reports that properly.
      this.o.emit({
        type: 'warning',
        message: `remote result for ${cell.id} could not be stored locally (${(e as Error).message}); it is computed locally`,
      });
      return undefined;
    }
    switch (outcome.kind) {
      case 'received':
        return this.o.cache.getDone(state.fingerprint);
      case 'absent':
        return undefined;
      case 'rejected':
        this.o.emit({
          type: 'warning',
          message: `remote result for ${cell.id} ignored: ${outcome.message}; it is computed locally`,
        });
        return undefined;
      case 'failed':
        if (!this.isOff())
          this.o.emit({
            type: 'warning',
            message: `remote ${this.o.remote.url}: ${outcome.message}; computing locally without it for the rest of this run`,
          });
        this.off = true;
        return undefined;
    }
  }

  /**
   * Before scheduling: looks up every cell that would run, in parallel, then
   * re-plans, since a downloaded cell gives its dependents fingerprints to
   * look up in turn. Returns the final states and the cells that came from the remote.
   */
  async prefetch(
    planner: Planner,
    cells: readonly Cell[],
    initial: Map<string, CellState>,
  ): Promise<Result<{ states: Map<string, CellState>; hits: Set<string> }, PlanFailure>> {
    let states = initial;
    const hits = new Set<string>();
    for (;;) {
      const wanted = cells.filter((c) => {
        const s = states.get(c.id);
        return s?.kind === 'run' && !s.forced && !this.tried.has(s.fingerprint);
      });
      if (wanted.length === 0 || this.off) return ok({ states, hits });
      const found = await mapBounded(wanted, this.o.concurrency, (c) =>
        this.lookup(c, states.get(c.id) as Extract<CellState, { kind: 'run' }>),
      );
      const got = wanted.filter((_, i) => found[i] !== undefined);
      if (got.length === 0) return ok({ states, hits });
      for (const c of got) hits.add(c.id);
      const replanned = await planner.planAll(cells);
      if (!replanned.ok) return replanned;
      states = replanned.value;
    }
  }
}

export function localCell(
  o: { analysis: Analysis; pipelineKey: string },
  cell: Cell,
  state: { fingerprint: LocalCell['fingerprint']; breakdown: LocalCell['breakdown'] },
): LocalCell {
  const node = o.analysis.stages.get(cell.stage) as StageNode;
  return {
    fingerprint: state.fingerprint,
    breakdown: state.breakdown,
    pipeline: o.pipelineKey,
    stage: cell.stage,
    cell: cell.id,
    volatile: node.kind.definition.volatile ?? [],
  };
}
