import { join, resolve } from 'node:path';
import type { Cell } from '../plan/types.js';
import type { ArtifactStore, CellRecord, RecordStore } from '../cache/cache.js';
import { describeRefusal, firstUnsafeName, writeInsideSync, type Refusal } from '../cache/safe-fs.js';
import { EnvironmentError } from '../exit.js';
import { planFailureError } from '../plan/planner.js';
import { openSession, UsageError, type CommonOptions } from './session.js';
import { provenanceOf } from '../report/provenance.js';
import { sha256 } from '../util/hash.js';

/** Exit 4, like other cache problems. */
class CacheCorruptError extends EnvironmentError {}

/**
 * Copies the final artifacts (cells nothing else consumes; every cell with
 * --all) and a provenance manifest per cell into DIR, for CI to upload.
 */
export async function exportCommand(o: CommonOptions & { out: string; all?: boolean }): Promise<number> {
  const session = await openSession(o);
  try {
    const planned = await session.planner.planAll(session.analysis.order);
    if (!planned.ok) throw planFailureError(planned.error);
    const missing = session.analysis.order.filter((c) => planned.value.get(c.id)?.kind !== 'cached');
    if (missing.length > 0) {
      throw new UsageError(
        `cannot export: ${missing.length} cell(s) are not cached (e.g. ${missing[0]?.id}); run the pipeline first`,
      );
    }
    const out = resolve(o.out);
    const chosen: { cell: Cell; record: CellRecord; artifacts: boolean }[] = [];
    for (const cell of session.analysis.order) {
      const state = planned.value.get(cell.id);
      if (state?.kind !== 'cached') continue;
      const r = session.cache.getRecord(state.fingerprint);
      if (r === undefined) throw new UsageError(`${cell.id}: its record is missing; run "ablate doctor"`);
      const isFinal = (session.analysis.graph.successors(cell.id) ?? []).length === 0;
      chosen.push({ cell, record: r, artifacts: isFinal || o.all === true });
    }
    // Every name is checked before anything is written: a bad record leaves no partial export.
    for (const { cell, record } of chosen) {
      const unsafe = firstUnsafeName(Object.keys(record.outputs));
      if (unsafe !== undefined)
        await drop(session.cache, cell, record, `output name ${JSON.stringify(unsafe)} is not a plain relative path`);
    }
    const manifests: Record<string, unknown> = {};
    for (const { cell, record: r, artifacts } of chosen) {
      if (artifacts) await exportArtifacts(session.cache, cell, r, out, `artifacts/${safe(cell.id)}`);
      manifests[cell.id] = manifestOf(cell, r);
    }
    const manifest = `${JSON.stringify({ pipeline: session.analysis.pipeline.name, exportedAt: new Date().toISOString(), cells: manifests }, null, 2)}\n`;
    refuseIfBlocked(writeInsideSync(out, 'manifest.json', Buffer.from(manifest)));
    const provenance = provenanceOf(
      session.analysis.pipeline.name,
      session.analysis.pipeline.dir,
      chosen.map((c) => c.record),
    );
    refuseIfBlocked(writeInsideSync(out, 'provenance.json', Buffer.from(`${JSON.stringify(provenance, null, 2)}\n`)));
    process.stdout.write(
      `exported ${Object.keys(manifests).length} cell manifests to ${join(o.out, 'manifest.json')}, provenance to ${join(o.out, 'provenance.json')} and final artifacts to ${join(o.out, 'artifacts')}\n`,
    );
    return 0;
  } finally {
    await session.cache.close();
  }
}

/** Writes a record's artifacts under OUT/FOLDER, each verified against its hash, none through a link. */
async function exportArtifacts(
  cache: RecordStore & ArtifactStore,
  cell: Cell,
  r: CellRecord,
  out: string,
  folder: string,
): Promise<void> {
  for (const [rel, entry] of Object.entries(r.outputs)) {
    const bytes = cache.readArtifact(entry);
    if (bytes === undefined) await drop(cache, cell, r, `cached artifact "${rel}" is missing or corrupt`);
    else refuseIfBlocked(writeInsideSync(out, `${folder}/${rel}`, bytes));
  }
}

/** The provenance of one exported cell. */
function manifestOf(cell: Cell, r: CellRecord): Record<string, unknown> {
  return {
    stage: cell.stage,
    axes: cell.axes,
    fingerprint: r.fingerprint,
    breakdown: r.breakdown,
    outputs: r.outputs,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    runtime: r.runtime,
    seed: cell.seed,
    host: r.host,
    versions: r.versions,
  };
}

/** Drops the record, so that the next run rebuilds the cell instead of serving it again. */
async function drop(cache: RecordStore, cell: Cell, r: CellRecord, problem: string): Promise<never> {
  await cache.forget(r.fingerprint);
  throw new CacheCorruptError(`${cell.id}: ${problem}; it was removed from the cache, run the pipeline to rebuild it`);
}

function refuseIfBlocked(refusal: Refusal | undefined): void {
  if (refusal !== undefined)
    throw new UsageError(
      `--out: ${describeRefusal(refusal)}; export writes only real files and folders inside --out and does not follow links`,
    );
}

/** Longest export folder name, in bytes: file systems allow 255. */
const MAX_FOLDER_NAME = 200;

/**
 * The folder a cell's artifacts are exported to, named after its id. Distinct
 * ids give distinct names: letters, digits and `_.=,+-[]` stay, and every
 * other character, `%` included, becomes `%XX` (U+0000..U+00FF), `%uXXXX`
 * or `%UXXXXXX` by code point. A name over MAX_FOLDER_NAME bytes keeps its
 * start and ends in `#` and a hash of the whole; `#` is never kept as is.
 */
export function safe(id: string): string {
  const name = id.replace(/[^A-Za-z0-9_.=,+\-[\]]/gu, (c) => {
    const code = c.codePointAt(0) as number;
    const hex = code.toString(16).toUpperCase();
    return code <= 0xff
      ? `%${hex.padStart(2, '0')}`
      : code <= 0xffff
        ? `%u${hex.padStart(4, '0')}`
        : `%U${hex.padStart(6, '0')}`;
  });
  return name.length <= MAX_FOLDER_NAME ? name : `${name.slice(0, MAX_FOLDER_NAME - 33)}#${sha256(name).slice(0, 32)}`;
}
