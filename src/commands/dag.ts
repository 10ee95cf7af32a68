import { analyze } from '../analyzer.js';
import { formatDiagnostic } from '../diagnostics.js';
import { parseOverrides } from '../overrides.js';
import { loadPipelineFile } from '../pipeline-loader.js';
import { UsageError } from '../session.js';
import type { Analysis } from '../analyzer.js';

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
  if (!loaded.ok) throw new UsageError(loaded.error.diagnostics.map((d) => formatDiagnostic(d, loaded.error.sources)).join('\n\n'));
  const a = await analyze(loaded.value);
  if (!a.ok) throw new UsageError(a.error.diagnostics.map((d) => formatDiagnostic(d, a.error.sources)).join('\n\n'));
  return a.value;
}

/** The cell graph as Graphviz dot or a Mermaid flowchart. */
export async function dagCommand(o: AnalysisOptions & { format?: 'dot' | 'mermaid' }): Promise<number> {
  const a = await loadAnalysis(o);
  const ids = new Map(a.order.map((c, i) => [c.id, `n${i}`]));
  const edges = a.graph.edges().map((e) => [ids.get(e.v) as string, ids.get(e.w) as string] as const);
  const lines: string[] = [];
  if (o.format === 'mermaid') {
    lines.push('flowchart LR');
    for (const c of a.order) lines.push(`  ${ids.get(c.id)}["${c.id.replace(/"/g, '#quot;')}"]`);
    for (const [v, w] of edges) lines.push(`  ${v} --> ${w}`);
  } else {
    lines.push('digraph ablate {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];');
    for (const c of a.order) lines.push(`  ${ids.get(c.id)} [label=${JSON.stringify(c.id)}];`);
    for (const [v, w] of edges) lines.push(`  ${v} -> ${w};`);
    lines.push('}');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function validateCommand(o: AnalysisOptions): Promise<number> {
  const a = await loadAnalysis(o);
  process.stdout.write(`${o.pipeline}: valid (${a.stages.size} stages, ${a.cells.size} cells)\n`);
  return 0;
}
