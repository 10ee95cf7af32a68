/**
 * Test rig for the reliability suites: temp workspaces, the real `ablate`
 * binary started as its own process group (so a test can kill the runner
 * and its workers together), NDJSON events, and directory snapshots for
 * byte-for-byte comparisons.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RunEvent } from '../../src/execution/events.js';
import { BIN, jsonLines, repoRoot, spawnCli, tempProject, writeJson } from '../harness/cli.js';

export { repoRoot } from '../harness/cli.js';
export const ablateBin = BIN;

/** Absolute path of a compiled test stage kind (test/reliability/kinds/NAME.ts). */
export function kindPath(name: string): string {
  return join(repoRoot, 'dist', 'test', 'reliability', 'kinds', `${name}.js`);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  pid: number;
  exited: Promise<Exit>;
  /** Resolves with the first stdout line `match` accepts, or undefined once the process has exited. */
  waitForLine(match: (line: string) => boolean): Promise<string | undefined>;
  /** Whether the process has exited (and its output has been read to the end). */
  hasExited(): boolean;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
}

/** Starts `ablate ARGS` as the leader of a new process group (workers join that group). */
export function start(args: readonly string[], o: RunOptions): Running {
  const child = spawnCli(args, { cwd: o.cwd, env: { FORCE_COLOR: '0', ...o.env }, detached: true });
  let stdout = '';
  let stderr = '';
  const watchers: { match: (line: string) => boolean; resolve: (line: string | undefined) => void }[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      for (const w of [...watchers]) {
        if (!w.match(line)) continue;
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let closed = false;
  const exited = new Promise<Exit>((resolveExit) => {
    child.on('close', (code, signal) => {
      closed = true;
      for (const w of watchers.splice(0)) w.resolve(undefined);
      resolveExit({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid as number,
    exited,
    waitForLine: (match) => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(undefined);
      return new Promise((r) => watchers.push({ match, resolve: r }));
    },
    hasExited: () => closed,
  };
}

/** Runs `ablate ARGS` to the end. */
export function ablate(args: readonly string[], o: RunOptions): Promise<Exit> {
  return start(args, o).exited;
}

/** Signals every process of the group led by `pid`; a group already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Whether any process of the group led by `pid` is still alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * How long a test waits for a state before calling itself stuck: far beyond
 * what any state here takes, even on a machine saturated by other work, so
 * only a test that would never get there fails on it.
 */
export const STUCK_MS = 120_000;

/**
 * Polls `probe` until it returns a value (not undefined or false) and returns
 * it. Fails when `run` exits first (the state can no longer come) or after
 * `timeoutMs`, naming `what` it waited for.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  o: { run?: Running; timeoutMs?: number } = {},
): Promise<T> {
  const until = Date.now() + (o.timeoutMs ?? STUCK_MS);
  for (;;) {
    const exitedBefore = o.run?.hasExited() === true;
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (exitedBefore) {
      const r = await (o.run as Running).exited;
      throw new Error(
        `waiting for ${what}: the run exited first (code ${r.code}, signal ${r.signal})\n${r.stderr}${r.stdout.slice(-2000)}`,
      );
    }
    if (Date.now() > until) throw new Error(`waiting for ${what}: not reached after ${o.timeoutMs ?? STUCK_MS} ms`);
    await sleep(20);
  }
}

/** Waits until every process of a killed group is gone (workers included). */
export async function waitGroupGone(pid: number, timeoutMs = STUCK_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() > until) throw new Error(`process group ${pid} still alive after ${timeoutMs} ms`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The NDJSON events of a `--reporter json` run (lines that do not parse are ignored). */
export function parseEvents(stdout: string): RunEvent[] {
  return jsonLines<RunEvent>(stdout, { lenient: true });
}

/** Ids of cells with a given final status in a run's events. */
export function cellsWith(events: readonly RunEvent[], status: 'ran' | 'cached' | 'failed' | 'skipped'): string[] {
  return events.flatMap((e) => (e.type === 'cell' && e.status === status ? [e.cell] : []));
}

export function startedCells(events: readonly RunEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'cell-start' ? [e.cell] : []));
}

export function summaryOf(events: readonly RunEvent[]): Extract<RunEvent, { type: 'summary' }> | undefined {
  return events.find((e): e is Extract<RunEvent, { type: 'summary' }> => e.type === 'summary');
}

/** Every file under `dir` with its sha256 (relative paths, sorted). An absent dir is empty. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A temp folder holding pipelines, a cache and a journal; removed by `dispose`. */
export class Workspace {
  readonly dir: string;
  readonly cacheDir: string;
  readonly journal: string;

  constructor(prefix = 'ablate-rel-') {
    this.dir = tempProject(prefix);
    this.cacheDir = join(this.dir, 'cache');
    this.journal = join(this.dir, 'journal.ndjson');
  }

  /** Writes a pipeline (pretty-printed, so diagnostics have real lines) and returns its path. */
  write(name: string, pipeline: unknown): string {
    const path = join(this.dir, name);
    writeJson(path, pipeline);
    return path;
  }

  get env(): Record<string, string> {
    return { ABLATE_TEST_JOURNAL: this.journal };
  }

  /** `env` adds to the workspace's environment, e.g. ABLATE_TEST_HOLD for the `steps` kind. */
  start(args: readonly string[], cacheDir = this.cacheDir, env: Record<string, string> = {}): Running {
    return start([...args, '--cache-dir', cacheDir], { cwd: this.dir, env: { ...this.env, ...env } });
  }

  run(args: readonly string[], cacheDir = this.cacheDir): Promise<Exit> {
    return this.start(args, cacheDir).exited;
  }

  /** `ablate doctor` on this workspace's cache. */
  doctor(cacheDir = this.cacheDir): Promise<Exit> {
    return start(['doctor', '--cache-dir', cacheDir], { cwd: this.dir, env: this.env }).exited;
  }

  /** Exports the final artifacts and returns their snapshot. */
  async finals(pipeline: string, cacheDir = this.cacheDir): Promise<Record<string, string>> {
    const out = join(this.dir, `export-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    const r = await this.run(['export', pipeline, '--out', out], cacheDir);
    if (r.code !== 0) throw new Error(`export failed (${r.code}): ${r.stderr}${r.stdout}`);
    const snap = snapshot(join(out, 'artifacts'));
    rmSync(out, { recursive: true, force: true });
    return snap;
  }

  /** Journal lines written by the test stage kinds. */
  journalEntries(): JournalEntry[] {
    let text = '';
    try {
      text = readFileSync(this.journal, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as JournalEntry];
        } catch {
          return [];
        }
      });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface JournalEntry {
  cell: string;
  pid: number;
  t: number;
  event: 'start' | 'checkpoint' | 'hold' | 'writing' | 'end' | 'begin' | 'finish' | 'process';
  fromStep?: number;
  /** A `process` entry's cells: those one worker process of a grouping kind ran. */
  cells?: string[];
  step?: number;
}

/** The doctor's summary counts, from its last line. */
export function doctorCounts(stdout: string): { verified: number; dropped: number } | undefined {
  const m = /doctor: (\d+) record\(s\) verified, (\d+) dropped/.exec(stdout);
  return m === null ? undefined : { verified: Number(m[1]), dropped: Number(m[2]) };
}
