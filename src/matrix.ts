import type { Scalar } from './pipeline-config.js';
import type { JsonValue } from './stage-api.js';

export type Axes = Record<string, Scalar>;

/** Number of cells before exclusions, without materialising them. */
export function matrixSize(matrix: Record<string, Scalar[]>): number {
  return Object.values(matrix).reduce((n, values) => n * values.length, 1);
}

/**
 * Every combination of axis values, minus the excluded ones. Order follows
 * the axes as written, but a cell's identity never depends on it.
 */
export function expandMatrix(matrix: Record<string, Scalar[]>, exclude: Record<string, JsonValue>[]): Axes[] {
  let cells: Axes[] = [{}];
  for (const [axis, values] of Object.entries(matrix)) {
    const next: Axes[] = [];
    for (const cell of cells) for (const v of values) next.push({ ...cell, [axis]: v });
    cells = next;
  }
  return cells.filter((c) => !exclude.some((ex) => Object.entries(ex).every(([k, v]) => c[k] === v)));
}

/**
 * The stable id of a cell: its stage and canonical axis values, sorted by
 * axis name. Inserting a value elsewhere in an axis never changes it.
 * `sortedNames`, when the caller already has them, are the sorted keys of `axes`.
 */
export function cellId(stage: string, axes: Axes, sortedNames?: readonly string[]): string {
  const keys = sortedNames ?? Object.keys(axes).sort();
  if (keys.length === 0) return stage;
  return `${stage}[${keys.map((k) => `${k}=${formatValue(axes[k] as Scalar)}`).join(',')}]`;
}

function formatValue(v: Scalar): string {
  if (typeof v === 'string' && /^[A-Za-z0-9_.+-]+$/.test(v) && !/^(true|false|-?\d.*)$/.test(v)) return v;
  return JSON.stringify(v);
}

/** The sub-assignment of `axes` restricted to `names`. */
export function project(axes: Axes, names: readonly string[]): Axes {
  const out: Axes = {};
  for (const n of names) if (n in axes) out[n] = axes[n] as Scalar;
  return out;
}
