import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa, execaNode, execaSync } from 'execa';
import { err, ok, type Result } from '../util/result.js';

/** The only module that starts processes. */

export async function runNodeScript(script: string, env: Record<string, string>): Promise<Result<string, string>> {
  const r = await execaNode(script, [], { env, reject: false, timeout: 60_000 });
  if (r.exitCode === 0) return ok(r.stdout);
  return err(lastLines(`${r.stderr}\n${r.stdout}`, 5));
}

/** A short command whose stdout is the answer (e.g. sbatch, scontrol); never throws. */
export async function runCapture(
  file: string,
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<Result<string, string>> {
  const r = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  if (r.exitCode === 0) return ok(r.stdout);
  return err(lastLines(r.exitCode === undefined ? String(r.shortMessage) : `${r.stderr}\n${r.stdout}`, 5));
}

/** For process exit hooks, where nothing asynchronous runs any more. */
export function runCaptureSync(file: string, args: readonly string[], timeoutMs = 10_000): Result<string, string> {
  const r = execaSync(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return r.exitCode === 0 ? ok(r.stdout) : err(lastLines(`${r.stderr}\n${r.stdout}`, 5));
}

export type ExitReason =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: string }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'cancelled' }
  | { kind: 'spawn-error'; message: string };

export interface ChildOptions {
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  timeoutSeconds?: number;
  signal: AbortSignal;
}

/** A shell command whose output is appended to the cell's log. */
export async function runShell(command: string, o: ChildOptions): Promise<ExitReason> {
  return finish(o, (log, cancelSignal) =>
    execa(command, [], {
      shell: true,
      cwd: o.cwd,
      env: o.env,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      cancelSignal,
      forceKillAfterDelay: FORCE_KILL_AFTER_MS,
      reject: false,
    }),
  );
}

export interface WorkerOptions extends ChildOptions {
  script: string;
  memoryMB?: number;
  onMessage(message: unknown): void;
  /** Sent to the worker once it starts. */
  payload: unknown;
}

/** A Node worker process talking over IPC; stdout and stderr go to the log. */
export async function runWorker(o: WorkerOptions): Promise<ExitReason> {
  return finish(o, (log, cancelSignal) => {
    const child = execaNode(o.script, [], {
      cwd: o.cwd,
      env: o.env,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      ipc: true,
      serialization: 'advanced',
      nodeOptions: o.memoryMB === undefined ? [] : [`--max-old-space-size=${o.memoryMB}`],
      cancelSignal,
      forceKillAfterDelay: FORCE_KILL_AFTER_MS,
      reject: false,
    });
    child.on('message', (m: unknown) => o.onMessage(m));
    child.once('spawn', () => child.send(o.payload as never));
    return child;
  });
}

const FORCE_KILL_AFTER_MS = 2000;

/** A signal's state read through a call, so TypeScript keeps no narrowing of it from an earlier check. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

interface Finished {
  isCanceled: boolean;
  failed: boolean;
  exitCode?: number;
  signal?: string;
  shortMessage: string;
}

/**
 * Starts a child whose stdout and stderr append to the log, stops it on the
 * run's signal or its timeout, and classifies how it ended. Stopping takes
 * the child's descendants down too: a shell's `sleep` or a script it started
 * must not outlive the cell (the run would wait for them, and they would
 * keep writing into the work directory of the next attempt).
 */
async function finish(
  o: ChildOptions,
  start: (log: { file: string; append: true }, cancel: AbortSignal) => PromiseLike<unknown> & { pid?: number },
): Promise<ExitReason> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const local = new AbortController();
  // Set by the timer: `as boolean` keeps TypeScript from narrowing it to `false` for good.
  let timedOut = false as boolean;
  let child: { pid?: number } | undefined;
  let doomed: number[] = [];
  const stopTree = (): void => {
    doomed = child?.pid === undefined ? [] : descendants(child.pid);
    signalAll(doomed, 'SIGTERM');
    setTimeout(() => signalAll(doomed, 'SIGKILL'), FORCE_KILL_AFTER_MS).unref();
  };
  const timer =
    o.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          local.abort();
        }, o.timeoutSeconds * 1000);
  // Registered before the child exists, so they run before execa's own listener kills the parent of the tree.
  o.signal.addEventListener('abort', stopTree, { once: true });
  local.signal.addEventListener('abort', stopTree, { once: true });
  try {
    // A run stopped while this cell was being prepared starts nothing: a child spawned now would miss the
    // signal its process group already got, and its shell could start a command that outlives the run.
    if (o.signal.aborted) return { kind: 'cancelled' };
    const running = start({ file: o.logFile, append: true }, AbortSignal.any([o.signal, local.signal]));
    child = running;
    // Read through a call: the run may have been stopped while the child was being spawned.
    if (isAborted(o.signal)) stopTree();
    const r = (await running) as Finished;
    if (timedOut) return { kind: 'timeout', seconds: o.timeoutSeconds ?? 0 };
    if (r.isCanceled) return { kind: 'cancelled' };
    if (r.failed && r.exitCode === undefined && r.signal === undefined)
      return { kind: 'spawn-error', message: r.shortMessage };
    if (r.signal !== undefined) return { kind: 'signal', signal: r.signal };
    return { kind: 'exit', code: r.exitCode ?? 1 };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    o.signal.removeEventListener('abort', stopTree);
  }
}

/** Every descendant of `pid`, read from /proc (Linux); elsewhere none, and only the child is stopped. */
function descendants(pid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const c of children.get(queue.pop() as number) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
