/** fast-check generators of worlds (pipelines sharing stages) and of edit sequences. */
import fc from 'fast-check';
import type { Edit, Step, ValueChange } from './edits.js';
import {
  AXES,
  sameValue,
  type AxisName,
  type AxisState,
  type Input,
  type PipelineView,
  type Scalar,
  type Stage,
  type World,
} from './model.js';

/** Values the shell takes unquoted: the common case. */
const PLAIN: Scalar[] = [0, 1, 2, 3, -1, 1.5, 'x', 'y', 'z', '1', true, false];

/**
 * Values that stress cell identity and export folder names: strings that
 * look like other types, characters of the id syntax (`,]=[`), characters
 * the export folder name replaces, quotes and shell syntax, a long value.
 */
const TRICKY: Scalar[] = [
  'null',
  'true',
  '2',
  'a,b',
  'k=v',
  'x]',
  '[y',
  '',
  ' ',
  'é',
  "O'Brien",
  '$(echo hi)',
  ';',
  'w'.repeat(300),
  1e21,
  0.1,
];

export interface GenOptions {
  /** Include the identity-stressing values. */
  tricky: boolean;
  /** Fan-ins read their inputs in the order fed (false: sorted by content). */
  ordered: boolean;
}

export function scalar(o: GenOptions): fc.Arbitrary<Scalar> {
  const plain = fc.constantFrom(...PLAIN);
  return o.tricky
    ? fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) })
    : plain;
}

/**
 * One pipeline's state of an axis, drawn from the axis' pool of values, so
 * that the two pipelines share cells (a pinned value in one is a matrix
 * value in the other), as ablations of one study do.
 */
function axisState(pool: Scalar[]): fc.Arbitrary<AxisState> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.shuffledSubarray(pool, { minLength: pool.length }).map((values) => ({ values })) },
    { weight: 1, arbitrary: fc.shuffledSubarray(pool, { minLength: 1 }).map((values) => ({ values })) },
    { weight: 1, arbitrary: fc.constantFrom(...pool).map((pin) => ({ pin, was: pool })) },
  );
}

function view(o: GenOptions, pools: Record<AxisName, Scalar[]>): fc.Arbitrary<PipelineView> {
  return fc.record({
    axes: fc.record({ n: axisState(pools.n), m: axisState(pools.m) }),
    exclude: fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { maxLength: 2 }),
    v: scalar(o),
    set: fc.constant({}),
  });
}

/** Both pipelines start with the same `v`, so that cells whose params read it can be shared. */
function views(o: GenOptions): fc.Arbitrary<[PipelineView, PipelineView]> {
  const pool = fc.uniqueArray(scalar(o), { minLength: 2, maxLength: 3, comparator: sameValue });
  return fc
    .record({ n: pool, m: pool })
    .chain((pools) => fc.tuple(view(o, pools), view(o, pools)))
    .map(([p, q]) => [p, { ...q, v: p.v }]);
}

interface StageDraft {
  kind: 'exec' | 'js';
  axes: AxisName[];
  p: Scalar | { $var: 'v' };
  /** For each earlier stage: no input, a one-to-one input, or a fan-in. */
  links: ('none' | 'one' | 'all')[];
  hold: boolean;
  dep: boolean;
}

function stageDraft(o: GenOptions): fc.Arbitrary<StageDraft> {
  return fc.record({
    kind: fc.constantFrom('exec' as const, 'js' as const),
    axes: fc.subarray([...AXES]),
    p: fc.oneof(scalar(o), fc.constant({ $var: 'v' as const })),
    links: fc.array(fc.constantFrom('none' as const, 'one' as const, 'all' as const, 'all' as const, 'all' as const), {
      minLength: 3,
      maxLength: 3,
    }),
    hold: fc.boolean(),
    dep: fc.boolean(),
  });
}

/** Drafts to stages: inputs point at earlier stages; a one-to-one input the axes do not allow becomes a fan-in. */
function toStages(drafts: StageDraft[]): Stage[] {
  const stages: Stage[] = [];
  drafts.forEach((d, i) => {
    const name = 'abcd'[i] as string;
    const inputs: Input[] = [];
    stages.forEach((up, j) => {
      const link = d.links[j] ?? 'none';
      if (link === 'none') return;
      const fits = up.axes.every((a) => d.axes.includes(a));
      inputs.push({ stage: up.name, all: link === 'all' || !fits });
    });
    stages.push({
      name,
      kind: d.kind,
      axes: d.axes,
      p: d.p,
      inputs,
      hold: d.kind === 'exec' && d.hold,
      dep: d.kind === 'exec' && d.dep,
    });
  });
  return stages;
}

export function world(o: GenOptions): fc.Arbitrary<World> {
  return fc.record({
    stages: fc.array(stageDraft(o), { minLength: 2, maxLength: 4 }).map(toStages),
    views: views(o),
    salt: fc.constantFrom('s0', 's1'),
    kindTag: fc.constantFrom('t0', 't1'),
    dep: fc.constantFrom('d0\n', 'd1\n'),
    active: fc.constant(0 as const),
    ...(o.ordered ? {} : { unordered: fc.constant(true) }),
  });
}

function valueChange(o: GenOptions): fc.Arbitrary<ValueChange> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({ kind: 'reverse' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'rotate' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), value: scalar(o), at: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(2), value: scalar(o) }) },
  );
}

export function edit(o: GenOptions): fc.Arbitrary<Edit> {
  const target = fc.oneof(
    { weight: 3, arbitrary: fc.constant('active' as const) },
    { weight: 1, arbitrary: fc.constant('other' as const) },
  );
  const axis = fc.constantFrom(...AXES);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('values' as const), target, axis, change: valueChange(o) }) },
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant('pin' as const), target, axis, at: fc.nat(2), extra: scalar(o) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('param' as const),
        stage: fc.nat(3),
        p: fc.oneof(scalar(o), fc.constant('var' as const)),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('var' as const),
        target,
        name: fc.constantFrom('v' as const, ...AXES),
        value: fc.oneof(scalar(o), fc.record({ at: fc.nat(2) })),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('set' as const),
        target,
        name: fc.constantFrom('v' as const, ...AXES),
        value: fc.option(fc.oneof(scalar(o), fc.record({ at: fc.nat(2) }))),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('exclude' as const), target, pair: fc.tuple(fc.nat(2), fc.nat(2)) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('salt' as const), value: fc.constantFrom('s0', 's1', 's2') }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('kindTag' as const), value: fc.constantFrom('t0', 't1', 't2') }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('dep' as const), value: fc.constantFrom('d0\n', 'd1\n', 'd2\n') }),
    },
    { weight: 4, arbitrary: fc.constant({ op: 'switch' as const }) },
  );
}

export function steps(o: GenOptions, maxLength: number): fc.Arbitrary<Step[]> {
  return fc.array(
    fc.record({ edit: edit(o), interrupt: fc.tuple(fc.boolean(), fc.boolean()).map(([a, b]) => a && b) }),
    { minLength: 1, maxLength },
  );
}
