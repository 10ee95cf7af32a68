import { mkdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell, StageNode } from '../plan/types.js';
import type { ArtifactStore, CachePaths, CellRecord, DoneEntry, RecordStore } from '../cache/cache.js';
import type { ExitReason } from './child-process.js';
import type { Failure } from './events.js';
import type { FingerprintData, FingerprintHash } from '../plan/fingerprint.js';
import type { InputArtifact, ProgressUpdate } from '../stage-api.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { collectOutputs, storeAndCommit } from './outputs.js';
import { metricsSpec } from '../metrics/spec.js';
import { metricsFromOutputs } from '../metrics/store.js';
import { writeFanInIndex } from './fanin-index.js';
import { renderCommand } from './exec-definition.js';
import { endedUnfinished, UNFINISHED_MESSAGE } from './worker-outcome.js';
import type { WorkerMessage, WorkerPayload } from './worker.js';
import { valueText } from '../util/value-text.js';

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url));

export interface CellJob {
  cell: Cell;
  node: StageNode;
  fingerprint: FingerprintHash;
  breakdown: FingerprintData;
  /** Upstream records by input name, in the order the cell lists them. */
  inputs: Record<string, { cell: Cell; record: DoneEntry }[]>;
  runtime: Record<string, string>;
}

export interface CellEnv {
  cache: RecordStore & ArtifactStore & CachePaths;
  pipeline: string;
  pipelineDir: string;
  signal: AbortSignal;
  gpus: number[];
  versions: Record<string, string>;
  onProgress: (update: ProgressUpdate) => void;
  /**
   * Called once the cell's process has exited, before its outputs are stored
   * and committed: the executor hands the cell's CPU/GPU slot to the next cell.
   */
  onProcessExit?(): void;
  /** Where outputs go; the cache commits only when this is undefined. */
  outDirOverride?: string;
}

/** Runs one cell outside the engine's process and, on success, commits its record. */
export async function runCell(job: CellJob, env: CellEnv): Promise<Result<CellRecord, Failure>> {
  let scratch: string;
  try {
    scratch = env.cache.scratchDir();
  } catch (e) {
    return err({ reason: 'prepare-failed', message: fileError(e) });
  }
  try {
    return await attempt(job, env, scratch);
  } finally {
    // File calls here run on libuv's thread pool: blocking the event loop would serialise parallel cells.
    await rm(scratch, { recursive: true, force: true });
  }
}

async function attempt(job: CellJob, env: CellEnv, scratch: string): Promise<Result<CellRecord, Failure>> {
  const startedAt = new Date();
  const ready = await prepare(job, env, scratch, startedAt);
  if (!ready.ok) return ready;
  const { outDir, workDir, logFile, inputs, verifying } = ready.value;
  const base = { cwd: outDir, logFile, timeoutSeconds: job.node.config.timeout, signal: env.signal };
  const childEnv = { ...stringEnv(), ...gpuEnv(env.gpus) };
  let stageError: string | undefined;
  let stageDone = false;
  let exit: ExitReason;
  const { runShell, runWorker } = await import('./child-process.js');
  const kind = job.node.kind;
  switch (kind.type) {
    case 'exec':
      exit = await runShell(execCommand(job), {
        ...base,
        env: { ...childEnv, ...execEnv(job, env, outDir, workDir, inputs) },
      });
      break;
    case 'module': {
      const payload: WorkerPayload = {
        modulePath: kind.modulePath,
        stage: job.cell.stage,
        cell: job.cell.id,
        params: job.cell.params,
        axes: job.cell.axes,
        seed: job.cell.seed,
        inputs,
        outDir,
        workDir,
        runtime: job.runtime,
      };
      exit = await runWorker({
        ...base,
        env: { ...childEnv, ...(job.runtime.backend ? { ABLATE_BACKEND: job.runtime.backend } : {}) },
        script: workerScript,
        memoryMB: job.node.config.memoryMB,
        payload,
        onMessage: (m) => {
          const msg = m as WorkerMessage;
          switch (msg.type) {
            case 'progress':
              env.onProgress(msg.update);
              break;
            case 'error':
              stageError = msg.message;
              break;
            case 'done':
              stageDone = true;
              break;
          }
        },
      });
      break;
    }
    default:
      unreachable(kind);
  }
  env.onProcessExit?.();
  const failure = outOfMemory(exit, logFile, job.node.config.memoryMB) ?? classify(exit, stageError);
  if (failure !== undefined) return err(failure);
  // A worker that exits 0 without reporting "done" never finished run(): its outputs are not a result.
  if (job.node.kind.type === 'module' && endedUnfinished(exit, stageDone))
    return err({ reason: 'stage-error', message: UNFINISHED_MESSAGE });
  const files = collectOutputs(outDir, declaredOutputs(job));
  if (!files.ok) return files;
  if (verifying) return ok(recordOf(job, env, attemptOf(startedAt), { outputs: {}, outputsHash: job.fingerprint }));
  const spec = metricsSpec(job.node.config.metrics);
  const metricsOf = (r: CellRecord) =>
    spec === undefined ? undefined : metricsFromOutputs(env.cache, spec, r.outputs);
  const committed = await storeAndCommit(
    env.cache,
    outDir,
    files.value,
    job.node.kind.definition.volatile,
    (stored) => recordOf(job, env, attemptOf(startedAt), stored),
    metricsOf,
  );
  if (committed.ok) await rm(workDir, { recursive: true, force: true });
  return committed;
}

/** Where and when an attempt ran, for its record. */
export interface Attempt {
  startedAt: string;
  durationMs: number;
  host: string;
}

export function attemptOf(startedAt: Date): Attempt {
  return { startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), host: hostname() };
}

/** The record of a finished cell, local or from a cluster job. */
export function recordOf(
  job: CellJob,
  env: CellEnv,
  attempt: Attempt,
  stored: Pick<CellRecord, 'outputs' | 'outputsHash'>,
): CellRecord {
  return {
    version: 1,
    fingerprint: job.fingerprint,
    breakdown: job.breakdown,
    pipeline: env.pipeline,
    stage: job.cell.stage,
    cell: job.cell.id,
    outputs: stored.outputs,
    outputsHash: stored.outputsHash,
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    runtime: job.runtime,
    host: attempt.host,
    versions: env.versions,
  };
}

export function classify(exit: ExitReason, stageError: string | undefined): Failure | undefined {
  switch (exit.kind) {
    case 'exit':
      if (exit.code === 0) return undefined;
      return stageError !== undefined
        ? { reason: 'stage-error', message: stageError }
        : { reason: 'exit-non-zero', code: exit.code };
    case 'signal':
      return { reason: 'killed-by-signal', signal: exit.signal };
    case 'timeout':
      return { reason: 'timeout', seconds: exit.seconds };
    case 'cancelled':
      return { reason: 'cancelled' };
    case 'spawn-error':
      return { reason: 'spawn-error', message: exit.message };
    default:
      return unreachable(exit);
  }
}

/** The folders, inputs and log a cell's process starts with. */
export interface Prepared {
  outDir: string;
  workDir: string;
  logFile: string;
  inputs: Record<string, InputArtifact | InputArtifact[]>;
  verifying: boolean;
}

/**
 * Creates the cell's folders, copies its inputs and opens its log. A file
 * error here (a full disk, a log folder that is a file) fails the cell with
 * its reason: the cell never ran, so it must not pass for skipped.
 */
export async function prepare(
  job: CellJob,
  env: CellEnv,
  scratch: string,
  startedAt: Date,
): Promise<Result<Prepared, Failure>> {
  try {
    const outDir = env.outDirOverride ?? join(scratch, 'out');
    await mkdir(outDir, { recursive: true });
    const inputs = await materializeInputs(job, env.cache, join(scratch, 'in'));
    if (!inputs.ok) return inputs;
    const verifying = env.outDirOverride !== undefined;
    // A verification must start from scratch, never from a real run's checkpoint.
    const workDir = verifying ? join(scratch, 'work') : env.cache.workDir(job.fingerprint);
    await mkdir(workDir, { recursive: true });
    const logFile = verifying
      ? env.cache.logPath(job.fingerprint).replace(/\.log$/, '.verify.log')
      : env.cache.logPath(job.fingerprint);
    await mkdir(join(logFile, '..'), { recursive: true });
    await appendFile(
      logFile,
      `== ${job.cell.id} started ${startedAt.toISOString()} on ${hostname()} (pid ${process.pid})\n`,
    );
    return ok({ outDir, workDir, logFile, inputs: inputs.value, verifying });
  } catch (e) {
    return err({ reason: 'prepare-failed', message: fileError(e) });
  }
}

/** A file error in words, with the path it concerns: "cannot write /x/y: the disk is full (ENOSPC)". */
export function fileError(e: unknown): string {
  const { code, path, syscall } = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of its path is a file, not a folder',
    EEXIST: 'a file is in the way of a folder',
    ENAMETOOLONG: 'the name is too long',
  };
  if (code === undefined) return (e as Partial<Error>).message ?? String(e);
  const what = words[code] ?? (e as Error).message;
  if (code === 'ENOSPC' || code === 'EDQUOT' || path === undefined) return `${what} (${code})`;
  return `cannot ${syscall ?? 'write'} ${path}: ${what} (${code})`;
}

async function materializeInputs(
  job: CellJob,
  cache: ArtifactStore,
  root: string,
): Promise<Result<Record<string, InputArtifact | InputArtifact[]>, Failure>> {
  const out: Record<string, InputArtifact | InputArtifact[]> = {};
  for (const [name, list] of Object.entries(job.inputs)) {
    const artifacts: InputArtifact[] = [];
    for (const [i, { cell, record }] of list.entries()) {
      const dir = job.cell.inputs[name]?.all ? join(root, name, String(i)) : join(root, name);
      mkdirSync(dir, { recursive: true });
      const bad = await cache.materialize(record, dir);
      if (bad !== undefined) return err({ reason: 'cache-corrupt', cell: cell.id, path: bad });
      // outputsHash is a runtime extra for JS stages (see input-index.ts): what the fingerprint knows of this input.
      artifacts.push({
        stage: cell.stage,
        cell: cell.id,
        axes: cell.axes,
        params: cell.params,
        dir,
        files: Object.keys(record.outputs),
        outputsHash: record.outputsHash,
      } as InputArtifact);
    }
    if (job.cell.inputs[name]?.all)
      await writeFanInIndex(
        join(root, name),
        name,
        list.map(({ cell, record }) => ({ cell, outputsHash: record.outputsHash })),
      );
    out[name] = job.cell.inputs[name]?.all ? artifacts : (artifacts[0] as InputArtifact);
  }
  return ok(out);
}

export function declaredOutputs(job: Pick<CellJob, 'cell' | 'node'>): string[] | undefined {
  if (job.node.kind.type === 'module') return undefined;
  const o = job.cell.params.outputs;
  return Array.isArray(o) ? o.map(String) : undefined;
}

/** The cell's shell command, its `{{name}}` placeholders filled from its params (matrix values included). */
export function execCommand(job: Pick<CellJob, 'cell'>): string {
  return renderCommand(valueText(job.cell.params.command), job.cell.params);
}

export function execEnv(
  job: Pick<CellJob, 'cell'>,
  env: Pick<CellEnv, 'pipelineDir'>,
  outDir: string,
  workDir: string,
  inputs: Record<string, InputArtifact | InputArtifact[]>,
): Record<string, string> {
  const vars: Record<string, string> = {
    ABLATE_OUT: outDir,
    ABLATE_CELL: job.cell.id,
    ABLATE_SEED: String(job.cell.seed),
    ABLATE_PIPELINE_DIR: env.pipelineDir,
    ABLATE_WORK: workDir,
  };
  for (const [name, a] of Object.entries(inputs)) {
    // A fan-in is one directory holding a numbered sub-directory per upstream cell.
    vars[`ABLATE_IN_${name.toUpperCase()}`] = Array.isArray(a) ? join(a[0]?.dir ?? outDir, '..') : a.dir;
  }
  const extra = job.cell.params.env;
  if (extra !== null && typeof extra === 'object' && !Array.isArray(extra)) {
    for (const [k, v] of Object.entries(extra)) vars[k] = valueText(v);
  }
  return vars;
}

export function stringEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

export function gpuEnv(gpus: number[]): Record<string, string> {
  return gpus.length > 0 ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {};
}

/** V8 aborts a worker that reaches its heap limit; say so instead of "killed by SIGABRT". */
export function outOfMemory(exit: ExitReason, logFile: string, memoryMB: number | undefined): Failure | undefined {
  const aborted = (exit.kind === 'signal' && exit.signal === 'SIGABRT') || (exit.kind === 'exit' && exit.code === 134);
  if (!aborted || !readLogTail(logFile, 60).includes('heap out of memory')) return undefined;
  const limit = memoryMB === undefined ? "Node's default heap limit" : `its heap limit, memoryMB ${memoryMB}`;
  return { reason: 'stage-error', message: `ran out of memory (${limit}); raise "memoryMB" for this stage` };
}

export function readLogTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
