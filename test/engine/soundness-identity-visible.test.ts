/**
 * What the engine shows a stage (its own cell id, its inputs' cells, axes and
 * params) is part of the cell's fingerprint, so a cached result is what a
 * fresh run would write even when a stage reads them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { diffFingerprints, type FingerprintData, type FingerprintDataV1 } from '../../src/plan/fingerprint.js';
import type { Sha256 } from '../../src/util/hash.js';
import { ablate, byStatus, runJson, tempProject, writeJson } from './harness.js';

/** One exec stage, named `name`, that writes the cell id the engine gives it. */
function echoCell(name: string): unknown {
  return { stages: { [name]: { kind: 'exec', params: { command: 'echo $ABLATE_CELL > v.txt', outputs: ['v.txt'] } } } };
}

async function exportedFile(dir: string, pipeline: string, stage: string, file: string): Promise<string> {
  const out = join(dir, `export-${pipeline}`);
  const r = await ablate(dir, ['export', pipeline, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const folder = readdirSync(join(out, 'artifacts')).find((f) => f.startsWith(stage));
  assert.ok(folder !== undefined, `${stage} is exported`);
  return readFileSync(join(out, 'artifacts', folder, file), 'utf8').trim();
}

test('an exec stage that writes $ABLATE_CELL is not served under another stage name', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p1.json'), echoCell('x'));
  writeJson(join(dir, 'p2.json'), echoCell('y'));
  assert.equal((await runJson(dir, 'p1.json')).code, 0);
  const r = await runJson(dir, 'p2.json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byStatus(r.stdout).ran, ['y'], 'y sees another ABLATE_CELL than x, so it runs');
  assert.equal(await exportedFile(dir, 'p2.json', 'y', 'v.txt'), 'y');
  const verify = await ablate(dir, ['verify', 'p2.json', '--cell', 'y']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

/** `note` ignores its param `text` (its output is constant); `show` writes the params of its input `a`. */
const KIND = `export default {
  params: { type: 'object' },
  async run(ctx) {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    if (ctx.inputs.a === undefined) return writeFileSync(join(ctx.outDir, 'v.txt'), 'constant');
    writeFileSync(join(ctx.outDir, 'seen.txt'), ctx.inputs.a.cell + ' ' + JSON.stringify(ctx.inputs.a.params));
  },
};
`;

/** Stage `show` reads `a`'s params, whose `text` starts as "one"; `p` gives the pipeline for another text. */
function paramsProject(): { dir: string; p: (text: string) => unknown } {
  const dir = tempProject();
  writeFileSync(join(dir, 'kind.mjs'), KIND);
  const p = (text: string): unknown => ({
    kinds: { k: './kind.mjs' },
    stages: { a: { kind: 'k', params: { text } }, show: { kind: 'k', inputs: { a: 'a' } } },
  });
  writeJson(join(dir, 'p.json'), p('one'));
  return { dir, p };
}

test("a JS stage that reads its input's params re-runs when they change, even if the input's outputs do not", async () => {
  const { dir, p } = paramsProject();
  assert.equal((await runJson(dir)).code, 0);
  assert.equal(await exportedFile(dir, 'p.json', 'show', 'seen.txt'), 'a {"text":"one"}');
  writeJson(join(dir, 'p.json'), p('two'));
  const r = await runJson(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byStatus(r.stdout).ran, ['a', 'show'], 'show reads a.params, which changed');
  assert.equal(await exportedFile(dir, 'p.json', 'show', 'seen.txt'), 'a {"text":"two"}');
  const verify = await ablate(dir, ['verify', 'p.json', '--cell', 'show']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test("explain names an input's changed params as the reason a JS stage will run", async () => {
  const { dir, p } = paramsProject();
  assert.equal((await runJson(dir)).code, 0);
  writeJson(join(dir, 'p.json'), p('two'));
  assert.equal((await runJson(dir, 'p.json', ['--only', 'a'])).code, 0);
  const why = await ablate(dir, ['explain', 'p.json', 'show']);
  assert.equal(why.code, 0, why.stderr);
  assert.match(why.stdout, /will run/, why.stdout);
  assert.match(why.stdout, /^ {2}input a: a params [0-9a-f]{12} -> [0-9a-f]{12}$/m, why.stdout);
});

test('explain says which identity changed: the own cell, an input cell, an input params hash', () => {
  const h = (c: string): Sha256 => c.repeat(64) as Sha256;
  const base: FingerprintData = {
    version: 2,
    kind: 'exec',
    cell: 'b[n=1]',
    code: {},
    params: {},
    inputs: {},
    seed: 0,
    runtime: {},
    files: {},
  };
  const before: FingerprintData = { ...base, inputs: { a: { cell: 'a', params: h('1'), outputs: h('2') } } };
  assert.deepEqual(diffFingerprints(before, { ...before, cell: 'c[n=1]' }), ['cell: b[n=1] -> c[n=1]']);
  assert.deepEqual(
    diffFingerprints(before, { ...before, inputs: { a: { cell: 'a', params: h('3'), outputs: h('2') } } }),
    ['input a: a params 111111111111 -> 333333333333'],
  );
  assert.deepEqual(
    diffFingerprints(before, { ...before, inputs: { a: { cell: 'z', params: h('1'), outputs: h('2') } } }),
    ['input a: a -> z'],
  );
  const fan: FingerprintData = { ...base, inputs: { a: [{ cell: 'a[n=1]', params: h('1'), outputs: h('2') }] } };
  assert.deepEqual(
    diffFingerprints(fan, { ...fan, inputs: { a: [{ cell: 'a[n=1]', params: h('4'), outputs: h('2') }] } }),
    ['input a: 0 a[n=1] params 111111111111 -> 444444444444'],
  );
});

test('explain reads records written before the fingerprint named cells', () => {
  const h = (c: string): Sha256 => c.repeat(64) as Sha256;
  // Version 1: no own cell; a one-to-one input is its outputs' hash, a fan-in lists cells and outputs only.
  const old: FingerprintDataV1 = {
    version: 1,
    kind: 'exec',
    code: {},
    params: {},
    inputs: { a: h('2'), f: [{ cell: 'a[n=1]', outputs: h('5') }] },
    seed: 0,
    runtime: {},
    files: {},
  };
  const now: FingerprintData = {
    version: 2,
    kind: 'exec',
    cell: 'b',
    code: {},
    params: {},
    seed: 0,
    runtime: {},
    files: {},
    inputs: {
      a: { cell: 'a', params: h('1'), outputs: h('3') },
      f: [{ cell: 'a[n=1]', params: h('1'), outputs: h('5') }],
    },
  };
  assert.deepEqual(diffFingerprints(old, now), [
    'version: 1 -> 2',
    'cell: (none) -> b',
    'input a: 222222222222 -> 333333333333',
  ]);
});
