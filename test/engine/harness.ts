/**
 * The engine suites' view of the CLI: each run in a temp project whose cache
 * lives inside it (test/harness/cli.ts does the spawning and parsing).
 */
import { jsonLines, projectCache, runCli, type CliResult, type JsonEvent } from '../harness/cli.js';

export { BIN, byStatus, tempProject, writeJson, type CliResult, type JsonEvent } from '../harness/cli.js';

export function ablate(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd, env: { ...env, ...projectCache(cwd) } });
}

export function events(stdout: string): JsonEvent[] {
  return jsonLines(stdout);
}

export function runJson(
  cwd: string,
  pipeline = 'p.json',
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return ablate(cwd, ['run', pipeline, '--reporter', 'json', '-j', '2', ...extra], env);
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
