/**
 * The fuzzer's model of a project: stages shared by two pipeline files that
 * differ in their axis values, pinned axes, exclusions, vars and `--set`
 * overrides. `render` turns it into the files the real CLI reads.
 */

export type Scalar = string | number | boolean;

export const AXES = ['n', 'm'] as const;
export type AxisName = (typeof AXES)[number];

export interface Input {
  stage: string;
  /** Fan in over every matching cell, instead of the one cell with the same values. */
  all: boolean;
}

export interface Stage {
  name: string;
  kind: 'exec' | 'js';
  axes: AxisName[];
  /** A static param `p`, or `p` taken from the pipeline var `v`. */
  p: Scalar | { $var: 'v' };
  inputs: Input[];
  /** exec only: blocks between its two writes while the pipeline folder holds a file `hold`. */
  hold: boolean;
  /** exec only: reads `dep.txt`, declared in `deps`. */
  dep: boolean;
}

/**
 * An axis of one pipeline: its values, or pinned to one value given as a
 * pipeline var of the axis' name (`was`: the values it had, restored when
 * it is unpinned).
 */
export type AxisState = { values: Scalar[] } | { pin: Scalar; was: Scalar[] };

export interface PipelineView {
  axes: Record<AxisName, AxisState>;
  /**
   * Exclusions as index pairs into the current values of n and m, resolved at
   * render time (so they follow value edits); one that would empty a stage or
   * leave an input without a cell is dropped.
   */
  exclude: [number, number][];
  v: Scalar;
  /** `--set name=value` overrides passed to every command on this pipeline. */
  set: Record<string, Scalar>;
}

export interface World {
  stages: Stage[];
  views: [PipelineView, PipelineView];
  /** Content of `salt.mjs`, imported by the JS kind module. */
  salt: string;
  /** A constant written into the JS kind module itself. */
  kindTag: string;
  /** Content of `dep.txt`. */
  dep: string;
  /** Which view the next check runs. */
  active: 0 | 1;
  /** Fan-ins read their inputs sorted by content rather than in the order fed (hides order faults, to hunt others). */
  unordered?: boolean;
}

export const PIPELINE_FILES = ['p.json', 'q.json'] as const;

/** A value the shell can take unquoted; only those are substituted into exec commands. */
export function shellSafe(v: Scalar): boolean {
  return typeof v !== 'string' || /^[A-Za-z0-9_.-]+$/.test(v);
}

export function sameValue(a: Scalar, b: Scalar): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The axes a stage expands over in a view (pinned ones become params). */
function matrixAxes(stage: Stage, view: PipelineView): AxisName[] {
  return stage.axes.filter((a) => 'values' in view.axes[a]);
}

type Assignment = Partial<Record<AxisName, Scalar>>;

function expand(stage: Stage, view: PipelineView, exclude: Record<string, Scalar>[]): Assignment[] {
  let cells: Assignment[] = [{}];
  for (const axis of matrixAxes(stage, view)) {
    const state = view.axes[axis] as { values: Scalar[] };
    cells = cells.flatMap((c) => state.values.map((v) => ({ ...c, [axis]: v })));
  }
  return cells.filter(
    (c) =>
      !exclude.some((ex) =>
        Object.entries(ex).every(
          ([k, v]) => c[k as AxisName] !== undefined && sameValue(c[k as AxisName] as Scalar, v),
        ),
      ),
  );
}

function stageExclusions(
  stage: Stage,
  view: PipelineView,
  exclude: Record<string, Scalar>[],
): Record<string, Scalar>[] {
  const axes = matrixAxes(stage, view);
  return exclude.filter((ex) => Object.keys(ex).every((k) => axes.includes(k as AxisName)));
}

/** Whether every stage has a cell and every input of every cell matches at least one upstream cell. */
function wellFormed(stages: Stage[], view: PipelineView, exclude: Record<string, Scalar>[]): boolean {
  const cells = new Map(stages.map((s) => [s.name, expand(s, view, stageExclusions(s, view, exclude))]));
  for (const s of stages) {
    const own = cells.get(s.name) ?? [];
    if (own.length === 0) return false;
    for (const input of s.inputs) {
      const up = stages.find((u) => u.name === input.stage) as Stage;
      const shared = matrixAxes(up, view).filter((a) => matrixAxes(s, view).includes(a));
      const upCells = cells.get(up.name) ?? [];
      for (const c of own) {
        if (!upCells.some((u) => shared.every((a) => sameValue(u[a] as Scalar, c[a] as Scalar)))) return false;
      }
    }
  }
  return true;
}

/** The exclusions of a view that apply: each one that still names existing values and keeps the pipeline well formed. */
export function effectiveExclusions(world: World, view: PipelineView): Record<string, Scalar>[] {
  const n = view.axes.n;
  const m = view.axes.m;
  if (!('values' in n) || !('values' in m)) return [];
  const kept: Record<string, Scalar>[] = [];
  for (const [i, j] of view.exclude) {
    const ex = { n: n.values[i % n.values.length] as Scalar, m: m.values[j % m.values.length] as Scalar };
    if (kept.some((k) => sameValue(k.n as Scalar, ex.n) && sameValue(k.m as Scalar, ex.m))) continue;
    if (wellFormed(world.stages, view, [...kept, ex])) kept.push(ex);
  }
  return kept;
}

/** Cells the pipeline of `view` has, by stage: what the engine must plan. */
export function expectedCellCount(world: World, view: PipelineView): number {
  const exclude = effectiveExclusions(world, view);
  return world.stages.reduce((n, s) => n + expand(s, view, stageExclusions(s, view, exclude)).length, 0);
}

function execCommand(stage: Stage, view: PipelineView, unordered: boolean): string {
  const lines: string[] = [`printf 'stage ${stage.name}\\n' > out.txt`];
  if (stage.hold) lines.push('while [ -e "$ABLATE_PIPELINE_DIR/hold" ]; do sleep 0.01; done');
  const params = ['p', ...stage.axes];
  for (const name of params) {
    const values: Scalar[] = name === 'p' ? [paramValue(stage, view)] : axisValues(view, name as AxisName);
    // Unquoted substitution is only defined for shell-safe values; others still reach the fingerprint.
    if (values.every(shellSafe)) lines.push(`printf '${name}=%s\\n' {{${name}}} >> out.txt`);
  }
  if (stage.dep) lines.push('cat "$ABLATE_PIPELINE_DIR/dep.txt" >> out.txt');
  for (const input of stage.inputs) {
    const env = `$ABLATE_IN_${input.stage.toUpperCase()}`;
    if (input.all && unordered)
      lines.push(
        `for i in $(ls "${env}"); do cat "${env}/$i/out.txt" | tr '\\n' ' '; echo; done | LC_ALL=C sort >> out.txt`,
      );
    else if (input.all)
      lines.push(
        `for i in $(ls "${env}" | sort -n); do printf '${input.stage}/%s: ' "$i" >> out.txt; cat "${env}/$i/out.txt" >> out.txt; done`,
      );
    else lines.push(`cat "${env}/out.txt" >> out.txt`);
  }
  return lines.join('\n');
}

function axisValues(view: PipelineView, axis: AxisName): Scalar[] {
  const state = view.axes[axis];
  return 'values' in state ? state.values : [view.set[axis] ?? state.pin];
}

function paramValue(stage: Stage, view: PipelineView): Scalar {
  if (typeof stage.p === 'object') return view.set.v ?? view.v;
  return stage.p;
}

/** The pipeline file of a view, as a JSON value. */
export function renderPipeline(world: World, index: 0 | 1): object {
  const view = world.views[index];
  const exclude = effectiveExclusions(world, view);
  const vars: Record<string, Scalar> = { v: view.v };
  for (const axis of AXES) {
    const state = view.axes[axis];
    if ('pin' in state) vars[axis] = state.pin;
  }
  const stages: Record<string, object> = {};
  for (const s of world.stages) {
    const params: Record<string, unknown> = { p: s.p };
    const matrix: Record<string, Scalar[]> = {};
    for (const axis of s.axes) {
      const state = view.axes[axis];
      if ('values' in state) matrix[axis] = state.values;
      else params[axis] = { $var: axis };
    }
    if (s.kind === 'exec') {
      params.command = execCommand(s, view, world.unordered === true);
      params.outputs = ['out.txt'];
      if (s.dep) params.deps = ['dep.txt'];
    }
    const inputs: Record<string, unknown> = {};
    for (const input of s.inputs) inputs[input.stage] = input.all ? { stage: input.stage, all: true } : input.stage;
    const ex = stageExclusions(s, view, exclude);
    stages[s.name] = {
      kind: s.kind === 'exec' ? 'exec' : 'tiny',
      ...(s.inputs.length > 0 ? { inputs } : {}),
      params,
      ...(Object.keys(matrix).length > 0 ? { matrix } : {}),
      ...(ex.length > 0 ? { exclude: ex } : {}),
    };
  }
  return { name: `fuzz-${index === 0 ? 'p' : 'q'}`, kinds: { tiny: './tiny.mjs' }, vars, stages };
}

/** The `--set` arguments of a view. */
export function setArgs(view: PipelineView): string[] {
  // JSON, so that a string such as "1" stays a string.
  return Object.entries(view.set).flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]);
}

/**
 * The JS stage kind: its output is a pure function of its params, its inputs
 * in the order fed, and two constants. It groups its cells over the axes, so
 * a run that groups them (warm) is compared with one that does not (cold).
 */
export function renderKind(world: World): string {
  return `import { SALT } from './salt.mjs';
const TAG = ${JSON.stringify(world.kindTag)};
const UNORDERED = ${world.unordered === true};
async function one(ctx) {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const keys = Object.keys(ctx.params).sort();
  let text = TAG + ' ' + SALT + '\\n' + keys.map((k) => k + '=' + JSON.stringify(ctx.params[k])).join('\\n') + '\\n';
  for (const name of Object.keys(ctx.inputs).sort()) {
    const input = ctx.inputs[name];
    const list = Array.isArray(input) ? input : [input];
    const texts = list.map((a, i) => (UNORDERED ? '' : name + '/' + i + ': ') + readFileSync(join(a.dir, 'out.txt'), 'utf8'));
    if (UNORDERED) texts.sort();
    text += texts.join('');
  }
  writeFileSync(join(ctx.outDir, 'out.txt'), text);
}
export default {
  params: { type: 'object' },
  group: { over: ${JSON.stringify([...AXES])} },
  run: one,
  async runGroup(members) {
    for (const m of members) {
      m.log('in a group of ' + members.length);
      await one(m);
    }
    return members.map(() => ({ ok: true }));
  },
};
`;
}

export function renderSalt(world: World): string {
  return `export const SALT = ${JSON.stringify(world.salt)};\n`;
}
