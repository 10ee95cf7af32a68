import { currentSnapshot, writeSnapshot, type SnapshotRow } from '../plan/plan-snapshot.js';
import type { CellState } from '../plan/planner.js';
import { namesList } from '../reporters/format.js';
import type { CommonOptions } from './session.js';
import { unreachable } from '../util/unreachable.js';

export interface StatusOptions extends CommonOptions {
  json?: boolean;
  verbose?: boolean;
}

/** "N cells: H cached, M to run", and per cell the reason. */
export async function statusCommand(o: StatusOptions): Promise<number> {
  const quick = await currentSnapshot(o);
  if (quick !== undefined) {
    try {
      print(o, quick.snapshot.rows);
      return 0;
    } finally {
      await quick.cache.close();
    }
  }
  // Analysis and planning are loaded only when the stored plan cannot answer.
  const [{ openSession }, { planFailureError }] = await Promise.all([
    import('./session.js'),
    import('../plan/planner.js'),
  ]);
  const session = await openSession(o);
  try {
    const planned = await session.planner.planAll(session.analysis.order);
    if (!planned.ok) throw planFailureError(planned.error);
    const rows = session.analysis.order.map((c) => ({
      stage: c.stage,
      cell: c.id,
      ...describe(planned.value.get(c.id) as CellState),
    }));
    writeSnapshot(session.cache, session.snapshotKey, {
      pipeline: session.analysis.pipeline.name,
      runtime: session.planner.runtimeSummary(),
      rows,
      inputs: session.planner.inputsRead(),
    });
    print(o, rows);
    return 0;
  } finally {
    await session.cache.close();
  }
}

function print(o: StatusOptions, rows: readonly SnapshotRow[]): void {
  const cached = rows.filter((r) => r.status === 'cached').length;
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ cells: rows.length, cached, toRun: rows.length - cached, rows })}\n`);
    return;
  }
  const lines = [`${rows.length} cells: ${cached} cached, ${rows.length - cached} to run`];
  for (const r of rows) {
    if (r.status === 'cached' && !o.verbose) continue;
    lines.push(
      `  ${r.status === 'cached' ? 'cached' : 'run   '}  ${r.cell}${r.reasons.length ? `  (${r.reasons.join('; ')})` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describe(s: CellState): { status: 'cached' | 'run'; reasons: string[] } {
  switch (s.kind) {
    case 'cached':
      return { status: 'cached', reasons: [] };
    case 'run':
      return { status: 'run', reasons: s.reasons };
    case 'blocked':
      return { status: 'run', reasons: [`after ${namesList(s.upstream)}`] };
    default:
      return unreachable(s);
  }
}
