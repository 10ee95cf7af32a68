/**
 * Cell identity is an injective, bounded-length encoding of canonical axis
 * values; export folders are named injectively from it; a record that could
 * not be committed whole is never served.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import type { CellRecord } from '../../src/cache/cache.js';
import { safe as exportFolderName } from '../../src/commands/export.js';
import type { FingerprintHash } from '../../src/plan/fingerprint.js';
import { cellId, MAX_CELL_ID_LENGTH } from '../../src/pipeline/matrix.js';
import type { Sha256 } from '../../src/util/hash.js';
import { ablate, byStatus, runJson, tempProject, writeJson } from './harness.js';

const tricky: (string | number | boolean)[] = [
  1,
  '1',
  1.5,
  '1.5',
  -2,
  '-2',
  1e21,
  '1e+21',
  true,
  'true',
  false,
  'false',
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  ' ',
  'a b',
  'a_b',
  'a!b',
  'a/b',
  'a%20b',
  'a%b',
  'x,y=1',
  'x]',
  '"q"',
  'é',
  'e\u0301',
  '#abc',
  'ab#',
  'x'.repeat(63),
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(2000),
  `${'x'.repeat(2000)}y`,
  'é'.repeat(3000),
];

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?\n/, text);
}

test('ordinary cell ids are unchanged: sorted axis names, bare words and numbers', () => {
  assert.equal(cellId('train', { seed: 0, f: 'sqrt' }), 'train[f=sqrt,seed=0]');
  assert.equal(cellId('t', { f: '1/x', s: '12' }), 't[f="1/x",s="12"]');
  assert.equal(cellId('report', {}), 'report');
});

test('distinct axis values give distinct cell ids of bounded length', () => {
  const ids = tricky.map((v) => cellId('a', { n: v }));
  assert.equal(new Set(ids).size, tricky.length, ids.filter((id, i) => ids.indexOf(id) !== i).join('\n'));
  for (const id of ids) assert.ok(id.length <= MAX_CELL_ID_LENGTH, `${id.length} characters: ${id.slice(0, 80)}`);
  // Many axes of medium values, and a long stage name: the whole id is bounded too.
  const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`axis${i}`, 'v'.repeat(60)]));
  const wideIds = [
    cellId('s', wide),
    cellId('s', { ...wide, axis0: 'w'.repeat(60) }),
    cellId('s'.repeat(3000), {}),
    cellId(`${'s'.repeat(3000)}t`, {}),
  ];
  assert.equal(new Set(wideIds).size, wideIds.length);
  for (const id of wideIds) assert.ok(id.length <= MAX_CELL_ID_LENGTH, `${id.length} characters`);
});

test('export folder names are injective, bounded and never a path', () => {
  const ids = [
    ...tricky.map((v) => cellId('a', { n: v })),
    // "[" and "_" must stay apart: stage a_b over c, and stage a over b_c.
    cellId('a_b', { c: 1 }),
    cellId('a', { b_c: 1 }),
    'a[n="x y"]',
    'a[n="x_y"]',
    'a[n="x%20y"]',
  ];
  const names = ids.map(exportFolderName);
  assert.equal(new Set(names).size, ids.length, names.filter((n, i) => names.indexOf(n) !== i).join('\n'));
  for (const n of names) {
    assert.ok(Buffer.byteLength(n) <= 255, `${Buffer.byteLength(n)} bytes`);
    assert.doesNotMatch(n, /[/\\\0]/);
    assert.notEqual(n, '.');
    assert.notEqual(n, '..');
  }
  assert.equal(exportFolderName('train[f=sqrt,seed=0]'), 'train[f=sqrt,seed=0]');
});

test('a non-finite number in a pipeline is an error at its place, exit 2', async () => {
  const dir = tempProject();
  const text =
    '{\n  "stages": {\n    "a": {\n      "kind": "exec",\n      "matrix": { "n": [1, 1e999, "null"] },\n      "params": { "command": "echo {{n}} > v.txt", "outputs": ["v.txt"], "x": -1e999 }\n    }\n  }\n}\n';
  writeFileSync(join(dir, 'p.json'), text);
  const at = (needle: string): string => {
    const lines = text.slice(0, text.indexOf(needle)).split('\n');
    return `${lines.length}:${(lines.at(-1) ?? '').length + 1}`;
  };
  for (const command of ['validate', 'run']) {
    const r = await ablate(dir, [command, 'p.json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^p\\.json:${at('1e999,')}: error: the number 1e999 is out of range: JSON numbers must be finite \\(it would read as Infinity\\)`,
        'm',
      ),
      r.stderr,
    );
    assert.match(
      r.stderr,
      new RegExp(`^p\\.json:${at('-1e999')}: error: the number -1e999 is out of range`, 'm'),
      r.stderr,
    );
    noStack(r.stderr);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['p.json'], 'nothing written, no cache created');
  writeJson(join(dir, 'q.json'), {
    vars: { n: 1 },
    stages: { a: { kind: 'exec', params: { command: 'echo {{n}} > v.txt', outputs: ['v.txt'], n: { $var: 'n' } } } },
  });
  const set = await ablate(dir, ['run', 'q.json', '--set', 'n=1e999']);
  assert.equal(set.code, 2, set.stdout + set.stderr);
  assert.match(set.stderr, /--set n=1e999: /);
  noStack(set.stderr);
});

test('distinct string values export to distinct folders', async () => {
  const dir = tempProject();
  const values = [
    'a b',
    'a_b',
    'a!b',
    'a?b',
    'a/b',
    'a\\b',
    'a%b',
    'a:b',
    'null',
    'x'.repeat(300),
    `${'x'.repeat(300)}y`,
  ];
  writeJson(join(dir, 'p.json'), {
    stages: {
      a: {
        kind: 'exec',
        matrix: { s: values },
        params: { command: 'printf %s "$ABLATE_CELL" > v.txt', outputs: ['v.txt'] },
      },
    },
  });
  const r = await runJson(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(byStatus(r.stdout).ran?.length, values.length);
  const e = await ablate(dir, ['export', 'p.json', '--out', 'out']);
  assert.equal(e.code, 0, e.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as {
    cells: Record<string, unknown>;
  };
  assert.equal(Object.keys(manifest.cells).length, values.length);
  const folders = readdirSync(join(dir, 'out', 'artifacts'));
  assert.equal(folders.length, values.length, folders.join('\n'));
  const contents = folders.map((f) => readFileSync(join(dir, 'out', 'artifacts', f, 'v.txt'), 'utf8')).sort();
  assert.deepEqual(contents, Object.keys(manifest.cells).sort(), 'each folder holds its own cell');
});

test('a cell with a long axis value runs, is cached once committed, and status and export work', async () => {
  const dir = tempProject();
  const values = ['y'.repeat(1990), 'z'.repeat(20000)];
  writeJson(join(dir, 'p.json'), {
    stages: { a: { kind: 'exec', matrix: { s: values }, params: { command: 'echo ok > v.txt', outputs: ['v.txt'] } } },
  });
  const first = await runJson(dir);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.equal(byStatus(first.stdout).ran?.length, 2);
  for (const id of byStatus(first.stdout).ran ?? []) assert.ok(id.length <= MAX_CELL_ID_LENGTH, id);
  const second = await runJson(dir);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(byStatus(second.stdout).cached?.length, 2);
  const status = await ablate(dir, ['status', 'p.json']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^2 cells: 2 cached, 0 to run/);
  const e = await ablate(dir, ['export', 'p.json', '--out', 'out']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(readdirSync(join(dir, 'out', 'artifacts')).length, 2);
});

test('a commit that fails part-way leaves no record behind', async () => {
  const dir = tempProject();
  const cache = LmdbCache.open(join(dir, 'cache'));
  try {
    const fingerprint = 'f'.repeat(64) as FingerprintHash;
    const bytes = Buffer.from('0123456789');
    const sha256 = await cache.putBlob(bytes);
    const record = {
      version: 1,
      fingerprint,
      breakdown: { version: 1, kind: 'exec', code: {}, params: {}, inputs: {}, seed: 0, runtime: {}, files: {} },
      pipeline: '/p.json',
      stage: 'a',
      cell: 'a',
      outputs: { 'v.txt': { sha256, size: bytes.length } },
      outputsHash: 'd'.repeat(64) as Sha256,
      startedAt: new Date().toISOString(),
      durationMs: 1,
      runtime: {},
      host: 'h',
      versions: {},
    } as unknown as CellRecord;
    // A write that fails after the record and its done entry are written (as a full disk would).
    const { tables } = cache as unknown as { tables: { latest: { put: () => never } } };
    tables.latest.put = () => {
      throw new Error('injected write failure');
    };
    await assert.rejects(cache.commit(record), /injected write failure/);
    assert.equal(cache.getRecord(fingerprint), undefined);
    assert.equal(cache.getDone(fingerprint), undefined);
    assert.equal(cache.latest('/p.json', 'a'), undefined);
    // A later, unrelated write does not make the aborted one visible.
    await cache.putMeta('later', 1);
    assert.equal(cache.getRecord(fingerprint), undefined);
    // Keys longer than LMDB allows (a deep pipeline path) are still usable.
    const deep = `/${'d'.repeat(3000)}/p.json`;
    assert.equal(cache.latest(deep, 'a'), undefined);
    assert.equal(cache.lastFailure(deep, 'a'), undefined);
  } finally {
    await cache.close();
  }
});
