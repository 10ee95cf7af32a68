/**
 * A shared remote cache, measured: push of a pipeline's computed cache to a
 * remote, pull into an empty cache, and a run into an empty cache with the
 * remote configured (every cell a remote hit), each beside the cold run.
 * Remotes: a directory (file://) and s3rver, an S3-protocol server on a
 * loopback port (the same protocol path as S3, MinIO or R2, without a network).
 *
 *   npx tsc -p . && node dist/bench/remote/remote-bench.js [PIPELINE] [options]
 *
 *   PIPELINE        default pipelines/smoke.json
 *   --remotes LIST  file,s3 (default both)
 *   --jobs N        for the runs (default: ablate's default, all cores)
 *
 * Every command is checked: exit 0, the cold run computed every cell, the
 * remote-cached run computed none. Not a test: nothing asserts a speed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ablateBin,
  fmtRatio,
  fmtSeconds,
  loadAverages,
  log,
  machineInfo,
  parseFlags,
  repoRoot,
  table,
  timeCommand,
  type Timing,
} from '../engine/measure.js';

interface Row {
  label: string;
  command: string;
  timing: Timing;
  bytes?: number;
  cells?: string;
}

const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

async function main(argv: string[]): Promise<void> {
  const { flags, positional } = parseFlags(argv);
  const pipeline = resolve(positional.find((p) => p.endsWith('.json')) ?? 'pipelines/smoke.json');
  const remotes = (flags.get('remotes') ?? 'file,s3').split(',');
  const jobs = flags.get('jobs');
  const jobArgs = jobs === undefined ? [] : ['-j', jobs];
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli.js'))) throw new Error('build ablate first: npx tsc -p .');
  const work = mkdtempSync(join(tmpdir(), 'ablate-remote-bench-'));
  const info = machineInfo();
  const loadStart = loadAverages();
  const rows: Row[] = [];
  const stopS3: (() => void)[] = [];
  try {
    const ablate = (label: string, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Row => {
      log(`${label}: ablate ${args.join(' ')}`);
      const logFile = join(work, `${rows.length}.log`);
      const timing = timeCommand({
        command: process.execPath,
        args: [ablateBin, ...args],
        cwd,
        log: logFile,
        env: { ...process.env, ...S3_ENV, ...env },
      });
      const text = readFileSync(logFile, 'utf8');
      if (timing.code !== 0) throw new Error(`${label} exited ${timing.code}:\n${text.slice(-2000)}`);
      const row: Row = {
        label,
        command: `ablate ${args.map((a) => (a.startsWith(work) ? a.replace(work, '$TMP') : a.replace(repoRoot + '/', ''))).join(' ')}`,
        timing,
        ...facts(text),
      };
      rows.push(row);
      return row;
    };
    const cold = ablate('cold run, empty cache', work, [
      'run',
      pipeline,
      '--cache-dir',
      join(work, 'cold'),
      '--reporter',
      'json',
      ...jobArgs,
    ]);
    if (!/"cached":0\b/.test(cold.cells ?? '')) throw new Error('the cold run found cached cells');
    for (const kind of remotes) {
      const cwd = join(work, kind);
      rmSync(cwd, { recursive: true, force: true });
      mkdirSync(cwd);
      writeFileSync(join(cwd, 'ablate.config.json'), JSON.stringify({ remote: await remoteFor(kind, work, stopS3) }));
      ablate(`push to ${kind} remote`, cwd, [
        'push',
        pipeline,
        '--cache-dir',
        join(work, 'cold'),
        '--reporter',
        'json',
      ]);
      ablate(`pull from ${kind} remote into an empty cache`, cwd, [
        'pull',
        pipeline,
        '--cache-dir',
        join(cwd, 'pulled'),
        '--reporter',
        'json',
      ]);
      const hit = ablate(`run into an empty cache, ${kind} remote`, cwd, [
        'run',
        pipeline,
        '--cache-dir',
        join(cwd, 'read-through'),
        '--reporter',
        'json',
        ...jobArgs,
      ]);
      if (!/"ran":0\b/.test(hit.cells ?? '')) throw new Error(`the remote-cached run computed cells: ${hit.cells}`);
    }
  } finally {
    for (const stop of stopS3) stop();
    rmSync(work, { recursive: true, force: true });
  }
  const coldS = rows[0]?.timing.wallS ?? Number.NaN;
  const body = rows.map((r) => [
    r.label,
    fmtSeconds(r.timing.wallS),
    fmtSeconds(r.timing.cpuS),
    fmtRatio(r.timing.wallS / coldS),
    r.bytes === undefined ? '–' : mib(r.bytes),
    r.cells ?? '–',
  ]);
  process.stdout.write(`## Remote cache (${pipeline.replace(repoRoot + '/', '')})\n\n`);
  process.stdout.write(`${table(['step', 'wall s', 'cpu s', 'x cold', 'moved', 'cells'], body)}\n\n`);
  process.stdout.write(
    `Commands (cwd holds ablate.config.json naming the remote):\n\n${rows.map((r) => `- ${r.label}: \`${r.command}\``).join('\n')}\n\n`,
  );
  process.stdout.write(
    `Machine: ${info.nproc} cores (${info.cpu}), node ${info.node}; load averages start: ${loadStart}; end: ${loadAverages()}\n\n`,
  );
}

/** Bytes moved (push/pull) or the run's cell counts, from the JSON events in a log. */
function facts(text: string): { bytes?: number; cells?: string } {
  for (const line of text.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as {
      type: string;
      bytes?: number;
      counts?: Record<string, number>;
      ran?: number;
      cached?: number;
      remote?: number;
    };
    if (e.type === 'transfer-summary') {
      const c = e.counts ?? {};
      return {
        bytes: e.bytes,
        cells: `${(c.sent ?? 0) + (c.received ?? 0)} moved, ${c.present ?? 0} present, ${(c.failed ?? 0) + (c.rejected ?? 0)} failed`,
      };
    }
    if (e.type === 'summary') return { cells: `"ran":${e.ran} "cached":${e.cached} (remote ${e.remote ?? 0})` };
  }
  return {};
}

async function remoteFor(kind: string, work: string, stops: (() => void)[]): Promise<Record<string, unknown>> {
  if (kind === 'file') return { url: pathToFileURL(join(work, 'file-remote')).href };
  if (kind !== 's3') throw new Error(`--remotes: unknown remote kind "${kind}" (file, s3)`);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist', 'test', 'remote', 's3-child.js'), join(work, 's3-objects'), 'bench'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  stops.push(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((done, fail) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) done((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => fail(new Error(`s3rver exited (${code})`)));
  });
  return { url: 's3://bench/ablate', endpoint: `http://127.0.0.1:${port}`, pathStyle: true };
}

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(2)} MiB`;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
});
