import { UsageError } from '../exit.js';
import type { Scalar } from './pipeline-config.js';
import { MAX_DEPTH, nestingBeyond } from './source.js';
import type { JsonValue } from '../stage-api.js';

/** `--set name=value`: one pipeline variable for this run. */
export interface SetOverride {
  name: string;
  value: JsonValue;
  /** The flag's text after `--set `, for messages. */
  flag: string;
}

/** `--axis name=a,b` (replace) or `--axis name+=c` (append): one axis's values for this run. */
export interface AxisOverride {
  name: string;
  mode: 'replace' | 'append';
  values: Scalar[];
  flag: string;
}

export interface Overrides {
  set: SetOverride[];
  axis: AxisOverride[];
}

export const NO_OVERRIDES: Overrides = { set: [], axis: [] };

/** Parses the `--set` and `--axis` flags; a malformed one is a usage error naming it. */
export function parseOverrides(o: { set?: readonly string[]; axis?: readonly string[] }): Overrides {
  return { set: (o.set ?? []).map(parseSet), axis: (o.axis ?? []).map(parseAxis) };
}

function parseSet(flag: string): SetOverride {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set expects name=value, got "${flag}"`);
  const name = flag.slice(0, eq);
  const raw = flag.slice(eq + 1);
  if (nestingBeyond(raw, MAX_DEPTH) !== undefined)
    throw new UsageError(`--set ${name}: the value is nested more than ${MAX_DEPTH} levels deep`);
  const value = parseValue(raw);
  if (!finite(value)) throw new UsageError(`--set ${flag}: a number is out of range: JSON numbers must be finite`);
  return { name, value, flag };
}

/**
 * Values are split at commas and each read as --set reads a value (JSON
 * when it parses, else the text), so `seed=0,1` gives numbers; a JSON
 * array (`f=["a,b","c"]`) lists values that contain commas.
 */
function parseAxis(flag: string): AxisOverride {
  const match = /^([A-Za-z][A-Za-z0-9_]*)(\+?=)(.*)$/s.exec(flag);
  if (match === null) throw new UsageError(`--axis expects name=v1,v2 or name+=v, got "${flag}"`);
  const [, name = '', op, raw = ''] = match;
  const list = raw.startsWith('[') ? parseValue(raw) : undefined;
  const values = Array.isArray(list) ? list : raw === '' ? [] : raw.split(',').map(parseValue);
  if (values.length === 0) throw new UsageError(`--axis ${flag}: name at least one value`);
  for (const v of values) {
    if (typeof v === 'object' || (typeof v === 'number' && !Number.isFinite(v))) {
      throw new UsageError(
        `--axis ${flag}: axis values are strings, finite numbers or booleans, not ${JSON.stringify(v)}`,
      );
    }
  }
  const seen = new Set<Scalar>();
  for (const v of values as Scalar[]) {
    if (seen.has(v)) throw new UsageError(`--axis ${flag}: the value ${JSON.stringify(v)} is listed twice`);
    seen.add(v);
  }
  return { name, mode: op === '+=' ? 'append' : 'replace', values: values as Scalar[], flag };
}

function parseValue(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

/** False when a number in `value` is Infinity or NaN (`1e999` parses as Infinity). */
function finite(value: JsonValue): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  return Object.values(value).every(finite);
}
