import type { Scalar } from '../pipeline/pipeline-config.js';
import { UsageError } from '../exit.js';
import type { CellResult, Results } from './collect.js';
import { summarize, type Summary } from './stats.js';

/** One row of a results table: a group of cells of one stage (one cell when nothing is aggregated). */
export interface Row {
  stage: string;
  /** Values of the grouping axes. */
  axes: Record<string, Scalar>;
  /** Cells in the group, and how many of them have a result. */
  cells: number;
  done: number;
  /** Cell ids, for one-cell rows and for JSON. */
  ids: string[];
  metrics: Record<string, Summary>;
}

export interface Table {
  /** Grouping axes present in the rows, in the order given. */
  axes: string[];
  /** Axes aggregated over (e.g. seed). */
  aggregated: string[];
  metrics: string[];
  rows: Row[];
  /** Cells with no cached result, after --where. */
  missing: string[];
  problems: string[];
}

export interface TableOptions {
  /** Axes to group by; undefined: every axis but `seed`. */
  groupBy?: string[];
  where?: string[];
  metrics?: string[];
  /** Matches a metric name against one `metrics` pattern (see glob.ts); needed when `metrics` is given. */
  match?: (name: string, pattern: string) => boolean;
  sort?: string;
}

export function buildTable(results: Results, o: TableOptions): Table {
  const allAxes = axisNames(results.cells);
  const cells = filterWhere(results.cells, o.where ?? [], allAxes);
  if (o.groupBy !== undefined) {
    const unknown = o.groupBy.find((a) => !allAxes.includes(a));
    if (unknown !== undefined)
      throw new UsageError(
        `--group-by ${unknown}: no shown stage has an axis "${unknown}"; axes: ${allAxes.join(', ') || '(none)'}`,
      );
  }
  const groupAxes = o.groupBy ?? allAxes.filter((a) => a !== 'seed');
  const rows = groupRows(cells, groupAxes);
  const metrics = chooseMetrics(rows, o.metrics, o.match ?? ((n, p) => n === p));
  if (o.sort !== undefined) sortRows(rows, o.sort, [...groupAxes, ...metrics]);
  const problems = cells.flatMap((c) => (c.metrics?.problems ?? []).map((p) => `${c.cell.id}: ${p}`));
  return {
    axes: groupAxes.filter((a) => rows.some((r) => Object.hasOwn(r.axes, a))),
    aggregated: allAxes.filter((a) => !groupAxes.includes(a)),
    metrics,
    rows,
    missing: cells.filter((c) => c.metrics === undefined).map((c) => c.cell.id),
    problems,
  };
}

function axisNames(cells: readonly CellResult[]): string[] {
  const names = new Set<string>();
  for (const c of cells) for (const a of Object.keys(c.cell.axes)) names.add(a);
  return [...names];
}

/** `--where axis=value`: a cell stays when it has the axis with that value; several values of one axis are alternatives. */
function filterWhere(cells: readonly CellResult[], where: readonly string[], axes: readonly string[]): CellResult[] {
  const wanted = new Map<string, Set<string>>();
  for (const w of where) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UsageError(`--where expects axis=value, got "${w}"`);
    const axis = w.slice(0, eq);
    if (!axes.includes(axis))
      throw new UsageError(`--where ${w}: no shown stage has an axis "${axis}"; axes: ${axes.join(', ') || '(none)'}`);
    const set = wanted.get(axis) ?? new Set<string>();
    set.add(w.slice(eq + 1));
    wanted.set(axis, set);
  }
  if (wanted.size === 0) return [...cells];
  return cells.filter((c) =>
    [...wanted].every(([axis, values]) => Object.hasOwn(c.cell.axes, axis) && values.has(String(c.cell.axes[axis]))),
  );
}

/** Groups in first-seen order, which is the pipeline's matrix order. */
function groupRows(cells: readonly CellResult[], groupAxes: readonly string[]): Row[] {
  const groups = new Map<string, { row: Row; values: Map<string, number[]> }>();
  for (const c of cells) {
    const axes: Record<string, Scalar> = {};
    for (const a of groupAxes) if (Object.hasOwn(c.cell.axes, a)) axes[a] = c.cell.axes[a] as Scalar;
    const key = JSON.stringify([c.cell.stage, axes]);
    let g = groups.get(key);
    if (g === undefined) {
      g = { row: { stage: c.cell.stage, axes, cells: 0, done: 0, ids: [], metrics: {} }, values: new Map() };
      groups.set(key, g);
    }
    g.row.cells++;
    g.row.ids.push(c.cell.id);
    if (c.metrics === undefined) continue;
    g.row.done++;
    for (const [name, v] of Object.entries(c.metrics.values)) {
      const list = g.values.get(name) ?? [];
      list.push(v);
      g.values.set(name, list);
    }
  }
  return [...groups.values()].map(({ row, values }) => {
    for (const [name, list] of values) row.metrics[name] = summarize(list);
    return row;
  });
}

/** Metric names in first-seen order, narrowed by `--metrics` names or globs. */
function chooseMetrics(
  rows: readonly Row[],
  patterns: readonly string[] | undefined,
  minimatch: (name: string, pattern: string) => boolean,
): string[] {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  if (patterns === undefined || patterns.length === 0) return names;
  for (const p of patterns) {
    if (names.length > 0 && !names.some((n) => minimatch(n, p)))
      throw new UsageError(`--metrics ${p}: matches no metric; metrics: ${names.join(', ')}`);
  }
  return names.filter((n) => patterns.some((p) => minimatch(n, p)));
}

/** `--sort KEY` or `--sort KEY:desc`: by an axis value or a metric's mean; rows without the key go last. */
function sortRows(rows: Row[], spec: string, keys: readonly string[]): void {
  const desc = spec.endsWith(':desc');
  const key = spec.replace(/:(asc|desc)$/, '');
  if (!keys.includes(key) && key !== 'n')
    throw new UsageError(
      `--sort ${spec}: "${key}" is neither a grouping axis nor a metric; use one of ${[...keys, 'n'].join(', ')} (add :desc to reverse)`,
    );
  const value = (r: Row): Scalar | undefined =>
    key === 'n' ? r.done : Object.hasOwn(r.axes, key) ? r.axes[key] : r.metrics[key]?.mean;
  rows.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return desc ? -c : c;
  });
}
