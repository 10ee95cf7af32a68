/**
 * Whole-process wall time of `ablate status` and a no-op `ablate run` on a
 * fully cached pipeline of 10,001 cells: `gen` (a matrix of 5,000) -> `train`
 * -> one fan-in `report`, all `exec` cells.
 *
 *   npm run build && node dist/bench/engine/noop-bench.js [--cells-half 5000] [--reps 10] [--dir DIR]
 *     [--snakemake] [--compare-bin PATH]
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
 *
 * --snakemake also times Snakemake's no-op run and dry run of the same DAG
 * (its outputs made by one untimed cold run first; meant for small
 * --cells-half) and gives each ablate row as a ratio to Snakemake's no-op.
 * --compare-bin times another build's `bin/ablate.js` (the no-op run and
 * `--version`) in the same rotation, against its own copy of the cache, so a
 * change to start-up is measured side by side with what it replaces.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ablateBin,
  fmtRatio,
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
import { fanInPipeline, SNAKEFILE } from './fan-in-pipeline.js';

function pipeline(values: number[]): string {
  return fanInPipeline(
    `noop-${2 * values.length + 1}`,
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

interface Workspace {
  dir: string;
  file: string;
  cache: string;
  cells: number;
  values: number[];
}

/** `ablate ARGS pipeline.json --cache-dir CACHE` through `bin`. */
function ablateArgs(ws: Workspace, args: string[], bin = ablateBin, cache = ws.cache): string[] {
  return [bin, ...args, ws.file, '--cache-dir', cache];
}

function fillCache(ws: Workspace): string {
  const fresh = !existsSync(ws.cache);
  log(
    `noop: ${ws.cells} cells in ${ws.dir}; ${fresh ? 'filling the cache (cold run)' : 'cache exists, completing it'}`,
  );
  const runLog = join(ws.dir, 'run.log');
  const fill = timeCommand({
    command: process.execPath,
    args: [...ablateArgs(ws, ['run']), '--reporter', 'json'],
    cwd: ws.dir,
    log: runLog,
  });
  if (fill.code !== 0) throw new Error(`the filling run exited ${fill.code}; see ${runLog}`);
  return `Filling run (${fresh ? 'cold' : 'cache already filled'}): ${fill.wallS.toFixed(1)} s.`;
}

function ablateSteps(ws: Workspace): Step[] {
  // The full plan runs on a copy of the cache: the plan `status` stores lacks the final cells' files, so in
  // the shared cache it would send the next no-op `run` down the full path too, timing a plan, not a no-op.
  const planCache = join(ws.dir, 'cache-plan');
  if (!existsSync(planCache)) cpSync(ws.cache, planCache, { recursive: true });
  const statusOk = (t: string): string | undefined =>
    t.startsWith(`${ws.cells} cells: ${ws.cells} cached, 0 to run`)
      ? undefined
      : `unexpected status: ${t.slice(0, 80)}`;
  return [
    { label: '`node -e 0` (Node start-up)', args: ['-e', '0'] },
    { label: '`ablate status`', args: ablateArgs(ws, ['status']), expect: statusOk },
    {
      label: '`ablate run` (no-op, JSON reporter)',
      args: [...ablateArgs(ws, ['run']), '--reporter', 'json'],
      expect: nothingRan(ws.cells),
    },
    { label: '`ablate run --dry-run`', args: [...ablateArgs(ws, ['run']), '--dry-run'] },
    {
      label: '`ablate status`, stored plan deleted first (full plan)',
      args: ablateArgs(ws, ['status'], ablateBin, planCache),
      expect: statusOk,
      before: () => rmSync(join(planCache, 'plans'), { recursive: true, force: true }),
    },
    { label: '`ablate --version` (parser only)', args: [ablateBin, '--version'] },
  ];
}

/**
 * Another build's CLI on a copy of the filled cache (its engine differs, so
 * it keeps its own stored plan), run once untimed to store that plan.
 */
function compareSteps(ws: Workspace, bin: string): Step[] {
  const cache = join(ws.dir, 'cache-compare');
  if (!existsSync(cache)) cpSync(ws.cache, cache, { recursive: true });
  const run = [...ablateArgs(ws, ['run'], bin, cache), '--reporter', 'json'];
  const first = timeCommand({ command: process.execPath, args: run, cwd: ws.dir, log: join(ws.dir, 'compare.log') });
  if (first.code !== 0) throw new Error(`${bin} exited ${first.code}; see ${join(ws.dir, 'compare.log')}`);
  return [
    { label: `\`ablate run\` (no-op, JSON reporter), ${bin}`, args: run, expect: nothingRan(ws.cells) },
    { label: `\`ablate --version\`, ${bin}`, args: [bin, '--version'] },
  ];
}

/** Snakemake's no-op run and dry run of the same DAG, in a folder whose outputs one untimed cold run made. */
function snakemakeSteps(ws: Workspace): { steps: Step[]; note: string } {
  const found = spawnSync('sh', ['-c', 'command -v snakemake'], { encoding: 'utf8' });
  const snakemake = found.status === 0 ? found.stdout.trim() : '';
  if (snakemake === '') throw new Error('--snakemake: snakemake is not installed (apt-get install snakemake)');
  const dir = join(ws.dir, 'snakemake');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Snakefile'), SNAKEFILE);
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ i: ws.values })}\n`);
  const cores = String(availableParallelism());
  const fill = timeCommand({
    command: snakemake,
    args: ['--cores', cores],
    cwd: dir,
    log: join(ws.dir, 'snakemake.log'),
  });
  if (fill.code !== 0)
    throw new Error(`snakemake's filling run exited ${fill.code}; see ${join(ws.dir, 'snakemake.log')}`);
  const nothing = (t: string): string | undefined =>
    t.includes('Nothing to be done') ? undefined : 'Snakemake had something to do';
  const version = spawnSync(snakemake, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    steps: [
      {
        label: `\`snakemake --cores ${cores}\` (no-op)`,
        command: snakemake,
        cwd: dir,
        args: ['--cores', cores],
        expect: nothing,
      },
      {
        label: `\`snakemake -n --cores ${cores}\` (dry run)`,
        command: snakemake,
        cwd: dir,
        args: ['-n', '--cores', cores],
        expect: nothing,
      },
    ],
    note: `Snakemake ${version}; its filling run: ${fill.wallS.toFixed(1)} s.`,
  };
}

function main(argv: string[]): void {
  const { flags } = parseFlags(argv);
  const half = Number(flags.get('cells-half') ?? 5000);
  const reps = Number(flags.get('reps') ?? 10);
  const dir = flags.get('dir') ?? mkdtempSync(join(tmpdir(), 'ablate-noop-'));
  mkdirSync(dir, { recursive: true });
  const values = Array.from({ length: half }, (_, k) => k);
  const ws: Workspace = {
    dir,
    file: join(dir, 'pipeline.json'),
    cache: join(dir, 'cache'),
    cells: 2 * half + 1,
    values,
  };
  writeFileSync(ws.file, pipeline(values));
  const notes = [fillCache(ws)];

  const steps = ablateSteps(ws);
  const compare = flags.get('compare-bin');
  if (compare !== undefined) steps.push(...compareSteps(ws, resolve(compare)));
  const sm = flags.has('snakemake') ? snakemakeSteps(ws) : undefined;
  if (sm !== undefined) {
    steps.push(...sm.steps);
    notes.push(sm.note);
  }
  const times = timeSteps(steps, reps, dir);
  const median = (i: number): number => summarize((times[i] as Timing[]).map((t) => t.wallS)).median;
  const floor = median(0);
  const snakemakeNoop = sm === undefined ? undefined : median(steps.length - 2);
  const rows = steps.map((s, i) => {
    const wall = summarize((times[i] as Timing[]).map((t) => t.wallS));
    const cpu = summarize((times[i] as Timing[]).map((t) => t.cpuS));
    const row = [s.label, fmtSummary(wall), cpu.median.toFixed(2), (wall.median / floor).toFixed(2)];
    if (snakemakeNoop !== undefined) row.push(fmtRatio(wall.median / snakemakeNoop));
    return [...row, goal(s, i, wall.median, snakemakeNoop)];
  });
  const header = ['command', 'wall s, median (min-max)', 'CPU s, median', 'x Node start-up'];
  if (snakemakeNoop !== undefined) header.push("x Snakemake's no-op");
  const info = machineInfo();
  const out = [
    `## No-op over ${ws.cells.toLocaleString('en-US')} cached cells`,
    '',
    `${info.nproc} cores (${info.cpu}), node ${info.node}; ${reps} repetitions in rotating order; load averages before: ${loadAverages()}.`,
    ...notes,
    '',
    table([...header, 'goal'], rows),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The no-op run of this build: under 0.5 s, and at most 0.15x Snakemake's no-op where that was timed. */
function goal(step: Step, i: number, wallS: number, snakemakeNoop: number | undefined): string {
  if (i === 0 || step.command !== undefined) return '';
  const parts = [wallS < 0.5 ? 'meets < 0.5 s' : 'misses < 0.5 s'];
  if (i === 2 && snakemakeNoop !== undefined)
    parts.push(wallS <= 0.15 * snakemakeNoop ? "meets <= 0.15x Snakemake's" : "misses <= 0.15x Snakemake's");
  return parts.join('; ');
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}
