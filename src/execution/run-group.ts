/**
 * Runs a group of sibling cells of one module kind in one worker process
 * (the kind's `runGroup`). Everything but the process is per member: each
 * has its own scratch folder, inputs, outDir, workDir, log, progress,
 * outcome and record, committed exactly as a lone cell's, so which cells
 * shared a process leaves no trace in any result.
 */
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellRecord } from '../cache/cache.js';
import type { ProgressUpdate } from '../stage-api.js';
import { err, type Result } from '../util/result.js';
import type { ExitReason } from './child-process.js';
import type { Failure } from './events.js';
import { collectOutputs, storeAndCommit } from './outputs.js';
import { metricsSpec } from '../metrics/spec.js';
import { metricsFromOutputs } from '../metrics/store.js';
import {
  attemptOf,
  classify,
  fileError,
  gpuEnv,
  outOfMemory,
  prepare,
  recordOf,
  stringEnv,
  type CellEnv,
  type CellJob,
  type Prepared,
} from './run-cell.js';
import { endedUnfinished, UNFINISHED_MESSAGE } from './worker-outcome.js';
import type { GroupPayload, WorkerMessage } from './worker.js';

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url));

export interface GroupEnv extends Omit<CellEnv, 'onProgress' | 'outDirOverride'> {
  onProgress(member: number, update: ProgressUpdate): void;
}

type MemberResult = Result<CellRecord, Failure>;

/** A member ready to run: its job, its folders and when it started. */
interface Member {
  index: number;
  job: CellJob;
  ready: Prepared;
  startedAt: Date;
}

/** One result per job, in order. A member whose folders cannot be prepared fails alone. */
export async function runGroup(jobs: readonly CellJob[], env: GroupEnv): Promise<MemberResult[]> {
  const results: (MemberResult | undefined)[] = jobs.map(() => undefined);
  const scratches: string[] = [];
  try {
    const members: Member[] = [];
    for (const [index, job] of jobs.entries()) {
      const startedAt = new Date();
      let scratch: string;
      try {
        scratch = env.cache.scratchDir();
      } catch (e) {
        results[index] = err({ reason: 'prepare-failed', message: fileError(e) });
        continue;
      }
      scratches.push(scratch);
      const ready = await prepare(job, { ...env, onProgress: () => undefined }, scratch, startedAt);
      if (ready.ok) members.push({ index, job, ready: ready.value, startedAt });
      else results[index] = ready;
    }
    if (members.length > 0) {
      const processLog = join(scratches[0] as string, 'group.log');
      const outcomes = await runProcess(members, env, processLog);
      for (const [i, m] of members.entries()) results[m.index] = await finishMember(m, env, outcomes[i] as Outcome);
    }
    return results.map((r) => r ?? err({ reason: 'unexpected', message: 'a group member has no result' }));
  } finally {
    // File calls here run on libuv's thread pool: blocking the event loop would serialise parallel cells.
    await Promise.all(scratches.map((s) => rm(s, { recursive: true, force: true })));
  }
}

/** How the process left one member: a failure, or done with what the kind said of it. */
type Outcome = { failure: Failure } | { failure?: undefined; message?: string };

/**
 * Starts the worker, routes each member's progress and log lines to that
 * member, and reads each member's outcome. The process's own output (a
 * crash's stack trace) goes to every member's log: it may concern any.
 */
async function runProcess(members: readonly Member[], env: GroupEnv, processLog: string): Promise<Outcome[]> {
  const first = members[0] as Member;
  const runtime = first.job.runtime;
  const payload: GroupPayload = {
    modulePath: first.job.node.kind.type === 'module' ? first.job.node.kind.modulePath : '',
    members: members.map(({ job, ready }) => ({
      stage: job.cell.stage,
      cell: job.cell.id,
      params: job.cell.params,
      axes: job.cell.axes,
      seed: job.cell.seed,
      inputs: ready.inputs,
      outDir: ready.outDir,
      workDir: ready.workDir,
      runtime: job.runtime,
    })),
  };
  const logs = members.map(() => Promise.resolve());
  const said: ({ ok: true } | { ok: false; message: string } | undefined)[] = members.map(() => undefined);
  let stageError: string | undefined;
  let done = false;
  const { runWorker } = await import('./child-process.js');
  const exit: ExitReason = await runWorker({
    cwd: first.ready.outDir,
    logFile: processLog,
    timeoutSeconds: first.job.node.config.timeout,
    signal: env.signal,
    env: { ...stringEnv(), ...gpuEnv(env.gpus), ...(runtime.backend ? { ABLATE_BACKEND: runtime.backend } : {}) },
    script: workerScript,
    memoryMB: first.job.node.config.memoryMB,
    payload,
    onMessage: (m) => {
      const msg = m as WorkerMessage;
      const member = 'member' in msg && msg.member !== undefined ? members[msg.member] : undefined;
      if (msg.type === 'progress' && member !== undefined) env.onProgress(member.index, msg.update);
      else if (msg.type === 'log' && member !== undefined) {
        const i = members.indexOf(member);
        logs[i] = (logs[i] as Promise<void>).then(() => appendFile(member.ready.logFile, `${msg.message}\n`));
      } else if (msg.type === 'outcome') said[msg.member] = msg.outcome;
      else if (msg.type === 'error') stageError = msg.message;
      else if (msg.type === 'done') done = true;
    },
  });
  env.onProcessExit?.();
  const output = await readFile(processLog, 'utf8').catch(() => '');
  await Promise.all(
    members.map(async (m, i) => {
      await logs[i];
      if (output !== '') await appendFile(m.ready.logFile, output);
    }),
  );
  const failure =
    outOfMemory(exit, processLog, first.job.node.config.memoryMB) ??
    classify(exit, stageError) ??
    (endedUnfinished(exit, done) ? { reason: 'stage-error' as const, message: UNFINISHED_MESSAGE } : undefined);
  return members.map((_, i) => {
    if (failure !== undefined) return { failure };
    const outcome = said[i];
    if (outcome === undefined) return { failure: { reason: 'stage-error', message: UNFINISHED_MESSAGE } };
    return outcome.ok ? {} : { message: outcome.message };
  });
}

/** A member the kind failed fails alone, its message in its log; one that succeeded commits as a lone cell does. */
async function finishMember(m: Member, env: GroupEnv, outcome: Outcome): Promise<MemberResult> {
  if (outcome.failure !== undefined) return err(outcome.failure);
  if (outcome.message !== undefined) {
    await appendFile(m.ready.logFile, `${outcome.message}\n`).catch(() => undefined);
    return err({ reason: 'stage-error', message: outcome.message });
  }
  const { job, ready } = m;
  const files = collectOutputs(ready.outDir, undefined);
  if (!files.ok) return files;
  const spec = metricsSpec(job.node.config.metrics);
  const metricsOf = (r: CellRecord) =>
    spec === undefined ? undefined : metricsFromOutputs(env.cache, spec, r.outputs);
  const committed = await storeAndCommit(
    env.cache,
    ready.outDir,
    files.value,
    job.node.kind.definition.volatile,
    (stored) => recordOf(job, { ...env, onProgress: () => undefined }, attemptOf(m.startedAt), stored),
    metricsOf,
  );
  if (committed.ok) await rm(ready.workDir, { recursive: true, force: true });
  return committed;
}
