import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cell, StageNode } from '../plan/types.js';
import type { CellRecord, DoneEntry } from '../cache/cache.js';
import { firstUnsafeName } from '../cache/safe-fs.js';
import { checkPathInside, readRegular } from '../cache/safe-fs-promises.js';
import { compareArtifact } from '../cache/compare.js';
import { describeFailure } from '../execution/events.js';
import { runCell } from '../execution/run-cell.js';
import { planFailureError } from '../plan/planner.js';
import { findCell, openSession, UsageError, type CommonOptions } from './session.js';
import { engineVersions } from '../versions.js';

export interface VerifyOptions extends CommonOptions {
  sample?: number;
  cell?: string[];
  seed?: number;
}

/**
 * Re-executes cached cells without touching the cache and compares their
 * outputs with the cached artifacts. Exit 1 on any mismatch.
 */
export async function verifyCommand(o: VerifyOptions): Promise<number> {
  const session = await openSession(o);
  try {
    const planned = await session.planner.planAll(session.analysis.order);
    if (!planned.ok) throw planFailureError(planned.error);
    const states = planned.value;
    const cached = session.analysis.order.filter((c) => states.get(c.id)?.kind === 'cached');
    const chosen = o.cell?.length
      ? o.cell.map((id) => findCell(session.analysis, id))
      : sample(cached, o.sample ?? 3, o.seed ?? Date.now());
    const byStage = new Map<string, { ok: number; bad: number; exact: boolean }>();
    let mismatches = 0;
    for (const cell of chosen) {
      const state = states.get(cell.id);
      if (state?.kind !== 'cached')
        throw new UsageError(`${cell.id} is not cached; run the pipeline before verifying it`);
      const full = session.cache.getRecord(state.fingerprint);
      if (full === undefined) throw new UsageError(`${cell.id}: its record is missing; run "ablate doctor"`);
      const unsafe = firstUnsafeName(Object.keys(full.outputs));
      if (unsafe !== undefined)
        throw new UsageError(
          `${cell.id}: its record names an output ${JSON.stringify(unsafe)} that is not a plain relative path; run "ablate doctor"`,
        );
      const verdict = await verifyOne(cell, full, session, states);
      const s = byStage.get(cell.stage) ?? { ok: 0, bad: 0, exact: true };
      if (verdict.ok) s.ok++;
      else s.bad++;
      s.exact &&= verdict.exact;
      byStage.set(cell.stage, s);
      if (!verdict.ok) mismatches++;
      process.stdout.write(
        `${verdict.ok ? (verdict.exact ? 'identical' : 'within tolerance') : 'MISMATCH'}  ${cell.id}${verdict.detail ? `: ${verdict.detail}` : ''}\n`,
      );
    }
    for (const [stage, s] of byStage) {
      const word =
        s.bad > 0
          ? 'NOT deterministic'
          : s.exact
            ? 'deterministic (byte for byte)'
            : 'deterministic within its declared tolerance';
      process.stdout.write(`stage ${stage}: ${word} (${s.ok}/${s.ok + s.bad} cells)\n`);
    }
    return mismatches > 0 ? 1 : 0;
  } finally {
    await session.cache.close();
  }
}

async function verifyOne(
  cell: Cell,
  record: CellRecord,
  session: Awaited<ReturnType<typeof openSession>>,
  states: Map<string, import('../plan/planner.js').CellState>,
): Promise<{ ok: boolean; exact: boolean; detail?: string }> {
  const node = session.analysis.stages.get(cell.stage) as StageNode;
  const inputs: Record<string, { cell: Cell; record: DoneEntry }[]> = {};
  for (const [name, input] of Object.entries(cell.inputs)) {
    inputs[name] = input.cells.map((id) => ({
      cell: session.analysis.cells.get(id) as Cell,
      record: (states.get(id) as { record: DoneEntry }).record,
    }));
  }
  const outDir = mkdtempSync(join(tmpdir(), 'ablate-verify-'));
  try {
    const result = await runCell(
      {
        cell,
        node,
        fingerprint: record.fingerprint,
        breakdown: record.breakdown,
        inputs,
        runtime: record.breakdown.runtime,
      },
      {
        cache: session.cache,
        pipeline: session.pipelineKey,
        pipelineDir: session.analysis.pipeline.dir,
        signal: new AbortController().signal,
        gpus: [],
        versions: engineVersions(),
        onProgress: () => {},
        outDirOverride: outDir,
      },
    );
    if (!result.ok) return { ok: false, exact: false, detail: `re-execution failed: ${describeFailure(result.error)}` };
    const tolerance = node.kind.definition.verify?.tolerance;
    let exact = true;
    const volatile = node.kind.definition.volatile ?? [];
    for (const [path, entry] of Object.entries(record.outputs)) {
      if (volatile.includes(path)) continue;
      const cachedBytes = session.cache.readArtifact(entry);
      if (cachedBytes === undefined)
        return {
          ok: false,
          exact: false,
          detail: `cached artifact "${path}" is missing or corrupt; run "ablate doctor"`,
        };
      const fresh =
        (await checkPathInside(outDir, path)) === undefined ? await readRegular(join(outDir, path)) : undefined;
      if (fresh === undefined || !fresh.ok)
        return { ok: false, exact: false, detail: `${path} was not produced again as a regular file` };
      const c = compareArtifact(path, cachedBytes, fresh.value, tolerance);
      if (!c.equal) return { ok: false, exact: false, detail: `${path}: ${c.detail}` };
      exact &&= c.exact;
    }
    return { ok: true, exact };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** K cells drawn without replacement by a seeded shuffle (printed, so a draw can be repeated). */
function sample<T>(items: readonly T[], k: number, seed: number): T[] {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a.slice(0, k);
}
