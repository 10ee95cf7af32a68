/** `--only` and `--force` with cell selectors, and numeric options, through the real CLI. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, byStatus, events, runJson, tempProject, writeJson } from './harness.js';

/** gen[arch,seed] -> train[arch,seed] -> summary; `noisy` trains write a fresh random number each run. */
function project(noisy = false): string {
  const dir = tempProject('ablate-select-');
  const matrix = { arch: ['lstm', 'gru'], seed: [0, 1, 2] };
  writeJson(join(dir, 'p.json'), {
    stages: {
      gen: { kind: 'exec', matrix, params: { command: 'echo {{arch}} {{seed}} > g.txt', outputs: ['g.txt'] } },
      train: {
        kind: 'exec',
        inputs: { g: 'gen' },
        matrix,
        params: {
          command: noisy ? 'od -An -N8 -tu8 /dev/urandom > m.txt' : 'cat "$ABLATE_IN_G/g.txt" > m.txt',
          outputs: ['m.txt'],
        },
      },
      summary: {
        kind: 'exec',
        inputs: { m: { stage: 'train', all: true } },
        params: { command: 'cat "$ABLATE_IN_M"/*/m.txt > s.txt', outputs: ['s.txt'] },
      },
    },
  });
  return dir;
}

test('--only with a pattern runs the selected cells and what they need, and shows the selection first', async () => {
  const dir = project();
  const r = await runJson(dir, 'p.json', ['--only', 'train[arch=lstm,seed=1]', '--only', 'gen[seed=2]']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byStatus(r.stdout).ran, [
    'gen[arch=gru,seed=2]',
    'gen[arch=lstm,seed=1]',
    'gen[arch=lstm,seed=2]',
    'train[arch=lstm,seed=1]',
  ]);
  const first = events(r.stdout)[0];
  assert.deepEqual(first, {
    type: 'selection',
    flag: 'only',
    cells: ['gen[arch=lstm,seed=2]', 'gen[arch=gru,seed=2]', 'train[arch=lstm,seed=1]'],
    of: 13,
  });
  const human = await ablate(dir, ['run', 'p.json', '--only', 'train[seed=*]']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(
    human.stdout,
    /^--only selected 6 of 13 cells: train\[arch=lstm,seed=0\] train\[arch=lstm,seed=1\] (train\[\S+\] ){3}train\[arch=gru,seed=2\]\n/,
  );
  const many = await ablate(dir, ['run', 'p.json', '--only', '*', '--dry-run']);
  assert.match(many.stdout, /^--only selected 13 of 13 cells: (\S+ ){6}and 7 more\n/, 'a long selection is collapsed');
  assert.deepEqual(
    byStatus((await runJson(dir)).stdout).ran,
    ['summary'],
    'the rest of the pipeline was cached by the --only runs',
  );
});

test('--force re-runs exactly the selected cells; dependents re-run only when outputs change', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  const same = await runJson(dir, 'p.json', ['--force', 'gen[arch=gru,seed=0]']);
  assert.equal(same.code, 0, same.stderr);
  assert.deepEqual(byStatus(same.stdout).ran, ['gen[arch=gru,seed=0]'], 'same output: train and summary stay cached');
  assert.deepEqual(events(same.stdout)[0], {
    type: 'selection',
    flag: 'force',
    cells: ['gen[arch=gru,seed=0]'],
    of: 13,
  });

  const noisy = project(true);
  assert.equal((await runJson(noisy)).code, 0);
  const changed = await runJson(noisy, 'p.json', [
    '--force',
    'train[arch=lstm,seed=0]',
    '--force',
    'train[arch=gru,seed=2]',
  ]);
  assert.deepEqual(byStatus(changed.stdout).ran, ['summary', 'train[arch=gru,seed=2]', 'train[arch=lstm,seed=0]']);
  const status = events(changed.stdout).filter((e) => e.type === 'cell' && e.status === 'ran');
  assert.equal(status.length, 3);
});

test('--force with --only forces only what is planned', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  const r = await runJson(dir, 'p.json', ['--only', 'train[arch=lstm,seed=0]', '--force', 'gen']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byStatus(r.stdout).ran, ['gen[arch=lstm,seed=0]']);
  const shown = events(r.stdout).filter((e) => e.type === 'selection');
  assert.deepEqual(
    shown.map((e) => [e.flag, e.cells]),
    [
      ['only', ['train[arch=lstm,seed=0]']],
      ['force', ['gen[arch=lstm,seed=0]']],
    ],
  );
});

test('a selector that matches nothing exits 2 with a did-you-mean, running nothing', async () => {
  const dir = project();
  const cases: [string[], RegExp][] = [
    [['--only', 'trian'], /^--only 'trian': the pipeline has no stage "trian"\n {2}hint: did you mean "train"\?/],
    [
      ['--only', 'train[arhc=lstm]'],
      /^--only 'train\[arhc=lstm\]': stage "train" has no axis "arhc" \(its axes: arch, seed\)\n {2}hint: did you mean "arch"\?/,
    ],
    [
      ['--force', 'train[arch=lstn]'],
      /^--force 'train\[arch=lstn\]' selects no cell\n {2}hint: arch: did you mean "lstm"\?/,
    ],
    [
      ['--force', 'gen', '--only', 'train[seed=9]'],
      /^--only 'train\[seed=9\]' selects no cell\n {2}hint: seed takes 0, 1, 2/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await ablate(dir, ['run', 'p.json', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n {4}at /, 'no stack trace');
    assert.equal(r.stdout, '');
  }
});

test('every numeric option rejects what is not a whole number in range, naming the flag', async () => {
  const dir = project();
  assert.equal((await runJson(dir)).code, 0);
  const cases: [string[], string, string[]][] = [
    [['run', 'p.json'], '-j', ['abc', '1.5', '-1', '0', '1e3', '']],
    [['run', 'p.json'], '--jobs', ['abc', '0']],
    [['verify', 'p.json'], '--sample', ['abc', '-2', '0', '2.5', 'NaN']],
    [['verify', 'p.json'], '--seed', ['abc', '-1', '0.5', 'Infinity']],
  ];
  for (const [command, flag, values] of cases) {
    const name = flag === '-j' ? '--jobs' : flag;
    for (const v of values) {
      const r = await ablate(dir, [...command, flag, v]);
      assert.equal(r.code, 2, `${command[0]} ${flag} ${v}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^${name} expects a whole number`), `${flag} ${v}`);
      assert.doesNotMatch(r.stderr, /internal error|\n {4}at /);
    }
  }
  // Valid values still work: a seeded sample of one cell verifies exactly one.
  const ok = await ablate(dir, ['verify', 'p.json', '--sample', '1', '--seed', '0']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.split('\n').filter((l) => /^identical /.test(l)).length, 1, ok.stdout);
  assert.equal((await ablate(dir, ['run', 'p.json', '-j', '1'])).code, 0);
});
