import type { Cell } from './types.js';
import type { ArtifactStore, RecordStore } from '../cache/cache.js';
import type { RunEvent } from '../execution/events.js';
import type { CellState, Planner, PlanFailure } from './planner.js';
import { ok, type Result } from '../util/result.js';

/**
 * Plans the cells, then fully verifies every cached artifact that a cell
 * about to run will read. A corrupt one is dropped from the cache and its
 * producer re-planned (so it re-runs) before any work starts.
 */
export async function planVerified(
  planner: Planner,
  cache: RecordStore & ArtifactStore,
  cells: readonly Cell[],
  emit: (e: RunEvent) => void,
): Promise<Result<Map<string, CellState>, PlanFailure>> {
  const verified = new Set<string>();
  for (;;) {
    const planned = await planner.planAll(cells);
    if (!planned.ok) return planned;
    const states = planned.value;
    let dropped = false;
    for (const cell of cells) {
      if (states.get(cell.id)?.kind !== 'run') continue;
      for (const input of Object.values(cell.inputs)) {
        for (const id of input.cells) {
          const s = states.get(id);
          if (s?.kind !== 'cached' || verified.has(s.fingerprint)) continue;
          const bad = await cache.verifyArtifacts(s.record);
          if (bad === undefined) {
            verified.add(s.fingerprint);
            continue;
          }
          emit({ type: 'warning', message: `${id}: cached artifact "${bad}" is corrupt; the cell will re-run` });
          await cache.forget(s.fingerprint);
          dropped = true;
        }
      }
    }
    if (!dropped) return ok(states);
  }
}
