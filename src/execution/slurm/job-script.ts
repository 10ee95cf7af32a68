/** What one cell asks of Slurm. */
export interface SbatchRequest {
  jobName: string;
  stagingDir: string;
  logFile: string;
  cpus: number;
  memoryMB?: number;
  gpus: number;
  /** The stage's own timeout in seconds; Slurm's limit is set a little above it. */
  timeoutSeconds?: number;
  partition?: string;
  /** Job ids this job may start only after they succeed. */
  after: readonly string[];
  /** The command the job runs: node, the job entry and the staging directory. */
  command: readonly string[];
}

/** Room for Node itself on top of a JS stage's heap limit (memoryMB is passed as --max-old-space-size). */
export const NODE_OVERHEAD_MB = 256;

/** Head room so that the stage's own timeout fires, and is reported, before Slurm's. */
const TIME_MARGIN_SECONDS = 60;

/**
 * The batch script of one cell. Every option is an #SBATCH line, so the
 * script in the staging directory can be read, or resubmitted by hand, as is;
 * options given with --slurm-opt go on the sbatch command line and win.
 */
export function jobScript(r: SbatchRequest): string {
  const lines = [
    '#!/bin/sh',
    ...sbatchOptions(r).map((o) => `#SBATCH ${o}`),
    `exec ${r.command.map(shellQuote).join(' ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function sbatchOptions(r: SbatchRequest): string[] {
  const o = [
    `--job-name=${jobName(r.jobName)}`,
    `--output=${r.logFile}`,
    // The entry appends the stage's output to the same file.
    '--open-mode=append',
    `--chdir=${r.stagingDir}`,
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${Math.max(1, Math.ceil(r.cpus))}`,
  ];
  if (r.memoryMB !== undefined) o.push(`--mem=${Math.ceil(r.memoryMB)}M`);
  if (r.gpus > 0) o.push(`--gres=gpu:${r.gpus}`);
  if (r.timeoutSeconds !== undefined) o.push(`--time=${Math.ceil((r.timeoutSeconds + TIME_MARGIN_SECONDS) / 60)}`);
  if (r.partition !== undefined) o.push(`--partition=${r.partition}`);
  if (r.after.length > 0) {
    o.push(`--dependency=afterok:${r.after.join(':')}`);
    // Without this a dependent of a failed job stays pending forever (unless the cluster sets kill_invalid_depend).
    o.push('--kill-on-invalid-dep=yes');
  }
  return o;
}

/** Job names show up in squeue and scontrol; keep them to characters no tool splits on. */
export function jobName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.,=:+@[\]-]/g, '_').slice(0, 120);
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `sbatch --parsable` prints `id` or `id;cluster`. */
export function parseSbatchId(stdout: string): string | undefined {
  const id = stdout.trim().split('\n').at(-1)?.split(';')[0]?.trim();
  return id !== undefined && /^\d+(_\d+)?$/.test(id) ? id : undefined;
}
