import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputEntry } from '../../cache/cache.js';
import { runShell, runWorker, type ExitReason } from '../child-process.js';
import type { InputArtifact } from '../../stage-api.js';
import type { WorkerMessage, WorkerPayload } from '../worker.js';
import { endedUnfinished, UNFINISHED_MESSAGE } from '../worker-outcome.js';
import { readJson, StagingDir, writeJsonAtomic, type JobResult, type JobSpec, type Manifest } from './job-files.js';
import { listFiles, manifestOf, outputEntries, pruneUndeclared, seal } from './manifest.js';
import { unreachable } from '../../util/unreachable.js';

const workerScript = fileURLToPath(new URL('../worker.js', import.meta.url));

/**
 * Entry point of a Slurm job, on the compute node: runs one cell from its
 * staging directory and writes result.json. It exits 0 only when the cell
 * produced all its outputs, so `afterok` dependents start only then.
 */
async function main(dir: string): Promise<number> {
  const files = new StagingDir(dir);
  // Written by this ablate's submit step before the job was queued.
  const spec = readJson(files.spec) as JobSpec | undefined;
  if (spec === undefined) {
    process.stderr.write(`ablate: cannot read ${files.spec}; is it on a filesystem this node shares?\n`);
    return 2;
  }
  const startedAt = new Date().toISOString();
  mkdirSync(spec.outDir, { recursive: true });
  mkdirSync(spec.workDir, { recursive: true });
  appendFileSync(
    files.log,
    `== ${spec.cell} started ${startedAt} on ${hostname()} (slurm job ${process.env.SLURM_JOB_ID ?? '?'})\n`,
  );
  const read = readInputs(spec);
  const controller = new AbortController();
  // scancel and the time limit send SIGTERM first: stop the stage and still report.
  process.on('SIGTERM', () => controller.abort());
  let stageError: string | undefined;
  const exit = await runWork(spec, files, read.artifacts, controller.signal, (message) => (stageError = message));
  const outcome = finishOutputs(spec, exit);
  const result: JobResult = {
    version: 1,
    exit,
    ...(stageError === undefined ? {} : { stageError }),
    ...(outcome.missing === undefined ? {} : { missingOutput: outcome.missing }),
    host: hostname(),
    startedAt,
    finishedAt: new Date().toISOString(),
    inputs: read.manifests,
    outputs: outcome.outputs,
  };
  writeJsonAtomic(files.result, result);
  return outcome.succeeded ? 0 : 1;
}

/** The stage's view of its inputs, and a manifest of each, so the coordinator can tell what was read. */
function readInputs(spec: JobSpec): {
  artifacts: Record<string, InputArtifact | InputArtifact[]>;
  manifests: Record<string, Manifest[]>;
} {
  const artifacts: Record<string, InputArtifact | InputArtifact[]> = {};
  const manifests: Record<string, Manifest[]> = {};
  for (const input of spec.inputs) {
    const list = input.items.map((item) => {
      const manifest = manifestOf(item.dir);
      return { manifest, artifact: { ...item, files: Object.keys(manifest) } };
    });
    manifests[input.name] = list.map((x) => x.manifest);
    const all = list.map((x) => x.artifact);
    artifacts[input.name] = input.all ? all : (all[0] as InputArtifact);
  }
  return { artifacts, manifests };
}

async function runWork(
  spec: JobSpec,
  files: StagingDir,
  inputs: WorkerPayload['inputs'],
  signal: AbortSignal,
  onStageError: (m: string) => void,
): Promise<ExitReason> {
  const base = { cwd: spec.outDir, logFile: files.log, timeoutSeconds: spec.timeoutSeconds, signal };
  const env = { ...processEnv(), ...spec.work.env };
  const work = spec.work;
  switch (work.kind) {
    case 'exec':
      return runShell(work.command, { ...base, env });
    case 'worker': {
      const payload: WorkerPayload = {
        modulePath: work.modulePath,
        stage: spec.stage,
        cell: spec.cell,
        params: spec.params,
        axes: spec.axes,
        seed: work.seed,
        inputs,
        outDir: spec.outDir,
        workDir: spec.workDir,
        runtime: work.runtime,
      };
      let done = false;
      const exit = await runWorker({
        ...base,
        env,
        script: workerScript,
        memoryMB: work.memoryMB,
        payload,
        onMessage: (m) => {
          const msg = m as WorkerMessage;
          switch (msg.type) {
            case 'progress':
              appendFileSync(files.progress, `${JSON.stringify(msg.update)}\n`);
              break;
            case 'error':
              onStageError(msg.message);
              break;
            case 'done':
              done = true;
              break;
          }
        },
      });
      if (!endedUnfinished(exit, done)) return exit;
      onStageError(UNFINISHED_MESSAGE);
      return { kind: 'exit', code: 1 };
    }
    default:
      return unreachable(work);
  }
}

function finishOutputs(
  spec: JobSpec,
  exit: ExitReason,
): { succeeded: boolean; missing?: string; outputs: Record<string, OutputEntry> } {
  if (exit.kind !== 'exit' || exit.code !== 0) return { succeeded: false, outputs: {} };
  const declared = spec.work.kind === 'exec' ? spec.work.declaredOutputs : undefined;
  const missing = declared?.find((p) => !existsSync(join(spec.outDir, p)));
  if (missing !== undefined) return { succeeded: false, missing, outputs: {} };
  if (declared !== undefined) pruneUndeclared(spec.outDir, declared);
  const outputs = outputEntries(spec.outDir, declared ?? listFiles(spec.outDir));
  seal(spec.outDir);
  return { succeeded: true, outputs };
}

function processEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: job-entry.js STAGING_DIR\n');
  process.exit(2);
}
main(dir).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ablate job entry: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(3);
  },
);
