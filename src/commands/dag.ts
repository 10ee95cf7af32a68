import { analyze } from '../plan/analyzer.js';
import { formatDiagnostic } from '../pipeline/diagnostics.js';
import { parseOverrides } from '../pipeline/overrides.js';
import { loadPipelineFile } from '../pipeline/pipeline-loader.js';
import { planFailureError } from '../plan/planner.js';
import { openSession, UsageError, type CommonOptions } from './session.js';
import { dagView, toDot, toMermaid, toSvg, type CellStatus, type DagLevel } from './dag-view.js';
import type { Analysis } from '../plan/types.js';

export interface AnalysisOptions {
  pipeline: string;
  /** `--set name=value` flags. */
  set?: string[];
  /** `--axis name=a,b` / `name+=c` flags. */
  axis?: string[];
}

/** The pipeline's cells as the given overrides make them, without opening the cache. */
export async function loadAnalysis(o: AnalysisOptions): Promise<Analysis> {
  const loaded = await loadPipelineFile(o.pipeline, parseOverrides(o));
  if (!loaded.ok)
    throw new UsageError(loaded.error.diagnostics.map((d) => formatDiagnostic(d, loaded.error.sources)).join('\n\n'));
  const a = await analyze(loaded.value);
  if (!a.ok) throw new UsageError(a.error.diagnostics.map((d) => formatDiagnostic(d, a.error.sources)).join('\n\n'));
  return a.value;
}

export interface DagOptions extends CommonOptions {
  format?: 'dot' | 'mermaid' | 'svg';
  level?: DagLevel;
}

/**
 * The graph as Graphviz dot, a Mermaid flowchart or an SVG picture; one
 * node per stage (with its cells counted) or per cell, coloured by what
 * the cache holds: cached, to run, or failed on its last attempt.
 */
export async function dagCommand(o: DagOptions): Promise<number> {
  const session = await openSession(o);
  try {
    const planned = await session.planner.planAll(session.analysis.order);
    if (!planned.ok) throw planFailureError(planned.error);
    const status = new Map<string, CellStatus>();
    for (const c of session.analysis.order) {
      const s = planned.value.get(c.id);
      const failure = session.cache.lastFailure(session.pipelineKey, c.id);
      // Failed: this very fingerprint failed last time; a cell whose inputs are not cached has no fingerprint yet.
      status.set(
        c.id,
        s?.kind === 'cached'
          ? 'cached'
          : s?.kind === 'run' && failure?.fingerprint === s.fingerprint
            ? 'failed'
            : 'run',
      );
    }
    const view = dagView(session.analysis, status, o.level ?? 'stage');
    const text = o.format === 'mermaid' ? toMermaid(view) : o.format === 'svg' ? await toSvg(view) : toDot(view);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  } finally {
    await session.cache.close();
  }
}

export async function validateCommand(o: AnalysisOptions): Promise<number> {
  const a = await loadAnalysis(o);
  process.stdout.write(`${o.pipeline}: valid (${a.stages.size} stages, ${a.cells.size} cells)\n`);
  return 0;
}
