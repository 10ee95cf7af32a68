import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Drives the real CLI in a temporary project directory. */
export const BIN = resolve(fileURLToPath(import.meta.url), '../../../../bin/ablate.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempProject(prefix = 'ablate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function ablate(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, ...env, ABLATE_CACHE_DIR: join(cwd, 'cache') }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

export interface JsonEvent {
  type: string;
  cell?: string;
  stage?: string;
  status?: string;
  [key: string]: unknown;
}

export function events(stdout: string): JsonEvent[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonEvent);
}

/** Cell ids by status from a `--reporter json` run. */
export function byStatus(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = { ran: [], cached: [], failed: [], skipped: [] };
  for (const e of events(stdout)) if (e.type === 'cell' && e.status && e.cell) (out[e.status] ??= []).push(e.cell);
  for (const k of Object.keys(out)) out[k]?.sort();
  return out;
}

export function runJson(
  cwd: string,
  pipeline = 'p.json',
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return ablate(cwd, ['run', pipeline, '--reporter', 'json', '-j', '2', ...extra], env);
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A JS stage kind whose output is a pure function of its params and inputs. */
export const SUM_STAGE = `export default {
  params: { type: 'object', properties: { x: { type: 'number' }, bias: { type: 'number' } } },
  async run(ctx) {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    let total = Number(ctx.params.x ?? 0) + Number(ctx.params.bias ?? 0);
    for (const input of Object.values(ctx.inputs)) {
      for (const a of Array.isArray(input) ? input : [input]) total += Number(readFileSync(join(a.dir, 'value.txt'), 'utf8'));
    }
    writeFileSync(join(ctx.outDir, 'value.txt'), String(total));
  },
};
`;
