import type { Table, Row } from './group.js';
import { LEVEL, type Summary } from './stats.js';
import { num, renderCsv, renderGrid, type Format, type Grid } from './render.js';
import { unreachable } from '../util/unreachable.js';

/** A summary as one cell of text: `mean ± sd [low, high]`, or the value alone for one cell. */
export function summaryText(s: Summary | undefined): string {
  if (s === undefined) return '';
  if (s.sd === undefined) return num(s.mean);
  return `${num(s.mean)} ± ${num(s.sd)} [${num(s.low)}, ${num(s.high)}]`;
}

function showsStage(t: Table): boolean {
  return new Set(t.rows.map((r) => r.stage)).size > 1;
}

function grouped(t: Table): boolean {
  return t.rows.some((r) => r.cells > 1);
}

function nText(r: Row): string {
  return r.done === r.cells ? String(r.done) : `${r.done}/${r.cells}`;
}

function grid(t: Table): Grid {
  const stage = showsStage(t);
  const header = [...(stage ? ['stage'] : []), ...t.axes, 'n', ...t.metrics];
  const rows = t.rows.map((r) => [
    ...(stage ? [r.stage] : []),
    ...t.axes.map((a) => (Object.hasOwn(r.axes, a) ? String(r.axes[a]) : '')),
    nText(r),
    ...t.metrics.map((m) => summaryText(r.metrics[m])),
  ]);
  const right = header.map((h, i) => i >= (stage ? 1 : 0) + t.axes.length);
  return { header, rows, right };
}

/** What the numbers are, for human formats. */
export function legend(t: Table): string {
  if (!grouped(t)) return 'one row per cell';
  const over = t.aggregated.length > 0 ? ` over ${t.aggregated.join(', ')}` : '';
  return `mean ± standard deviation [${LEVEL * 100}% t-interval]${over}; n = cells with a result (of all in the group)`;
}

function csv(t: Table): Promise<string> {
  const stage = showsStage(t);
  const many = grouped(t);
  const metricCols = t.metrics.flatMap((m) =>
    many ? [`${m}.mean`, `${m}.sd`, `${m}.n`, `${m}.ci_low`, `${m}.ci_high`] : [m],
  );
  const header = [...(stage ? ['stage'] : []), ...t.axes, 'cells', 'n', ...metricCols];
  const rows = t.rows.map((r) => [
    ...(stage ? [r.stage] : []),
    ...t.axes.map((a) => (Object.hasOwn(r.axes, a) ? (r.axes[a] as string | number | boolean).toString() : undefined)),
    r.cells,
    r.done,
    ...t.metrics.flatMap((m) => {
      const s = r.metrics[m];
      return many ? [s?.mean, s?.sd, s?.n, s?.low, s?.high] : [s?.mean];
    }),
  ]);
  return renderCsv(header, rows);
}

function json(t: Table): string {
  const rows = t.rows.map((r) => ({
    stage: r.stage,
    axes: r.axes,
    cells: r.cells,
    n: r.done,
    ids: r.ids,
    metrics: Object.fromEntries(t.metrics.filter((m) => r.metrics[m] !== undefined).map((m) => [m, r.metrics[m]])),
  }));
  return `${JSON.stringify({ level: LEVEL, groupBy: t.axes, aggregated: t.aggregated, metrics: t.metrics, rows, missing: t.missing, problems: t.problems }, null, 2)}\n`;
}

/** The table in the chosen format, and the notes (legend, missing cells) that go beside it. */
export async function renderTable(t: Table, format: Format): Promise<{ body: string; notes: string[] }> {
  const notes: string[] = [];
  if (t.missing.length > 0)
    notes.push(
      `${t.missing.length} cell(s) have no result yet (run the pipeline): ${t.missing.slice(0, 5).join(', ')}${t.missing.length > 5 ? ', ...' : ''}`,
    );
  for (const p of t.problems.slice(0, 5)) notes.push(`metrics problem: ${p}`);
  switch (format) {
    case 'csv':
      return { body: await csv(t), notes };
    case 'json':
      return { body: json(t), notes };
    case 'table':
    case 'markdown':
    case 'latex':
      return { body: `${renderGrid(grid(t), format)}\n`, notes: [legend(t), ...notes] };
    default:
      return unreachable(format);
  }
}
