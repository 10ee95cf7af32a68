import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import {
  jsonLines,
  projectCache,
  runCli,
  spawnCli,
  tempProject as tempDir,
  type CliResult,
  type JsonEvent,
} from '../harness/cli.js';

/** Helpers for the Slurm tests: they drive the real CLI against the cluster scripts/slurm/start.sh starts. */

export { BIN, byStatus, writeJson, type CliResult, type JsonEvent } from '../harness/cli.js';

const STATE = process.env.ABLATE_SLURM_STATE ?? '/tmp/ablate-slurm';

/**
 * Whether to run: yes when `sinfo` answers and either ABLATE_SLURM_TESTS=1
 * or start.sh's cluster is up; a skip message otherwise. When the cluster
 * should be there but does not answer, the tests run and fail, so CI never
 * passes by skipping.
 */
export function clusterSkip(): string | false {
  const flag = process.env.ABLATE_SLURM_TESTS;
  if (flag === '0') return 'ABLATE_SLURM_TESTS=0';
  const expected = flag === '1' || existsSync(join(STATE, 'slurmctld.pid'));
  if (expected) return false;
  return 'no Slurm cluster: run scripts/slurm/start.sh (as root) first, or set ABLATE_SLURM_TESTS=1 to use the cluster sinfo reaches';
}

/** Fails with the reason when the cluster that should be there does not answer. */
export function assertClusterUp(): void {
  const r = spawnSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0)
    throw new Error(`sinfo failed (is the cluster up? scripts/slurm/start.sh): ${r.error?.message ?? r.stderr}`);
}

export function tempProject(): string {
  return tempDir('ablate-slurm-');
}

/** Polling fast keeps the tests short; the defaults suit real clusters. */
export const FAST = { ABLATE_SLURM_POLL_MS: '200', ABLATE_SLURM_GRACE_MS: '3000' };

function envFor(cwd: string, env: Record<string, string>): Record<string, string> {
  return { ...FAST, ...env, ...projectCache(cwd) };
}

export function ablate(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd, env: envFor(cwd, env) });
}

/** The CLI as a child the test can signal. */
export function spawnAblate(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawnCli(args, { cwd, env: envFor(cwd, env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliResult>((done) =>
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
  return { child, result };
}

export function events(stdout: string): JsonEvent[] {
  return jsonLines(stdout);
}

/** Cell → fingerprint and outputs hash, as the cache holds them. */
export function records(cacheDir: string): Record<string, { fingerprint: string; outputsHash: string }> {
  const cache = LmdbCache.open(cacheDir, true);
  try {
    const out: Record<string, { fingerprint: string; outputsHash: string }> = {};
    for (const r of cache.allRecords()) out[r.cell] = { fingerprint: r.fingerprint, outputsHash: r.outputsHash };
    return out;
  } finally {
    void cache.close();
  }
}

export interface SlurmJob {
  id: string;
  name: string;
  state: string;
  reason: string;
  line: string;
}

/** The jobs whose staging is under `dir` (each test has its own cache dir), from `scontrol -o show job`. */
export function jobsUnder(dir: string): SlurmJob[] {
  const r = spawnSync('scontrol', ['-o', 'show', 'job'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(`StdOut=${dir}/`))
    .map((line) => ({
      id: field(line, 'JobId'),
      name: field(line, 'JobName'),
      state: field(line, 'JobState'),
      reason: field(line, 'Reason'),
      line,
    }));
}

/** Job states after which a job changes no more. */
const ACTIVE = ['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING'];

/**
 * The jobs under `dir` once each has reached a final state: a run may exit
 * before Slurm has finished a job's epilog or recorded its cancellation.
 */
export function jobsEnded(dir: string): Promise<SlurmJob[]> {
  return until(`the jobs under ${dir} to end`, () => {
    const list = jobsUnder(dir);
    return list.every((j) => !ACTIVE.includes(j.state)) ? list : undefined;
  });
}

function field(line: string, name: string): string {
  return new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1] ?? '';
}

/**
 * Polls `probe` until it returns a value. The deadline only catches a stuck
 * test: job starts and state changes can take many seconds on a loaded machine.
 */
export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A JS stage kind: adds its param x, its inputs' values and reports one progress step. */
export const SUM_STAGE = `export default {
  params: { type: 'object', properties: { x: { type: 'number' } } },
  async run(ctx) {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    let total = Number(ctx.params.x ?? 0);
    for (const input of Object.values(ctx.inputs)) {
      for (const a of Array.isArray(input) ? input : [input]) total += Number(readFileSync(join(a.dir, 'value.txt'), 'utf8'));
    }
    ctx.progress({ step: 1, total: 1, message: 'summed' });
    writeFileSync(join(ctx.outDir, 'value.txt'), String(total));
  },
};
`;
