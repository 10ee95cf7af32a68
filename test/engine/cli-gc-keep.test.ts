/** `ablate gc --keep` through the real CLI: what goes, what stays, and that the kept pipeline stays cached. */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, byStatus, runJson, SUM_STAGE, tempProject, writeJson } from './harness.js';

/** gen[f] -> fit[f] -> total; each gen writes 64 KiB derived from its f. */
function pipeline(fs: string[], bias = 1): unknown {
  return {
    kinds: { sum: './sum.mjs' },
    stages: {
      gen: {
        kind: 'exec',
        matrix: { f: fs },
        params: { command: 'yes {{f}} | head -c 65536 > g.txt', outputs: ['g.txt'] },
      },
      fit: { kind: 'sum', matrix: { f: fs }, params: { x: 1, bias } },
      total: {
        kind: 'exec',
        inputs: { g: { stage: 'gen', all: true } },
        params: { command: 'cat "$ABLATE_IN_G"/*/g.txt | wc -c > t.txt', outputs: ['t.txt'] },
      },
    },
  };
}

function project(): string {
  const dir = tempProject('ablate-gckeep-');
  writeFileSync(join(dir, 'sum.mjs'), SUM_STAGE);
  return dir;
}

function blobBytes(dir: string): number {
  let n = 0;
  const root = join(dir, 'cache', 'blobs');
  for (const shard of readdirSync(root))
    for (const f of readdirSync(join(root, shard))) n += statSync(join(root, shard, f)).size;
  return n;
}

test('gc --keep removes the records of a dropped variant with their blobs; the kept pipeline stays fully cached', async () => {
  const dir = project();
  writeJson(join(dir, 'p.json'), pipeline(['sqrt', 'log', 'cbrt']));
  assert.equal((await runJson(dir)).code, 0);
  // The same study before the edit, kept aside to ask what is still cached.
  copyFileSync(join(dir, 'p.json'), join(dir, 'old.json'));
  writeJson(join(dir, 'p.json'), pipeline(['sqrt', 'log']));
  assert.equal((await runJson(dir)).code, 0, 'total re-runs over two gens');
  const bytesBefore = blobBytes(dir);

  const dry = await ablate(dir, ['gc', '--keep', 'p.json', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  const listed = dry.stdout.split('\n').filter((l) => l.startsWith('would remove'));
  assert.deepEqual(
    listed.map((l) => l.split(/\s+/)[2]),
    ['fit[f=cbrt]', 'gen[f=cbrt]', 'total'],
    dry.stdout,
  );
  const predicted = /freeing (\d+) blob\(s\)/.exec(dry.stdout)?.[1];
  assert.equal(predicted, '2', dry.stdout);
  assert.equal(blobBytes(dir), bytesBefore, 'a dry run removes nothing');
  assert.match((await ablate(dir, ['status', 'old.json'])).stdout, /^7 cells: 7 cached/);

  const gc = await ablate(dir, ['gc', '--keep', 'p.json']);
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /removed 3 record\(s\), 2 latest pointer\(s\)/, gc.stdout);
  assert.match(gc.stdout, /freed .*\(2 blob\(s\)/, gc.stdout);
  const freed = bytesBefore - blobBytes(dir);
  assert.ok(freed >= 65536, `the cbrt gen's 64 KiB blob is gone (freed ${freed} B)`);

  const again = await runJson(dir);
  assert.equal(again.code, 0);
  assert.deepEqual(byStatus(again.stdout).ran, [], 'the kept pipeline is 100% cached');
  assert.equal(byStatus(again.stdout).cached?.length, 5);
  const old = await ablate(dir, ['status', 'old.json']);
  assert.match(old.stdout, /^7 cells: 4 cached, 3 to run/, old.stdout);
  const doctor = await ablate(dir, ['doctor']);
  assert.match(doctor.stdout, /5 record\(s\) verified, 0 dropped/, doctor.stdout);
});

test("gc --keep keeps each current cell's last run, so status still says what changed", async () => {
  const dir = project();
  writeJson(join(dir, 'p.json'), pipeline(['sqrt'], 1));
  assert.equal((await runJson(dir)).code, 0);
  writeJson(join(dir, 'p.json'), pipeline(['sqrt'], 2));
  const gc = await ablate(dir, ['gc', '--keep', 'p.json']);
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /removed 0 record\(s\)/);
  const status = await ablate(dir, ['status', 'p.json']);
  assert.match(status.stdout, /fit\[f=sqrt\]\s+\(params\.bias: 1 -> 2\)/, status.stdout);
  // Once the new result is committed, the last run is the current one and the old record can go.
  assert.equal((await runJson(dir)).code, 0);
  assert.match((await ablate(dir, ['gc', '--keep', 'p.json'])).stdout, /removed 1 record\(s\)/);
  assert.deepEqual(byStatus((await runJson(dir)).stdout).ran, []);
});

test('gc --keep takes --set, keeps the union of several pipelines, and refuses misuse with exit 2', async () => {
  const dir = project();
  writeJson(join(dir, 'p.json'), {
    vars: { n: 1 },
    stages: { a: { kind: 'exec', params: { n: { $var: 'n' }, command: 'echo {{n}} > a.txt', outputs: ['a.txt'] } } },
  });
  writeJson(join(dir, 'q.json'), {
    vars: { n: 0 },
    stages: { b: { kind: 'exec', params: { command: 'echo b > b.txt', outputs: ['b.txt'] } } },
  });
  for (const args of [['p.json'], ['p.json', '--set', 'n=2'], ['q.json']])
    assert.equal((await runJson(dir, args[0], args.slice(1))).code, 0);
  const gc = await ablate(dir, ['gc', '--keep', 'p.json', '--keep', 'q.json', '--set', 'n=2']);
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /removed 1 record\(s\)/, gc.stdout);
  assert.match((await ablate(dir, ['status', 'p.json', '--set', 'n=2'])).stdout, /^1 cells: 1 cached/);
  assert.match((await ablate(dir, ['status', 'q.json'])).stdout, /^1 cells: 1 cached/);
  assert.match((await ablate(dir, ['status', 'p.json'])).stdout, /^1 cells: 0 cached/);

  for (const [args, message] of [
    [['gc', '--dry-run'], /^--dry-run is an option of gc --keep/],
    [['gc', '--set', 'n=1'], /^--set is an option of gc --keep/],
    [['gc', '--keep', 'missing.json'], /cannot read pipeline missing\.json/],
  ] as const) {
    const r = await ablate(dir, [...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
