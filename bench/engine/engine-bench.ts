/**
 * Engine overhead, ablate against Snakemake, on equivalent DAGs of trivial
 * shell commands: N `gen` cells -> N `train` cells -> 1 fan-in `report`.
 *
 *   npx tsc -p . && node dist/bench/engine/engine-bench.js [options]
 *
 *   --sizes 100,1000,10000   values of N
 *   --reps 5                 repetitions of every measurement (each tool)
 *   --cold-reps-large 1      cold repetitions for N >= --large (the one cold
 *                            run doubles as the build the no-op rows need)
 *   --reps-large 3           repetitions of the other rows for N >= --large
 *   --large 10000
 *   --snakemake-cold-max 1000  largest N at which Snakemake runs cold; above
 *                            it, one cold run takes hours (its scheduler
 *                            re-examines every ready job each round), so its
 *                            state is built, untimed, by real Snakemake runs
 *                            on batches of --snakemake-batch train targets
 *                            (outputs and metadata records as a cold run
 *                            leaves them; about 15 min at N=10000)
 *   --snakemake-batch 250
 *   --jobs 2                 parallel jobs, both tools
 *   --no-floor               skip the "floor" row (the same commands via xargs)
 *   --no-install             do not apt-get install snakemake when absent
 *   --keep                   keep the temporary directories
 *
 * Every measurement alternates the tools (the order flips every repetition)
 * and starts from the state the previous step left; cold runs start in fresh
 * temporary directories. Wall seconds are measured around the CLI process;
 * CPU seconds (user+system of the process tree) come from GNU time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ablateBin,
  fmtRatio,
  fmtSeconds,
  fmtSummary,
  intList,
  loadAverages,
  log,
  machineInfo,
  parseFlags,
  repoRoot,
  runSummary,
  summarize,
  table,
  timeCommand,
  type Timing,
} from './measure.js';
import { fanInPipeline, SNAKEFILE } from './fan-in-pipeline.js';

type Tool = 'ablate' | 'snakemake';
type Measure = 'cold' | 'noop-run' | 'noop-status' | 'changed';

const MEASURES: Record<Measure, { label: string }> = {
  cold: { label: 'cold run' },
  'noop-run': { label: 'no-op run' },
  'noop-status': { label: 'no-op status / dry-run' },
  changed: { label: 'one input changed' },
};

interface Options {
  sizes: number[];
  reps: number;
  coldRepsLarge: number;
  repsLarge: number;
  snakemakeBatch: number;
  large: number;
  snakemakeColdMax: number;
  jobs: number;
  floor: boolean;
  install: boolean;
  keep: boolean;
}

function options(argv: string[]): Options {
  const { flags } = parseFlags(argv);
  const num = (name: string, d: number): number => {
    const v = flags.get(name);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} expects a non-negative integer, got ${v}`);
    return n;
  };
  return {
    sizes: flags.has('sizes') ? intList(flags.get('sizes') as string) : [100, 1000, 10000],
    reps: Math.max(1, num('reps', 5)),
    coldRepsLarge: num('cold-reps-large', 1),
    repsLarge: Math.max(1, num('reps-large', 3)),
    snakemakeBatch: Math.max(1, num('snakemake-batch', 250)),
    large: num('large', 10000),
    snakemakeColdMax: num('snakemake-cold-max', 1000),
    jobs: Math.max(1, num('jobs', 2)),
    floor: !flags.has('no-floor'),
    install: !flags.has('no-install'),
    keep: flags.has('keep'),
  };
}

// ---------------------------------------------------------------- workloads

/** Values of the `i` axis; the changed-input step replaces the middle one by a fresh value. */
function initialValues(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}

function ablatePipeline(n: number, values: number[]): string {
  return fanInPipeline(
    `bench-${n}`,
    'Engine benchmark: N gen -> N train -> 1 fan-in report, trivial shell commands.',
    values,
  );
}

interface Workspace {
  dir: string;
  values: number[];
  /** How many times the changed-input step edited the values. */
  edits: number;
}

function writeConfig(tool: Tool, ws: Workspace, n: number): void {
  if (tool === 'ablate') writeFileSync(join(ws.dir, 'pipeline.json'), ablatePipeline(n, ws.values));
  else writeFileSync(join(ws.dir, 'config.json'), `${JSON.stringify({ i: ws.values })}\n`);
}

function freshWorkspace(root: string, tool: Tool, n: number): Workspace {
  const dir = join(root, `${tool}-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ws = { dir, values: initialValues(n), edits: 0 };
  if (tool === 'snakemake') writeFileSync(join(dir, 'Snakefile'), SNAKEFILE);
  writeConfig(tool, ws, n);
  return ws;
}

/** Replaces the middle value by one never used before: one gen cell, its train cell and the report are new. */
function changeOneInput(tool: Tool, ws: Workspace, n: number): void {
  ws.edits++;
  ws.values[Math.floor(n / 2)] = 1_000_000 + ws.edits;
  writeConfig(tool, ws, n);
}

// ---------------------------------------------------------------- running

interface Ctx {
  o: Options;
  snakemake: string;
  env: NodeJS.ProcessEnv;
}

function command(ctx: Ctx, tool: Tool, m: Measure, ws: Workspace): { command: string; args: string[] } {
  const jobs = String(ctx.o.jobs);
  if (tool === 'ablate') {
    const base = [ablateBin];
    if (m === 'noop-status')
      return {
        command: process.execPath,
        args: [...base, 'status', 'pipeline.json', '--cache-dir', join(ws.dir, 'cache')],
      };
    return {
      command: process.execPath,
      args: [...base, 'run', 'pipeline.json', '--cache-dir', join(ws.dir, 'cache'), '-j', jobs],
    };
  }
  if (m === 'noop-status') return { command: ctx.snakemake, args: ['-n', '--cores', jobs] };
  return { command: ctx.snakemake, args: ['--cores', jobs] };
}

/** How many cells/jobs each step must run: a wrong count means the row does not measure what it says. */
function expectedWork(tool: Tool, m: Measure, n: number): number {
  const extra = tool === 'snakemake' ? 1 : 0; // Snakemake counts its `all` target as a job
  switch (m) {
    case 'cold':
      return 2 * n + 1 + extra;
    case 'changed':
      return 3 + extra;
    default:
      return 0;
  }
}

/** Reads from a step's log how much work it did (cells run, jobs done). */
function workDone(tool: Tool, m: Measure, logText: string): number | undefined {
  if (tool === 'ablate') {
    if (m === 'noop-status') {
      const match = /^(\d+) cells: (\d+) cached, (\d+) to run/m.exec(logText);
      return match ? Number(match[3]) : undefined;
    }
    const s = runSummary(logText);
    if (s === undefined) return undefined;
    return s.failed > 0 || s.skipped > 0 || s.head !== 'done' ? -1 : s.ran;
  }
  if (/Nothing to be done/.test(logText)) return 0;
  if (m === 'noop-status') {
    const match = /^total\s+(\d+)/m.exec(logText);
    return match ? Number(match[1]) : undefined;
  }
  const done = [...logText.matchAll(/(\d+) of (\d+) steps \(100%\) done/g)].pop();
  return done ? Number(done[1]) : undefined;
}

function runStep(ctx: Ctx, tool: Tool, m: Measure, ws: Workspace, n: number): Timing {
  const { command: cmd, args } = command(ctx, tool, m, ws);
  const logFile = join(ws.dir, `${m}.log`);
  const t = timeCommand({ command: cmd, args, cwd: ws.dir, log: logFile, env: ctx.env });
  const text = readFileSync(logFile, 'utf8');
  if (t.code !== 0)
    throw new Error(
      `${tool} ${m} (N=${n}) exited ${t.code}; log ${logFile}:\n${text.split('\n').slice(-15).join('\n')}`,
    );
  const did = workDone(tool, m, text);
  const want = expectedWork(tool, m, n);
  if (did !== want) throw new Error(`${tool} ${m} (N=${n}) did ${did ?? '?'} jobs, expected ${want}; log ${logFile}`);
  return t;
}

/**
 * What the tools' work costs without any engine: the same 2N+1 shell
 * commands, `jobs` at a time, through `xargs -P` (one `sh -c` per command).
 */
function runFloor(root: string, n: number, jobs: number): Timing {
  const dir = join(root, `floor-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'gen'), { recursive: true });
  mkdirSync(join(dir, 'train'), { recursive: true });
  const values = initialValues(n);
  writeFileSync(join(dir, 'gen.cmds'), values.map((i) => `echo ${i} > gen/${i}.txt`).join('\n'));
  writeFileSync(join(dir, 'train.cmds'), values.map((i) => `cat gen/${i}.txt > train/${i}.txt`).join('\n'));
  const script =
    `xargs -P ${jobs} -d '\\n' -n 1 sh -c < gen.cmds && xargs -P ${jobs} -d '\\n' -n 1 sh -c < train.cmds && ` +
    `sh -c 'cat train/*.txt | wc -l > report.txt'`;
  const t = timeCommand({ command: 'sh', args: ['-c', script], cwd: dir, log: join(dir, 'floor.log') });
  const report = existsSync(join(dir, 'report.txt')) ? readFileSync(join(dir, 'report.txt'), 'utf8').trim() : '';
  if (t.code !== 0 || report !== String(n))
    throw new Error(`floor run (N=${n}) failed: exit ${t.code}, report "${report}"`);
  rmSync(dir, { recursive: true, force: true });
  return t;
}

/**
 * Snakemake's state for a large N without one cold run (which would take
 * hours: its scheduler re-examines every ready job each round). Real
 * Snakemake runs in batches of targets, so outputs and its metadata records
 * are exactly what a cold run leaves; then one run makes the report.
 */
function buildSnakemakeInBatches(ctx: Ctx, ws: Workspace, n: number, batch: number): number {
  const start = Date.now();
  for (let lo = 0; lo < n; lo += batch) {
    const targets = ws.values.slice(lo, lo + batch).map((i) => `train/${i}.txt`);
    const r = spawnSync(ctx.snakemake, ['--cores', String(ctx.o.jobs), ...targets], {
      cwd: ws.dir,
      env: ctx.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0)
      throw new Error(`snakemake batch build failed (N=${n}, from ${lo}): ${String(r.stderr).slice(-2000)}`);
    log(
      `  snakemake build N=${n}: ${Math.min(lo + batch, n)}/${n} train targets (${((Date.now() - start) / 1000).toFixed(0)} s)`,
    );
  }
  const r = spawnSync(ctx.snakemake, ['--cores', String(ctx.o.jobs)], {
    cwd: ws.dir,
    env: ctx.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`snakemake final build failed (N=${n}): ${String(r.stderr).slice(-2000)}`);
  return (Date.now() - start) / 1000;
}

// ---------------------------------------------------------------- snakemake

function findSnakemake(install: boolean): string | undefined {
  const which = (): string | undefined => {
    const r = spawnSync('sh', ['-c', 'command -v snakemake'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const found = which();
  if (found !== undefined || !install) return found;
  log("snakemake not found; installing Debian's package (apt-get install -y snakemake)");
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args: string[]): number =>
    spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status ?? 1;
  if (apt(['install', '-y', '-qq', 'snakemake']) !== 0) {
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', 'snakemake']);
  }
  return which();
}

function snakemakeVersion(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.stdout.trim();
}

// ---------------------------------------------------------------- main

interface Row {
  n: number;
  m: Measure;
  ablate: Timing[];
  snakemake: Timing[];
  note?: string;
}

function main(argv: string[]): void {
  const o = options(argv);
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli.js'))) throw new Error('build ablate first: npx tsc -p .');
  const snakemake = findSnakemake(o.install);
  if (snakemake === undefined)
    throw new Error('snakemake is not installed and could not be installed (apt-get install snakemake)');
  const ctx: Ctx = { o, snakemake, env: { ...process.env } };
  const info = { ...machineInfo(), snakemake: snakemakeVersion(snakemake) };
  const root = mkdtempSync(join(tmpdir(), 'ablate-engine-bench-'));
  const cleanup = (): void => {
    if (!o.keep) rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: Row[] = [];
  const floors = new Map<number, Timing[]>();
  const loads: string[] = [`start: ${loadAverages()}`];
  const notes: string[] = [];
  log(
    `engine benchmark in ${root}; sizes ${o.sizes.join(', ')}, ${o.reps} reps, ${o.jobs} jobs; load ${loadAverages()}`,
  );
  try {
    for (const n of o.sizes) {
      const coldReps = n >= o.large ? o.coldRepsLarge : o.reps;
      const snakemakeCold = n <= o.snakemakeColdMax;
      const rowOf = (m: Measure): Row => {
        const r: Row = { n, m, ablate: [], snakemake: [] };
        rows.push(r);
        return r;
      };
      const ws: Record<Tool, Workspace | undefined> = { ablate: undefined, snakemake: undefined };

      // Cold: fresh directories every repetition; the last one stays for the no-op rows.
      const cold = rowOf('cold');
      for (let r = 0; r < coldReps; r++) {
        for (const tool of order(r)) {
          if (tool === 'snakemake' && !snakemakeCold) continue;
          const w = freshWorkspace(root, tool, n);
          ws[tool] = w;
          cold[tool].push(runStep(ctx, tool, 'cold', w, n));
          log(`N=${n} cold ${tool} #${r + 1}: ${fmtSeconds(cold[tool].at(-1)?.wallS ?? NaN)} s`);
        }
        if (o.floor) {
          const f = runFloor(root, n, o.jobs);
          floors.set(n, [...(floors.get(n) ?? []), f]);
        }
      }
      for (const tool of ['ablate', 'snakemake'] as const) {
        if (ws[tool] !== undefined) continue;
        const w = freshWorkspace(root, tool, n);
        ws[tool] = w;
        if (tool === 'snakemake' && !snakemakeCold) {
          const why = `N=${n}: Snakemake was not run cold (one run of this DAG takes hours: its scheduler re-examines every ready job each round); `;
          const batch = o.snakemakeBatch;
          const s = buildSnakemakeInBatches(ctx, w, n, batch);
          const runs = Math.ceil(n / batch);
          notes.push(
            `${why}its state was built by ${runs} Snakemake run${runs === 1 ? '' : 's'} of up to ${batch} train targets and a final run (${fmtSeconds(s)} s in all)`,
          );
          cold.note = 'Snakemake not run cold';
        } else {
          runStep(ctx, tool, 'cold', w, n);
          notes.push(`N=${n}: ${tool}'s cold run was not timed (--cold-reps-large 0); one untimed run built the state`);
        }
      }
      if (coldReps < o.reps && coldReps > 0)
        notes.push(`N=${n}: ${coldReps} cold run(s) per tool instead of ${o.reps}`);

      const wsA = ws.ablate as Workspace;
      const wsS = ws.snakemake as Workspace;
      const reps = n >= o.large ? o.repsLarge : o.reps;
      if (reps < o.reps)
        notes.push(`N=${n}: ${reps} runs per tool for the no-op, status and changed rows instead of ${o.reps}`);
      for (const m of ['noop-run', 'noop-status', 'changed'] as const) {
        const row = rowOf(m);
        for (let r = 0; r < reps; r++) {
          for (const tool of order(r)) {
            const w = tool === 'ablate' ? wsA : wsS;
            if (m === 'changed') changeOneInput(tool, w, n);
            row[tool].push(runStep(ctx, tool, m, w, n));
          }
        }
        log(
          `N=${n} ${m}: ablate ${fmtSeconds(summarize(row.ablate.map((t) => t.wallS)).median)} s, snakemake ${fmtSeconds(summarize(row.snakemake.map((t) => t.wallS)).median)} s`,
        );
      }
      if (!o.keep) {
        rmSync(wsA.dir, { recursive: true, force: true });
        rmSync(wsS.dir, { recursive: true, force: true });
      }
      loads.push(`after N=${n}: ${loadAverages()}`);
      // Each size's rows as soon as they exist, so a run stopped later still leaves them in the log.
      for (const r of rows.filter((x) => x.n === n)) {
        const a = summarize(r.ablate.map((t) => t.wallS));
        const sm = summarize(r.snakemake.map((t) => t.wallS));
        log(
          `  N=${n} ${MEASURES[r.m].label}: ablate ${fmtSummary(a)} s, Snakemake ${fmtSummary(sm)} s, ratio ${fmtRatio(a.median / sm.median)}`,
        );
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
  process.stdout.write(report(o, info, rows, floors, loads, notes));
}

/** The two tools alternate, and which goes first flips each repetition. */
function order(rep: number): Tool[] {
  return rep % 2 === 0 ? ['ablate', 'snakemake'] : ['snakemake', 'ablate'];
}

function report(
  o: Options,
  info: Record<string, string>,
  rows: Row[],
  floors: Map<number, Timing[]>,
  loads: string[],
  notes: string[],
): string {
  const out: string[] = [];
  out.push('## Engine overhead: ablate vs Snakemake', '');
  out.push(
    `DAG: N gen -> N train -> 1 fan-in report (2N+1 trivial shell commands), ${o.jobs} jobs for both tools; ` +
      `${o.reps} runs per tool and row unless noted below, tools alternating. Wall seconds: median (min–max). ` +
      'ratio = ablate median / Snakemake median (below 1: ablate is faster).',
    '',
  );
  const wallRows = rows.map((r) => {
    const a = summarize(r.ablate.map((t) => t.wallS));
    const s = summarize(r.snakemake.map((t) => t.wallS));
    return [
      String(r.n),
      MEASURES[r.m].label,
      fmtSummary(a),
      fmtSummary(s),
      fmtRatio(a.median / s.median),
      r.note ?? '',
    ];
  });
  out.push(table(['N', 'measure', 'ablate s', 'Snakemake s', 'ratio', 'note'], wallRows), '');

  out.push('### CPU seconds (user+system of the whole process tree, median)', '');
  out.push(
    table(
      ['N', 'measure', 'ablate CPU s', 'Snakemake CPU s', 'ratio'],
      rows.map((r) => {
        const a = summarize(r.ablate.map((t) => t.cpuS)).median;
        const s = summarize(r.snakemake.map((t) => t.cpuS)).median;
        return [String(r.n), MEASURES[r.m].label, fmtSeconds(a), fmtSeconds(s), fmtRatio(a / s)];
      }),
    ),
    '',
  );

  const coldRows = rows.filter((r) => r.m === 'cold' && (r.ablate.length > 0 || r.snakemake.length > 0));
  if (coldRows.length > 0) {
    out.push('### Cold per-cell cost (wall ms per cell, median run)', '');
    out.push(
      'floor = the same 2N+1 commands run by `xargs -P` with the same parallelism and no engine; ' +
        'overhead = (cold - floor) / cells. ratio = ablate / Snakemake (goal: at most 0.2).',
      '',
    );
    out.push(
      table(
        [
          'N',
          'cells',
          'ablate ms/cell',
          'Snakemake ms/cell',
          'floor ms/cell',
          'ablate overhead',
          'Snakemake overhead',
          'overhead ratio',
        ],
        coldRows.map((r) => {
          const cells = 2 * r.n + 1;
          const a = (summarize(r.ablate.map((t) => t.wallS)).median * 1000) / cells;
          const s = (summarize(r.snakemake.map((t) => t.wallS)).median * 1000) / cells;
          const f = (summarize((floors.get(r.n) ?? []).map((t) => t.wallS)).median * 1000) / cells;
          const ao = Number.isFinite(f) ? a - f : a;
          const so = Number.isFinite(f) ? s - f : s;
          return [String(r.n), String(cells), ms(a), ms(s), ms(f), ms(ao), ms(so), fmtRatio(ao / so)];
        }),
      ),
      '',
    );
  }

  out.push('### Goals', '');
  for (const r of rows.filter((x) => x.m === 'noop-run' || x.m === 'noop-status')) {
    const a = summarize(r.ablate.map((t) => t.wallS)).median;
    const s = summarize(r.snakemake.map((t) => t.wallS)).median;
    const ratio = a / s;
    const abs = r.n >= 10000 ? `; ${fmtSeconds(a)} s ${a < 0.5 ? '<' : '>='} 0.5 s` : '';
    out.push(
      `- N=${r.n} ${MEASURES[r.m].label}: ablate/Snakemake ${fmtRatio(ratio)} (${ratio <= 0.1 ? 'meets' : 'misses'} <= 0.1)${abs}`,
    );
  }
  out.push('');
  out.push('### Commands', '');
  out.push(
    `- ablate: \`node bin/ablate.js run pipeline.json --cache-dir cache -j ${o.jobs}\` (cold, no-op, one input changed); \`node bin/ablate.js status pipeline.json --cache-dir cache\` (status); output to a log file, as for Snakemake`,
    `- Snakemake: \`snakemake --cores ${o.jobs}\` (cold, no-op, one input changed); \`snakemake -n --cores ${o.jobs}\` (dry-run), in the directory holding the Snakefile and config.json`,
    '- cold: empty cache / no outputs, in a fresh directory each time; no-op: nothing changed since the last run',
    '- one input changed: the middle value of the `i` axis (pipeline matrix / Snakemake config.json) is replaced by a value never used before, so one gen, one train and the report run (Snakemake also counts `all`)',
    '- every run is checked: exit status 0 and the number of cells/jobs it ran (2N+1 cold, 0 no-op, 3 changed)',
    '',
  );
  out.push('### Machine and load', '');
  for (const [k, v] of Object.entries(info)) out.push(`- ${k}: ${v.includes('\n') ? `\n\n\`\`\`\n${v}\n\`\`\`\n` : v}`);
  out.push(`- load averages (1, 5, 15 min): ${loads.join('; ')}`);
  for (const n of notes) out.push(`- ${n}`);
  out.push('');
  return `${out.join('\n')}\n`;
}

function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : '–';
}

try {
  main(process.argv.slice(2));
} catch (e: unknown) {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}
