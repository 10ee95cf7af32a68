import type { Analysis } from '../plan/types.js';

/** What the cache says of a cell: as `status` plans it, and failed when that very computation failed last. */
export type CellStatus = 'cached' | 'run' | 'failed';

export interface DagNode {
  id: string;
  label: string;
  status: CellStatus;
}

export interface DagView {
  nodes: DagNode[];
  edges: [string, string][];
}

export type DagLevel = 'stage' | 'cell';

/** Fill colours by status, shared by the dot and Mermaid outputs. */
export const COLOURS: Record<CellStatus, string> = { cached: '#cdeccd', run: '#ffe8a8', failed: '#f6b8b8' };
const WORDS: Record<CellStatus, string> = { cached: 'cached', run: 'to run', failed: 'failed' };

/** The graph at one level: a node per cell, or a node per stage with its cells counted by status. */
export function dagView(a: Analysis, status: ReadonlyMap<string, CellStatus>, level: DagLevel): DagView {
  if (level === 'cell') {
    const ids = new Map(a.order.map((c, i) => [c.id, `n${i}`]));
    return {
      nodes: a.order.map((c) => ({ id: ids.get(c.id) as string, label: c.id, status: status.get(c.id) ?? 'run' })),
      edges: a.graph.edges().map((e) => [ids.get(e.v) as string, ids.get(e.w) as string]),
    };
  }
  const stages = [...new Set(a.order.map((c) => c.stage))];
  const ids = new Map(stages.map((s, i) => [s, `s${i}`]));
  const counts = new Map(stages.map((s) => [s, { cached: 0, run: 0, failed: 0 }]));
  for (const c of a.order) (counts.get(c.stage) as Record<CellStatus, number>)[status.get(c.id) ?? 'run']++;
  const nodes = stages.map((s) => {
    const n = counts.get(s) as Record<CellStatus, number>;
    const total = n.cached + n.run + n.failed;
    const parts = (['cached', 'run', 'failed'] as const).filter((k) => n[k] > 0).map((k) => `${n[k]} ${WORDS[k]}`);
    const worst: CellStatus = n.failed > 0 ? 'failed' : n.run > 0 ? 'run' : 'cached';
    return {
      id: ids.get(s) as string,
      label: `${s}\n${total} cell${total === 1 ? '' : 's'}: ${parts.join(', ')}`,
      status: worst,
    };
  });
  const edges = new Map<string, [string, string]>();
  for (const e of a.graph.edges()) {
    const v = ids.get((a.cells.get(e.v) as { stage: string }).stage) as string;
    const w = ids.get((a.cells.get(e.w) as { stage: string }).stage) as string;
    edges.set(`${v} ${w}`, [v, w]);
  }
  return { nodes, edges: [...edges.values()] };
}

export function toDot(v: DagView): string {
  const lines = [
    'digraph ablate {',
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ];
  for (const n of v.nodes)
    lines.push(
      `  ${n.id} [label=${JSON.stringify(n.label)}, fillcolor="${COLOURS[n.status]}", tooltip="${WORDS[n.status]}"];`,
    );
  for (const [a, b] of v.edges) lines.push(`  ${a} -> ${b};`);
  lines.push('}');
  return lines.join('\n');
}

export function toMermaid(v: DagView): string {
  const lines = ['flowchart LR'];
  for (const n of v.nodes)
    lines.push(`  ${n.id}["${n.label.replace(/"/g, '#quot;').replace(/\n/g, '<br/>')}"]:::${n.status}`);
  for (const [a, b] of v.edges) lines.push(`  ${a} --> ${b}`);
  for (const s of ['cached', 'run', 'failed'] as const) lines.push(`  classDef ${s} fill:${COLOURS[s]}`);
  return lines.join('\n');
}

/** SVG laid out by Graphviz compiled to WebAssembly (@viz-js/viz): no system Graphviz, no network. */
export async function toSvg(v: DagView): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  return (await instance()).renderString(toDot(v), { format: 'svg' });
}
