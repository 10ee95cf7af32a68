import { analyze } from '../../src/plan/analyzer.js';
import type { Analysis } from '../../src/plan/types.js';
import type { DoneEntry, MetaStore, RecordStore } from '../../src/cache/cache.js';
import { formatDiagnostic } from '../../src/pipeline/diagnostics.js';
import type { FingerprintHash } from '../../src/plan/fingerprint.js';
import { parseOverrides } from '../../src/pipeline/overrides.js';
import { loadPipelineFile } from '../../src/pipeline/pipeline-loader.js';
import { Planner } from '../../src/plan/planner.js';
import { sha256 } from '../../src/util/hash.js';

/**
 * A cache in which every fingerprint is done, with outputs that are a pure
 * function of it: planning then reaches every cell, and each cell's
 * fingerprint covers its upstream cells' fingerprints (through their
 * outputs' hashes) as well as its own id, params, code and inputs.
 * Runtime facts are fixed, so no TensorFlow.js backend is probed.
 */
function everythingDone(): RecordStore & MetaStore {
  const done = (fingerprint: FingerprintHash): DoneEntry => ({
    fingerprint,
    cell: '',
    outputs: {},
    outputsHash: sha256(`outputs of ${fingerprint}`),
  });
  const fake: Partial<RecordStore & MetaStore> = {
    getDone: done,
    latest: () => undefined,
    getRecord: () => undefined,
    getMeta: (key: string): unknown =>
      key.startsWith('tfjs-probe:') ? { tfjs: 'fixed', backend: 'fixed' } : undefined,
    putMeta: async () => {},
  };
  return fake as RecordStore & MetaStore;
}

export async function analysisOf(pipeline: string, flags: { set?: string[]; axis?: string[] } = {}): Promise<Analysis> {
  const loaded = await loadPipelineFile(pipeline, parseOverrides(flags));
  if (!loaded.ok)
    throw new Error(loaded.error.diagnostics.map((d) => formatDiagnostic(d, loaded.error.sources)).join('\n'));
  const analysis = await analyze(loaded.value);
  if (!analysis.ok)
    throw new Error(analysis.error.diagnostics.map((d) => formatDiagnostic(d, analysis.error.sources)).join('\n'));
  return analysis.value;
}

/** Every cell's id and fingerprint, in the pipeline's dependency order. */
export async function cellFingerprints(
  pipeline: string,
  flags: { set?: string[]; axis?: string[] } = {},
): Promise<[string, string][]> {
  const analysis = await analysisOf(pipeline, flags);
  const planner = new Planner(analysis, {
    cache: everythingDone(),
    pipelineKey: pipeline,
    force: new Set(),
    runtime: {},
  });
  const planned = await planner.planAll(analysis.order);
  if (!planned.ok) throw new Error(`planning failed: ${planned.error.reason}`);
  return analysis.order.map((c) => {
    const state = planned.value.get(c.id);
    if (state?.kind !== 'cached') throw new Error(`${c.id} was not planned as cached`);
    return [c.id, state.fingerprint];
  });
}
