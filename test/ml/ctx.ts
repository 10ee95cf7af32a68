/**
 * A hand-built StageContext for running stage kinds outside the engine, in a
 * temp directory (tests and the benchmark use it).
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InputArtifact, JsonObject, ProgressUpdate, StageContext, StageDefinition } from '../../src/stage-api.js';

export interface FakeCtx extends StageContext<JsonObject> {
  progressUpdates: ProgressUpdate[];
  logs: string[];
  abort: AbortController;
}

export async function tempDir(prefix = 'ablate-ml-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A context whose outDir and workDir live under `root/<cell>/`. */
export async function makeCtx(
  root: string,
  stage: string,
  params: JsonObject,
  inputs: Record<string, InputArtifact> = {},
  runtime: Record<string, string> = {},
): Promise<FakeCtx> {
  const cell = `${stage}[${Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}]`;
  const base = path.join(root, cell.replace(/[^a-zA-Z0-9_.=-]+/g, '_'));
  const outDir = path.join(base, 'out');
  const workDir = path.join(base, 'work');
  await mkdir(outDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const abort = new AbortController();
  const progressUpdates: ProgressUpdate[] = [];
  const logs: string[] = [];
  return {
    stage,
    cell,
    params,
    axes: {},
    seed: typeof params['seed'] === 'number' ? params['seed'] : 0,
    inputs,
    outDir,
    workDir,
    runtime,
    progress: (u) => progressUpdates.push(u),
    log: (m) => logs.push(m),
    signal: abort.signal,
    progressUpdates,
    logs,
    abort,
  };
}

/** The finished cell as another stage's input. */
export async function asInput(ctx: StageContext<JsonObject>): Promise<InputArtifact> {
  return {
    stage: ctx.stage,
    cell: ctx.cell,
    axes: ctx.axes,
    params: ctx.params,
    dir: ctx.outDir,
    files: (await readdir(ctx.outDir)).sort(),
  };
}

export async function runStage(def: StageDefinition, ctx: StageContext<JsonObject>): Promise<InputArtifact> {
  await def.run(ctx);
  return asInput(ctx);
}
