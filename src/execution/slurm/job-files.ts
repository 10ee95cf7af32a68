import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputEntry } from '../../cache/cache.js';
import type { ExitReason } from '../child-process.js';
import type { JsonObject, JsonValue } from '../../stage-api.js';
import type { Sha256 } from '../../util/hash.js';

/**
 * What a Slurm job and the coordinator exchange through the staging
 * directory on the shared filesystem. The job never touches the LMDB cache:
 * it reads spec.json, writes out/, job.log and progress.ndjson, and writes
 * result.json last, atomically, as its word that it is finished.
 */

/** One upstream cell as a job sees it: a copy from the cache, or a link to an upstream job's out/. */
export interface StagedInputItem {
  stage: string;
  cell: string;
  axes: Record<string, JsonValue>;
  params: JsonObject;
  dir: string;
}

export interface StagedInput {
  name: string;
  all: boolean;
  items: StagedInputItem[];
}

export type JobWork =
  | { kind: 'exec'; command: string; env: Record<string, string>; declaredOutputs?: string[] }
  | {
      kind: 'worker';
      modulePath: string;
      env: Record<string, string>;
      seed: number;
      runtime: Record<string, string>;
      memoryMB?: number;
    };

export interface JobSpec {
  version: 1;
  stage: string;
  cell: string;
  params: JsonObject;
  axes: Record<string, JsonValue>;
  work: JobWork;
  inputs: StagedInput[];
  outDir: string;
  workDir: string;
  timeoutSeconds?: number;
}

/** Relative path to content hash: what a directory held when the job looked. */
export type Manifest = Record<string, Sha256>;

export interface JobResult {
  version: 1;
  exit: ExitReason;
  stageError?: string;
  missingOutput?: string;
  host: string;
  startedAt: string;
  finishedAt: string;
  /** What the job read: per input name, one manifest per upstream cell, in spec order. */
  inputs: Record<string, Manifest[]>;
  /** What it wrote (empty unless it succeeded); the coordinator checks its ingest against this. */
  outputs: Record<string, OutputEntry>;
}

/** The files of one job's staging directory. */
export class StagingDir {
  constructor(readonly dir: string) {}
  get spec(): string {
    return join(this.dir, 'spec.json');
  }
  get script(): string {
    return join(this.dir, 'job.sh');
  }
  get log(): string {
    return join(this.dir, 'job.log');
  }
  get result(): string {
    return join(this.dir, 'result.json');
  }
  get progress(): string {
    return join(this.dir, 'progress.ndjson');
  }
  get in(): string {
    return join(this.dir, 'in');
  }
  get out(): string {
    return join(this.dir, 'out');
  }
  get work(): string {
    return join(this.dir, 'work');
  }
}

/** Write-then-rename, so a reader on another host sees the whole file or none. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  renameSync(tmp, path);
}

/** The parsed file, or undefined where it cannot be read or parsed; the caller knows what it wrote there. */
export function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
