import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Analysis, Cell, CellInput, StageNode } from './types.js';
import type { DoneEntry, MetaStore, RecordStore } from '../cache/cache.js';
import { codeFiles, codeHashes, type CodeHashes } from './code-hash.js';
import {
  diffFingerprints,
  fingerprintHash,
  ParamsCanonicalizer,
  type FingerprintData,
  type FingerprintHash,
  type InputEntry,
} from './fingerprint.js';
import { runtimeFacts, RuntimeProbeError, type RuntimeOptions } from './runtime-facts.js';
import { pluginValue } from './stage-kinds.js';
import { changedSince } from '../util/file-stamp.js';
import { canonicalJson, sha256, type Sha256 } from '../util/hash.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { EnvironmentError, UsageError } from '../exit.js';

/** The package root, for naming built-in stage files in fingerprints. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The code and runtime parts of a fingerprint when a kind has none (exec):
 * one shared object, so fingerprintHash's per-object memo of their canonical
 * text hits instead of growing by two fresh objects per cell.
 */
const NO_CODE: CodeHashes = Object.freeze({});
const NO_RUNTIME: Record<string, string> = Object.freeze({});

export type CellState =
  | { kind: 'cached'; fingerprint: FingerprintHash; record: DoneEntry }
  | { kind: 'run'; fingerprint: FingerprintHash; breakdown: FingerprintData; reasons: string[]; forced: boolean }
  /** `upstream`: every input cell that is not cached yet, in input order. */
  | { kind: 'blocked'; upstream: string[] };

/** What every cell of a stage shares in its fingerprint, resolved once. */
interface StagePrep {
  node: StageNode;
  runtime: Record<string, string>;
  params: ParamsCanonicalizer;
  /** Code hashes by plugin key (see pluginKey). */
  code: Map<string, CodeHashes>;
}

/** A cell's stage, and the code hashes of the plugins its params select. */
interface CellPrep {
  stage: StagePrep;
  code: CodeHashes;
}

export type PlanFailure =
  { reason: 'dep-missing'; cell: string; path: string } | { reason: 'runtime-probe'; message: string };

export interface PlanOptions {
  cache: RecordStore & MetaStore;
  /** Identifies the pipeline for "last run of this cell" lookups. */
  pipelineKey: string;
  runtime: RuntimeOptions;
  /** Ids of cells that run even when cached (`--force`). */
  force: ReadonlySet<string>;
}

/** Computes fingerprints and cache states; shared by run, status and explain. */
export class Planner {
  private readonly runtimeByKind = new Map<string, Record<string, string>>();
  private readonly codeByCell = new Map<string, CodeHashes>();
  private readonly stages = new Map<StageNode, StagePrep>();
  /** Every file whose content went into a fingerprint: code, declared deps. */
  private readonly read = new Set<string>();
  private runtimeProbed = false;
  /** Canonical params hash by cell id, for the fingerprints of the cells it feeds. */
  private readonly paramsHashes = new Map<string, Sha256>();

  constructor(
    private readonly analysis: Analysis,
    private readonly o: PlanOptions,
  ) {}

  /** Runtime facts resolved so far, merged (for the run header). */
  runtimeSummary(): Record<string, string> {
    return Object.assign({}, ...this.runtimeByKind.values()) as Record<string, string>;
  }

  /** What the plans made so far read besides the pipeline and the cache: see plan-snapshot.ts. */
  inputsRead(): { files: string[]; runtime: boolean } {
    return { files: [...this.read].sort(), runtime: this.runtimeProbed };
  }

  /** States of every cell, in dependency order. */
  async planAll(cells: readonly Cell[]): Promise<Result<Map<string, CellState>, PlanFailure>> {
    const states = new Map<string, CellState>();
    // The asynchronous parts (runtime probes, code hashes) are per stage; cells are then planned
    // synchronously, which matters when a pipeline has ten thousand of them.
    for (const cell of cells) {
      const ready = await this.prepare(cell);
      if (!ready.ok) return ready;
      const s = this.stateNow(cell, ready.value, states);
      if (!s.ok) return s;
      states.set(cell.id, s.value);
    }
    return ok(states);
  }

  /** A cell's state given the states of its inputs. */
  async stateOf(cell: Cell, states: ReadonlyMap<string, CellState>): Promise<Result<CellState, PlanFailure>> {
    const ready = await this.prepare(cell);
    return ready.ok ? this.stateNow(cell, ready.value, states) : ready;
  }

  private stateNow(cell: Cell, prep: CellPrep, states: ReadonlyMap<string, CellState>): Result<CellState, PlanFailure> {
    const records: Record<string, DoneEntry[]> = {};
    const waiting: string[] = [];
    for (const name in cell.inputs) {
      const list: DoneEntry[] = [];
      for (const id of (cell.inputs[name] as CellInput).cells) {
        const s = states.get(id);
        if (s?.kind === 'cached') list.push(s.record);
        else waiting.push(id);
      }
      records[name] = list;
    }
    if (waiting.length > 0) return ok({ kind: 'blocked', upstream: waiting });
    const fp = this.fingerprintNow(cell, prep, records);
    if (!fp.ok) return fp;
    const { data, hash } = fp.value;
    const forced = this.o.force.has(cell.id);
    const record = forced ? undefined : this.o.cache.getDone(hash);
    // The done entry is written only after its blobs are whole; artifacts are verified when read.
    if (record !== undefined) return ok({ kind: 'cached', fingerprint: hash, record });
    const reasons = forced ? ['forced (--force)'] : this.reasons(cell, hash, data);
    return ok({ kind: 'run', fingerprint: hash, breakdown: data, reasons, forced });
  }

  private reasons(cell: Cell, hash: FingerprintHash, data: FingerprintData): string[] {
    const last = this.o.cache.latest(this.o.pipelineKey, cell.id);
    if (last === undefined) return ['new cell (no earlier run)'];
    if (last === hash) return ['its cached result was removed (corrupt or collected)'];
    const before = this.o.cache.getRecord(last);
    if (before === undefined) return ['inputs changed (the earlier record is gone)'];
    const diff = diffFingerprints(before.breakdown, data);
    return diff.length > 0 ? diff : ['fingerprint changed'];
  }

  async fingerprint(
    cell: Cell,
    inputs: Record<string, DoneEntry[]>,
  ): Promise<Result<{ data: FingerprintData; hash: FingerprintHash }, PlanFailure>> {
    const ready = await this.prepare(cell);
    return ready.ok ? this.fingerprintNow(cell, ready.value, inputs) : ready;
  }

  private fingerprintNow(
    cell: Cell,
    { stage, code }: CellPrep,
    inputs: Record<string, DoneEntry[]>,
  ): Result<{ data: FingerprintData; hash: FingerprintHash }, PlanFailure> {
    const files = this.depFiles(cell);
    if (!files.ok) return files;
    const data: FingerprintData = {
      version: 2,
      kind: cell.kind,
      cell: cell.id,
      code,
      params: cell.params,
      inputs: this.fingerprintInputs(cell, stage.node, inputs),
      seed: cell.seed,
      runtime: stage.runtime,
      files: files.value,
    };
    const paramsText = stage.params.text(cell.axes);
    this.paramsHashes.set(cell.id, sha256(paramsText));
    return ok({ data, hash: fingerprintHash(data, paramsText) });
  }

  /**
   * Each input's upstream cells as the stage is shown them. Cells are named
   * as this pipeline names them, in the order of `cell.inputs[name].cells`,
   * which is the order of the numbered folders a fan-in reads: never by the
   * id in the upstream record, which is whatever pipeline first computed it.
   * Upstream params count only for JS kinds (see InputEntry.params).
   */
  private fingerprintInputs(
    cell: Cell,
    node: StageNode,
    inputs: Record<string, DoneEntry[]>,
  ): FingerprintData['inputs'] {
    const showsParams = node.kind.type === 'module';
    const out: FingerprintData['inputs'] = {};
    for (const name of Object.keys(inputs).sort()) {
      const input = cell.inputs[name] as CellInput;
      const entries = (inputs[name] as DoneEntry[]).map((r, i): InputEntry => {
        const id = input.cells[i] as string;
        return showsParams
          ? { cell: id, params: this.paramsHash(id), outputs: r.outputsHash }
          : { cell: id, outputs: r.outputsHash };
      });
      out[name] = input.all ? entries : (entries[0] as InputEntry);
    }
    return out;
  }

  /** sha256 of an upstream cell's canonical params: remembered from its own fingerprint when planned first, as it usually is. */
  private paramsHash(id: string): Sha256 {
    let h = this.paramsHashes.get(id);
    if (h === undefined) {
      h = sha256(canonicalJson((this.analysis.cells.get(id) as Cell).params));
      this.paramsHashes.set(id, h);
    }
    return h;
  }

  /** Resolves what a cell's stage needs asynchronously: runtime facts and the code hashes of its plugin choice. */
  private async prepare(cell: Cell): Promise<Result<CellPrep, PlanFailure>> {
    const node = this.analysis.stages.get(cell.stage) as StageNode;
    let stage = this.stages.get(node);
    if (stage === undefined) {
      const runtime = await this.runtime(node);
      if (!runtime.ok) return runtime;
      stage = {
        node,
        runtime: runtime.value,
        params: new ParamsCanonicalizer(node.config.params, node.axisNames),
        code: new Map(),
      };
      this.stages.set(node, stage);
    }
    const key = this.pluginKey(cell, stage);
    let code = stage.code.get(key);
    if (code === undefined) {
      code = await this.code(cell, node);
      stage.code.set(key, code);
    }
    return ok({ stage, code });
  }

  /** The plugin modules a cell's params select, joined: cells with equal keys share code hashes. */
  private pluginKey(cell: Cell, stage: StagePrep): string {
    const plugins = stage.node.kind.definition.plugins;
    if (plugins === undefined) return '';
    return Object.keys(plugins)
      .map((param) => pluginValue(stage.node.kind.definition, cell.params, param) ?? '')
      .join('\0');
  }

  private async runtime(node: StageNode): Promise<Result<Record<string, string>, PlanFailure>> {
    const providers = node.kind.definition.runtime ?? [];
    if (providers.length === 0) return ok(NO_RUNTIME);
    const known = this.runtimeByKind.get(node.kind.name);
    if (known !== undefined) return ok(known);
    this.runtimeProbed = true;
    try {
      const facts = await runtimeFacts(providers, this.o.cache, this.o.runtime);
      this.runtimeByKind.set(node.kind.name, facts);
      return ok(facts);
    } catch (e) {
      if (e instanceof RuntimeProbeError) return err({ reason: 'runtime-probe', message: e.message });
      throw e;
    }
  }

  private async code(cell: Cell, node: StageNode): Promise<CodeHashes> {
    if (node.kind.type === 'exec') return NO_CODE;
    const modulePath = node.kind.modulePath;
    const root = modulePath.startsWith(packageRoot) ? packageRoot : this.analysis.pipeline.dir;
    const plugins = Object.entries(node.kind.definition.plugins ?? {}).flatMap(([param, dir]) => {
      const value = pluginValue(node.kind.definition, cell.params, param);
      return value === undefined ? [] : [resolve(dirname(modulePath), dir, `${value}.js`)];
    });
    const key = [modulePath, ...plugins].join('\0');
    const memo = this.codeByCell.get(key);
    if (memo !== undefined) return memo;
    const merged: CodeHashes = { ...(await codeHashes(modulePath, root)) };
    for (const p of plugins) Object.assign(merged, await codeHashes(p, root));
    for (const entry of [modulePath, ...plugins]) for (const f of codeFiles(entry)) this.read.add(f);
    const sorted: CodeHashes = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
    this.codeByCell.set(key, sorted);
    return sorted;
  }

  private depFiles(cell: Cell): Result<Record<string, Sha256>, PlanFailure> {
    const deps = cell.params.deps;
    if (cell.kind !== 'exec' || !Array.isArray(deps)) return ok({});
    const out: Record<string, Sha256> = {};
    for (const d of deps.map(String).sort()) {
      const hash = this.fileHash(resolve(this.analysis.pipeline.dir, d));
      if (hash === undefined) return err({ reason: 'dep-missing', cell: cell.id, path: d });
      out[d] = hash;
    }
    return ok(out);
  }

  /** Content hash, memoised by (path, mtime, ctime, size, inode) so unchanged files are not re-read. */
  private fileHash(path: string): Sha256 | undefined {
    this.read.add(path);
    let st;
    try {
      st = statSync(path);
    } catch {
      return undefined;
    }
    const key = `file:${path}`;
    const stamp = `${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.ino}`;
    const memo = this.o.cache.getMeta(key);
    if (typeof memo === 'object' && memo !== null && 'stamp' in memo && memo.stamp === stamp && 'hash' in memo)
      return memo.hash as Sha256;
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex') as Sha256;
    // A file changed within the timestamp granularity could change again under the same stat: hash it again next time.
    if (!changedSince(st, Date.now())) void this.o.cache.putMeta(key, { stamp, hash });
    return hash;
  }
}

/** The error a command ends with when planning fails: a missing dependency is the user's (2), a backend that will not start the machine's (4). */
export function planFailureError(f: PlanFailure, prefix = ''): UsageError | EnvironmentError {
  const message = prefix + describePlanFailure(f);
  switch (f.reason) {
    case 'dep-missing':
      return new UsageError(message);
    case 'runtime-probe':
      return new EnvironmentError(message);
    default:
      return unreachable(f);
  }
}

export function describePlanFailure(f: PlanFailure): string {
  switch (f.reason) {
    case 'dep-missing':
      return `${f.cell}: declared dependency "${f.path}" does not exist`;
    case 'runtime-probe':
      return f.message;
    default:
      return unreachable(f);
  }
}
