/**
 * Plays one fuzz case against the real CLI: writes the world's files into a
 * temporary project, then after the start and after every edit runs the
 * active pipeline on the long-lived ("warm") cache, grouping the JS kind's
 * cells, and on an empty ("cold") one with `--no-group`, and requires the
 * two exports to be byte-identical, the cell counts to match the model, and
 * `ablate verify` to find every cached cell reproducible.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvents, killGroup, snapshot, waitGroupGone, Workspace, type Exit } from '../reliability/rig.js';
import { applyEdit, type Step } from './edits.js';
import {
  expectedCellCount,
  PIPELINE_FILES,
  renderKind,
  renderPipeline,
  renderSalt,
  setArgs,
  type World,
} from './model.js';

/** What a fuzz session did, printed at its end. */
export interface Counts {
  cases: number;
  /** Of the cases, those played while shrinking a counterexample. */
  shrinks: number;
  pipelines: number;
  edits: number;
  interrupts: number;
  compared: number;
  cells: number;
}

export function newCounts(): Counts {
  return { cases: 0, shrinks: 0, pipelines: 0, edits: 0, interrupts: 0, compared: 0, cells: 0 };
}

export function formatCounts(c: Counts): string {
  return `${c.cases} cases (${c.shrinks} while shrinking), ${c.pipelines} pipeline files, ${c.edits} edits, ${c.interrupts} interrupted runs, ${c.compared} warm/cold runs compared (${c.cells} cells)`;
}

/** A broken promise: what differed, and the step it broke at (0: the start, before any edit). */
export class Unsound extends Error {
  step = 0;
}

export async function playCase(start0: World, steps: readonly Step[], counts: Counts): Promise<void> {
  const ws = new Workspace('ablate-fuzz-');
  counts.cases++;
  counts.pipelines += 2;
  let at = 0;
  try {
    let world = start0;
    writeWorld(ws, world);
    await check(ws, world, 'start', counts);
    for (const [i, step] of steps.entries()) {
      at = i + 1;
      world = applyEdit(world, step.edit);
      counts.edits++;
      writeWorld(ws, world);
      const label = `step ${i + 1} (${JSON.stringify(step.edit)}${step.interrupt ? ', interrupted run first' : ''})`;
      if (step.interrupt) await interruptedRun(ws, world, label, counts);
      await check(ws, world, label, counts);
    }
  } catch (e) {
    if (e instanceof Unsound) e.step = at;
    throw e;
  } finally {
    if (process.env.FUZZ_KEEP === undefined) ws.dispose();
    else process.stderr.write(`fuzz: kept ${ws.dir}\n`);
  }
}

/** A command that has not finished after this long is reported as hung (a verdict, not a wait for an order of events). */
const HUNG_MS = 180_000;

/** Runs `ablate ARGS` on a cache to its end; a hung command fails the case. */
async function cli(ws: Workspace, args: string[], cacheDir: string): Promise<Exit> {
  const run = ws.start(args, cacheDir);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HUNG_MS)));
  const r = await Promise.race([run.exited, hung]);
  clearTimeout(timer);
  if (r !== 'hung') return r;
  killGroup(run.pid, 'SIGKILL');
  await run.exited;
  throw new Unsound(`ablate ${args.join(' ')} did not finish within ${HUNG_MS / 1000} s`);
}

function writeWorld(ws: Workspace, world: World): void {
  ws.write(PIPELINE_FILES[0], renderPipeline(world, 0));
  ws.write(PIPELINE_FILES[1], renderPipeline(world, 1));
  writeIfChanged(join(ws.dir, 'tiny.mjs'), renderKind(world));
  writeIfChanged(join(ws.dir, 'salt.mjs'), renderSalt(world));
  writeIfChanged(join(ws.dir, 'dep.txt'), world.dep);
}

/** Rewrites a file only when its content changes, as an editor saving an unchanged file would not. */
function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

function runArgs(world: World): string[] {
  return ['run', PIPELINE_FILES[world.active], '--reporter', 'json', '-j', '2', ...setArgs(world.views[world.active])];
}

/** Starts a run while exec cells are held, stops it with SIGINT once a cell has started, and lets it go. */
async function interruptedRun(ws: Workspace, world: World, label: string, counts: Counts): Promise<void> {
  const hold = join(ws.dir, 'hold');
  writeFileSync(hold, '');
  try {
    const run = ws.start(runArgs(world), join(ws.dir, 'warm'));
    const started = await run.waitForLine((l) => l.includes('"type":"cell-start"'));
    if (started !== undefined) killGroup(run.pid, 'SIGINT');
    const r = await run.exited;
    await waitGroupGone(run.pid);
    counts.interrupts++;
    if (r.code !== 0 && r.code !== 130)
      throw new Unsound(`${label}: the interrupted run exited ${r.code}, not 130 or 0\n${tail(r)}`);
  } finally {
    rmSync(hold, { force: true });
  }
}

async function check(ws: Workspace, world: World, label: string, counts: Counts): Promise<void> {
  const file = PIPELINE_FILES[world.active];
  const where = `${label}, ${file}`;
  const expected = expectedCellCount(world, world.views[world.active]);
  const warmDir = join(ws.dir, 'warm');
  const coldDir = join(ws.dir, 'cold');
  rmSync(coldDir, { recursive: true, force: true });
  const warm = await ran(ws, runArgs(world), warmDir, `${where}: warm run`, expected);
  // The cold run never groups cells: grouped results must equal lone ones byte for byte.
  const cold = await ran(ws, [...runArgs(world), '--no-group'], coldDir, `${where}: cold run`, expected);
  if (cold.ran !== expected) throw new Unsound(`${where}: the cold run ran ${cold.ran} of ${expected} cells`);
  const sets = setArgs(world.views[world.active]);
  const warmExport = await exported(ws, file, sets, warmDir, `${where}: export of the warm cache`);
  const coldExport = await exported(ws, file, sets, coldDir, `${where}: export of the cold cache`);
  const difference = compareExports(warmExport, coldExport, expected, where);
  const verdict = await verifyServed(ws, file, sets, warmDir, warm.cachedCells);
  counts.compared++;
  counts.cells += expected;
  if (difference === undefined && verdict.ok) return;
  throw new Unsound(`${where}: ${difference ?? "the warm cache's export equals a cold run's"}\n${verdict.text}`);
}

/** `ablate verify` of the cells the warm run took from the cache: the ones whose soundness is in question. */
async function verifyServed(
  ws: Workspace,
  file: string,
  sets: string[],
  cacheDir: string,
  cells: string[],
): Promise<{ ok: boolean; text: string }> {
  if (cells.length === 0) return { ok: true, text: 'ablate verify: nothing was taken from the cache' };
  const v = await cli(ws, ['verify', file, ...cells.flatMap((c) => ['--cell', c]), ...sets], cacheDir);
  const ok = v.code === 0 && !/MISMATCH/.test(v.stdout);
  return {
    ok,
    text: `ablate verify of the ${cells.length} cell(s) the warm run took from the cache (exit ${v.code}):\n${tail(v)}`,
  };
}

interface RunCounts {
  ran: number;
  cached: number;
  cachedCells: string[];
}

async function ran(
  ws: Workspace,
  args: string[],
  cacheDir: string,
  what: string,
  expected: number,
): Promise<RunCounts> {
  const r = await cli(ws, args, cacheDir);
  if (r.code !== 0) throw new Unsound(`${what} exited ${r.code}\n${tail(r)}`);
  const events = parseEvents(r.stdout);
  const plan = events.find((e) => e.type === 'plan');
  if (plan?.type === 'plan' && plan.cells !== expected)
    throw new Unsound(`${what}: planned ${plan.cells} cells, the pipeline has ${expected}`);
  const summary = events.find((e) => e.type === 'summary');
  if (summary?.type !== 'summary') throw new Unsound(`${what}: no summary event\n${tail(r)}`);
  if (summary.ran + summary.cached !== expected)
    throw new Unsound(`${what}: ${summary.ran} ran + ${summary.cached} cached, the pipeline has ${expected} cells`);
  const cachedCells = events.flatMap((e) => (e.type === 'cell' && e.status === 'cached' ? [e.cell] : []));
  return { ran: summary.ran, cached: summary.cached, cachedCells };
}

interface Exported {
  /** Relative path -> file content, every cell's artifacts (`--all`). */
  files: Map<string, Buffer>;
  folders: number;
  cells: string[];
}

async function exported(
  ws: Workspace,
  file: string,
  sets: string[],
  cacheDir: string,
  what: string,
): Promise<Exported> {
  const out = join(ws.dir, 'export');
  rmSync(out, { recursive: true, force: true });
  const r = await cli(ws, ['export', file, '--all', '--out', out, ...sets], cacheDir);
  if (r.code !== 0) throw new Unsound(`${what} exited ${r.code}\n${tail(r)}`);
  const artifacts = join(out, 'artifacts');
  const files = new Map(Object.keys(snapshot(artifacts)).map((p) => [p, readFileSync(join(artifacts, p))]));
  const folders = existsSync(artifacts) ? readdirSync(artifacts).length : 0;
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { cells: Record<string, unknown> };
  rmSync(out, { recursive: true, force: true });
  return { files, folders, cells: Object.keys(manifest.cells).sort() };
}

/** What differs between the two exports (undefined: nothing); a miscounted export is a failure of its own. */
function compareExports(warm: Exported, cold: Exported, expected: number, where: string): string | undefined {
  for (const [side, e] of [
    ['warm', warm],
    ['cold', cold],
  ] as const) {
    if (e.cells.length !== expected)
      throw new Unsound(`${where}: the ${side} manifest lists ${e.cells.length} cells, the pipeline has ${expected}`);
    if (e.folders !== expected)
      throw new Unsound(`${where}: the ${side} export has ${e.folders} artifact folders for ${expected} cells`);
  }
  if (JSON.stringify(warm.cells) !== JSON.stringify(cold.cells))
    return `the manifests list different cells\nwarm: ${warm.cells.join(' ')}\ncold: ${cold.cells.join(' ')}`;
  const paths = [...new Set([...warm.files.keys(), ...cold.files.keys()])].sort();
  const differing = paths.filter((p) => !(warm.files.get(p)?.equals(cold.files.get(p) ?? Buffer.alloc(0)) ?? false));
  if (differing.length === 0) return undefined;
  const show = (b: Buffer | undefined): string =>
    b === undefined ? '(absent)' : JSON.stringify(b.toString('utf8').slice(0, 600));
  const lines = differing
    .slice(0, 3)
    .map((p) => `  ${p}\n    warm: ${show(warm.files.get(p))}\n    cold: ${show(cold.files.get(p))}`);
  return `the warm cache's export differs from a cold run's in ${differing.length} file(s):\n${lines.join('\n')}`;
}

function tail(r: Exit): string {
  return `${r.stderr}${r.stdout}`.trim().split('\n').slice(-15).join('\n');
}
