/**
 * Cases the fixed-seed test plays before the random ones, in the fuzzer's
 * own format: the two smallest known ways a fan-in was served a result
 * computed from other inputs.
 */
import type { Step } from './edits.js';
import type { Stage, World } from './model.js';

const upstream: Stage = { name: 'a', kind: 'exec', axes: ['n'], p: 1, inputs: [], hold: false, dep: false };
const fanIn: Stage = {
  name: 'b',
  kind: 'exec',
  axes: [],
  p: 1,
  inputs: [{ stage: 'a', all: true }],
  hold: false,
  dep: false,
};

function project(views: World['views']): World {
  return { stages: [upstream, fanIn], views, salt: 's0', kindTag: 't0', dep: 'd0\n', active: 0 };
}

/**
 * `a` runs with n pinned to 1, then to 2, both as the cell `a`; the other
 * file varies `a` over n = [1, 2] and fans in. The fan-in must see both cells.
 */
export const sameIdOtherValues: [World, Step[]] = [
  project([
    { axes: { n: { pin: 1, was: [1, 2] }, m: { values: [1] } }, exclude: [], v: 1, set: {} },
    { axes: { n: { values: [1, 2] }, m: { values: [1] } }, exclude: [], v: 1, set: {} },
  ]),
  [
    { edit: { op: 'var', target: 'active', name: 'n', value: 2 }, interrupt: false },
    { edit: { op: 'switch' }, interrupt: false },
  ],
];

/** Reversing n reverses the numbered input folders of the fan-in, and so its output. */
export const reorderedFanIn: [World, Step[]] = [
  project([
    { axes: { n: { values: [1, 2] }, m: { values: [1] } }, exclude: [], v: 1, set: {} },
    { axes: { n: { values: [1, 2] }, m: { values: [1] } }, exclude: [], v: 1, set: {} },
  ]),
  [{ edit: { op: 'values', target: 'active', axis: 'n', change: { kind: 'reverse' } }, interrupt: false }],
];
