import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa, execaNode } from 'execa';
import { err, ok, type Result } from './util/result.js';

/** The only module that starts processes. */

export async function runNodeScript(script: string, env: Record<string, string>): Promise<Result<string, string>> {
  const r = await execaNode(script, [], { env, reject: false, timeout: 60_000 });
  if (r.exitCode === 0) return ok(r.stdout);
  return err(lastLines(`${r.stderr}\n${r.stdout}`, 5));
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
  return finish(o.logFile, (log) =>
    execa(command, [], {
      shell: true,
      cwd: o.cwd,
      env: o.env,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      cancelSignal: o.signal,
      timeout: seconds(o.timeoutSeconds),
      forceKillAfterDelay: 2000,
      reject: false,
    }),
    o.timeoutSeconds,
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
  return finish(o.logFile, (log) => {
    const child = execaNode(o.script, [], {
      cwd: o.cwd,
      env: o.env,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      ipc: true,
      serialization: 'advanced',
      nodeOptions: o.memoryMB === undefined ? [] : [`--max-old-space-size=${o.memoryMB}`],
      cancelSignal: o.signal,
      timeout: seconds(o.timeoutSeconds),
      forceKillAfterDelay: 2000,
      reject: false,
    });
    child.on('message', (m: unknown) => o.onMessage(m));
    child.once('spawn', () => child.send(o.payload as never));
    return child;
  }, o.timeoutSeconds);
}

interface Finished {
  timedOut: boolean;
  isCanceled: boolean;
  failed: boolean;
  exitCode?: number;
  signal?: string;
  shortMessage: string;
}

/** Starts a child whose stdout and stderr append to `logFile`, and classifies how it ended. */
async function finish(logFile: string, start: (log: { file: string; append: true }) => PromiseLike<unknown>, timeoutSeconds?: number): Promise<ExitReason> {
  mkdirSync(dirname(logFile), { recursive: true });
  const r = (await start({ file: logFile, append: true })) as Finished;
  if (r.timedOut) return { kind: 'timeout', seconds: timeoutSeconds ?? 0 };
  if (r.isCanceled) return { kind: 'cancelled' };
  if (r.failed && r.exitCode === undefined && r.signal === undefined) return { kind: 'spawn-error', message: r.shortMessage };
  if (r.signal !== undefined) return { kind: 'signal', signal: r.signal };
  return { kind: 'exit', code: r.exitCode ?? 1 };
}

function seconds(s: number | undefined): number | undefined {
  return s === undefined ? undefined : Math.round(s * 1000);
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
