import type { MetricsSpec } from './spec.js';

/** What a cell's declared metrics came to: values by name, and what could not be read, in words. */
export interface MetricsEntry {
  /** The declaration they were extracted under (MetricsSpec.key). */
  spec: string;
  values: Record<string, number>;
  problems: string[];
}

/** Deepest nesting followed when collecting every numeric leaf of a file. */
const MAX_DEPTH = 8;

/**
 * Reads each declared file through `read` (undefined: not among the
 * outputs) and takes its numbers. A name given by two files keeps the
 * first file's value.
 */
export function extractMetrics(spec: MetricsSpec, read: (file: string) => Buffer | undefined): MetricsEntry {
  const values: Record<string, number> = {};
  const problems: string[] = [];
  for (const { file, keys } of spec.files) {
    const bytes = read(file);
    if (bytes === undefined) {
      problems.push(`${file} is not among the outputs`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      problems.push(`${file} is not JSON (${(e as Error).message})`);
      continue;
    }
    const found = keys === undefined ? leaves(json) : picked(json, keys, file, problems);
    for (const [name, v] of found) if (!Object.hasOwn(values, name)) values[name] = v;
  }
  return { spec: spec.key, values, problems };
}

/** Every finite number under objects (not arrays), named by its dotted path. */
function leaves(json: unknown, prefix = '', depth = 0): [string, number][] {
  if (typeof json === 'number') return Number.isFinite(json) && prefix !== '' ? [[prefix, json]] : [];
  if (json === null || typeof json !== 'object' || Array.isArray(json) || depth >= MAX_DEPTH) return [];
  return Object.entries(json).flatMap(([k, v]) => leaves(v, prefix === '' ? k : `${prefix}.${k}`, depth + 1));
}

function picked(
  json: unknown,
  keys: readonly string[] | Record<string, string>,
  file: string,
  problems: string[],
): [string, number][] {
  const out: [string, number][] = [];
  const named = Array.isArray(keys) ? keys.map((k: string): [string, string] => [k, k]) : Object.entries(keys);
  for (const [name, path] of named) {
    const v = at(json, path);
    if (typeof v === 'number' && Number.isFinite(v)) out.push([name, v]);
    else problems.push(`${file} has no number at "${path}"`);
  }
  return out;
}

/** The value at a dotted path; an exact key containing dots is found first. */
function at(json: unknown, path: string): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const obj = json as Record<string, unknown>;
  if (Object.hasOwn(obj, path)) return obj[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  const head = path.slice(0, dot);
  return Object.hasOwn(obj, head) ? at(obj[head], path.slice(dot + 1)) : undefined;
}
