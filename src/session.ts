import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyze, type Analysis, type Cell } from './analyzer.js';
import type { Cache } from './cache/cache.js';
import { LmdbCache } from './cache/lmdb-cache.js';
import { formatDiagnostic } from './diagnostics.js';
import { loadPipelineFile } from './pipeline-loader.js';
import { Planner } from './planner.js';
import type { JsonValue } from './stage-api.js';

export const EXIT = { ok: 0, cellFailed: 1, invalid: 2, refused: 3, interrupted: 130 } as const;

export class UsageError extends Error {
  readonly exitCode = EXIT.invalid;
}

export interface CommonOptions {
  pipeline: string;
  cacheDir?: string;
  set?: string[];
  backend?: string;
}

export interface Session {
  analysis: Analysis;
  cache: Cache;
  planner: Planner;
  pipelineKey: string;
}

/** Loads and analyses a pipeline, then opens the cache; invalid input never touches the cache. */
export async function openSession(o: CommonOptions, force: ReadonlySet<string> = new Set()): Promise<Session> {
  const loaded = loadPipelineFile(o.pipeline, parseSets(o.set ?? []));
  if (!loaded.ok) throw new UsageError(formatFailure(loaded.error.diagnostics, loaded.error.sources));
  const analysis = await analyze(loaded.value);
  if (!analysis.ok) throw new UsageError(formatFailure(analysis.error.diagnostics, analysis.error.sources));
  for (const stage of force) {
    if (!analysis.value.stages.has(stage)) throw new UsageError(`--force ${stage}: the pipeline has no stage "${stage}"`);
  }
  const cache = LmdbCache.open(cacheDir(o.cacheDir));
  const pipelineKey = realpathSync(resolve(o.pipeline));
  const backend = o.backend ?? process.env.ABLATE_BACKEND;
  const planner = new Planner(analysis.value, { cache, pipelineKey, force, runtime: backend ? { backend } : {} });
  return { analysis: analysis.value, cache, planner, pipelineKey };
}

export function cacheDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.ABLATE_CACHE_DIR ?? 'cache');
}

function formatFailure(diagnostics: { message: string }[], sources: Map<string, string>): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources)).join('\n\n');
}

function parseSets(sets: string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects name=value, got "${s}"`);
    const raw = s.slice(eq + 1);
    let value: JsonValue;
    try {
      value = JSON.parse(raw) as JsonValue;
    } catch {
      value = raw;
    }
    out[s.slice(0, eq)] = value;
  }
  return out;
}

/** `--only STAGE`: that stage's cells and everything they depend on. */
export function selectCells(analysis: Analysis, only: string | undefined): Cell[] {
  if (only === undefined) return analysis.order;
  if (!analysis.stages.has(only)) throw new UsageError(`--only ${only}: the pipeline has no stage "${only}"`);
  const keep = new Set<string>();
  const visit = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const p of analysis.graph.predecessors(id) ?? []) visit(p);
  };
  for (const id of analysis.stages.get(only)?.cells ?? []) visit(id);
  return analysis.order.filter((c) => keep.has(c.id));
}

/** Finds a cell by exact id, or by a unique prefix. */
export function findCell(analysis: Analysis, id: string): Cell {
  const exact = analysis.cells.get(id);
  if (exact !== undefined) return exact;
  const matches = analysis.order.filter((c) => c.id.startsWith(id));
  if (matches.length === 1) return matches[0] as Cell;
  if (matches.length === 0) throw new UsageError(`no cell "${id}" in the pipeline; cells look like ${analysis.order[0]?.id ?? '(none)'}`);
  throw new UsageError(`"${id}" matches ${matches.length} cells: ${matches.slice(0, 5).map((c) => c.id).join(', ')}${matches.length > 5 ? ', ...' : ''}`);
}
