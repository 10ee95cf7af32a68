/**
 * A fan-in's cache key names its upstream cells as the consuming pipeline
 * names them, in the order they are fed: a record computed by another
 * pipeline, or the same cells fed in another order, must never be served.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import {
  diffFingerprints,
  fingerprintHash,
  type FingerprintData,
  type FingerprintDataV1,
  type InputEntry,
} from '../../src/plan/fingerprint.js';
import type { Sha256 } from '../../src/util/hash.js';
import { ablate, byStatus, runJson, tempProject, writeJson } from './harness.js';

/** Writes `n` into v.txt: an exec stage whose value is a variable, not an axis. */
const single = {
  vars: { n: 1 },
  stages: { a: { kind: 'exec', params: { command: 'echo {{n}} > v.txt', outputs: ['v.txt'], n: { $var: 'n' } } } },
};

/** `a` over a matrix of n, and `all`: every `a` concatenated in the order of its numbered input folders. */
function fan(values: number[]): unknown {
  return {
    stages: {
      a: { kind: 'exec', matrix: { n: values }, params: { command: 'echo {{n}} > v.txt', outputs: ['v.txt'] } },
      all: {
        kind: 'exec',
        inputs: { a: { stage: 'a', all: true } },
        params: {
          command:
            'for i in $(ls $ABLATE_IN_A | sort -n); do cat $ABLATE_IN_A/$i/v.txt; done | paste -sd" " - > all.txt',
          outputs: ['all.txt'],
        },
      },
    },
  };
}

async function exported(dir: string, pipeline: string): Promise<string> {
  const out = join(dir, `export-${pipeline}`);
  const r = await ablate(dir, ['export', pipeline, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const folder = readdirSync(join(out, 'artifacts')).find((f) => f.startsWith('all'));
  assert.ok(folder !== undefined, 'the fan-in is exported');
  return readFileSync(join(out, 'artifacts', folder, 'all.txt'), 'utf8').trim();
}

test("a fan-in never serves the result another pipeline's fan-in computed from other cells", async () => {
  const dir = tempProject();
  writeJson(join(dir, 'single.json'), single);
  writeJson(join(dir, 'fanA.json'), fan([1, 2]));
  writeJson(join(dir, 'fanB.json'), fan([2]));
  // single.json computes the same commands under the plain cell id "a"; fanA and fanB name them a[n=1], a[n=2].
  assert.equal((await runJson(dir, 'single.json')).code, 0);
  assert.equal((await runJson(dir, 'single.json', ['--set', 'n=2'])).code, 0);
  const a = await runJson(dir, 'fanA.json');
  assert.equal(a.code, 0, a.stderr);
  // single.json's cell is `a`, fanA's are `a[n=1]` and `a[n=2]`: each sees its own ABLATE_CELL, so none is shared.
  assert.deepEqual(byStatus(a.stdout).ran, ['a[n=1]', 'a[n=2]', 'all']);
  assert.equal(await exported(dir, 'fanA.json'), '1 2');
  const b = await runJson(dir, 'fanB.json');
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(byStatus(b.stdout).ran, ['all'], 'fanB feeds its fan-in one cell, not two');
  assert.deepEqual(byStatus(b.stdout).cached, ['a[n=2]'], 'the same cell under the same name is shared');
  assert.equal(await exported(dir, 'fanB.json'), '2');
  const verify = await ablate(dir, ['verify', 'fanB.json', '--cell', 'all']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test('reversing the values a fan-in is fed changes its fingerprint, and $ABLATE_IN_X/0 then holds the new first cell', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), fan([1, 2]));
  assert.equal((await runJson(dir)).code, 0);
  assert.equal(await exported(dir, 'p.json'), '1 2');
  writeJson(join(dir, 'p.json'), fan([2, 1]));
  const status = await ablate(dir, ['status', 'p.json']);
  assert.match(status.stdout, /^3 cells: 2 cached, 1 to run/, status.stdout);
  const r = await runJson(dir);
  assert.deepEqual(byStatus(r.stdout).ran, ['all']);
  assert.equal(await exported(dir, 'p.json'), '2 1');
  const verify = await ablate(dir, ['verify', 'p.json', '--cell', 'all']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  // Back to the first order: the first result is cached again, and still right.
  writeJson(join(dir, 'p.json'), fan([1, 2]));
  const back = await runJson(dir);
  assert.deepEqual(byStatus(back.stdout).cached, ['a[n=1]', 'a[n=2]', 'all']);
  assert.equal(await exported(dir, 'p.json'), '1 2');
});

test('explain names a fan-in input by position and cell when the fed cells change', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), fan([1, 2]));
  assert.equal((await runJson(dir)).code, 0);
  writeJson(join(dir, 'p.json'), fan([1, 2, 3]));
  assert.equal((await runJson(dir, 'p.json', ['--only', 'a'])).code, 0);
  const explain = await ablate(dir, ['explain', 'p.json', 'all']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /input a: 2 a\[n=3\] added/, explain.stdout);
});

test('explain compares a fan-in with the unordered form of earlier records, position by position', () => {
  const h = (c: string): Sha256 => c.repeat(64) as Sha256;
  const base: FingerprintData = {
    version: 2,
    kind: 'exec',
    cell: 'all',
    code: {},
    params: {},
    inputs: {},
    seed: 0,
    runtime: {},
    files: {},
  };
  const legacy: FingerprintDataV1 = { ...base, version: 1, inputs: { a: { 'a[n=1]': h('1'), 'a[n=2]': h('2') } } };
  const e = (cell: string, outputs: string): InputEntry => ({ cell, params: h('0'), outputs: h(outputs) });
  const now: FingerprintData = { ...base, inputs: { a: [e('a[n=2]', '2'), e('a[n=1]', '3'), e('a[n=3]', '4')] } };
  assert.deepEqual(diffFingerprints(legacy, now), [
    'version: 1 -> 2',
    'cell: (none) -> all',
    'input a: 0 a[n=1] -> a[n=2]',
    'input a: 1 a[n=2] -> a[n=1]',
    'input a: 2 a[n=3] added',
  ]);
  const same: FingerprintData = { ...base, inputs: { a: [e('a[n=1]', '1')] } };
  assert.deepEqual(diffFingerprints(same, { ...same, inputs: { a: [e('a[n=1]', '5')] } }), [
    'input a: 0 a[n=1] 111111111111 -> 555555555555',
  ]);
  assert.notEqual(
    fingerprintHash(now),
    fingerprintHash({ ...now, inputs: { a: [...(now.inputs.a as InputEntry[])].reverse() } }),
    'order is part of the hash',
  );
});

/** A JS stage kind: `value` writes its param n; `concat` joins its fan-in's values in ctx.inputs order, naming each folder. */
const CONCAT_KIND = `export default {
  params: { type: 'object' },
  async run(ctx) {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { basename, join } = await import('node:path');
    if (ctx.inputs.all === undefined) return writeFileSync(join(ctx.outDir, 'v.txt'), String(ctx.params.n));
    const parts = ctx.inputs.all.map((a) => basename(a.dir) + ':' + a.cell + '=' + readFileSync(join(a.dir, 'v.txt'), 'utf8'));
    writeFileSync(join(ctx.outDir, 'all.txt'), parts.join(' '));
  },
};
`;

test('a JS fan-in reads ctx.inputs in folder order, and that order is part of its fingerprint', async () => {
  const dir = tempProject();
  writeFileSync(join(dir, 'concat.mjs'), CONCAT_KIND);
  const p = (values: number[]): unknown => ({
    kinds: { concat: './concat.mjs' },
    stages: {
      a: { kind: 'concat', matrix: { n: values } },
      all: { kind: 'concat', inputs: { all: { stage: 'a', all: true } } },
    },
  });
  writeJson(join(dir, 'p.json'), p([1, 2]));
  assert.equal((await runJson(dir)).code, 0);
  assert.equal(await exported(dir, 'p.json'), '0:a[n=1]=1 1:a[n=2]=2');
  writeJson(join(dir, 'p.json'), p([2, 1]));
  const r = await runJson(dir);
  assert.deepEqual(byStatus(r.stdout).ran, ['all']);
  assert.equal(await exported(dir, 'p.json'), '0:a[n=2]=2 1:a[n=1]=1');
});
