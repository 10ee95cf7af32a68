/**
 * Whole-process wall time of `ablate show` on a fully cached pipeline of
 * 10,002 exec cells (a matrix of 3,334 values x 3 seeds), each writing a
 * metrics.json the stage declares.
 *
 *   npx tsc -p . && node dist/bench/engine/show-bench.js [--values 3334] [--reps 5] [--dir DIR]
 *
 * The first run fills the cache (its time is printed). Then, per
 * repetition and in rotating order: `node -e 0` (Node's own start-up),
 * `ablate show` (3,334 rows, seeds aggregated), `ablate show --cells
 * --format csv` (10,002 rows), `ablate show --format json`, and `ablate
 * show` with the stored answers (cache/plans) deleted first, which is the
 * cost of a full plan: the first show after anything changed. Nothing
 * runs; each cell's metrics are read from the table beside its record
 * (stored at commit time, so no artifact is read). Goal: under 1 s. With
 * --dir the workspace is kept for reuse.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ablateBin,
  fmtSummary,
  loadAverages,
  log,
  machineInfo,
  parseFlags,
  summarize,
  table,
  timeCommand,
  timeSteps,
  type Step,
  type Timing,
} from './measure.js';

function pipeline(values: number): string {
  const p = {
    name: `show-${3 * values}`,
    maxCells: 3 * values + 10,
    stages: {
      m: {
        kind: 'exec',
        metrics: 'metrics.json',
        params: {
          command: 'echo "{\\"score\\": $(( {{x}} + {{seed}} )), \\"loss\\": 0.{{x}}}" > metrics.json',
          outputs: ['metrics.json'],
        },
        matrix: { x: Array.from({ length: values }, (_, k) => k), seed: [0, 1, 2] },
      },
    },
  };
  return `${JSON.stringify(p, null, 1)}\n`;
}

function main(argv: string[]): void {
  const { flags } = parseFlags(argv);
  const values = Number(flags.get('values') ?? 3334);
  const reps = Number(flags.get('reps') ?? 5);
  const cells = 3 * values;
  const dir = flags.get('dir') ?? mkdtempSync(join(tmpdir(), 'ablate-show-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pipeline.json');
  writeFileSync(file, pipeline(values));
  const cache = join(dir, 'cache');
  const ablate = (args: string[]): string[] => [ablateBin, ...args, file, '--cache-dir', cache];
  const fresh = !existsSync(cache);
  log(`show: ${cells} cells in ${dir}; ${fresh ? 'filling the cache (cold run)' : 'cache exists, completing it'}`);
  const fill = timeCommand({
    command: process.execPath,
    args: [...ablate(['run']), '--reporter', 'json'],
    cwd: dir,
    log: join(dir, 'run.log'),
  });
  if (fill.code !== 0) throw new Error(`the filling run exited ${fill.code}; see ${join(dir, 'run.log')}`);
  const lines =
    (n: number) =>
    (t: string): string | undefined =>
      t.trim().split('\n').length >= n ? undefined : `expected at least ${n} lines, got ${t.trim().split('\n').length}`;
  const steps: Step[] = [
    { label: '`node -e 0` (Node start-up)', args: ['-e', '0'] },
    { label: `\`ablate show\` (${values} rows, seeds aggregated)`, args: ablate(['show']), expect: lines(values + 2) },
    {
      label: `\`ablate show --cells --format csv\` (${cells} rows)`,
      args: ablate(['show', '--cells', '--format', 'csv']),
      expect: lines(cells + 1),
    },
    {
      label: '`ablate show --format json`',
      args: ablate(['show', '--format', 'json']),
      expect: (t) => ((JSON.parse(t) as { rows: unknown[] }).rows.length === values ? undefined : 'wrong row count'),
    },
    {
      label: '`ablate show`, stored answer deleted first (full plan)',
      args: ablate(['show']),
      expect: lines(values + 2),
      before: () => rmSync(join(cache, 'plans'), { recursive: true, force: true }),
    },
  ];
  const times = timeSteps(steps, reps, dir);
  const info = machineInfo();
  const rows = steps.map((s, i) => {
    const wall = summarize((times[i] as Timing[]).map((t) => t.wallS));
    const cpu = summarize((times[i] as Timing[]).map((t) => t.cpuS));
    return [
      s.label,
      fmtSummary(wall),
      cpu.median.toFixed(2),
      i === 0 ? '' : wall.median < 1 ? 'meets < 1 s' : 'misses < 1 s',
    ];
  });
  const out = [
    `## \`ablate show\` over ${cells.toLocaleString('en-US')} cached cells`,
    '',
    `${info.nproc} cores (${info.cpu}), node ${info.node}; ${reps} repetitions in rotating order; load averages before: ${loadAverages()}.`,
    `Filling run (${fresh ? 'cold' : 'cache already filled'}): ${fill.wallS.toFixed(1)} s.`,
    '',
    table(['command', 'wall s, median (min-max)', 'CPU s, median', 'goal'], rows),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}
