import { diffFingerprints } from '../plan/fingerprint.js';
import type { CellRecord } from '../cache/cache.js';
import { planFailureError } from '../plan/planner.js';
import { findCell, openSession, type CommonOptions } from './session.js';

/**
 * Why would this cell run? A value-level diff of its fingerprint against
 * the last run of the same cell.
 */
export async function explainCommand(o: CommonOptions & { cell: string }): Promise<number> {
  const session = await openSession(o);
  try {
    const cell = findCell(session.analysis, o.cell);
    const planned = await session.planner.planAll(session.analysis.order);
    if (!planned.ok) throw planFailureError(planned.error);
    const state = planned.value.get(cell.id);
    const lastFp = session.cache.latest(session.pipelineKey, cell.id);
    const last: CellRecord | undefined = lastFp === undefined ? undefined : session.cache.getRecord(lastFp);
    const out: string[] = [cell.id];
    if (state?.kind === 'cached') {
      const full = session.cache.getRecord(state.fingerprint) as CellRecord;
      out.push(
        `  cached: fingerprint ${state.fingerprint.slice(0, 16)} (ran ${full.startedAt}, ${full.durationMs} ms)`,
      );
      if (last && last.fingerprint !== state.fingerprint) {
        out.push(
          `  the last run of this cell (${last.startedAt}) had other inputs; this cached result differs from it by:`,
        );
        out.push(...diffFingerprints(last.breakdown, full.breakdown).map((l) => `    ${l}`));
      }
    } else if (state?.kind === 'blocked') {
      out.push(
        `  waits for ${state.upstream.join(', ')}, which will run; its fingerprint is known only after that (identical outputs keep this cell cached)`,
      );
    } else if (state?.kind === 'run') {
      out.push(
        `  will run: ${last === undefined ? 'no earlier run of this cell' : `fingerprint ${last.fingerprint.slice(0, 12)} -> ${state.fingerprint.slice(0, 12)}`}`,
      );
      out.push(...state.reasons.map((r) => `  ${r}`));
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await session.cache.close();
  }
}
