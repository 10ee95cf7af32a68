import type { ArtifactStore, RecordStore } from '../cache/cache.js';
import type { FingerprintHash } from '../plan/fingerprint.js';
import type { Scalar } from '../pipeline/pipeline-config.js';
import { currentSnapshot, writeSnapshot, type PlanSnapshot, type SnapshotRow } from '../plan/plan-snapshot.js';
import { UsageError } from '../exit.js';
import type { CommonOptions, Session } from '../commands/session.js';
import type { MetricsEntry } from './extract.js';
import { metricsSpec, type MetricsDecl, type MetricsSpec } from './spec.js';
import { MetricsReader } from './store.js';

/** A cell as results name it. */
export interface ShownCell {
  id: string;
  stage: string;
  axes: Record<string, Scalar>;
}

/** A cell of a shown stage: its metrics, or none when the cache holds no result for it under the current plan. */
export interface CellResult {
  cell: ShownCell;
  metrics?: MetricsEntry;
}

export interface Results {
  /** The stages shown, in pipeline order. */
  stages: string[];
  cells: CellResult[];
}

/** Each stage's metrics declaration, by stage name. */
export type Declarations = Map<string, MetricsDecl>;

/** Every cell of a plan, with the fingerprint of its cached result (none: not cached). */
interface PlannedCell extends ShownCell {
  fingerprint?: string;
}

const SNAPSHOT = 'show';

/**
 * The results of a pipeline as `show` gives them. The answer of the last
 * full plan is kept (cache/plans, with the same validity rules as the plan
 * of status and run), so a show after nothing changed reads only that file
 * and the metrics table.
 */
export async function showResults(o: CommonOptions, stages: readonly string[] | undefined): Promise<Results> {
  const quick = await currentSnapshot(o, SNAPSHOT);
  if (quick !== undefined && quick.snapshot.metrics !== undefined) {
    try {
      return await fromSnapshot(quick.cache, quick.snapshot, stages);
    } finally {
      await quick.cache.close();
    }
  }
  if (quick !== undefined) await quick.cache.close();
  // Analysis and planning are loaded only when the stored answer cannot serve.
  const { openSession } = await import('../commands/session.js');
  const session = await openSession(o);
  try {
    const declared = declarations(session);
    const cells = await planCells(session);
    const results = await resultsOf(
      session.cache,
      session.analysis.pipeline.name,
      cells,
      stageNames(session),
      declared,
      stages,
    );
    const rows: SnapshotRow[] = cells.map((c) => ({
      stage: c.stage,
      cell: c.id,
      status: c.fingerprint === undefined ? 'run' : 'cached',
      reasons: [],
      axes: c.axes,
      ...(c.fingerprint === undefined ? {} : { fingerprint: c.fingerprint }),
    }));
    writeSnapshot(
      session.cache,
      session.snapshotKey,
      {
        pipeline: session.analysis.pipeline.name,
        runtime: session.planner.runtimeSummary(),
        rows,
        inputs: session.planner.inputsRead(),
        metrics: Object.fromEntries(declared),
      },
      SNAPSHOT,
    );
    return results;
  } finally {
    await session.cache.close();
  }
}

async function fromSnapshot(
  cache: RecordStore & ArtifactStore,
  snap: PlanSnapshot,
  stages: readonly string[] | undefined,
): Promise<Results> {
  const cells: PlannedCell[] = snap.rows.map((r) => ({
    id: r.cell,
    stage: r.stage,
    axes: r.axes ?? {},
    ...(r.fingerprint === undefined ? {} : { fingerprint: r.fingerprint }),
  }));
  const all = [...new Set(snap.rows.map((r) => r.stage))];
  return resultsOf(
    cache,
    snap.pipeline,
    cells,
    all,
    new Map(Object.entries(snap.metrics ?? {}) as [string, MetricsDecl][]),
    stages,
  );
}

/**
 * Plans the pipeline (which runs nothing) and reads the metrics of the
 * chosen stages' cached cells. Without `stages`, every stage that declares
 * metrics is shown; `declared` may hold declarations of another state of
 * the pipeline (see diff).
 */
export async function collectResults(
  session: Session,
  stages: readonly string[] | undefined,
  declared: Declarations = declarations(session),
): Promise<Results> {
  return resultsOf(
    session.cache,
    session.analysis.pipeline.name,
    await planCells(session),
    stageNames(session),
    declared,
    stages,
  );
}

async function planCells(session: Session): Promise<PlannedCell[]> {
  const planned = await session.planner.planAll(session.analysis.order);
  if (!planned.ok) throw (await import('../plan/planner.js')).planFailureError(planned.error);
  return session.analysis.order.map((c) => {
    const state = planned.value.get(c.id);
    return {
      id: c.id,
      stage: c.stage,
      axes: c.axes,
      ...(state?.kind === 'cached' ? { fingerprint: state.fingerprint } : {}),
    };
  });
}

function stageNames(session: Session): string[] {
  return [...session.analysis.stages.keys()];
}

async function resultsOf(
  cache: RecordStore & ArtifactStore,
  pipeline: string,
  cells: readonly PlannedCell[],
  all: string[],
  declared: Declarations,
  stages: readonly string[] | undefined,
): Promise<Results> {
  const chosen = chooseStages(pipeline, all, stages, declared);
  const reader = new MetricsReader(cache);
  const specs = new Map<string, MetricsSpec | undefined>(chosen.map((s) => [s, metricsSpec(declared.get(s))]));
  const out: CellResult[] = [];
  for (const { fingerprint, ...cell } of cells) {
    if (!specs.has(cell.stage)) continue;
    if (fingerprint === undefined) {
      out.push({ cell });
      continue;
    }
    const spec = specs.get(cell.stage);
    const metrics =
      spec === undefined ? { spec: '', values: {}, problems: [] } : reader.read(fingerprint as FingerprintHash, spec);
    out.push(metrics === undefined ? { cell } : { cell, metrics });
  }
  await reader.flush();
  return { stages: chosen, cells: out };
}

export function declarations(session: Session): Declarations {
  const out: Declarations = new Map();
  for (const [name, node] of session.analysis.stages)
    if (node.config.metrics !== undefined) out.set(name, node.config.metrics);
  return out;
}

function chooseStages(
  pipeline: string,
  all: readonly string[],
  stages: readonly string[] | undefined,
  declared: Declarations,
): string[] {
  if (stages !== undefined && stages.length > 0) {
    const unknown = stages.find((s) => !all.includes(s));
    if (unknown !== undefined)
      throw new UsageError(
        `--stage ${unknown}: the pipeline ${pipeline} has no stage "${unknown}"; stages: ${all.join(', ')}`,
      );
    return all.filter((s) => stages.includes(s));
  }
  const declaring = all.filter((s) => declared.has(s));
  if (declaring.length === 0) {
    throw new UsageError(
      `no stage of ${pipeline} declares metrics; add "metrics": "FILE.json" to a stage (see "Looking at results" in the README), or name one with --stage`,
    );
  }
  return declaring;
}
