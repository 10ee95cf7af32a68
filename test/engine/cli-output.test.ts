/** What the CLI prints: start/ran order, the failure summary, dry runs, status and dag. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, BIN, tempProject, writeJson } from './harness.js';

/** a[n] → b[n] → c[n]; b[n=2] fails, so c[n=2] is skipped. */
function chain(dir: string, failing = 'b'): void {
  const fail = (stage: string) => (stage === failing ? 'test {{n}} -ne 2 || { echo boom >&2; exit 3; }; ' : '');
  writeJson(join(dir, 'p.json'), {
    stages: {
      a: { kind: 'exec', matrix: { n: [1, 2, 3] }, params: { command: `${fail('a')}echo {{n}} > o`, outputs: ['o'] } },
      b: {
        kind: 'exec',
        inputs: { a: 'a' },
        matrix: { n: [1, 2, 3] },
        params: { command: `${fail('b')}cp $ABLATE_IN_A/o o`, outputs: ['o'] },
      },
      c: {
        kind: 'exec',
        inputs: { b: 'b' },
        matrix: { n: [1, 2, 3] },
        params: { command: 'cp $ABLATE_IN_B/o o', outputs: ['o'] },
      },
    },
  });
}

test('with -j 1 the plain reporter alternates start and outcome lines', async () => {
  const dir = tempProject();
  chain(dir);
  const r = await ablate(dir, ['run', 'p.json', '-j', '1']);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^(start|ran|FAILED)/.test(l));
  assert.equal(lines.length, 2 * 8, r.stdout);
  lines.forEach((line, i) => {
    const cell = line.split(/\s+/)[1];
    if (i % 2 === 0) assert.match(line, /^start /, r.stdout);
    else assert.equal(lines[i - 1], `start   ${cell}`, `${line} does not follow its own start:\n${r.stdout}`);
  });
});

test('the failure summary prints an ablate log command that pastes into bash and zsh', async (t) => {
  const dir = tempProject();
  chain(dir);
  const r = await ablate(dir, ['run', 'p.json']);
  assert.equal(r.code, 1, r.stderr);
  const command = /full log: (.*)$/m.exec(r.stdout)?.[1];
  assert.equal(command, "ablate log p.json 'b[n=2]'", r.stdout);
  for (const shell of ['bash', 'zsh']) {
    if (shell === 'zsh' && !existsSync('/usr/bin/zsh') && !existsSync('/bin/zsh')) {
      t.diagnostic('zsh is not installed; pasted into bash only');
      continue;
    }
    // `ablate` as the user has it on their PATH; the cell id would be a glob that matches no file if left unquoted.
    const out = execFileSync(shell, ['-c', `ablate() { "${process.execPath}" "${BIN}" "$@"; }; ${command as string}`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ABLATE_CACHE_DIR: join(dir, 'cache') },
    });
    assert.match(out, /b\[n=2\] failed at .*exited with code 3[\s\S]*boom/, shell);
  }
});

test('the failure summary names --cache-dir and --set when the run had them', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p q.json'), {
    vars: { cmd: 'echo > o' },
    stages: { x: { kind: 'exec', params: { command: { $var: 'cmd' }, outputs: ['o'] } } },
  });
  const r = await ablate(dir, ['run', 'p q.json', '--cache-dir', join(dir, 'my cache'), '--set', 'cmd=exit 4']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`full log: ablate log 'p q.json' --cache-dir '${join(dir, 'my cache')}' --set 'cmd=exit 4' x$`, 'm'),
    r.stdout,
  );
});

test('a cell skipped behind a skipped cell names the failure it goes back to', async () => {
  const dir = tempProject();
  chain(dir, 'a');
  const r = await ablate(dir, ['run', 'p.json']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^skipped b\[n=2\] \(a\[n=2\] failed\)$/m);
  assert.match(
    r.stdout,
    /^skipped c\[n=2\] \(a\[n=2\] failed\)$/m,
    'c[n=2] was skipped because a[n=2] failed, not b[n=2]',
  );
});

test('--dry-run lists the cells that would run, with why, and no warnings', async () => {
  const dir = tempProject();
  chain(dir, 'none');
  const r = await ablate(dir, ['run', 'p.json', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /warning/);
  assert.match(r.stdout, /^would run a\[n=1\] {2}\(new cell \(no earlier run\)\)$/m);
  assert.match(r.stdout, /^would run c\[n=3\] {2}\(after b\[n=3\]\)$/m);
});

test('status names every changed upstream, collapsed when many', async () => {
  const dir = tempProject();
  // Five single-cell upstreams; the first `changed` of them get a new command.
  const names = ['a', 'b', 'c', 'd', 'e'];
  const pipeline = (v: string, changed: number) => ({
    stages: {
      ...Object.fromEntries(
        names.map((n, i) => [
          n,
          { kind: 'exec', params: { command: `echo ${n}${i < changed ? v : ''} > o`, outputs: ['o'] } },
        ]),
      ),
      total: {
        kind: 'exec',
        inputs: Object.fromEntries(names.map((n) => [n, n])),
        params: { command: 'echo > o', outputs: ['o'] },
      },
    },
  });
  writeJson(join(dir, 'p.json'), pipeline('x', 0));
  assert.equal((await ablate(dir, ['run', 'p.json'])).code, 0);
  writeJson(join(dir, 'p.json'), pipeline('y', 4));
  const four = await ablate(dir, ['status', 'p.json']);
  assert.match(four.stdout, /run {5}total {2}\(after a, b and 2 more\)/, four.stdout);
  writeJson(join(dir, 'p.json'), pipeline('z', 3));
  const three = await ablate(dir, ['status', 'p.json']);
  assert.match(three.stdout, /run {5}total {2}\(after a, b and c\)/, three.stdout);
});

test('dag draws stages or cells, coloured by cached, to run and failed, as dot and as SVG', async () => {
  const dir = tempProject();
  chain(dir);
  assert.equal((await ablate(dir, ['run', 'p.json'])).code, 1);
  const dot = await ablate(dir, ['dag', 'p.json']);
  assert.equal(dot.code, 0, dot.stderr);
  assert.match(dot.stdout, /label="a\\n3 cells: 3 cached", fillcolor="#cdeccd"/);
  assert.match(dot.stdout, /label="b\\n3 cells: 2 cached, 1 failed", fillcolor="#f6b8b8"/);
  assert.match(dot.stdout, /label="c\\n3 cells: 2 cached, 1 to run", fillcolor="#ffe8a8"/);
  assert.equal(dot.stdout.match(/->/g)?.length, 2, 'one edge per pair of stages');

  const cells = await ablate(dir, ['dag', 'p.json', '--level', 'cell']);
  assert.equal(cells.stdout.match(/\[label=/g)?.length, 9);
  assert.match(cells.stdout, /label="b\[n=2\]", fillcolor="#f6b8b8"/);
  assert.match(cells.stdout, /label="c\[n=2\]", fillcolor="#ffe8a8"/);
  assert.match(cells.stdout, /label="c\[n=1\]", fillcolor="#cdeccd"/);

  const svg = await ablate(dir, ['dag', 'p.json', '--format', 'svg']);
  assert.equal(svg.code, 0, svg.stderr);
  assert.match(svg.stdout, /^<\?xml[^]*<svg [^]*<\/svg>\s*$/);
  const texts = [...svg.stdout.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const label of [
    'a',
    '3 cells: 3 cached',
    'b',
    '3 cells: 2 cached, 1 failed',
    'c',
    '3 cells: 2 cached, 1 to run',
  ])
    assert.ok(texts.includes(label), `${label} in ${texts.join(' | ')}`);
  for (const colour of ['#cdeccd', '#f6b8b8', '#ffe8a8'])
    assert.match(svg.stdout, new RegExp(`<path fill="${colour}"|<polygon fill="${colour}"`), colour);
});

test('dag takes --set', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    vars: { cmd: 'echo > o' },
    stages: { x: { kind: 'exec', params: { command: { $var: 'cmd' }, outputs: ['o'] } } },
  });
  assert.equal((await ablate(dir, ['run', 'p.json'])).code, 0);
  assert.match((await ablate(dir, ['dag', 'p.json'])).stdout, /1 cached/);
  // The cell cached under the file's value is not the cell under the overridden one.
  const r = await ablate(dir, ['dag', 'p.json', '--set', 'cmd=echo 2 > o']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /label="x\\n1 cell: 1 to run"/, r.stdout);
});
