import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../plan/analyzer.js';
import type { Analysis, Cell } from '../plan/types.js';
import type { Cache } from '../cache/cache.js';
import { LmdbCache } from '../cache/lmdb-cache.js';
import { formatDiagnostic } from '../pipeline/diagnostics.js';
import { loadPipelineFile } from '../pipeline/pipeline-loader.js';
import { parseOverrides, type Overrides } from '../pipeline/overrides.js';
import type { SnapshotKeyInput } from '../plan/plan-snapshot.js';
import { cacheDir } from '../cache/location.js';
import { Planner } from '../plan/planner.js';
import { kindModulePath } from '../plan/stage-kinds.js';
import { codeHashes } from '../plan/code-hash.js';
import { canonicalJson, sha256 } from '../util/hash.js';
import { ENGINE_STAMP } from '../versions.js';
import { describeSelectorProblem, selectCells } from '../plan/selectors.js';

import { UsageError } from '../exit.js';

export { EXIT, UsageError } from '../exit.js';

/** The installed package; code under it is hashed relative to it, as the planner does (codeHashes remembers the first naming). */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface CommonOptions {
  pipeline: string;
  cacheDir?: string;
  set?: string[];
  /** `--axis name=a,b` / `name+=c`: an axis's values for this run. */
  axis?: string[];
  backend?: string;
}

export interface Session {
  analysis: Analysis;
  cache: Cache;
  planner: Planner;
  pipelineKey: string;
  /** What a plan snapshot of this session is keyed by (the exact text that was analysed). */
  snapshotKey: SnapshotKeyInput;
  /** The cells `--force` selectors named, which run even when cached. */
  forced: Cell[];
}

/** Loads and analyses a pipeline, then opens the cache; invalid input never touches the cache. `force`: cell selectors (see selectors.ts). */
export async function openSession(o: CommonOptions, force: readonly string[] = []): Promise<Session> {
  // Before anything is read: a file changed after this moment is not trusted by its stat (see plan-snapshot.ts).
  const readSince = Date.now();
  const dir = cacheDir(o.cacheDir);
  // An existing cache may remember that this exact pipeline text was valid; a new one is created only after validation.
  let cache: Cache | undefined = existsSync(join(dir, 'db')) ? LmdbCache.open(dir) : undefined;
  try {
    const overrides = parseOverrides(o);
    let trustKey: string | undefined;
    const isTrusted = async (text: string): Promise<boolean> => {
      trustKey = await validationKey(text, overrides, dirname(resolve(o.pipeline)));
      return cache?.getMeta(`valid:${trustKey}`) === true;
    };
    const loaded = await loadPipelineFile(o.pipeline, overrides, isTrusted);
    if (!loaded.ok) throw new UsageError(formatFailure(loaded.error.diagnostics, loaded.error.sources));
    const analysis = await analyze(loaded.value);
    if (!analysis.ok) throw new UsageError(formatFailure(analysis.error.diagnostics, analysis.error.sources));
    const forced = selectCells(analysis.value, force);
    if (!forced.ok) throw new UsageError(describeSelectorProblem('force', forced.error));
    cache ??= LmdbCache.open(dir);
    if (!loaded.value.trusted && trustKey !== undefined) await cache.putMeta(`valid:${trustKey}`, true);
    return finishSession(o, analysis.value, cache, forced.value, loaded.value.source.text, readSince);
  } catch (e) {
    await cache?.close();
    throw e;
  }
}

function finishSession(
  o: CommonOptions,
  analysis: Analysis,
  cache: Cache,
  forced: Cell[],
  text: string,
  readSince: number,
): Session {
  const pipelineKey = realpathSync(resolve(o.pipeline));
  const backend = o.backend ?? process.env.ABLATE_BACKEND;
  const force = new Set(forced.map((c) => c.id));
  const planner = new Planner(analysis, { cache, pipelineKey, force, runtime: backend ? { backend } : {} });
  return {
    analysis,
    cache,
    planner,
    pipelineKey,
    forced,
    snapshotKey: {
      readSince,
      pipelinePath: pipelineKey,
      text,
      overrides: o.set ?? [],
      axes: o.axis ?? [],
      backend: o.backend,
    },
  };
}

/**
 * What validation depends on: the pipeline text, the overrides, the engine
 * and the code of the stage kinds it names (their params schemas), each
 * module with the local modules it imports, where a schema may be defined.
 */
async function validationKey(text: string, overrides: Overrides, pipelineDir: string): Promise<string> {
  let kinds: string[] = [];
  let declared: Record<string, string> = {};
  try {
    const raw = JSON.parse(text) as { kinds?: Record<string, string>; stages?: Record<string, { kind?: string }> };
    declared = raw.kinds ?? {};
    kinds = [...new Set(Object.values(raw.stages ?? {}).map((s) => String(s.kind)))].sort();
  } catch {
    return sha256(text);
  }
  const modules: string[] = [];
  for (const k of kinds) {
    const path = kindModulePath(k, declared, pipelineDir);
    modules.push(
      path === undefined || !existsSync(path)
        ? `${k}:builtin`
        : `${k}:${canonicalJson(await codeHashes(path, path.startsWith(packageRoot) ? packageRoot : pipelineDir))}`,
    );
  }
  const flags = {
    set: Object.fromEntries(overrides.set.map((o) => [o.name, o.value])),
    axis: overrides.axis.map((o) => o.flag),
  };
  return sha256(canonicalJson({ text, overrides: flags, modules, engine: ENGINE_STAMP }));
}

export { cacheDir };

function formatFailure(diagnostics: { message: string }[], sources: Map<string, string>): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources)).join('\n\n');
}

/** Finds a cell by exact id, or by a unique prefix. */
export function findCell(analysis: Analysis, id: string): Cell {
  const exact = analysis.cells.get(id);
  if (exact !== undefined) return exact;
  const matches = analysis.order.filter((c) => c.id.startsWith(id));
  if (matches.length === 1) return matches[0] as Cell;
  if (matches.length === 0)
    throw new UsageError(`no cell "${id}" in the pipeline; cells look like ${analysis.order[0]?.id ?? '(none)'}`);
  throw new UsageError(
    `"${id}" matches ${matches.length} cells: ${matches
      .slice(0, 5)
      .map((c) => c.id)
      .join(', ')}${matches.length > 5 ? ', ...' : ''}`,
  );
}
