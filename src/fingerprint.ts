import type { CodeHashes } from './code-hash.js';
import type { JsonObject, JsonValue } from './stage-api.js';
import { canonicalJson, sha256, type Sha256 } from './util/hash.js';

/**
 * Everything that determines a cell's outputs. Field order is fixed so the
 * canonical string, and so the hash, is stable; the object itself is stored
 * with each record so `ablate explain` can say what changed.
 */
export interface FingerprintData {
  version: 1;
  kind: string;
  /** The stage module and the local modules it imports (plugins included). */
  code: CodeHashes;
  params: JsonObject;
  /** Input name -> content hash of the upstream outputs; a fan-in lists its cells in the order they are fed. */
  inputs: Record<string, Sha256 | FanInEntry[]>;
  seed: number;
  /** Facts about the runtime that change results, e.g. tfjs version and backend. */
  runtime: Record<string, string>;
  /** Content hashes of files an `exec` cell declares in `deps`. */
  files: Record<string, Sha256>;
}

export type FingerprintHash = Sha256;

/**
 * One upstream cell of a fan-in, at its position: the cell as the consuming
 * pipeline names it (stage and canonical axis values) and its outputs' hash.
 * Position i is the input's numbered folder i, so order is part of the key.
 */
export interface FanInEntry {
  cell: string;
  outputs: Sha256;
}

/** Canonical strings of the parts shared by many cells (code, runtime), computed once per object. */
const shared = new WeakMap<object, string>();

function canonicalShared(value: object): string {
  let s = shared.get(value);
  if (s === undefined) {
    s = canonicalJson(value);
    shared.set(value, s);
  }
  return s;
}

/**
 * sha256 of the canonical JSON of `data` (keys in sorted order, as canonicalJson writes them).
 * `paramsText`, when given, must equal canonicalJson(data.params); see ParamsCanonicalizer.
 */
export function fingerprintHash(data: FingerprintData, paramsText?: string): FingerprintHash {
  const text =
    `{"code":${canonicalShared(data.code)},"files":${canonicalJson(data.files)},"inputs":${inputsText(data.inputs)},` +
    `"kind":${JSON.stringify(data.kind)},"params":${paramsText ?? canonicalJson(data.params)},"runtime":${canonicalShared(data.runtime)},` +
    `"seed":${canonicalJson(data.seed)},"version":${data.version}}`;
  return sha256(text);
}

/** canonicalJson(inputs), without recursing into the hash strings most inputs are. */
function inputsText(inputs: FingerprintData['inputs']): string {
  const parts: string[] = [];
  for (const name of Object.keys(inputs).sort()) {
    const v = inputs[name];
    parts.push(`${JSON.stringify(name)}:${typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * Canonical params text of a matrix cell, whose params are the stage's
 * params overlaid with its axis values: the stage's part is written once per
 * stage and only the axis values per cell, since planning hashes every cell.
 */
export class ParamsCanonicalizer {
  private readonly keys: string[];
  private readonly fixed = new Map<string, string>();
  private readonly axes: ReadonlySet<string>;

  constructor(stageParams: JsonObject, axisNames: readonly string[]) {
    this.axes = new Set(axisNames);
    for (const [k, v] of Object.entries(stageParams)) {
      if (v !== undefined && !this.axes.has(k)) this.fixed.set(k, `${JSON.stringify(k)}:${canonicalJson(v)}`);
    }
    this.keys = [...new Set([...this.fixed.keys(), ...axisNames])].sort();
  }

  /** canonicalJson({...stageParams, ...axes}), for axes holding exactly this stage's axis names. */
  text(axes: Readonly<Record<string, JsonValue>>): string {
    const parts: string[] = [];
    for (const k of this.keys) {
      if (this.axes.has(k)) {
        const v = axes[k];
        if (v !== undefined) parts.push(`${JSON.stringify(k)}:${v === null || typeof v !== 'object' ? JSON.stringify(v) : canonicalJson(v)}`);
      } else {
        parts.push(this.fixed.get(k) as string);
      }
    }
    return `{${parts.join(',')}}`;
  }
}

/** Value-level differences, one human line each, e.g. `params.lr: 0.001 -> 0.0003`. */
export function diffFingerprints(before: FingerprintData, after: FingerprintData): string[] {
  const lines: string[] = [];
  if (before.kind !== after.kind) lines.push(`kind: ${before.kind} -> ${after.kind}`);
  diffMap(before.code, after.code, (name, a, b) => lines.push(describeChange('code', name, a, b, 'changed')));
  diffValues('params', before.params, after.params, lines);
  for (const name of union(Object.keys(before.inputs), Object.keys(after.inputs))) {
    const a = before.inputs[name];
    const b = after.inputs[name];
    if (typeof a === 'object' && typeof b === 'object') {
      diffFanIn(`input ${name}`, fanInEntries(a), fanInEntries(b), lines);
    } else if (a !== b) {
      lines.push(`input ${name}: ${a === undefined ? '(none)' : short(a as string)} -> ${b === undefined ? '(none)' : short(b as string)}`);
    }
  }
  if (before.seed !== after.seed) lines.push(`seed: ${before.seed} -> ${after.seed}`);
  diffValues('runtime', before.runtime, after.runtime, lines);
  diffMap(before.files, after.files, (name, a, b) => lines.push(describeChange('file', name, a, b, `${short(a)} -> ${short(b)}`)));
  return lines;
}

/** Position by position: which cell a numbered input folder holds, and its outputs. */
function diffFanIn(what: string, a: FanInEntry[], b: FanInEntry[], lines: string[]): void {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) lines.push(`${what}: ${i} ${(y as FanInEntry).cell} added`);
    else if (y === undefined) lines.push(`${what}: ${i} ${x.cell} removed`);
    else if (x.cell !== y.cell) lines.push(`${what}: ${i} ${x.cell} -> ${y.cell}`);
    else if (x.outputs !== y.outputs) lines.push(`${what}: ${i} ${x.cell} ${short(x.outputs)} -> ${short(y.outputs)}`);
  }
}

/** Records written before fan-ins were ordered keep a map of cell id -> hash; read it in key order. */
function fanInEntries(v: FanInEntry[] | Record<string, Sha256>): FanInEntry[] {
  if (Array.isArray(v)) return v;
  return Object.keys(v)
    .sort()
    .map((cell) => ({ cell, outputs: v[cell] as Sha256 }));
}

function describeChange(what: string, name: string, a: string | undefined, b: string | undefined, changed: string): string {
  if (a === undefined) return `${what}: ${name} added`;
  if (b === undefined) return `${what}: ${name} removed`;
  return `${what}: ${name} ${changed}`;
}

function diffMap(a: Record<string, string>, b: Record<string, string>, report: (k: string, x?: string, y?: string) => void): void {
  for (const k of union(Object.keys(a), Object.keys(b))) if (a[k] !== b[k]) report(k, a[k], b[k]);
}

function diffValues(prefix: string, a: JsonValue | undefined, b: JsonValue | undefined, lines: string[]): void {
  const isObj = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of union(Object.keys(a), Object.keys(b))) diffValues(`${prefix}.${k}`, a[k], b[k], lines);
    return;
  }
  if (canonicalJson(a) === canonicalJson(b)) return;
  lines.push(`${prefix}: ${a === undefined ? '(unset)' : canonicalJson(a)} -> ${b === undefined ? '(unset)' : canonicalJson(b)}`);
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function short(hash: string | undefined): string {
  return hash === undefined ? '(none)' : hash.slice(0, 12);
}
