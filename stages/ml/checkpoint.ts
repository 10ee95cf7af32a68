/**
 * Training checkpoints in a stage's workDir: everything needed to continue
 * bit-identically (parameters, Adam moments and step, the batch sampler's
 * RNG state, the loss history so far).
 *
 *   ckpt-<step>.bin  Float32 LE: params | adam.m | adam.v | losses[0..step)
 *   ckpt.json        {@link CheckpointMeta}, written last (tmp + rename), so a
 *                    kill mid-write leaves the previous checkpoint usable
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readF32, writeBin, writeFileAtomic } from './binio.js';

export const CHECKPOINT_FORMAT = 'ablate-ckpt/1';

export interface CheckpointState {
  step: number;
  rngState: number;
  adamT: number;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** Loss of every step so far (length = step). */
  losses: Float32Array;
}

interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  /** Identifies the run (model, data, training config); a different key is ignored. */
  key: string;
  step: number;
  rngState: number;
  adamT: number;
  paramCount: number;
  binFile: string;
}

export async function saveCheckpoint(dir: string, key: string, s: CheckpointState): Promise<void> {
  const n = s.params.length;
  const all = new Float32Array(3 * n + s.step);
  all.set(s.params, 0);
  all.set(s.m, n);
  all.set(s.v, 2 * n);
  all.set(s.losses.subarray(0, s.step), 3 * n);
  const binFile = `ckpt-${s.step}.bin`;
  await writeBin(path.join(dir, binFile), all);
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    key,
    step: s.step,
    rngState: s.rngState,
    adamT: s.adamT,
    paramCount: n,
    binFile,
  };
  await writeFileAtomic(path.join(dir, 'ckpt.json'), JSON.stringify(meta) + '\n');
  for (const f of await readdir(dir)) {
    if (/^ckpt-\d+\.bin$/.test(f) && f !== binFile) await rm(path.join(dir, f), { force: true });
  }
}

/**
 * The checkpoint in `dir` for run `key`, or undefined (none, another run's,
 * or unreadable; `log` says why for the last two).
 */
export async function loadCheckpoint(
  dir: string,
  key: string,
  log: (m: string) => void = () => undefined,
): Promise<CheckpointState | undefined> {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(await readFile(path.join(dir, 'ckpt.json'), 'utf8')) as CheckpointMeta;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') log(`Ignoring unreadable checkpoint: ${String(error)}`);
    return undefined;
  }
  if ((meta.format as unknown) !== CHECKPOINT_FORMAT || meta.key !== key) {
    log('Ignoring a checkpoint written for a different configuration');
    return undefined;
  }
  try {
    const all = await readF32(path.join(dir, meta.binFile));
    const n = meta.paramCount;
    if (all.length !== 3 * n + meta.step)
      throw new Error(`${meta.binFile} has ${all.length} values, expected ${3 * n + meta.step}`);
    return {
      step: meta.step,
      rngState: meta.rngState,
      adamT: meta.adamT,
      params: all.slice(0, n),
      m: all.slice(n, 2 * n),
      v: all.slice(2 * n, 3 * n),
      losses: all.slice(3 * n),
    };
  } catch (error) {
    log(`Ignoring unreadable checkpoint: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
