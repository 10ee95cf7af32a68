import { resolve } from 'node:path';
import type { Cell } from '../../plan/types.js';
import { EnvironmentError } from '../../exit.js';
import type { CellState } from '../../plan/planner.js';
import { SlurmBackend, type BackendOptions, type SlurmSettings } from './backend.js';

/** No cluster to talk to: an environment problem (exit 4), not a mistake in the command. */
export class SlurmUnavailableError extends EnvironmentError {}

export interface SlurmFlags {
  partition?: string;
  slurmOpt?: string[];
  slurmStaging?: string;
}

/**
 * `ablate run --executor slurm`: checks the cluster answers and submits
 * every cell that is not cached. Tuning that users rarely need comes from
 * the environment: ABLATE_SLURM_POLL_MS (how often to look, default 1000),
 * ABLATE_SLURM_GRACE_MS (how long a finished job's result may take to show
 * on a network filesystem, default 30000) and ABLATE_SLURM_NODE (the node
 * binary on compute nodes, default the coordinator's own path).
 */
export async function openSlurm(
  flags: SlurmFlags,
  o: Omit<BackendOptions, 'settings'>,
  cells: readonly Cell[],
  states: ReadonlyMap<string, CellState>,
): Promise<SlurmBackend> {
  const opened = await SlurmBackend.open({ ...o, settings: settingsFrom(flags, process.env) });
  if (!opened.ok) throw new SlurmUnavailableError(opened.error);
  try {
    await opened.value.submitAll(cells, states);
  } catch (e) {
    await opened.value.close();
    throw e;
  }
  return opened.value;
}

export function settingsFrom(flags: SlurmFlags, env: NodeJS.ProcessEnv): SlurmSettings {
  const staging = flags.slurmStaging ?? env.ABLATE_SLURM_STAGING;
  return {
    ...(flags.partition === undefined ? {} : { partition: flags.partition }),
    extraArgs: flags.slurmOpt ?? [],
    ...(staging === undefined ? {} : { stagingDir: resolve(staging) }),
    pollMs: positive(env.ABLATE_SLURM_POLL_MS, 1000),
    graceMs: positive(env.ABLATE_SLURM_GRACE_MS, 30_000),
    nodePath: env.ABLATE_SLURM_NODE ?? process.execPath,
  };
}

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}
