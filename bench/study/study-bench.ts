/**
 * Wall time of a whole study: cold without and with cell groups (in two
 * fresh caches, one after the other), no-op, and incremental after one
 * value is added to a matrix axis (by default `cbrt` to the `f` axis of the
 * default study, pipelines/paper.json).
 *
 *   npx tsc -p . && node dist/bench/study/study-bench.js [PIPELINE] [AXIS=VALUE] [options]
 *
 *   PIPELINE            default pipelines/paper.json
 *   AXIS=VALUE          default f=cbrt: VALUE is appended to that shared axis
 *                       (or, for an axis stages list themselves, in every
 *                       stage whose matrix has it, with the exclusions of the
 *                       axis's last value or of --like VALUE), as the README's
 *                       "Extending the study by one variant" does by hand
 *   --jobs N            default: ablate's default (all cores)
 *   --reps 3            repetitions of the no-op rows (cold and incremental run once)
 *   --cache-dir DIR     default: a fresh temporary directory, removed afterwards
 *   --no-ungrouped      skip the cold run with --no-group
 *
 * The extended pipeline is a copy written next to the original (so relative
 * paths in it resolve the same way) and removed at the end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  ablateBin,
  fmtSeconds,
  fmtSummary,
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
} from '../engine/measure.js';

interface Step {
  label: string;
  command: string;
  timings: Timing[];
  /** Cells run / cached, from the run summary. */
  ran?: number;
  cached?: number;
}

function main(argv: string[]): void {
  const { flags, positional } = parseFlags(argv);
  const pipelineArg = positional.find((p) => p.endsWith('.json')) ?? flags.get('pipeline') ?? 'pipelines/paper.json';
  const extension = positional.find((p) => /^[A-Za-z0-9_]+=/.test(p)) ?? flags.get('add') ?? 'f=cbrt';
  const eq = extension.indexOf('=');
  const axis = extension.slice(0, eq);
  const value = parseValue(extension.slice(eq + 1));
  const reps = Math.max(1, Number(flags.get('study-reps') ?? flags.get('reps') ?? 3));
  const jobs = flags.get('jobs');
  const pipeline = resolve(pipelineArg);
  if (!existsSync(pipeline)) {
    process.stdout.write(`## Study wall time\n\n${pipelineArg} does not exist yet; skipped.\n\n`);
    return;
  }
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli.js'))) throw new Error('build ablate first: npx tsc -p .');

  const original = readFileSync(pipeline, 'utf8');
  const extended = extend(original, axis, value, flags.get('like'));
  if (extended.stages.length === 0) throw new Error(`no stage of ${pipelineArg} has a matrix axis "${axis}"`);
  const copy = join(dirname(pipeline), `.${basename(pipeline, '.json')}.bench-${process.pid}.json`);
  const tmp = flags.has('cache-dir') ? undefined : mkdtempSync(join(tmpdir(), 'ablate-study-bench-'));
  const cacheDir = resolve(flags.get('cache-dir') ?? join(tmp as string, 'cache'));
  const logDir = tmp ?? mkdtempSync(join(tmpdir(), 'ablate-study-bench-logs-'));
  const cleanup = (): void => {
    rmSync(copy, { force: true });
    rmSync(logDir, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const info = machineInfo();
  const loads = [`start: ${loadAverages()}`];
  const steps: Step[] = [];
  const env = { ...process.env };
  const jobArgs = jobs === undefined ? [] : ['-j', jobs];
  const run = (label: string, args: string[], isRun: boolean): Step => {
    const step: Step = {
      label,
      command: `ablate ${args.join(' ').replace(copy, pipelineArg).replace(cacheDir, 'CACHE')}`,
      timings: [],
    };
    const logFile = join(logDir, `${steps.length}.log`);
    const t = timeCommand({ command: process.execPath, args: [ablateBin, ...args], cwd: repoRoot, log: logFile, env });
    const text = readFileSync(logFile, 'utf8');
    if (t.code !== 0) throw new Error(`${step.command} exited ${t.code}:\n${text.split('\n').slice(-20).join('\n')}`);
    if (isRun) {
      const s = runSummary(text);
      if (s === undefined || s.failed > 0 || s.head !== 'done')
        throw new Error(`${step.command}: the run did not finish cleanly:\n${text.split('\n').slice(-20).join('\n')}`);
      step.ran = s.ran;
      step.cached = s.cached;
    }
    step.timings.push(t);
    log(`${label}: ${fmtSeconds(t.wallS)} s`);
    return step;
  };
  const again = (step: Step, args: string[], isRun: boolean): void => {
    const s = run(step.label, args, isRun);
    step.timings.push(...s.timings);
  };

  log(
    `study benchmark: ${pipelineArg}, adding ${axis}=${JSON.stringify(value)} to ${extended.stages.join(', ')}; cache ${cacheDir}`,
  );
  try {
    writeFileSync(copy, original);
    const runArgs = ['run', copy, '--cache-dir', cacheDir, ...jobArgs];
    const statusArgs = ['status', copy, '--cache-dir', cacheDir];
    if (!flags.has('no-ungrouped')) {
      // Shown as CACHE-ungrouped: the command's cache path is abbreviated like the others'.
      const ungroupedCache = `${cacheDir}-ungrouped`;
      const ungrouped = run(
        'cold run, --no-group',
        ['run', copy, '--cache-dir', ungroupedCache, '--no-group', ...jobArgs],
        true,
      );
      rmSync(ungroupedCache, { recursive: true, force: true });
      steps.push(ungrouped);
      loads.push(`after cold --no-group: ${loadAverages()}`);
    }
    steps.push(run('cold run', runArgs, true));
    loads.push(`after cold: ${loadAverages()}`);
    const noop = run('no-op run', runArgs, true);
    const status = run('no-op status', statusArgs, false);
    for (let r = 1; r < reps; r++) {
      again(noop, runArgs, true);
      again(status, statusArgs, false);
    }
    steps.push(noop, status);
    writeFileSync(copy, extended.text);
    const incremental = run(`incremental run (${axis} += ${JSON.stringify(value)})`, runArgs, true);
    steps.push(incremental);
    const after = run(`no-op run after the increment`, runArgs, true);
    for (let r = 1; r < reps; r++) again(after, runArgs, true);
    steps.push(after);
    loads.push(`end: ${loadAverages()}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }

  const out: string[] = ['## Study wall time', ''];
  out.push(
    `Pipeline ${pipelineArg}; jobs ${jobs ?? 'default (all cores)'}; incremental step: ${axis} += ${JSON.stringify(value)} in ${extended.stages.join(', ')}. ` +
      `Cold and incremental run once; no-op rows ${reps} times (median, min–max).`,
    '',
  );
  out.push(
    table(
      ['step', 'wall s', 'CPU s', 'cells run', 'cells cached'],
      steps.map((s) => [
        s.label,
        fmtSummary(summarize(s.timings.map((t) => t.wallS))),
        fmtSeconds(summarize(s.timings.map((t) => t.cpuS)).median),
        s.ran === undefined ? '–' : String(s.ran),
        s.cached === undefined ? '–' : String(s.cached),
      ]),
    ),
    '',
  );
  const [ungrouped, grouped] = [
    steps.find((s) => s.label === 'cold run, --no-group'),
    steps.find((s) => s.label === 'cold run'),
  ];
  if (ungrouped && grouped) {
    const ratio = (grouped.timings[0]?.wallS ?? NaN) / (ungrouped.timings[0]?.wallS ?? NaN);
    out.push(`Cold run with cell groups / without: ${ratio.toFixed(2)}x wall time.`, '');
  }
  out.push('Commands:', '');
  for (const s of steps) out.push(`- ${s.label}: \`${s.command}\``);
  out.push('', `Machine: ${info.nproc} cores (${info.cpu}), node ${info.node}; load averages ${loads.join('; ')}`, '');
  process.stdout.write(`${out.join('\n')}\n`);
}

function parseValue(raw: string): string | number | boolean {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

/**
 * Appends `value` to `axis` in every stage that varies over it, with the
 * exclusions of an existing value (`like`, default the axis's last value):
 * a new f is excluded from the mean task exactly as the other f's are.
 */
function extend(
  text: string,
  axis: string,
  value: string | number | boolean,
  like: string | undefined,
): { text: string; stages: string[] } {
  const raw = JSON.parse(text) as {
    axes?: Record<string, unknown[]>;
    stages: Record<
      string,
      { matrix?: Record<string, unknown[] | { $axis: string }>; exclude?: Record<string, unknown>[] }
    >;
  };
  const shared = raw.axes?.[axis];
  if (shared !== undefined) {
    // A shared axis is one edit; exclusions written with {"$not": ...} follow it.
    if (shared.includes(value)) throw new Error(`the shared axis ${axis} already has ${JSON.stringify(value)}`);
    shared.push(value);
    const users = Object.entries(raw.stages).filter(([, s]) =>
      Object.values(s.matrix ?? {}).some((m) => !Array.isArray(m) && m.$axis === axis),
    );
    return { text: `${JSON.stringify(raw, null, 2)}\n`, stages: users.map(([name]) => name) };
  }
  const stages: string[] = [];
  for (const [name, stage] of Object.entries(raw.stages)) {
    const values = stage.matrix?.[axis];
    if (!Array.isArray(values)) continue;
    if (values.includes(value)) throw new Error(`stage "${name}" already has ${axis}=${JSON.stringify(value)}`);
    const model = like === undefined ? values.at(-1) : values.find((v) => String(v) === like);
    if (model === undefined)
      throw new Error(`stage "${name}" has no ${axis}=${like ?? '(any)'} to copy exclusions from`);
    values.push(value);
    for (const ex of [...(stage.exclude ?? [])]) {
      if (ex[axis] === model) stage.exclude?.push({ ...ex, [axis]: value });
    }
    stages.push(name);
  }
  return { text: `${JSON.stringify(raw, null, 2)}\n`, stages };
}

try {
  main(process.argv.slice(2));
} catch (e: unknown) {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}
