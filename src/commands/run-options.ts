/** The options of `ablate run`, shared by its fast path (run.ts) and the full run (run-pipeline.ts). */
import type { CommonOptions } from './session.js';

export interface RunOptions extends CommonOptions {
  jobs?: number;
  /** Cell selectors (see selectors.ts): run these cells and what they need. */
  only?: string[];
  /** Cell selectors: run these cells even when cached. */
  force?: string[];
  dryRun?: boolean;
  reporter?: 'human' | 'json';
  requireCached?: boolean;
  gpus?: string;
  /** `--no-group`: every cell in a process of its own (default: kinds with a group policy group their cells). */
  group?: boolean;
  /** `--group-size`: most cells per group, below the kind's own maximum. */
  groupSize?: number;
  executor?: 'local' | 'slurm';
  partition?: string;
  slurmOpt?: string[];
  slurmStaging?: string;
  /** A shared remote cache (else ABLATE_REMOTE or ablate.config.json). */
  remote?: string;
  /** Upload each newly computed cell to the remote. */
  push?: boolean;
}
