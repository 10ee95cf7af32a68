import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { UsageError } from '../../src/exit.js';
import { expandMatrix, matches } from '../../src/pipeline/matrix.js';
import { parseOverrides } from '../../src/pipeline/overrides.js';
import { snapshotKey, type SnapshotKeyInput } from '../../src/plan/plan-snapshot.js';
import { repoRoot } from '../reliability/rig.js';
import { tempProject, writeJson } from './harness.js';
import { analysisOf, cellFingerprints } from './plan-fingerprints.js';

test('an exclude value is a scalar, {"$not": v or [v...]} or {"$in": [v...]}', () => {
  assert.equal(matches('sqrt', 'sqrt'), true);
  assert.equal(matches('sqrt', { $not: 'identity' }), true);
  assert.equal(matches('identity', { $not: 'identity' }), false);
  assert.equal(matches('log', { $not: ['identity', 'log'] }), false);
  assert.equal(matches(2, { $in: [1, 2] }), true);
  assert.equal(matches('2', { $in: [1, 2] }), false, 'no loose equality: "2" is not 2');
});

test('an exclusion with $not follows its axis: a value added later is excluded with the others', () => {
  const rule = [{ task: 'mean', f: { $not: 'identity' } }];
  const cells = expandMatrix({ task: ['mean', 'length'], f: ['identity', 'sqrt', 'cbrt'] }, rule);
  assert.deepEqual(cells, [
    { task: 'mean', f: 'identity' },
    { task: 'length', f: 'identity' },
    { task: 'length', f: 'sqrt' },
    { task: 'length', f: 'cbrt' },
  ]);
  assert.equal(
    expandMatrix({ task: ['mean'] }, rule).length,
    1,
    'an entry naming an axis the cell lacks never matches',
  );
});

test('--axis values are read as --set values: numbers stay numbers, a JSON array may hold commas', () => {
  assert.deepEqual(parseOverrides({ axis: ['seed=0,1,2', 'f+=cbrt', 'tag=["a,b","c"]', 'on=true,false'] }).axis, [
    { name: 'seed', mode: 'replace', values: [0, 1, 2], flag: 'seed=0,1,2' },
    { name: 'f', mode: 'append', values: ['cbrt'], flag: 'f+=cbrt' },
    { name: 'tag', mode: 'replace', values: ['a,b', 'c'], flag: 'tag=["a,b","c"]' },
    { name: 'on', mode: 'replace', values: [true, false], flag: 'on=true,false' },
  ]);
  for (const [flag, words] of [
    ['f', /--axis expects name=v1,v2 or name\+=v, got "f"/],
    ['f=', /--axis f=: name at least one value/],
    ['f=a,a', /--axis f=a,a: the value "a" is listed twice/],
    ['x=1e999', /--axis x=1e999: axis values are strings, finite numbers or booleans/],
    ['x={"a":1}', /axis values are strings, finite numbers or booleans, not \{"a":1\}/],
  ] as const) {
    assert.throws(
      () => parseOverrides({ axis: [flag] }),
      (e: unknown) => e instanceof UsageError && words.test(e.message),
      flag,
    );
  }
});

test("the plan snapshot's key changes with the --axis flags and their order", () => {
  const key: SnapshotKeyInput = {
    readSince: 0,
    pipelinePath: '/p.json',
    text: '{}',
    overrides: [],
    axes: [],
    backend: undefined,
  };
  const plain = snapshotKey(key);
  assert.notEqual(snapshotKey({ ...key, axes: ['f+=cbrt'] }), plain);
  assert.notEqual(snapshotKey({ ...key, axes: ['f=a', 'f+=b'] }), snapshotKey({ ...key, axes: ['f+=b', 'f=a'] }));
  assert.equal(snapshotKey({ ...key, axes: ['f+=cbrt'] }), snapshotKey({ ...key, axes: ['f+=cbrt'] }));
});

/** pipelines/smoke.json with one more value of its shared axis f, written beside `dir`: the study's one edit. */
function smokeWithCbrt(dir: string): string {
  const text = readFileSync(join(repoRoot, 'pipelines', 'smoke.json'), 'utf8');
  const edited = text.replace('"f": ["identity", "sqrt"]', '"f": ["identity", "sqrt", "cbrt"]');
  assert.notEqual(edited, text, 'the shared axis f is one line of smoke.json');
  const path = join(dir, 'smoke.json');
  writeFileSync(path, edited);
  return path;
}

test('adding cbrt to the study is one edit, and --axis f+=cbrt gives exactly its cells and fingerprints', async () => {
  const edited = smokeWithCbrt(tempProject());
  const smoke = join(repoRoot, 'pipelines', 'smoke.json');
  const byFlag = await cellFingerprints(smoke, { axis: ['f+=cbrt'] });
  assert.deepEqual(byFlag, await cellFingerprints(edited));
  const plain = new Map(await cellFingerprints(smoke));
  // Every stage with f gains its cbrt cells (mean only with identity: the exclusion followed); nothing else changed but the fan-ins.
  const added = byFlag.filter(([id]) => !plain.has(id)).map(([id]) => id);
  assert.equal(added.length, 18);
  assert.ok(
    added.every((id) => id.includes('f=cbrt') && id.includes('task=length')),
    added.join('\n'),
  );
  for (const [id, fp] of byFlag)
    if (plain.has(id) && !['correlate', 'report'].includes(id)) assert.equal(fp, plain.get(id), id);
});

test('--axis replaces the values of a shared axis and of stage-local axes of that name, as the edited file would', async () => {
  const dir = tempProject();
  const kinds = { sum: './sum.mjs' };
  writeFileSync(join(dir, 'sum.mjs'), "export default { params: { type: 'object' }, async run() {} };\n");
  const file = (n: unknown[], local: unknown[]) => ({
    kinds,
    axes: { n },
    stages: {
      a: { kind: 'sum', matrix: { n: { $axis: 'n' }, k: local } },
      b: { kind: 'sum', inputs: { a: 'a' }, matrix: { n: { $axis: 'n' }, k: local } },
      c: { kind: 'exec', inputs: { b: { stage: 'b', all: true } }, params: { command: 'true' }, matrix: { k: local } },
      all: { kind: 'sum', inputs: { c: { stage: 'c', all: true } } },
    },
  });
  writeJson(join(dir, 'flags.json'), file([1, 2, 3], ['x']));
  writeJson(join(dir, 'edited.json'), file([3, 1], ['x', 'y']));
  const flags = await cellFingerprints(join(dir, 'flags.json'), { axis: ['n=3,1', 'k+=y'] });
  assert.deepEqual(flags, await cellFingerprints(join(dir, 'edited.json')));
  assert.equal(flags.length, 4 + 4 + 2 + 1);
  const analysis = await analysisOf(join(dir, 'flags.json'), { axis: ['n=3,1', 'k+=y'] });
  assert.deepEqual(analysis.stages.get('b')?.config.matrix, { n: [3, 1], k: ['x', 'y'] });
});
