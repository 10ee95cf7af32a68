import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell, StageNode } from '../../plan/types.js';
import type { ArtifactStore, DoneEntry } from '../../cache/cache.js';
import type { Failure } from '../events.js';
import type { InputArtifact } from '../../stage-api.js';
import { err, ok, type Result } from '../../util/result.js';
import { declaredOutputs, execCommand, execEnv } from '../run-cell.js';
import {
  StagingDir,
  writeJsonAtomic,
  type JobSpec,
  type JobWork,
  type StagedInput,
  type StagedInputItem,
} from './job-files.js';
import { jobScript, NODE_OVERHEAD_MB, type SbatchRequest } from './job-script.js';

const entryScript = fileURLToPath(new URL('./job-entry.js', import.meta.url));

/** Where one upstream cell's outputs come from: the cache, or a job of this submission that has not finished yet. */
export type InputSource =
  { kind: 'cached'; cell: Cell; record: DoneEntry } | { kind: 'staged'; cell: Cell; outDir: string; jobId: string };

export interface PrepareOptions {
  cell: Cell;
  node: StageNode;
  inputs: Record<string, InputSource[]>;
  files: StagingDir;
  /** Checkpoints: the fingerprint's shared work dir when it is known (they survive a retry), else one in this job's staging. */
  workDir: string;
  runtime: Record<string, string>;
  pipelineDir: string;
  cache: ArtifactStore;
  partition?: string;
  /** Node on the compute nodes; the coordinator's own by default (shared installs). */
  nodePath: string;
}

/**
 * Lays out a cell's staging directory: inputs (copied from the cache, or
 * linked to an upstream job's out/), spec.json and the batch script.
 * Returns the script's path and the job ids it must wait for.
 */
export async function prepareJob(o: PrepareOptions): Promise<Result<{ script: string; after: string[] }, Failure>> {
  mkdirSync(o.files.in, { recursive: true });
  mkdirSync(o.files.out, { recursive: true });
  const staged: StagedInput[] = [];
  const after = new Set<string>();
  for (const [name, sources] of Object.entries(o.inputs)) {
    const all = o.cell.inputs[name]?.all === true;
    const items: StagedInputItem[] = [];
    for (const [i, source] of sources.entries()) {
      const dir = all ? join(o.files.in, name, String(i)) : join(o.files.in, name);
      const placed = await place(source, dir, o.cache);
      if (!placed.ok) return placed;
      if (source.kind === 'staged') after.add(source.jobId);
      const c = source.cell;
      items.push({ stage: c.stage, cell: c.id, axes: c.axes, params: c.params, dir });
    }
    staged.push({ name, all, items });
  }
  const spec: JobSpec = {
    version: 1,
    stage: o.cell.stage,
    cell: o.cell.id,
    params: o.cell.params,
    axes: o.cell.axes,
    work: work(o, staged),
    inputs: staged,
    outDir: o.files.out,
    workDir: o.workDir,
    ...(o.node.config.timeout === undefined ? {} : { timeoutSeconds: o.node.config.timeout }),
  };
  writeJsonAtomic(o.files.spec, spec);
  writeFileSync(o.files.script, jobScript(request(o, [...after])), { mode: 0o755 });
  return ok({ script: o.files.script, after: [...after] });
}

async function place(source: InputSource, dir: string, cache: ArtifactStore): Promise<Result<void, Failure>> {
  if (source.kind === 'staged') {
    mkdirSync(join(dir, '..'), { recursive: true });
    symlinkSync(source.outDir, dir, 'dir');
    return ok(undefined);
  }
  mkdirSync(dir, { recursive: true });
  const bad = await cache.materialize(source.record, dir);
  return bad === undefined ? ok(undefined) : err({ reason: 'cache-corrupt', cell: source.cell.id, path: bad });
}

function work(o: PrepareOptions, inputs: StagedInput[]): JobWork {
  const kind = o.node.kind;
  if (kind.type === 'exec') {
    // The same command and variables as a local run; only the directories differ.
    const artifacts = Object.fromEntries(
      inputs.map((i) => {
        const list = i.items.map((item) => ({ ...item, files: [] }));
        return [i.name, i.all ? list : (list[0] as InputArtifact)];
      }),
    );
    const env = execEnv({ cell: o.cell }, { pipelineDir: o.pipelineDir }, o.files.out, o.workDir, artifacts);
    const declared = declaredOutputs({ cell: o.cell, node: o.node });
    return {
      kind: 'exec',
      command: execCommand({ cell: o.cell }),
      env,
      ...(declared === undefined ? {} : { declaredOutputs: declared }),
    };
  }
  return {
    kind: 'worker',
    modulePath: kind.modulePath,
    env: o.runtime.backend ? { ABLATE_BACKEND: o.runtime.backend } : {},
    seed: o.cell.seed,
    runtime: o.runtime,
    ...(o.node.config.memoryMB === undefined ? {} : { memoryMB: o.node.config.memoryMB }),
  };
}

function request(o: PrepareOptions, after: string[]): SbatchRequest {
  const declared = o.node.config.resources ?? {};
  const defaults = o.node.kind.definition.resources ?? {};
  const memoryMB = o.node.config.memoryMB;
  return {
    jobName: `ablate:${o.cell.id}`,
    stagingDir: o.files.dir,
    logFile: o.files.log,
    cpus: declared.cpu ?? defaults.cpu ?? 1,
    gpus: declared.gpu ?? defaults.gpu ?? 0,
    ...(memoryMB === undefined
      ? {}
      : { memoryMB: o.node.kind.type === 'exec' ? memoryMB : memoryMB + NODE_OVERHEAD_MB }),
    ...(o.node.config.timeout === undefined ? {} : { timeoutSeconds: o.node.config.timeout }),
    ...(o.partition === undefined ? {} : { partition: o.partition }),
    after,
    command: [o.nodePath, entryScript, o.files.dir],
  };
}
