import type { Analysis, Cell } from '../plan/types.js';
import type { Reporter, RunEvent } from '../execution/events.js';
import { Executor } from '../execution/executor.js';
import { writeSnapshot } from '../plan/plan-snapshot.js';
import { planFailureError, type CellState } from '../plan/planner.js';
import { planVerified } from '../plan/preflight.js';
import { HumanReporter } from '../reporters/human.js';
import { JsonReporter } from '../reporters/json.js';
import { EXIT, openSession, UsageError, type Session } from './session.js';
import { describeSelectorProblem, selectCells, withUpstream } from '../plan/selectors.js';
import { namesList } from '../reporters/format.js';
import { logArgs } from '../reporters/shell-quote.js';
import { detectGpus } from '../execution/gpus.js';
import { engineVersions } from '../versions.js';
import { ok } from '../util/result.js';
import type { SlurmBackend } from '../execution/slurm/backend.js';
import { remoteForRun, type RunRemote } from '../remote/run-hook.js';
import { finalOutputs, resultsEvent, type ResultsEvent } from '../report/results.js';
import type { RunOptions } from './run-options.js';

/** Plans the pipeline and runs what is not cached. */
export async function runPipeline(o: RunOptions, jobs: number): Promise<number> {
  const session = await openSession(o, o.force ?? []);
  const reporter: Reporter =
    o.reporter === 'json' ? new JsonReporter() : await HumanReporter.create(process.stdout, logArgs(o));
  const emit = reporter.onEvent.bind(reporter);
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    emit({ type: 'warning', message: 'interrupted: stopping running cells (Ctrl-C again to quit at once)' });
    controller.abort();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSigint);
  let slurm: SlurmBackend | undefined;
  let remote: RunRemote | undefined;
  try {
    remote = await remoteForRun(o, session, emit);
    const cells = cellsToPlan(session, o.only ?? [], emit);
    const planned = await planVerified(session.planner, session.cache, cells, emit);
    if (!planned.ok) throw planFailureError(planned.error);
    // A remote is consulted before anything is scheduled (not on a dry run, which changes nothing).
    const fetched =
      remote === undefined || o.dryRun
        ? ok({ states: planned.value, hits: new Set<string>() })
        : await remote.prefetch(session.planner, cells, planned.value);
    if (!fetched.ok) throw planFailureError(fetched.error);
    const states = fetched.value.states;
    const toRun = cells.filter((c) => states.get(c.id)?.kind !== 'cached');
    emit({
      type: 'plan',
      pipeline: session.analysis.pipeline.name,
      cells: cells.length,
      cached: cells.length - toRun.length,
      toRun: toRun.length,
      jobs: o.executor === 'slurm' ? Math.max(1, toRun.length) : jobs,
      runtime: session.planner.runtimeSummary(),
      toRunByStage: countByStage(toRun),
    });
    if (o.requireCached && toRun.length > 0) {
      for (const c of toRun.slice(0, 20)) emit(wouldRun(c, states));
      emit({ type: 'warning', message: `--require-cached: ${toRun.length} cell(s) would run; refusing` });
      return EXIT.refused;
    }
    if (o.dryRun) {
      for (const c of toRun) emit(wouldRun(c, states));
      return EXIT.ok;
    }
    // nvidia-smi is asked only when a cell about to run wants a GPU: no-op and CPU-only runs skip the probe.
    const needGpu = toRun.some((c) => gpusWanted(session.analysis, c) > 0);
    const gpus =
      o.gpus !== undefined ? parseGpus(o.gpus) : o.executor === 'slurm' || !needGpu ? [] : await detectGpus();
    // Nothing to run needs no cluster: a fully cached pipeline reports the same anywhere.
    if (o.executor === 'slurm' && toRun.length > 0) {
      const { openSlurm } = await import('../execution/slurm/open.js');
      slurm = await openSlurm(o, { ...session, signal: controller.signal, emit }, cells, states);
    }
    const executor = new Executor(
      {
        analysis: session.analysis,
        planner: session.planner,
        cache: session.cache,
        pipelineKey: session.pipelineKey,
        cells,
        jobs,
        gpus,
        signal: controller.signal,
        versions: engineVersions(),
        emit: slurm?.observe(emit) ?? emit,
        ...(slurm === undefined ? {} : { runner: slurm.runner, clusterScheduled: true }),
        ...remote?.executorOptions(fetched.value.hits),
        grouping: { on: o.group !== false, ...(o.groupSize === undefined ? {} : { maxSize: o.groupSize }) },
      },
      states,
    );
    const result = await executor.run();
    if (!result.ok) throw planFailureError(result.error);
    const finals = result.value.interrupted
      ? null
      : finalOutputs(session.analysis, session.cache, executor.finalStates());
    if (cells.length === session.analysis.order.length) rememberIfAllCached(session, executor.finalStates(), finals);
    if (result.value.interrupted) return EXIT.interrupted;
    if (finals !== null) emit(resultsEvent(session.analysis.pipeline.name, finals, o));
    return result.value.failed > 0 ? EXIT.cellFailed : EXIT.ok;
  } finally {
    await slurm?.close();
    await remote?.finish();
    for (const signal of STOP_SIGNALS) process.off(signal, onSigint);
    reporter.close();
    await session.cache.close();
  }
}

/**
 * The cells a run plans: with `--only`, the selected cells and what they
 * need; else every cell. Each flag's selection is shown before the plan.
 */
function cellsToPlan(session: Session, only: readonly string[], emit: Reporter['onEvent']): Cell[] {
  const all = session.analysis.order;
  let planned = all;
  if (only.length > 0) {
    const selected = selectCells(session.analysis, only);
    if (!selected.ok) throw new UsageError(describeSelectorProblem('only', selected.error));
    emit({ type: 'selection', flag: 'only', cells: selected.value.map((c) => c.id), of: all.length });
    planned = withUpstream(session.analysis, selected.value);
  }
  // A forced cell outside the --only selection is not planned, so it is not shown either.
  const inPlan = new Set(planned.map((c) => c.id));
  const forced = session.forced.filter((c) => inPlan.has(c.id));
  if (session.forced.length > 0)
    emit({ type: 'selection', flag: 'force', cells: forced.map((c) => c.id), of: all.length });
  return planned;
}

/**
 * Ctrl-C, `kill` and a closed terminal all stop a run the same way: running
 * cells are cancelled, finished ones stay cached, and the exit code is 130.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function countByStage(cells: readonly Cell[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of cells) counts[c.stage] = (counts[c.stage] ?? 0) + 1;
  return counts;
}

function wouldRun(c: Cell, states: ReadonlyMap<string, CellState>): RunEvent {
  const s = states.get(c.id);
  const reasons = s?.kind === 'run' ? s.reasons : s?.kind === 'blocked' ? [`after ${namesList(s.upstream)}`] : [];
  return { type: 'would-run', stage: c.stage, cell: c.id, reasons };
}

/** After a run that left every cell cached, the next status or no-op run can answer from a snapshot. */
function rememberIfAllCached(
  session: Session,
  states: ReadonlyMap<string, CellState>,
  finals: ResultsEvent['cells'] | null,
): void {
  const cells = session.analysis.order;
  if (!cells.every((c) => states.get(c.id)?.kind === 'cached')) return;
  writeSnapshot(session.cache, session.snapshotKey, {
    pipeline: session.analysis.pipeline.name,
    runtime: session.planner.runtimeSummary(),
    rows: cells.map((c) => ({ stage: c.stage, cell: c.id, status: 'cached', reasons: [] })),
    inputs: session.planner.inputsRead(),
    ...(finals === null ? {} : { finals }),
  });
}

/** GPUs a cell asks for, counted as the executor counts them. */
function gpusWanted(analysis: Analysis, cell: Cell): number {
  const node = analysis.stages.get(cell.stage);
  return node?.config.resources?.gpu ?? node?.kind.definition.resources?.gpu ?? 0;
}

function parseGpus(s: string): number[] {
  if (s.trim() === '') return [];
  const ids = s.split(',').map((x) => Number(x.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(`--gpus expects device indices like 0,1; got "${s}"`);
  return ids;
}
