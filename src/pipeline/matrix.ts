import type { Scalar } from './pipeline-config.js';
import type { JsonValue } from '../stage-api.js';
import { canonicalJson, sha256 } from '../util/hash.js';

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
  return cells.filter(
    (c) =>
      !exclude.some((ex) => Object.entries(ex).every(([k, v]) => Object.hasOwn(c, k) && matches(c[k] as Scalar, v))),
  );
}

/**
 * Whether an axis value meets an exclude entry's condition: equal to a
 * scalar, `{"$in": [...]}` one of a list, `{"$not": v}` other than a value
 * (or than each of a list). `$not` lets an exclusion follow its axis: "task
 * mean only with f identity" stays true when a value of f is added.
 */
export function matches(value: Scalar, condition: JsonValue): boolean {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return value === condition;
  if (Array.isArray(condition.$in)) return condition.$in.includes(value);
  if ('$not' in condition)
    return Array.isArray(condition.$not) ? !condition.$not.includes(value) : condition.$not !== value;
  return false;
}

/** Longest cell id, in UTF-16 code units: it must fit LMDB keys, log lines and folder names. */
export const MAX_CELL_ID_LENGTH = 240;
/** Longest axis value written out in an id; a longer one is replaced by its hash. */
const MAX_VALUE_LENGTH = 64;
/** Hex digits of sha256 kept where a hash stands for a value or an id: 128 bits. */
const HASH_DIGITS = 32;

const BARE = /^[A-Za-z0-9_.+-]+$/;
const READS_AS_OTHER = /^(true|false|-?\d.*)$/;

/**
 * The stable id of a cell: its stage and canonical axis values, sorted by
 * axis name. Inserting a value elsewhere in an axis never changes it.
 * `sortedNames`, when the caller already has them, are the sorted keys of `axes`.
 *
 * Distinct axis values give distinct ids: words and numbers are written as
 * they are, other strings JSON-quoted, a value longer than MAX_VALUE_LENGTH
 * as `#` and a hash of its canonical JSON. An id still longer than
 * MAX_CELL_ID_LENGTH keeps its start and ends in `#` and a hash of the whole
 * id; written ids end in `]` or have no `#`, so the two forms never meet.
 */
export function cellId(stage: string, axes: Axes, sortedNames?: readonly string[]): string {
  const keys = sortedNames ?? Object.keys(axes).sort();
  const id =
    keys.length === 0 ? stage : `${stage}[${keys.map((k) => `${k}=${formatValue(axes[k] as Scalar)}`).join(',')}]`;
  return id.length <= MAX_CELL_ID_LENGTH ? id : `${prefix(id, MAX_CELL_ID_LENGTH - HASH_DIGITS - 1)}#${digest(id)}`;
}

function formatValue(v: Scalar): string {
  // Validation rejects non-finite numbers; should one arrive, it still gets a token no finite value has.
  if (typeof v === 'number' && !Number.isFinite(v)) return `#${String(v)}`;
  const token = typeof v === 'string' && BARE.test(v) && !READS_AS_OTHER.test(v) ? v : JSON.stringify(v);
  return token.length <= MAX_VALUE_LENGTH ? token : `#${digest(canonicalJson(v))}`;
}

function digest(text: string): string {
  return sha256(text).slice(0, HASH_DIGITS);
}

/** The longest start of `s` of at most `units` UTF-16 code units that does not split a surrogate pair. */
function prefix(s: string, units: number): string {
  let out = '';
  for (const c of s) {
    if (out.length + c.length > units) break;
    out += c;
  }
  return out;
}

/** The sub-assignment of `axes` restricted to `names`. */
export function project(axes: Axes, names: readonly string[]): Axes {
  const out: Axes = {};
  for (const n of names) if (n in axes) out[n] = axes[n] as Scalar;
  return out;
}
