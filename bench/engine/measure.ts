/**
 * Shared helpers of the engine and study benchmarks: timing a command,
 * summarising repetitions, describing the machine, printing tables.
 * Benchmarks are not tests: nothing here asserts a speed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/engine/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ablateBin = join(repoRoot, 'bin', 'ablate.js');

const GNU_TIME = '/usr/bin/time';

export interface Timing {
  /** Wall-clock seconds, measured around the child process. */
  wallS: number;
  /** user + system CPU seconds of the process and the children it waited for (GNU time); NaN without it. */
  cpuS: number;
  code: number;
}

export interface RunSpec {
  command: string;
  args: string[];
  cwd: string;
  /** stdout and stderr of the command go here (overwritten). */
  log: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion and times it; output goes to `spec.log`. */
export function timeCommand(spec: RunSpec): Timing {
  const haveTime = existsSync(GNU_TIME);
  const timeFile = `${spec.log}.time`;
  const [cmd, args] = haveTime
    ? [GNU_TIME, ['-f', '%U %S', '-o', timeFile, spec.command, ...spec.args]]
    : [spec.command, spec.args];
  const fd = openSync(spec.log, 'w');
  let r;
  const start = process.hrtime.bigint();
  try {
    r = spawnSync(cmd, args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  let cpuS = Number.NaN;
  if (haveTime && existsSync(timeFile)) {
    // GNU time writes "Command exited with non-zero status N" before the format line on failure.
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [u, s] = last.split(/\s+/).map(Number);
    if (Number.isFinite(u) && Number.isFinite(s)) cpuS = (u as number) + (s as number);
    rmSync(timeFile, { force: true });
  }
  if (r.error) throw r.error;
  return { wallS, cpuS, code: r.status ?? 128 };
}

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  return { n: v.length, median, min: v[0] as number, max: v[v.length - 1] as number };
}

/** Seconds with about three significant digits: 0.412 s, 12.3 s, 142 s. */
export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 1) return s.toFixed(3);
  if (s < 10) return s.toFixed(2);
  if (s < 100) return s.toFixed(1);
  return s.toFixed(0);
}

export function fmtSummary(x: Summary): string {
  if (x.n === 0) return '–';
  if (x.n === 1) return `${fmtSeconds(x.median)} (1 run)`;
  return `${fmtSeconds(x.median)} (${fmtSeconds(x.min)}–${fmtSeconds(x.max)})`;
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  return r >= 0.1 ? r.toFixed(2) : r.toFixed(3);
}

/** A Markdown table, padded so it also reads well as plain text. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function loadAverages(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trimEnd() : '';
}

/** What the docs record with every run: cores, memory, versions, load. */
export function machineInfo(): Record<string, string> {
  const free = firstLine('free', ['-h']);
  return {
    nproc: firstLine('nproc', []) || String(cpus().length),
    cpu: cpus()[0]?.model ?? '?',
    memory:
      free !== ''
        ? free
        : `${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`,
    node: process.version,
    uptime: firstLine('uptime', []).trim(),
  };
}

/** `--name value` / `--name=value` / `--flag` parsing; unknown options are ignored so a runner can pass one list to every part. */
export function parseFlags(argv: string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      flags.set(a.slice(2, eq), a.slice(eq + 1));
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(a.slice(2), next);
        i++;
      } else {
        flags.set(a.slice(2), 'true');
      }
    }
  }
  return { flags, positional };
}

export function intList(s: string): number[] {
  return s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Counts from the last line of `ablate run`'s human output: "done: 2 ran, 5 cached, 0 failed, 0 skipped in 1.2 s". */
export function runSummary(
  text: string,
): { head: string; ran: number; cached: number; failed: number; skipped: number } | undefined {
  const all = [...text.matchAll(/^(done|failed|interrupted): (\d+) ran, (\d+) cached, (\d+) failed, (\d+) skipped/gm)];
  const m = all.at(-1);
  if (m === undefined) return undefined;
  return { head: m[1] as string, ran: Number(m[2]), cached: Number(m[3]), failed: Number(m[4]), skipped: Number(m[5]) };
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** One timed command of a benchmark. */
export interface Step {
  label: string;
  /** The program run (default: this Node) and where (default: the benchmark's folder). */
  command?: string;
  cwd?: string;
  args: string[];
  /** Checks the command's output; a message means the step did not do what it measures. */
  expect?: (logText: string) => string | undefined;
  /** Runs untimed before each repetition. */
  before?: () => void;
}

/**
 * Times every step `reps` times in rotating order, so that drift in the
 * machine's load falls on every step alike. Each step's output goes to
 * `dir/step-<i>.log` and is checked; returns the timings per step.
 */
export function timeSteps(steps: readonly Step[], reps: number, dir: string): Timing[][] {
  const times = steps.map((): Timing[] => []);
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < steps.length; k++) {
      const i = (k + r) % steps.length;
      const step = steps[i] as Step;
      const stepLog = join(dir, `step-${i}.log`);
      step.before?.();
      const t = timeCommand({
        command: step.command ?? process.execPath,
        args: step.args,
        cwd: step.cwd ?? dir,
        log: stepLog,
      });
      if (t.code !== 0) throw new Error(`${step.label} exited ${t.code}; see ${stepLog}`);
      const problem = step.expect?.(readFileSync(stepLog, 'utf8'));
      if (problem !== undefined) throw new Error(`${step.label}: ${problem}; see ${stepLog}`);
      (times[i] as Timing[]).push(t);
    }
  }
  return times;
}
