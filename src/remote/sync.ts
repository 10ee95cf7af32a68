import type { Cell } from '../plan/types.js';
import type { TransferEvent, TransferOutcome } from '../execution/events.js';
import type { CellState } from '../plan/planner.js';
import { planFailureError } from '../plan/planner.js';
import { type Session } from '../commands/session.js';
import { mapBounded } from './pool.js';
import type { Remote } from './remote.js';
import { localCell } from './read-through.js';
import { pullCell, pushCell } from './transfer.js';

export type Counts = Record<TransferOutcome, number>;

export const noCounts = (): Counts => ({
  sent: 0,
  received: 0,
  present: 0,
  absent: 0,
  'not-computed': 0,
  rejected: 0,
  failed: 0,
});

interface SyncContext {
  remote: Remote;
  concurrency: number;
  emit(e: TransferEvent): void;
  counts: Counts;
  bytes: { total: number };
  /**
   * The first transport failure. The cells after it are reported failed
   * without an attempt: a remote that is down costs one bounded wait, not one per cell.
   */
  down?: string;
}

/** Uploads the pipeline's cells that are cached locally under their current fingerprints. */
export async function pushPipeline(session: Session, x: SyncContext): Promise<void> {
  const states = await plan(session);
  const note = (cell: Cell, outcome: TransferOutcome, bytes = 0, message?: string): void => {
    x.counts[outcome]++;
    x.bytes.total += bytes;
    x.emit({
      type: 'transfer',
      direction: 'push',
      stage: cell.stage,
      cell: cell.id,
      outcome,
      bytes,
      ...(message === undefined ? {} : { message }),
    });
  };
  const cached = session.analysis.order.filter((c) => states.get(c.id)?.kind === 'cached');
  for (const c of session.analysis.order) if (states.get(c.id)?.kind !== 'cached') note(c, 'not-computed');
  await mapBounded(cached, x.concurrency, async (cell) => {
    if (x.down !== undefined) {
      note(cell, 'failed', 0, `not attempted: ${x.down}`);
      return;
    }
    const outcome = await pushCell(
      x.remote,
      session.cache,
      (states.get(cell.id) as Extract<CellState, { kind: 'cached' }>).fingerprint,
    );
    if (outcome.kind === 'sent') note(cell, 'sent', outcome.bytes);
    else if (outcome.kind === 'present') note(cell, 'present');
    else {
      if (outcome.local !== true) x.down ??= outcome.message;
      note(cell, 'failed', 0, outcome.message);
    }
  });
}

/**
 * Downloads the pipeline's cells that are not cached locally, in rounds: a
 * received cell gives its dependents the fingerprints to look up next.
 */
export async function pullPipeline(session: Session, x: SyncContext): Promise<void> {
  const order = session.analysis.order;
  const tried = new Set<string>();
  let states = await plan(session);
  for (const c of order) if (states.get(c.id)?.kind === 'cached') note(x, c, 'present');
  for (;;) {
    const wanted = order.filter((c) => states.get(c.id)?.kind === 'run' && !tried.has(c.id));
    if (wanted.length === 0) break;
    let received = 0;
    await mapBounded(wanted, x.concurrency, async (cell) => {
      tried.add(cell.id);
      if (x.down !== undefined) {
        note(x, cell, 'failed', 0, `not attempted: ${x.down}`);
        return;
      }
      const outcome = await pullCell(
        x.remote,
        session.cache,
        localCell(session, cell, states.get(cell.id) as Extract<CellState, { kind: 'run' }>),
      );
      if (outcome.kind === 'received') received++;
      if (outcome.kind === 'failed') x.down ??= outcome.message;
      note(
        x,
        cell,
        outcome.kind,
        outcome.kind === 'received' ? outcome.bytes : 0,
        'message' in outcome ? outcome.message : undefined,
      );
    });
    if (received === 0) break;
    states = await plan(session);
  }
  // Cells whose inputs never arrived could not even be looked up.
  for (const c of order) if (states.get(c.id)?.kind === 'blocked') note(x, c, 'absent', 0, 'an input is not available');
}

function note(x: SyncContext, cell: Cell, outcome: TransferOutcome, bytes = 0, message?: string): void {
  x.counts[outcome]++;
  x.bytes.total += bytes;
  x.emit({
    type: 'transfer',
    direction: 'pull',
    stage: cell.stage,
    cell: cell.id,
    outcome,
    bytes,
    ...(message === undefined ? {} : { message }),
  });
}

async function plan(session: Session): Promise<Map<string, CellState>> {
  const planned = await session.planner.planAll(session.analysis.order);
  if (!planned.ok) throw planFailureError(planned.error);
  return planned.value;
}
