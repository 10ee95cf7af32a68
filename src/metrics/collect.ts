import type { Cell } from '../analyzer.js';
import { describePlanFailure } from '../planner.js';
import { UsageError, type Session } from '../session.js';
import type { MetricsEntry } from './extract.js';
import { metricsSpec, type MetricsDecl, type MetricsSpec } from './spec.js';
import { MetricsReader } from './store.js';

/** A cell of a shown stage: its metrics, or none when the cache holds no result for it under the current plan. */
export interface CellResult {
  cell: Cell;
  metrics?: MetricsEntry;
}

export interface Results {
  /** The stages shown, in pipeline order. */
  stages: string[];
  cells: CellResult[];
}

/**
 * Plans the pipeline (which runs nothing) and reads the metrics of the
 * chosen stages' cached cells. Without `stages`, every stage that declares
 * metrics is shown.
 */
export async function collectResults(session: Session, stages: readonly string[] | undefined, declared: Declarations = declarations(session)): Promise<Results> {
  const chosen = chooseStages(session, stages, declared);
  const planned = await session.planner.planAll(session.analysis.order);
  if (!planned.ok) throw new UsageError(describePlanFailure(planned.error));
  const reader = new MetricsReader(session.cache);
  const specs = new Map<string, MetricsSpec | undefined>(chosen.map((s) => [s, metricsSpec(declared.get(s))]));
  const cells: CellResult[] = [];
  for (const cell of session.analysis.order) {
    if (!specs.has(cell.stage)) continue;
    const state = planned.value.get(cell.id);
    if (state?.kind !== 'cached') {
      cells.push({ cell });
      continue;
    }
    const spec = specs.get(cell.stage);
    cells.push({ cell, metrics: spec === undefined ? { spec: '', values: {}, problems: [] } : reader.read(state.record, spec) });
  }
  await reader.flush();
  return { stages: chosen, cells };
}

/** Each stage's metrics declaration, by stage name. */
export type Declarations = Map<string, MetricsDecl>;

export function declarations(session: Session): Declarations {
  const out: Declarations = new Map();
  for (const [name, node] of session.analysis.stages) if (node.config.metrics !== undefined) out.set(name, node.config.metrics);
  return out;
}

function chooseStages(session: Session, stages: readonly string[] | undefined, declared: Declarations): string[] {
  const all = [...session.analysis.stages.keys()];
  if (stages !== undefined && stages.length > 0) {
    const unknown = stages.find((s) => !session.analysis.stages.has(s));
    if (unknown !== undefined) throw new UsageError(`--stage ${unknown}: the pipeline ${session.analysis.pipeline.name} has no stage "${unknown}"; stages: ${all.join(', ')}`);
    return all.filter((s) => stages.includes(s));
  }
  const declaring = all.filter((s) => declared.has(s));
  if (declaring.length === 0) {
    throw new UsageError(`no stage of ${session.analysis.pipeline.name} declares metrics; add "metrics": "FILE.json" to a stage (see "Looking at results" in the README), or name one with --stage`);
  }
  return declaring;
}
