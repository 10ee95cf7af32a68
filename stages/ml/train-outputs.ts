/**
 * What both training stages hand their loop and write at the end: the hooks
 * that tie a loop to its cell (checkpoints in workDir, progress, log,
 * abort), and train.json beside the volatile timing.json.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageContext } from '../../src/stage-api.js';
import type { StepTiming } from './step-loop.js';
import type { TrainHooks } from './train-loop.js';

/** `runKey` names the data and backend, so a checkpoint of another run is never resumed. */
export function cellTrainHooks(ctx: StageContext, runKey: unknown): TrainHooks {
  return {
    checkpointDir: ctx.workDir,
    runKey: JSON.stringify(runKey),
    progress: (u) => ctx.progress(u),
    log: (m) => ctx.log(m),
    signal: ctx.signal,
  };
}

/** Writes train.json and timing.json; returns the attempt's steps/s as written. */
export async function writeTrainOutputs(
  outDir: string,
  report: object,
  outcome: StepTiming & { resumedFrom: number | null },
): Promise<number> {
  // How this attempt went, apart from what it computed: a volatile output, outside the content hash.
  const timing = {
    stepsPerSec: Math.round(outcome.stepsPerSec * 100) / 100,
    wallSeconds: Math.round(outcome.wallSeconds * 100) / 100,
    resumedFrom: outcome.resumedFrom,
  };
  await writeFile(path.join(outDir, 'train.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(path.join(outDir, 'timing.json'), JSON.stringify(timing, null, 2) + '\n');
  return timing.stepsPerSec;
}
