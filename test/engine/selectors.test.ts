/** Cell selectors (src/plan/selectors.ts) against a real analysed pipeline. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { analyze } from '../../src/plan/analyzer.js';
import type { Analysis } from '../../src/plan/types.js';
import { cellId } from '../../src/pipeline/matrix.js';
import { loadPipelineFile } from '../../src/pipeline/pipeline-loader.js';
import {
  describeSelectorProblem,
  displayedValue,
  parseSelector,
  selectCells,
  selectOne,
  withUpstream,
} from '../../src/plan/selectors.js';
import { tempProject, writeJson } from './harness.js';

const LONG = 'x'.repeat(80);

async function study(): Promise<Analysis> {
  const dir = tempProject('ablate-sel-');
  writeJson(join(dir, 'p.json'), {
    stages: {
      data: {
        kind: 'exec',
        matrix: { task: ['length', 'parity'] },
        params: { command: 'echo {{task}} > d.txt', outputs: ['d.txt'] },
      },
      train: {
        kind: 'exec',
        inputs: { d: 'data' },
        matrix: { arch: ['lstm', 'gru'], f: ['sqrt', 'log'], seed: [0, 1], task: ['length', 'parity'] },
        exclude: [{ arch: 'gru', f: 'log' }],
        params: { command: 'echo > m.txt', outputs: ['m.txt'] },
      },
      odd: {
        kind: 'exec',
        matrix: { name: ['a b', '1', LONG], seed: [0] },
        params: { command: 'echo > o.txt', outputs: ['o.txt'] },
      },
      summary: {
        kind: 'exec',
        inputs: { m: { stage: 'train', all: true } },
        params: { command: 'echo > s.txt', outputs: ['s.txt'] },
      },
    },
  });
  const loaded = await loadPipelineFile(join(dir, 'p.json'));
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error.diagnostics));
  const a = await analyze(loaded.value);
  assert.ok(a.ok);
  return a.value;
}

function ids(analysis: Analysis, selector: string): string[] {
  const r = selectOne(analysis, selector);
  assert.ok(r.ok, `${selector}: ${!r.ok ? describeSelectorProblem('only', r.error) : ''}`);
  return r.value.map((c) => c.id);
}

function problem(analysis: Analysis, selector: string): string {
  const r = selectOne(analysis, selector);
  assert.ok(!r.ok, `${selector} should select nothing`);
  return describeSelectorProblem('only', r.error);
}

test('a stage name selects all its cells; an exact id selects one', async () => {
  const a = await study();
  assert.equal(ids(a, 'train').length, 12);
  assert.deepEqual(ids(a, 'summary'), ['summary']);
  assert.deepEqual(ids(a, 'train[arch=lstm,f=sqrt,seed=1,task=length]'), [
    'train[arch=lstm,f=sqrt,seed=1,task=length]',
  ]);
});

test('a pattern selects every cell with those values, whatever the other axes', async () => {
  const a = await study();
  const got = ids(a, 'train[arch=lstm,seed=1]');
  assert.deepEqual(got.sort(), [
    'train[arch=lstm,f=log,seed=1,task=length]',
    'train[arch=lstm,f=log,seed=1,task=parity]',
    'train[arch=lstm,f=sqrt,seed=1,task=length]',
    'train[arch=lstm,f=sqrt,seed=1,task=parity]',
  ]);
  // Axis order in the selector does not matter.
  assert.deepEqual(ids(a, 'train[seed=1,arch=lstm]').sort(), got);
  // The excluded combination (gru, log) is not there to select.
  assert.equal(ids(a, 'train[f=log]').length, 4);
  assert.equal(ids(a, 'train[f=*]').length, 12);
});

test('a * stage selects across stages that have the axis; stages without it are skipped', async () => {
  const a = await study();
  const got = ids(a, '*[task=parity]');
  assert.ok(got.includes('data[task=parity]'));
  assert.equal(got.filter((id) => id.startsWith('train[')).length, 6);
  assert.ok(!got.some((id) => id.startsWith('odd') || id === 'summary'));
  assert.equal(ids(a, '*').length, a.order.length);
});

test('values match as the id displays them, or as the JSON they parse to', async () => {
  const a = await study();
  assert.equal(ids(a, 'train[seed=1]').length, 6);
  assert.equal(ids(a, 'train[f="sqrt"]').length, 8);
  // The string "1" is displayed quoted; the bare 1 is a number and no cell of `odd` has it.
  assert.deepEqual(ids(a, 'odd[name="1"]'), [cellId('odd', { name: '1', seed: 0 })]);
  assert.match(problem(a, 'odd[name=1]'), /selects no cell/);
  // A quoted value keeps its comma.
  assert.deepEqual(ids(a, 'odd[name="a b",seed=0]'), [cellId('odd', { name: 'a b', seed: 0 })]);
  // A long value is displayed as #hash and selected by it.
  const shown = displayedValue('name', LONG);
  assert.match(shown, /^#[0-9a-f]{32}$/);
  assert.deepEqual(ids(a, `odd[name=${shown}]`), [cellId('odd', { name: LONG, seed: 0 })]);
});

test('a near miss names what was meant', async () => {
  const a = await study();
  assert.match(problem(a, 'trian'), /no stage "trian"\n {2}hint: did you mean "train"\?/);
  assert.match(
    problem(a, 'train[sede=1]'),
    /stage "train" has no axis "sede" \(its axes: arch, f, seed, task\)\n {2}hint: did you mean "seed"\?/,
  );
  assert.match(problem(a, 'train[arch=lstn]'), /selects no cell\n {2}hint: arch: did you mean "lstm"\?/);
  assert.match(problem(a, 'train[seed=7]'), /hint: seed takes 0, 1/);
  assert.match(problem(a, 'train[arch=gru,f=log]'), /selects no cell/);
  assert.match(problem(a, 'train[arch]'), /"arch" is not axis=value/);
  assert.match(problem(a, 'train[]'), /empty brackets/);
});

test('several selectors are a union in pipeline order; --only adds what the cells need', async () => {
  const a = await study();
  const r = selectCells(a, [
    'train[arch=gru,seed=0,task=length]',
    'data[task=length]',
    'train[arch=gru,seed=0,task=length]',
  ]);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((c) => c.id),
    ['data[task=length]', 'train[arch=gru,f=sqrt,seed=0,task=length]'],
  );
  const bad = selectCells(a, ['train', 'nope']);
  assert.ok(!bad.ok && bad.error.reason === 'no-stage');
  const withDeps = withUpstream(
    a,
    ids(a, 'summary').map((id) => a.cells.get(id)!),
  );
  assert.equal(withDeps.length, a.order.length - 3, 'summary needs every train and data cell, not odd');
});

test('the selector grammar', () => {
  assert.deepEqual(parseSelector('s'), { ok: true, value: { stage: 's' } });
  assert.deepEqual(parseSelector('s[a=1, b="x,y"]'), {
    ok: true,
    value: {
      stage: 's',
      axes: [
        ['a', '1'],
        ['b', '"x,y"'],
      ],
    },
  });
  assert.equal(parseSelector('s[a=1').ok, false);
  assert.equal(parseSelector('[a=1]').ok, false);
});
