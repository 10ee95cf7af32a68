#!/usr/bin/env node
// The target's own long-short misalignment on the target's scale, in closed
// form, for every registered f on the length task and for the mean task
// (l_train = 10, training lengths 1..10, suffix lengths 5..10). Needs `npm run build`.
import { targetSpace } from '../dist/stages/analysis/target-space.js';
import { availableReparams, loadReparam } from '../dist/stages/ml/reparam.js';

/** @type {(a: number, b: number) => number[]} */
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const suffixes = range(5, 10);

for (const name of await availableReparams()) {
  const { f } = await loadReparam(name);
  const space = targetSpace('length', f, [1, 10]);
  let m = 0;
  for (const a of suffixes) for (const b of suffixes) m += (Math.fround(f(a)) - Math.fround(f(b))) ** 2;
  m /= suffixes.length ** 2;
  console.log(`length, f=${name}: ${(m / space.variance).toFixed(4)}`);
}
// Suffix means over l1 < l2 shared tokens differ by (l2 - l1)/l2 (m_a - m_extra).
const mean = targetSpace('mean', (x) => x, [1, 10]);
let m = 0;
for (const a of suffixes) for (const b of suffixes) m += Math.abs(b - a) / (4 * a * b);
m /= suffixes.length ** 2;
console.log(`mean: ${(m / mean.variance).toFixed(4)} (scale ${mean.variance.toFixed(5)})`);
