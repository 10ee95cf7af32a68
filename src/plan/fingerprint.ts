import type { CodeHashes } from './code-hash.js';
import type { JsonObject, JsonValue } from '../stage-api.js';
import { canonicalJson, sha256, type Sha256 } from '../util/hash.js';

/**
 * Everything that determines a cell's outputs, and everything the engine
 * shows the stage: its own cell id (`ABLATE_CELL`, `ctx.cell`), and each
 * input's cell, params and outputs (`ctx.inputs`). Field order is fixed so
 * the canonical string, and so the hash, is stable; the object itself is
 * stored with each record so `ablate explain` can say what changed.
 */
export interface FingerprintData {
  version: 2;
  kind: string;
  /** The cell as this pipeline names it: stage name and canonical axis values. */
  cell: string;
  /** The stage module and the local modules it imports (plugins included). */
  code: CodeHashes;
  params: JsonObject;
  /** Input name -> the upstream cell it is fed; a fan-in lists its cells in the order they are fed. */
  inputs: Record<string, InputEntry | InputEntry[]>;
  seed: number;
  /** Facts about the runtime that change results, e.g. tfjs version and backend. */
  runtime: Record<string, string>;
  /** Content hashes of files an `exec` cell declares in `deps`. */
  files: Record<string, Sha256>;
}

export type FingerprintHash = Sha256;

/**
 * One upstream cell as its consumer sees it: the cell as the consuming
 * pipeline names it (stage and canonical axis values, from which
 * `InputArtifact.stage` and `.axes` follow), the hash of its canonical params
 * and its outputs' hash. In a fan-in, position i is the input's numbered
 * folder i, so order is part of the key.
 */
export interface InputEntry {
  cell: string;
  /**
   * sha256 of the upstream's canonical params, for a JS stage kind, which is
   * shown them as `InputArtifact.params`. An exec stage is shown only its
   * inputs' files, so it has none: an upstream param change that leaves the
   * outputs identical keeps an exec consumer cached (early cutoff).
   */
  params?: Sha256;
  outputs: Sha256;
}

/**
 * The fingerprint as records written before version 2 hold it: no own cell,
 * a one-to-one input as its outputs' hash, a fan-in as a list of cells and
 * outputs, or (earlier still) as a map of cell id -> outputs.
 */
export interface FingerprintDataV1 extends Omit<FingerprintData, 'version' | 'cell' | 'inputs'> {
  version: 1;
  inputs: Record<string, Sha256 | { cell: string; outputs: Sha256 }[] | Record<string, Sha256>>;
}

/** What a record's `breakdown` may hold, by the version that wrote it. */
export type RecordedFingerprint = FingerprintData | FingerprintDataV1;

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
    `{"cell":${JSON.stringify(data.cell)},"code":${canonicalShared(data.code)},"files":${canonicalJson(data.files)},"inputs":${canonicalJson(data.inputs)},` +
    `"kind":${JSON.stringify(data.kind)},"params":${paramsText ?? canonicalJson(data.params)},"runtime":${canonicalShared(data.runtime)},` +
    `"seed":${canonicalJson(data.seed)},"version":${data.version}}`;
  return sha256(text);
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

  constructor(stageParams: Readonly<Record<string, JsonValue | undefined>>, axisNames: readonly string[]) {
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
        if (v !== undefined)
          parts.push(
            `${JSON.stringify(k)}:${v === null || typeof v !== 'object' ? JSON.stringify(v) : canonicalJson(v)}`,
          );
      } else {
        parts.push(this.fixed.get(k) as string);
      }
    }
    return `{${parts.join(',')}}`;
  }
}

/**
 * Value-level differences, one human line each, e.g. `params.lr: 0.001 -> 0.0003`.
 * Either side may be a record written by an earlier version; what it lacks is not compared.
 */
export function diffFingerprints(before: RecordedFingerprint, after: RecordedFingerprint): string[] {
  const lines: string[] = [];
  if (before.version !== after.version) lines.push(`version: ${before.version} -> ${after.version}`);
  if (before.kind !== after.kind) lines.push(`kind: ${before.kind} -> ${after.kind}`);
  const [cellA, cellB] = [ownCell(before), ownCell(after)];
  if (cellA !== cellB) lines.push(`cell: ${cellA ?? '(none)'} -> ${cellB ?? '(none)'}`);
  diffMap(before.code, after.code, (name, a, b) => lines.push(describeChange('code', name, a, b, 'changed')));
  diffValues('params', before.params, after.params, lines);
  for (const name of union(Object.keys(before.inputs), Object.keys(after.inputs))) {
    const a = inputEntries(before, name);
    const b = inputEntries(after, name);
    if (a === undefined || b === undefined) {
      if (a !== b)
        lines.push(
          `input ${name}: ${a === undefined ? '(none)' : 'present'} -> ${b === undefined ? '(none)' : 'present'}`,
        );
    } else if (Array.isArray(a) && Array.isArray(b)) {
      diffFanIn(`input ${name}`, a, b, lines);
    } else if (!Array.isArray(a) && !Array.isArray(b)) {
      const change = diffEntry(a, b);
      if (change !== undefined) lines.push(`input ${name}: ${change}`);
    } else {
      lines.push(
        `input ${name}: ${Array.isArray(a) ? 'fan-in' : 'one cell'} -> ${Array.isArray(b) ? 'fan-in' : 'one cell'}`,
      );
    }
  }
  if (before.seed !== after.seed) lines.push(`seed: ${before.seed} -> ${after.seed}`);
  diffValues('runtime', before.runtime, after.runtime, lines);
  diffMap(before.files, after.files, (name, a, b) =>
    lines.push(describeChange('file', name, a, b, `${short(a)} -> ${short(b)}`)),
  );
  return lines;
}

/** An input entry of either version: before version 2 a one-to-one input had no cell. */
type AnyEntry = Partial<InputEntry> & { outputs: Sha256 };

function ownCell(f: RecordedFingerprint): string | undefined {
  return f.version === 2 ? f.cell : undefined;
}

/** Position by position: which cell a numbered input folder holds, its params and its outputs. */
function diffFanIn(what: string, a: AnyEntry[], b: AnyEntry[], lines: string[]): void {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) lines.push(`${what}: ${i} ${(y as AnyEntry).cell} added`);
    else if (y === undefined) lines.push(`${what}: ${i} ${x.cell} removed`);
    else {
      const change = diffEntry(x, y);
      if (change !== undefined) lines.push(`${what}: ${i} ${change}`);
    }
  }
}

/** One upstream cell: another cell, other params or other outputs; fields one side lacks are not compared. */
function diffEntry(x: AnyEntry, y: AnyEntry): string | undefined {
  const cell = x.cell === undefined || y.cell === undefined ? '' : `${x.cell} `;
  if (cell !== '' && x.cell !== y.cell) return `${x.cell} -> ${y.cell}`;
  if (x.params !== undefined && y.params !== undefined && x.params !== y.params)
    return `${cell}params ${short(x.params)} -> ${short(y.params)}`;
  if (x.outputs !== y.outputs) return `${cell}${short(x.outputs)} -> ${short(y.outputs)}`;
  return undefined;
}

/**
 * One input of either version as entries. In version 1 a one-to-one input is
 * its outputs' hash (an entry without cell or params), and a fan-in is a list,
 * or, before fan-ins were ordered, a map of cell id -> hash, read in key order.
 */
function inputEntries(f: RecordedFingerprint, name: string): AnyEntry | AnyEntry[] | undefined {
  if (f.version === 2) return f.inputs[name];
  const v = f.inputs[name];
  if (v === undefined || Array.isArray(v)) return v;
  if (typeof v === 'string') return { outputs: v };
  return Object.keys(v)
    .sort()
    .map((cell) => ({ cell, outputs: v[cell] as Sha256 }));
}

function describeChange(
  what: string,
  name: string,
  a: string | undefined,
  b: string | undefined,
  changed: string,
): string {
  if (a === undefined) return `${what}: ${name} added`;
  if (b === undefined) return `${what}: ${name} removed`;
  return `${what}: ${name} ${changed}`;
}

function diffMap(
  a: Record<string, string>,
  b: Record<string, string>,
  report: (k: string, x?: string, y?: string) => void,
): void {
  for (const k of union(Object.keys(a), Object.keys(b))) if (a[k] !== b[k]) report(k, a[k], b[k]);
}

function diffValues(prefix: string, a: JsonValue | undefined, b: JsonValue | undefined, lines: string[]): void {
  const isObj = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of union(Object.keys(a), Object.keys(b))) diffValues(`${prefix}.${k}`, a[k], b[k], lines);
    return;
  }
  if (canonicalJson(a) === canonicalJson(b)) return;
  lines.push(
    `${prefix}: ${a === undefined ? '(unset)' : canonicalJson(a)} -> ${b === undefined ? '(unset)' : canonicalJson(b)}`,
  );
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function short(hash: string | undefined): string {
  return hash === undefined ? '(none)' : hash.slice(0, 12);
}
