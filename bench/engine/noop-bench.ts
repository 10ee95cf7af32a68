/**
 * Whole-process wall time of `ablate status` and a no-op `ablate run` on a
 * fully cached pipeline of 10,001 cells: `gen` (a matrix of 5,000) -> `train`
 * -> one fan-in `report`, all `exec` cells.
 *
 *   npx tsc -p . && node dist/bench/engine/noop-bench.js [--cells-half 5000] [--reps 10] [--dir DIR]
 *
 * The first run fills the cache (untimed unless it is cold: its time is
 * printed too). Then, per repetition and in rotating order: `node -e 0`
 * (Node's own start-up, the floor), `ablate status`, `ablate run --reporter
 * json` (no-op), `ablate run --dry-run`, and `ablate status` with the stored
 * plan (cache/plans) deleted first, which is the cost of a full plan: the
 * first status after anything changed. Each row is the median of --reps
 * with min-max; "share of Node start-up" puts each command beside the floor
 * measured in the same rotation, which is what to compare on a busy machine.
 * With --dir, the workspace is kept and reused, so repeated invocations skip
 * the cold run.
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
import { fanInPipeline } from './fan-in-pipeline.js';

function pipeline(half: number): string {
  const values = Array.from({ length: half }, (_, k) => k);
  return fanInPipeline(
    `noop-${2 * half + 1}`,
    'No-op benchmark: gen -> train -> fan-in report, trivial shell commands.',
    values,
  );
}

function nothingRan(cells: number) {
  return (text: string): string | undefined => {
    // The summary is the last line but for the `results` line that may follow it.
    const line = text
      .trim()
      .split('\n')
      .findLast((l) => l.startsWith('{"type":"summary"'));
    if (line === undefined) return 'no summary line';
    const s = JSON.parse(line) as { ran: number; cached: number };
    return s.ran === 0 && s.cached === cells ? undefined : `ran ${s.ran}, cached ${s.cached} (expected 0 and ${cells})`;
  };
}

function main(argv: string[]): void {
  const { flags } = parseFlags(argv);
  const half = Number(flags.get('cells-half') ?? 5000);
  const reps = Number(flags.get('reps') ?? 10);
  const cells = 2 * half + 1;
  const dir = flags.get('dir') ?? mkdtempSync(join(tmpdir(), 'ablate-noop-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pipeline.json');
  const text = pipeline(half);
  writeFileSync(file, text);
  const cache = join(dir, 'cache');
  const ablate = (args: string[]): string[] => [ablateBin, ...args, file, '--cache-dir', cache];
  const runLog = join(dir, 'run.log');

  const fresh = !existsSync(cache);
  log(`noop: ${cells} cells in ${dir}; ${fresh ? 'filling the cache (cold run)' : 'cache exists, completing it'}`);
  const fill = timeCommand({
    command: process.execPath,
    args: [...ablate(['run']), '--reporter', 'json'],
    cwd: dir,
    log: runLog,
  });
  if (fill.code !== 0) throw new Error(`the filling run exited ${fill.code}; see ${runLog}`);

  const steps: Step[] = [
    { label: '`node -e 0` (Node start-up)', args: ['-e', '0'] },
    {
      label: '`ablate status`',
      args: ablate(['status']),
      expect: (t) =>
        t.startsWith(`${cells} cells: ${cells} cached, 0 to run`) ? undefined : `unexpected status: ${t.slice(0, 80)}`,
    },
    {
      label: '`ablate run` (no-op, JSON reporter)',
      args: [...ablate(['run']), '--reporter', 'json'],
      expect: nothingRan(cells),
    },
    { label: '`ablate run --dry-run`', args: [...ablate(['run']), '--dry-run'] },
    {
      label: '`ablate status`, stored plan deleted first (full plan)',
      args: ablate(['status']),
      expect: (t) =>
        t.startsWith(`${cells} cells: ${cells} cached, 0 to run`) ? undefined : `unexpected status: ${t.slice(0, 80)}`,
      before: () => rmSync(join(cache, 'plans'), { recursive: true, force: true }),
    },
  ];
  const times = timeSteps(steps, reps, dir);

  const info = machineInfo();
  const floor = summarize((times[0] as Timing[]).map((t) => t.wallS)).median;
  const rows = steps.map((s, i) => {
    const wall = summarize((times[i] as Timing[]).map((t) => t.wallS));
    const cpu = summarize((times[i] as Timing[]).map((t) => t.cpuS));
    const goal = i === 0 ? '' : wall.median < 0.5 ? 'meets < 0.5 s' : 'misses < 0.5 s';
    return [
      s.label,
      fmtSummary(wall),
      cpu.median.toFixed(2),
      i === 0 ? '1.00' : (wall.median / floor).toFixed(2),
      goal,
    ];
  });
  const out = [
    `## No-op over ${cells.toLocaleString('en-US')} cached cells`,
    '',
    `${info.nproc} cores (${info.cpu}), node ${info.node}; ${reps} repetitions in rotating order; load averages before: ${loadAverages()}.`,
    `Filling run (${fresh ? 'cold' : 'cache already filled'}): ${fill.wallS.toFixed(1)} s.`,
    '',
    table(['command', 'wall s, median (min-max)', 'CPU s, median', 'x Node start-up', 'goal'], rows),
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
