/** Metric extraction and declarations, without the CLI. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { extractMetrics } from '../../src/metrics/extract.js';
import { metricsSpec, undeclaredMetricsFiles } from '../../src/metrics/spec.js';
import { summarize, welch } from '../../src/metrics/stats.js';

const files: Record<string, string> = {
  'a.json': JSON.stringify({
    loss: 0.5,
    nested: { acc: 0.9, deep: { x: 1 } },
    curve: [1, 2],
    name: 'run',
    flag: true,
    'dotted.key': 7,
  }),
  'b.json': JSON.stringify({ loss: 99, other: 3 }),
  'bad.json': '{ not json',
};
const read = (f: string): Buffer | undefined => (Object.hasOwn(files, f) ? Buffer.from(files[f] as string) : undefined);

test('every number of a file becomes a metric under its dotted path; arrays, strings and booleans do not', () => {
  const m = extractMetrics(metricsSpec('a.json') as NonNullable<ReturnType<typeof metricsSpec>>, read);
  assert.deepEqual(m.values, { loss: 0.5, 'nested.acc': 0.9, 'nested.deep.x': 1, 'dotted.key': 7 });
  assert.deepEqual(m.problems, []);
});

test('keys pick and rename paths, the first file wins a name, and what cannot be read is a problem, not a throw', () => {
  const spec = metricsSpec([
    { file: 'a.json', keys: { accuracy: 'nested.acc', k: 'dotted.key', gone: 'nested.nope' } },
    'b.json',
    'bad.json',
    'missing.json',
  ]);
  assert.ok(spec !== undefined);
  const m = extractMetrics(spec, read);
  assert.deepEqual(m.values, { accuracy: 0.9, k: 7, loss: 99, other: 3 });
  assert.equal(m.problems.length, 3);
  assert.match(m.problems[0] ?? '', /a\.json has no number at "nested\.nope"/);
  assert.match(m.problems[1] ?? '', /bad\.json is not JSON/);
  assert.match(m.problems[2] ?? '', /missing\.json is not among the outputs/);
  assert.equal(m.spec, spec.key);
  assert.notEqual(
    metricsSpec('a.json')?.key,
    spec.key,
    'another declaration has another key, so stored values are re-read',
  );
});

test('an exec stage must list its metrics files among its outputs', () => {
  const spec = metricsSpec(['m.json', { file: 'n.json' }]);
  assert.ok(spec !== undefined);
  assert.deepEqual(undeclaredMetricsFiles(spec, ['m.json']), ['n.json']);
  assert.deepEqual(undeclaredMetricsFiles(spec, undefined), [], 'a JS stage stores every file it writes');
});

test('one value has no spread or interval; a difference has an interval only when both sides have two', () => {
  const one = summarize([4]);
  assert.deepEqual(one, { n: 1, mean: 4 });
  const two = summarize([1, 3]);
  assert.equal(two.sd, Math.SQRT2);
  // t(0.975, 1) = 12.7062047...: the interval at two seeds is wide.
  assert.ok(Math.abs((two.high as number) - (2 + 12.706204736174707)) < 1e-6);
  assert.deepEqual(welch(one, two), { diff: -2 });
  const same = welch(summarize([2, 2]), summarize([5, 5]));
  assert.deepEqual(same, { diff: 3, low: 3, high: 3 }, 'no spread on either side: the difference is exact');
});
