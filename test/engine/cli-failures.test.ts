import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, byStatus, events, runJson, tempProject, writeJson } from './harness.js';

test('a failed cell is not cached, its dependents are skipped, independent cells finish, exit 1', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      a: {
        kind: 'exec',
        matrix: { n: [1, 2] },
        params: { command: 'test {{n}} -ne 2 || { echo boom-{{n}} >&2; exit 7; }; echo {{n}} > o', outputs: ['o'] },
      },
      b: {
        kind: 'exec',
        inputs: { a: 'a' },
        matrix: { n: [1, 2] },
        params: { command: 'cp $ABLATE_IN_A/o o', outputs: ['o'] },
      },
      c: { kind: 'exec', params: { command: 'echo c > o', outputs: ['o'] } },
    },
  });
  const r = await runJson(dir);
  assert.equal(r.code, 1);
  const s = byStatus(r.stdout);
  assert.deepEqual(s.failed, ['a[n=2]']);
  assert.deepEqual(s.skipped, ['b[n=2]']);
  assert.deepEqual(s.ran, ['a[n=1]', 'b[n=1]', 'c']);
  const summary = events(r.stdout).at(-1) as unknown as { failures: { cell: string; message: string; tail: string }[] };
  assert.equal(summary.failures[0]?.cell, 'a[n=2]');
  assert.match(summary.failures[0].message, /exited with code 7/);
  assert.match(summary.failures[0].tail, /boom-2/);
  const log = await ablate(dir, ['log', 'p.json', 'a[n=2]']);
  assert.match(log.stdout, /boom-2/);
  const again = await runJson(dir);
  assert.deepEqual(byStatus(again.stdout).failed, ['a[n=2]'], 'a failure is never cached: it runs again');
  assert.deepEqual(byStatus(again.stdout).ran, []);
});

test('a JS stage that throws fails with its message; the human reporter prints a summary', async () => {
  const dir = tempProject();
  writeFileSync(
    join(dir, 'bad.mjs'),
    `export default { params: { type: 'object' }, async run() { throw new Error('loss is NaN at step 3'); } };`,
  );
  writeJson(join(dir, 'p.json'), { kinds: { bad: './bad.mjs' }, stages: { x: { kind: 'bad' } } });
  const r = await ablate(dir, ['run', 'p.json']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /✗ x: loss is NaN at step 3/);
  assert.match(r.stdout, /failed: 0 ran, 0 cached, 1 failed, 0 skipped/);
});

test('a stage past its timeout fails as timed out', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: { slow: { kind: 'exec', timeout: 0.5, params: { command: 'sleep 30; echo > o', outputs: ['o'] } } },
  });
  const r = await runJson(dir);
  assert.equal(r.code, 1);
  const cell = events(r.stdout).find((e) => e.type === 'cell');
  assert.match(String(cell?.message), /timed out after 0.5 s/);
});

test('GPU slots bind device indices; a GPU stage without GPUs fails clearly', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      g: {
        kind: 'exec',
        resources: { gpu: 1 },
        matrix: { k: [1, 2] },
        params: { command: 'echo "$CUDA_VISIBLE_DEVICES" > o', outputs: ['o'] },
      },
    },
  });
  const none = await runJson(dir, 'p.json', [], { ABLATE_GPUS: '' });
  assert.equal(none.code, 1);
  assert.match(
    String(events(none.stdout).find((e) => e.status === 'failed')?.message),
    /needs 1 GPU\(s\), 0 available/,
  );
  const two = await runJson(dir, 'p.json', ['--gpus', '0,1']);
  assert.equal(two.code, 0, two.stderr);
  const out = await ablate(dir, ['export', 'p.json', '--out', 'e']);
  assert.equal(out.code, 0);
  const { readFileSync } = await import('node:fs');
  const seen = ['g[k=1]', 'g[k=2]'].map((c) => readFileSync(join(dir, 'e/artifacts', c, 'o'), 'utf8').trim());
  assert.deepEqual([...seen].sort(), ['0', '1'], 'two cells at once take distinct devices');
});

test('verify re-executes cached cells and flags a non-deterministic stage', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      det: { kind: 'exec', params: { command: 'echo 42 > o', outputs: ['o'] } },
      rnd: { kind: 'exec', params: { command: 'od -An -N8 -tx8 /dev/urandom > o', outputs: ['o'] } },
    },
  });
  assert.equal((await runJson(dir)).code, 0);
  const good = await ablate(dir, ['verify', 'p.json', '--cell', 'det']);
  assert.equal(good.code, 0, good.stdout);
  assert.match(good.stdout, /stage det: deterministic \(byte for byte\)/);
  const bad = await ablate(dir, ['verify', 'p.json', '--cell', 'rnd']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /MISMATCH\s+rnd/);
  assert.match(bad.stdout, /stage rnd: NOT deterministic/);
  assert.ok(!existsSync(join(dir, 'o')));
});
