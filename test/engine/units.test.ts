import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { codeHashes } from '../../src/plan/code-hash.js';
import { formatDiagnostic, lineColOf, suggest } from '../../src/pipeline/diagnostics.js';
import {
  diffFingerprints,
  fingerprintHash,
  ParamsCanonicalizer,
  type FingerprintData,
} from '../../src/plan/fingerprint.js';
import { findStageCycle } from '../../src/plan/graph.js';
import { cellId, expandMatrix } from '../../src/pipeline/matrix.js';
import type { StageConfig } from '../../src/pipeline/pipeline-config.js';
import { canonicalJson } from '../../src/util/hash.js';
import { compareArtifact } from '../../src/cache/compare.js';

test('cell ids come from sorted axis values, not positions', () => {
  assert.equal(cellId('train', { seed: 0, arch: 'gpt' }), 'train[arch=gpt,seed=0]');
  assert.equal(cellId('report', {}), 'report');
  assert.equal(
    cellId('t', { f: '1/x', s: '12' }),
    't[f="1/x",s="12"]',
    'strings that would read as numbers or hold separators are quoted',
  );
  const before = expandMatrix({ f: ['sqrt', 'log'], seed: [0, 1] }, []).map((a) => cellId('t', a));
  const after = expandMatrix({ f: ['cube', 'sqrt', 'log'], seed: [0, 1] }, []).map((a) => cellId('t', a));
  for (const id of before) assert.ok(after.includes(id), `${id} keeps its id when a value is inserted`);
  assert.equal(after.length, 6);
});

test('exclude drops partial assignments', () => {
  const cells = expandMatrix({ task: ['mean', 'length'], f: ['identity', 'sqrt'] }, [{ task: 'mean', f: 'sqrt' }]);
  assert.deepEqual(cells, [
    { task: 'mean', f: 'identity' },
    { task: 'length', f: 'identity' },
    { task: 'length', f: 'sqrt' },
  ]);
});

test('canonical JSON sorts keys at every depth', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }),
    '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
  );
});

const base: FingerprintData = {
  version: 2,
  kind: 'train',
  cell: 'train',
  code: { 'stages/train.ts': 'aa' as never },
  params: { lr: 0.001, steps: 100 },
  inputs: { data: { cell: 'data', params: 'p1' as never, outputs: 'h1' as never } },
  seed: 0,
  runtime: { backend: 'wasm', tfjs: '4.22.0' },
  files: {},
};

test('the fingerprint hash equals sha256 of the canonical JSON and changes with any field', () => {
  assert.equal(fingerprintHash(base), createHash('sha256').update(canonicalJson(base)).digest('hex'));
  assert.notEqual(fingerprintHash(base), fingerprintHash({ ...base, runtime: { backend: 'cpu', tfjs: '4.22.0' } }));
});

test('per-stage params text equals the canonical JSON of stage params overlaid with axis values', () => {
  const stage = {
    zeta: { b: [1, { y: 2, x: 1 }], a: null },
    lr: 0.001,
    f: 'stage-default',
    command: 'echo {{i}}',
    skip: undefined,
  } as never;
  const c = new ParamsCanonicalizer(stage, ['i', 'f', 'seed']);
  for (const axes of [
    { i: 3, f: 'sqrt', seed: 0 },
    { i: 'a"b', f: 'x^2', seed: 12 },
    { i: -1.5e-7, f: 'log', seed: 1 },
  ]) {
    assert.equal(c.text(axes), canonicalJson({ ...(stage as object), ...axes }));
    const data = { ...base, params: { ...(stage as object), ...axes } };
    assert.equal(fingerprintHash(data, c.text(axes)), fingerprintHash(data));
  }
  assert.equal(new ParamsCanonicalizer({ b: 1, a: 2 }, []).text({}), '{"a":2,"b":1}');
});

test('fingerprint diffs name each changed value', () => {
  const after: FingerprintData = {
    ...base,
    code: { 'stages/train.ts': 'bb' as never },
    params: { lr: 0.0003, steps: 100 },
    inputs: { data: { cell: 'data', params: 'p1' as never, outputs: 'h2' as never } },
  };
  assert.deepEqual(diffFingerprints(base, after), [
    'code: stages/train.ts changed',
    'params.lr: 0.001 -> 0.0003',
    'input data: data h1 -> h2',
  ]);
});

test('code hashes follow relative static and literal dynamic imports only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ablate-code-'));
  writeFileSync(join(dir, 'a.js'), "import './b.js'; import 'node:fs'; export const run = () => import('./c.js');");
  writeFileSync(join(dir, 'b.js'), 'export const b = 1;');
  writeFileSync(join(dir, 'c.js'), 'export const c = 1;');
  writeFileSync(join(dir, 'd.js'), 'export const d = 1;');
  const hashes = await codeHashes(join(dir, 'a.js'), dir);
  assert.deepEqual(Object.keys(hashes), ['a.js', 'b.js', 'c.js']);
});

test('diagnostics print file:line:col with a caret under the span and a suggestion', () => {
  const text = '{\n  "kind": "trian"\n}';
  const offset = text.indexOf('"trian"');
  assert.deepEqual(lineColOf(text, offset), { line: 2, col: 11 });
  const out = formatDiagnostic(
    {
      message: 'unknown kind',
      location: { file: 'p.json', offset, length: 7 },
      hint: suggest('trian', ['train', 'data']),
    },
    new Map([['p.json', text]]),
  );
  assert.equal(
    out,
    'p.json:2:11: error: unknown kind\n  2 |   "kind": "trian"\n    |           ^^^^^^^\n  hint: did you mean "train"?',
  );
  assert.equal(suggest('zzzzzz', ['train']), undefined);
});

test('stage cycles are found with their path', () => {
  const stage = (name: string, inputs: string[]): StageConfig => ({
    name,
    kind: 'exec',
    params: {},
    inputs: Object.fromEntries(inputs.map((s) => [s, { stage: s, all: false }])),
    matrix: {},
    axisSources: {},
    exclude: [],
    varRefs: [],
  });
  assert.deepEqual(findStageCycle([stage('a', ['c']), stage('b', ['a']), stage('c', ['b'])]), ['a', 'c', 'b']);
  assert.deepEqual(findStageCycle([stage('a', ['a'])]), ['a']);
  assert.equal(findStageCycle([stage('a', []), stage('b', ['a'])]), undefined);
});

test('artifact comparison is exact by default and numeric within a tolerance', () => {
  const a = Buffer.from(JSON.stringify({ loss: 0.1, n: 3 }));
  const b = Buffer.from(JSON.stringify({ loss: 0.1000001, n: 3 }));
  assert.equal(compareArtifact('x.json', a, b, undefined).equal, false);
  assert.deepEqual(compareArtifact('x.json', a, b, 1e-5), { equal: true, exact: false });
  assert.equal(compareArtifact('x.json', a, Buffer.from('{"loss":0.2,"n":3}'), 1e-5).equal, false);
  const f = (xs: number[]): Buffer => Buffer.from(new Float32Array(xs).buffer);
  assert.deepEqual(compareArtifact('w.bin', f([1, 2]), f([1, 2.000001]), 1e-4), { equal: true, exact: false });
});
