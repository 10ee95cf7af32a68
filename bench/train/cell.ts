/**
 * One study cell outside the engine: data -> train -> evaluate with the
 * stage kinds' defaults, in a temp dir; prints speed and the eval summary.
 *
 *   npx tsc -p . && node dist/bench/train/cell.js '{"task":"length","f":"inv_sqrt"}' '{"pe":"none"}'
 *
 * First argument: data params; second: train params (both JSON, optional).
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InputArtifact, JsonObject, StageContext, StageDefinition } from '../../src/stage-api.js';
import data from '../../stages/data.js';
import evaluate from '../../stages/evaluate.js';
import train from '../../stages/train.js';

async function run(
  root: string,
  def: StageDefinition,
  stage: string,
  params: JsonObject,
  inputs: Record<string, InputArtifact>,
): Promise<InputArtifact> {
  const outDir = path.join(root, stage, 'out');
  const workDir = path.join(root, stage, 'work');
  await mkdir(outDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const seed = typeof params['seed'] === 'number' ? params['seed'] : 0;
  const ctx: StageContext<JsonObject> = {
    stage,
    cell: stage,
    params,
    axes: {},
    seed,
    inputs,
    outDir,
    workDir,
    runtime: {},
    progress: () => undefined,
    log: (m) => console.error(`[${stage}] ${m}`),
    signal: new AbortController().signal,
  };
  await def.run(ctx);
  return { stage, cell: stage, axes: {}, params, dir: outDir, files: await readdir(outDir) };
}

const dataParams = JSON.parse(process.argv[2] ?? '{}') as JsonObject;
const trainParams = JSON.parse(process.argv[3] ?? '{}') as JsonObject;
const root = await mkdtemp(path.join(tmpdir(), 'ablate-cell-'));
try {
  const t0 = performance.now();
  const d = await run(root, data, 'data', dataParams, {});
  const t = await run(root, train, 'train', trainParams, { data: d });
  const t1 = performance.now();
  const e = await run(root, evaluate, 'evaluate', {}, { model: t, data: d });
  const t2 = performance.now();
  const report = JSON.parse(await readFile(path.join(t.dir, 'train.json'), 'utf8')) as Record<string, unknown>;
  const timing = JSON.parse(await readFile(path.join(t.dir, 'timing.json'), 'utf8')) as Record<string, unknown>;
  const ev = JSON.parse(await readFile(path.join(e.dir, 'eval.json'), 'utf8')) as {
    perLength: Array<{ length: number; mse: number | null; baselineMse: number | null }>;
    summary: Record<string, unknown>;
  };
  console.log(
    JSON.stringify({
      data: dataParams,
      train: trainParams,
      trainSeconds: Math.round((t1 - t0) / 100) / 10,
      evalSeconds: Math.round((t2 - t1) / 100) / 10,
      stepsPerSec: timing['stepsPerSec'],
      finalLoss: report['finalLoss'],
      summary: ev.summary,
    }),
  );
  const pick = new Set([1, 5, 10, 11, 15, 20, 30, 40, 50]);
  for (const p of ev.perLength.filter((x) => pick.has(x.length))) {
    console.log(`  L=${p.length}\tmse ${p.mse?.toExponential(2)}\tbaseline ${p.baselineMse?.toExponential(2)}`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
