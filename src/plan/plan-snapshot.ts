import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cache, CachePaths, RecordStore } from '../cache/cache.js';
import { cacheDir } from '../cache/location.js';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { changedSince, fileStamp } from '../util/file-stamp.js';
import { canonicalJson, sha256 } from '../util/hash.js';

/**
 * The answer of the last full plan of a pipeline, kept so that `status` and
 * a no-op `run` need not expand and fingerprint every cell again while
 * nothing it depends on has changed. It is valid only when all of these are
 * as they were when it was written:
 *   - the key: pipeline file (path and text), --set and --axis overrides, forced backend
 *     and visible GPUs, and the engine's own compiled files (path, mtime, ctime, size, inode);
 *   - the cache database: its last write transaction (any commit, forget, gc
 *     or repair moves it);
 *   - every file a fingerprint read (stage code, plugin modules, exec deps),
 *     and for ML stages the installed TensorFlow.js packages, by mtime, ctime,
 *     size and inode; a file changed within RACY_MS of the plan's start is
 *     not trusted by its stat, and no snapshot is written then.
 * A stale snapshot is never trusted: any difference means a full plan.
 */
export interface SnapshotRow {
  stage: string;
  cell: string;
  status: 'cached' | 'run';
  reasons: string[];
  /** Kept by `show`, which reads metrics by fingerprint and groups by axes. */
  fingerprint?: string;
  axes?: Record<string, string | number | boolean>;
}

export interface PlanSnapshot {
  version: 1;
  key: string;
  generation: number;
  /** path -> its stamp (see util/file-stamp.ts); "absent" for a file that did not exist. */
  files: Record<string, string>;
  pipeline: string;
  runtime: Record<string, string>;
  rows: SnapshotRow[];
  /** `show`'s snapshots: the metrics declaration of each stage that has one. */
  metrics?: Record<string, unknown>;
  /** The final cells' output files, stored by a run that left everything cached (not by status). */
  finals?: { stage: string; cell: string; files: string[] }[];
}

export interface SnapshotKeyInput {
  /** When the pipeline and the files its fingerprints hash began to be read (Date.now()). */
  readSince: number;
  pipelinePath: string;
  text: string;
  overrides: readonly string[];
  /** The `--axis` flags, in order. */
  axes: readonly string[];
  backend: string | undefined;
}

const engineDir = dirname(dirname(fileURLToPath(import.meta.url)));

export function snapshotKey(k: SnapshotKeyInput): string {
  return sha256(
    canonicalJson({
      version: 1,
      pipeline: k.pipelinePath,
      text: k.text,
      overrides: k.overrides,
      axes: k.axes,
      backend: k.backend ?? process.env.ABLATE_BACKEND ?? '',
      gpus: process.env.CUDA_VISIBLE_DEVICES ?? '',
      engine: engineStamp(),
    }),
  );
}

let engineStampMemo: string | undefined;

/** The engine's compiled files by mtime and size: a rebuilt engine never reuses an old answer. */
function engineStamp(): string {
  if (engineStampMemo !== undefined) return engineStampMemo;
  const files = jsFiles(engineDir).sort();
  engineStampMemo = sha256(files.map((f) => `${f}=${fileStamp(join(engineDir, f))}`).join('\n'));
  return engineStampMemo;
}

/** The .js files under `dir`, relative to it; a walk of its own, since fs's recursive readdir took ten times as long. */
function jsFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...jsFiles(dir, rel));
    else if (entry.name.endsWith('.js')) out.push(rel);
  }
  return out;
}

function recentlyChanged(path: string, since: number): boolean {
  try {
    return changedSince(statSync(path), since);
  } catch {
    return false;
  }
}

/** Files whose change alters runtime facts of ML stages: the installed tfjs packages. */
function runtimeFiles(): string[] {
  try {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json');
    const scope = resolve(dirname(pkg), '..');
    return [scope, ...readdirSync(scope).map((name) => join(scope, name, 'package.json'))];
  } catch {
    return [];
  }
}

/** `kind` names a command's own snapshot ('show'); the plan of status and run has none. */
function snapshotPath(cache: CachePaths, pipelinePath: string, kind?: string): string {
  return join(cache.dir, 'plans', `${sha256(pipelinePath).slice(0, 32)}${kind === undefined ? '' : `.${kind}`}.json`);
}

/** The stored answer, if it is still exact; undefined otherwise. */
export function readSnapshot(
  cache: CachePaths & RecordStore,
  key: SnapshotKeyInput,
  kind?: string,
): PlanSnapshot | undefined {
  // Whatever is on disk: a snapshot of another ablate version may have another shape.
  let parsed: { version?: unknown };
  try {
    parsed = JSON.parse(readFileSync(snapshotPath(cache, key.pipelinePath, kind), 'utf8')) as { version?: unknown };
  } catch {
    return undefined;
  }
  if (parsed.version !== 1) return undefined;
  const snap = parsed as PlanSnapshot;
  if (snap.key !== snapshotKey(key) || snap.generation !== cache.generation()) return undefined;
  for (const [path, state] of Object.entries(snap.files)) if (fileStamp(path) !== state) return undefined;
  return snap;
}

export interface SnapshotContent {
  pipeline: string;
  runtime: Record<string, string>;
  rows: SnapshotRow[];
  inputs: { files: string[]; runtime: boolean };
  metrics?: Record<string, unknown>;
  finals?: PlanSnapshot['finals'];
}

/** Stores the answer of a full plan; written whole (temporary file, then rename) or not at all. */
export function writeSnapshot(
  cache: CachePaths & RecordStore,
  key: SnapshotKeyInput,
  content: SnapshotContent,
  kind?: string,
): void {
  const files: Record<string, string> = {};
  for (const f of [...content.inputs.files, ...(content.inputs.runtime ? runtimeFiles() : [])]) {
    // A file changed since the plan began may hold other contents than the plan read: no snapshot this time.
    if (recentlyChanged(f, key.readSince)) return;
    files[f] = fileStamp(f);
  }
  const snap: PlanSnapshot = {
    version: 1,
    key: snapshotKey(key),
    generation: cache.generation(),
    files,
    pipeline: content.pipeline,
    runtime: content.runtime,
    rows: content.rows,
    ...(content.metrics === undefined ? {} : { metrics: content.metrics }),
    ...(content.finals === undefined ? {} : { finals: content.finals }),
  };
  const path = snapshotPath(cache, key.pipelinePath, kind);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(snap));
    renameSync(tmp, path);
  } catch {
    // A snapshot only saves time; a cache that cannot take one still answers correctly.
  }
}

/**
 * The cache and the stored plan of the pipeline, when that plan is still
 * exact (see the notes at the top of this file); undefined otherwise, with
 * nothing left open.
 */
export async function currentSnapshot(
  o: { pipeline: string; cacheDir?: string; set?: string[]; axis?: string[]; backend?: string },
  kind?: string,
): Promise<{ cache: Cache; snapshot: PlanSnapshot } | undefined> {
  const dir = cacheDir(o.cacheDir);
  if (!existsSync(join(dir, 'db'))) return undefined;
  let key: SnapshotKeyInput;
  try {
    const pipelinePath = realpathSync(resolve(o.pipeline));
    key = {
      readSince: Date.now(),
      pipelinePath,
      text: readFileSync(pipelinePath, 'utf8'),
      overrides: o.set ?? [],
      axes: o.axis ?? [],
      backend: o.backend,
    };
  } catch {
    return undefined;
  }
  const cache = LmdbCache.open(dir);
  const snapshot = readSnapshot(cache, key, kind);
  if (snapshot !== undefined) return { cache, snapshot };
  await cache.close();
  return undefined;
}
