import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ablate,
  BIN,
  events,
  SUM_STAGE,
  tempProject,
  writeJson,
  type CliResult,
  type JsonEvent,
} from '../engine/harness.js';

/** Credentials s3rver accepts; the SDK's standard chain reads them from the environment. */
export const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
export const BUCKET = 'shared';

/** A project with a small three-stage pipeline (7 cells) of pure stages. */
export function project(prefix = 'ablate-remote-'): string {
  const dir = tempProject(prefix);
  writeFileSync(join(dir, 'sum.mjs'), SUM_STAGE);
  writeJson(join(dir, 'p.json'), {
    kinds: { sum: './sum.mjs' },
    stages: {
      gen: { kind: 'sum', matrix: { x: [1, 2, 3] }, params: { bias: 10 } },
      double: { kind: 'sum', inputs: { a: 'gen' }, matrix: { x: [1, 2, 3] } },
      total: { kind: 'sum', inputs: { all: { stage: 'double', all: true } } },
    },
  });
  return dir;
}

/** Points a project at a remote through its ablate.config.json. */
export function useRemote(dir: string, remote: Record<string, unknown>): void {
  writeJson(join(dir, 'ablate.config.json'), { remote });
}

export function cli(dir: string, args: string[]): Promise<CliResult> {
  return ablate(dir, args, S3_ENV);
}

export function runJson(dir: string, extra: string[] = []): Promise<CliResult> {
  return cli(dir, ['run', 'p.json', '--reporter', 'json', '-j', '2', ...extra]);
}

/** Cell ids of a JSON run by how they were satisfied: ran, cached locally, or cached from the remote. */
export function outcomes(stdout: string): { ran: string[]; local: string[]; remote: string[] } {
  const out = { ran: [] as string[], local: [] as string[], remote: [] as string[] };
  for (const e of events(stdout)) {
    if (e.type !== 'cell' || e.cell === undefined) continue;
    if (e.status === 'ran') out.ran.push(e.cell);
    else if (e.status === 'cached') (e.source === 'remote' ? out.remote : out.local).push(e.cell);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

export function warnings(stdout: string): string[] {
  return events(stdout)
    .filter((e) => e.type === 'warning')
    .map((e) => String(e.message));
}

export function summaryOf(stdout: string, type = 'summary'): JsonEvent {
  const s = events(stdout).find((e) => e.type === type);
  if (s === undefined) throw new Error(`no ${type} event in:\n${stdout}`);
  return s;
}

/** Every file under a folder, by relative path, with its bytes. */
export function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Exports the project's final artifacts and returns them (manifests hold times and hosts, so only artifacts compare). */
export async function exportedArtifacts(dir: string): Promise<Map<string, Buffer>> {
  const r = await cli(dir, ['export', 'p.json', '--out', 'exported']);
  if (r.code !== 0) throw new Error(`export failed: ${r.stderr}`);
  return tree(join(dir, 'exported', 'artifacts'));
}

/** Polls until `ready` holds; fails after `limitMs` with `what`. Waits on a state, never a fixed time. */
export async function waitFor(what: string, ready: () => boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface S3Server {
  endpoint: string;
  dir: string;
  child: ChildProcess;
  /** Ends it at once (SIGKILL) and waits for the process to be gone. */
  kill(): Promise<void>;
}

const CHILD = resolve(fileURLToPath(import.meta.url), '../s3-child.js');

/** Starts s3rver in its own process on a free loopback port, storing objects under `dir`. */
export function startS3(dir: string): Promise<S3Server> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [CHILD, dir, BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((done, fail) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      text += chunk;
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return;
      const { port } = JSON.parse(line) as { port: number };
      done({
        endpoint: `http://127.0.0.1:${port}`,
        dir,
        child,
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    });
    child.once('exit', (code) => fail(new Error(`s3rver exited (${code}) before listening`)));
  });
}

export type Fault = 'none' | '503' | 'hang';

/**
 * An HTTP proxy on a loopback port in front of a server, for injecting
 * faults: every request answered 503, or held without an answer (a server
 * that has stopped responding), or passed through. `holdAfterPuts` passes
 * the first N PUTs and holds every request after them; `holdAfterGets` the
 * same for GETs.
 */
export class FaultProxy {
  fault: Fault = 'none';
  holdAfterPuts = Infinity;
  holdAfterGets = Infinity;
  requests = 0;
  putsPassed = 0;
  getsPassed = 0;
  held = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly target: string) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(target: string, fault: Fault = 'none'): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    proxy.fault = fault;
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drops every connection, held ones included, and stops listening. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const holding =
      this.fault === 'hang' ||
      this.putsPassed >= this.holdAfterPuts ||
      (req.method === 'GET' && this.getsPassed >= this.holdAfterGets);
    if (holding) {
      this.held++;
      req.resume();
      return;
    }
    if (this.fault === '503') {
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/xml' })
        .end('<Error><Code>ServiceUnavailable</Code><Message>injected</Message></Error>');
      return;
    }
    if (req.method === 'PUT') this.putsPassed++;
    if (req.method === 'GET') this.getsPassed++;
    const url = new URL(this.target);
    const upstream = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

/** Starts `ablate ARGS` without waiting for it; `done` settles when it exits. */
export function spawnCli(dir: string, args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, ...S3_ENV, ABLATE_CACHE_DIR: join(dir, 'cache') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<CliResult>((r) =>
    child.once('close', (code, signal) => r({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
  return { child, done };
}
