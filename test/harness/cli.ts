/**
 * What every CLI-driving test suite shares: the real `bin/ablate.js` run in
 * a temp project directory, with the test's environment on top of this
 * process's, and the NDJSON events of `--reporter json` read back. The
 * engine, reliability and Slurm suites build their own helpers on these.
 */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/harness). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(repoRoot, 'bin', 'ablate.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

export function tempProject(prefix = 'ablate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The cache of a project made by {@link tempProject}: inside it, so removing the project removes the cache. */
export function projectCache(cwd: string): Record<string, string> {
  return { ABLATE_CACHE_DIR: join(cwd, 'cache') };
}

/** Pretty-printed, so diagnostics that point into the file have real lines. */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Runs `ablate ARGS` to the end; a failure to start counts as exit code 1. */
export function runCli(args: readonly string[], o: CliOptions): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: o.cwd, env: { ...process.env, ...o.env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `ablate ARGS` with piped output; `detached` makes it the leader of a new process group. */
export function spawnCli(
  args: readonly string[],
  o: CliOptions & { detached?: boolean },
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    detached: o.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface JsonEvent {
  type: string;
  cell?: string;
  stage?: string;
  status?: string;
  [key: string]: unknown;
}

/**
 * The JSON lines of a run's stdout. Strict by default: a malformed event is
 * a reporter bug. `lenient` skips lines that do not parse, for runs a test
 * kills mid-line.
 */
export function jsonLines<T = JsonEvent>(stdout: string, o: { lenient?: boolean } = {}): T[] {
  const out: T[] = [];
  for (const line of stdout.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    if (!o.lenient) {
      out.push(JSON.parse(line) as T);
      continue;
    }
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

/** Cell ids by final status from a `--reporter json` run, each list sorted. */
export function byStatus(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = { ran: [], cached: [], failed: [], skipped: [] };
  for (const e of jsonLines(stdout)) if (e.type === 'cell' && e.status && e.cell) (out[e.status] ??= []).push(e.cell);
  for (const k of Object.keys(out)) out[k]?.sort();
  return out;
}
