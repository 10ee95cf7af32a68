/**
 * Hostile pipeline files and command lines, generated here: odd encodings,
 * deep nesting, number edge cases, long values, names of JavaScript
 * built-ins, out-of-range timeouts, shell syntax in substituted values and
 * repeated options. Each is either run correctly or refused with its exit
 * code and a message, never a stack trace, and the cache is left unchanged.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ablate } from './rig.js';
import { assertRefused, cacheState, seededWorkspace } from './hostile.js';

const GOOD = '{"stages":{"a":{"kind":"exec","params":{"command":"echo hi > o.txt","outputs":["o.txt"]}}}}';

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  return bigEndian ? le.swap16() : le;
}

/** Files that are not UTF-8 JSON text, each with the message that must name the problem. */
const ENCODINGS: { name: string; bytes: Buffer; message: RegExp }[] = [
  {
    name: 'utf16le-bom',
    bytes: utf16(GOOD, false),
    message: /:1:1: error: the file is UTF-16 \(it starts with a byte-order mark\); pipeline files must be UTF-8/,
  },
  { name: 'utf16be-bom', bytes: utf16(GOOD, true), message: /:1:1: error: the file is UTF-16/ },
  {
    name: 'invalid-utf8',
    bytes: Buffer.concat([
      Buffer.from('{"stages":{"a":{"kind":"exec","params":{"command":"echo '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}}}'),
    ]),
    message: /:1:57: error: invalid UTF-8 \(byte 0xff at offset 56\); pipeline files must be UTF-8/,
  },
  {
    name: 'truncated-utf8',
    bytes: Buffer.concat([Buffer.from('{"name":"'), Buffer.from('é').subarray(0, 1)]),
    message: /:1:10: error: invalid UTF-8 \(byte 0xc3 at offset 9\)/,
  },
  { name: 'nul-byte', bytes: Buffer.from(`${GOOD}\0`), message: /:1:\d+: error: invalid JSON: a NUL byte/ },
  {
    name: 'nul-in-string',
    bytes: Buffer.from('{"stages":{"a":{"kind":"exec","params":{"command":"tr\0ue"}}}}'),
    message: /:1:\d+: error: invalid JSON: (a NUL byte|invalid character in string)/,
  },
];

test('odd encodings: exit 2 at file:line:col, a plain message, the cache unchanged', { timeout: 60_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-enc-');
  t.after(() => ws.dispose());
  const before = cacheState(ws.cacheDir);
  for (const c of ENCODINGS) {
    const file = join(ws.dir, `${c.name}.json`);
    writeFileSync(file, c.bytes);
    for (const command of ['validate', 'run']) {
      assertRefused(`${command} ${c.name}`, await ws.run([command, file]), 2, c.message);
    }
    assert.deepEqual(cacheState(ws.cacheDir), before, `${c.name} changed the cache`);
  }
});

test('a UTF-8 byte-order mark is ignored, as JSON allows', { timeout: 30_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-bom-');
  t.after(() => ws.dispose());
  const file = join(ws.dir, 'bom.json');
  writeFileSync(file, `\ufeff${GOOD}`);
  const r = await ws.run(['validate', file]);
  assert.equal(r.code, 0, r.stderr);
});

test(
  'nesting 100,000 levels deep: exit 2 naming the depth limit, the cache unchanged',
  { timeout: 60_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-deep-');
    t.after(() => ws.dispose());
    const before = cacheState(ws.cacheDir);
    const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    const cases = {
      'deep-document': deep(100_000),
      'deep-param': `{"stages":{"a":{"kind":"exec","params":{"command":"true","x":${deep(100_000)}}}}}`,
      'deep-objects': `{"stages":{"a":{"kind":"exec","params":{"command":"true","x":${'{"k":'.repeat(100_000)}1${'}'.repeat(100_000)}}}}}`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = join(ws.dir, `${name}.json`);
      writeFileSync(file, text);
      for (const command of ['validate', 'run']) {
        assertRefused(
          `${command} ${name}`,
          await ws.run([command, file]),
          2,
          /:1:\d+: error: invalid JSON: values are nested more than 256 levels deep/,
        );
      }
    }
    const withVar = ws.write('deep-set.json', {
      vars: { v: 1 },
      stages: { a: { kind: 'exec', params: { command: 'echo {{x}} > o.txt', outputs: ['o.txt'], x: { $var: 'v' } } } },
    });
    // 60,000 levels: a command-line argument may hold at most 128 KiB.
    assertRefused(
      '--set with a deep value',
      await ws.run(['run', withVar, '--set', `v=${deep(60_000)}`]),
      2,
      /^--set v: the value is nested more than 256 levels deep$/m,
    );
    assert.deepEqual(cacheState(ws.cacheDir), before);
  },
);

test('number edge cases and long values are taken as written', { timeout: 60_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-num-');
  t.after(() => ws.dispose());
  // printf '%s\0' keeps each rendered value whole in the journal.
  const values = [1e308, -1e308, 5e-324, -0, 123456789012345678901234567890, 0.1];
  const file = ws.write('numbers.json', {
    stages: {
      n: { kind: 'exec', params: { command: `printf '%s\\0' {{x}} >> "$ABLATE_TEST_JOURNAL"` }, matrix: { x: values } },
      long: { kind: 'exec', params: { command: 'true', blob: 'x'.repeat(4 * 1024 * 1024) } },
    },
  });
  const r = await ws.run(['run', file]);
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
  const printed = readFileSync(ws.journal, 'utf8')
    .split('\0')
    .filter((s) => s !== '')
    .sort();
  assert.deepEqual(printed, values.map((v) => JSON.stringify(v)).sort());
});

test('$var and --set names of JavaScript built-ins are unknown variables', { timeout: 60_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-var-');
  t.after(() => ws.dispose());
  const before = cacheState(ws.cacheDir);
  const pipeline = (ref: string): object => ({
    vars: { n: 1 },
    stages: { a: { kind: 'exec', params: { command: 'echo {{x}} > o.txt', outputs: ['o.txt'], x: { $var: ref } } } },
  });
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const file = ws.write(`var-${name}.json`, pipeline(name));
    assertRefused(
      `$var ${name}`,
      await ws.run(['validate', file]),
      2,
      new RegExp(`:\\d+:\\d+: error: unknown variable "${name}"`),
    );
  }
  const file = ws.write('var-ok.json', pipeline('n'));
  for (const set of ['toString=1', 'constructor=2', '__proto__={"n":3}', 'valueOf=4']) {
    const name = set.slice(0, set.indexOf('='));
    assertRefused(
      `--set ${set}`,
      await ws.run(['run', file, '--set', set]),
      2,
      new RegExp(`--set ${name}: the pipeline declares no variable "${name}"`),
    );
  }
  assert.deepEqual(cacheState(ws.cacheDir), before);
});

test(
  'a timeout past what a timer can hold is refused at validation; the largest one runs',
  { timeout: 60_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-timeout-');
    t.after(() => ws.dispose());
    const before = cacheState(ws.cacheDir);
    const pipeline = (timeout: number): object => ({
      stages: { a: { kind: 'exec', timeout, params: { command: 'echo ok > o.txt', outputs: ['o.txt'] } } },
    });
    for (const timeout of [2_147_484, 1e12, 1e308]) {
      const file = ws.write(`timeout-${timeout}.json`, pipeline(timeout));
      assertRefused(
        `timeout ${timeout}`,
        await ws.run(['run', file]),
        2,
        /:\d+:\d+: error: "stages\.a\.timeout" must be <= 2147483/,
      );
    }
    assert.deepEqual(cacheState(ws.cacheDir), before);
    const r = await ws.run(['run', ws.write('timeout-max.json', pipeline(2_147_483)), '--reporter', 'json']);
    assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
  },
);

test(
  'substituted values are quoted: shell syntax in a matrix or --set value stays text',
  { timeout: 60_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-quote-');
    t.after(() => ws.dispose());
    const values = [
      'a;touch pwned-semicolon',
      '$(touch pwned-subst)',
      '`touch pwned-backtick`',
      "O'Brien",
      'two  spaces',
      '*',
      'line\nbreak',
      '',
      '--flag',
      'plain',
    ];
    const file = ws.write('quote.json', {
      vars: { extra: 'safe' },
      stages: {
        v: {
          kind: 'exec',
          params: { command: `printf '%s\\0' {{v}} >> "$ABLATE_TEST_JOURNAL"` },
          matrix: { v: values },
        },
        n: {
          kind: 'exec',
          params: { command: `printf '%s\\0' "n=$(( {{n}} * 3 ))" {{flag}} >> "$ABLATE_TEST_JOURNAL"`, flag: true },
          matrix: { n: [2, -4] },
        },
        raw: {
          kind: 'exec',
          params: {
            command: `printf '%s\\0' {{raw:snippet}} {{ extra }} >> "$ABLATE_TEST_JOURNAL"`,
            snippet: '"raw-$((1 + 2))"',
            extra: { $var: 'extra' },
          },
        },
      },
    });
    const r = await ws.run(['run', file, '--set', 'extra=x;touch pwned-set']);
    assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
    for (const f of ['pwned-semicolon', 'pwned-subst', 'pwned-backtick', 'pwned-set']) {
      assert.equal(
        existsSync(join(ws.cacheDir, '..', f)) || existsSync(join(ws.dir, f)),
        false,
        `${f} was created: a value ran as shell`,
      );
    }
    const printed = readFileSync(ws.journal, 'utf8').split('\0').slice(0, -1).sort();
    assert.deepEqual(printed, [...values, 'n=6', 'n=-12', 'true', 'true', 'raw-3', 'x;touch pwned-set'].sort());
  },
);

test('an unknown {{name}} in a command is refused at validation, pointing at it', { timeout: 30_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-placeholder-');
  t.after(() => ws.dispose());
  const before = cacheState(ws.cacheDir);
  const text =
    '{\n  "stages": {\n    "a": {\n      "kind": "exec",\n      "matrix": { "seed": [0] },\n      "params": { "command": "echo {{seed}} {{nmae}} > o.txt", "outputs": ["o.txt"], "name": "x" }\n    }\n  }\n}\n';
  const file = join(ws.dir, 'placeholder.json');
  writeFileSync(file, text);
  for (const command of ['validate', 'run']) {
    const r = await ws.run([command, file]);
    assertRefused(
      `${command} unknown placeholder`,
      r,
      2,
      /placeholder\.json:6:45: error: the command names "\{\{nmae\}\}", which is neither a param nor a matrix axis of stage "a"\n.*\n.*\^{8}\n {2}hint: did you mean "name"\?/,
    );
  }
  const raw = join(ws.dir, 'raw-unknown.json');
  writeFileSync(raw, text.replace('{{nmae}}', '{{raw:nope}}'));
  assertRefused(
    'unknown raw placeholder',
    await ws.run(['validate', raw]),
    2,
    /:6:45: error: the command names "\{\{raw:nope\}\}"/,
  );
  assert.deepEqual(cacheState(ws.cacheDir), before);
});

test('repeated or empty single-valued options are usage errors', { timeout: 60_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-cli-');
  t.after(() => ws.dispose());
  const before = cacheState(ws.cacheDir);
  const pipeline = join(ws.dir, 'seed.json');
  const cases: [string[], RegExp][] = [
    [
      ['run', pipeline, '--cache-dir', 'a', '--cache-dir', 'b'],
      /^--cache-dir was given 2 times \(a, b\); give it once/m,
    ],
    [['status', pipeline, '--cache-dir', ''], /^--cache-dir is empty; name a folder/m],
    [['run', pipeline, '--cache-dir', ws.cacheDir, '-j', '2', '-j', '3'], /^--jobs was given 2 times/m],
    [
      ['run', pipeline, '--cache-dir', ws.cacheDir, '--reporter', 'json', '--reporter', 'human'],
      /^--reporter was given 2 times/m,
    ],
    [
      ['verify', pipeline, '--cache-dir', ws.cacheDir, '--sample', '1', '--sample', '2'],
      /^--sample was given 2 times/m,
    ],
    [['doctor', '--cache-dir', ws.cacheDir, '--cache-dir', ws.cacheDir], /^--cache-dir was given 2 times/m],
  ];
  for (const [args, message] of cases) {
    assertRefused(args.join(' '), await ablate(args, { cwd: ws.dir }), 2, message);
  }
  for (const made of ['a', 'b', 'db', 'blobs'])
    assert.equal(existsSync(join(ws.dir, made)), false, `${made} was created`);
  assert.deepEqual(cacheState(ws.cacheDir), before);
});

test(
  'ABLATE_REQUIRE_CACHED=1 makes ablate run refuse with exit 3, as --require-cached does',
  { timeout: 60_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-require-');
    t.after(() => ws.dispose());
    // A valid pipeline is planned (the database may note that it validated); no cell runs and no artifact is stored.
    const artifacts = (): string[] =>
      Object.keys(cacheState(ws.cacheDir)).filter((k) => /^(blobs|logs|work)\//.test(k));
    const before = artifacts();
    const file = ws.write('new.json', {
      stages: { b: { kind: 'exec', params: { command: 'echo new > o.txt', outputs: ['o.txt'] } } },
    });
    const env = { ABLATE_REQUIRE_CACHED: '1' };
    const r = await ablate(['run', file, '--cache-dir', ws.cacheDir], { cwd: ws.dir, env });
    assertRefused('ABLATE_REQUIRE_CACHED=1', r, 3, /1 cell\(s\) would run; refusing/);
    assert.deepEqual(artifacts(), before);
    assert.match((await ws.run(['status', file])).stdout, /1 cells: 0 cached, 1 to run/);
    const cached = await ablate(['run', join(ws.dir, 'seed.json'), '--cache-dir', ws.cacheDir], { cwd: ws.dir, env });
    assert.equal(cached.code, 0, cached.stderr);
    assertRefused(
      'ABLATE_REQUIRE_CACHED=yes',
      await ablate(['run', file, '--cache-dir', ws.cacheDir], { cwd: ws.dir, env: { ABLATE_REQUIRE_CACHED: 'yes' } }),
      2,
      /ABLATE_REQUIRE_CACHED must be 0 or 1, got "yes"/,
    );
  },
);

test('matrix axes and params named like JavaScript built-ins are ordinary names', { timeout: 60_000 }, async (t) => {
  const ws = await seededWorkspace('ablate-hostile-axis-');
  t.after(() => ws.dispose());
  const file = ws.write('axes.json', {
    stages: {
      a: {
        kind: 'exec',
        params: {
          command: `printf '%s\\0' {{constructor}}-{{hasOwnProperty}}-{{toString}} >> "$ABLATE_TEST_JOURNAL"`,
          toString: 't',
        },
        matrix: { constructor: [1, 2], hasOwnProperty: ['h'] },
      },
    },
  });
  const r = await ws.run(['run', file]);
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
  assert.deepEqual(readFileSync(ws.journal, 'utf8').split('\0').slice(0, -1).sort(), ['1-h-t', '2-h-t']);
});
