import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'node:test';
import { tempProject } from '../engine/harness.js';
import {
  cli,
  exportedArtifacts,
  outcomes,
  project,
  runJson,
  spawnCli,
  summaryOf,
  tree,
  useRemote,
  warnings,
} from './rig.js';

/** Two projects sharing one directory remote. */
function setup(): { a: string; b: string; remote: string } {
  const remote = join(tempProject('ablate-dir-remote-'), 'store');
  const a = project();
  const b = project();
  for (const d of [a, b]) useRemote(d, { url: pathToFileURL(remote).href });
  return { a, b, remote };
}

/** The remote's blob of the `total` cell: its value (42) is produced by no other cell. */
function totalBlob(remote: string): string {
  const record = readdirSync(join(remote, 'records'))
    .map(
      (f) =>
        JSON.parse(readFileSync(join(remote, 'records', f), 'utf8')) as {
          cell: string;
          outputs: Record<string, { sha256: string }>;
        },
    )
    .find((r) => r.cell === 'total');
  const hash = record?.outputs['value.txt']?.sha256 as string;
  return join(remote, 'blobs', hash.slice(0, 2), hash);
}

test('a cell computed and pushed by one cache is a verified hit for another, byte for byte', async () => {
  const { a, b } = setup();
  const first = await runJson(a, ['--push']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(outcomes(first.stdout).ran.length, 7);
  const second = await runJson(b);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(outcomes(second.stdout).ran, []);
  assert.equal(outcomes(second.stdout).remote.length, 7);
  assert.equal(summaryOf(second.stdout).remote, 7);
  assert.deepEqual(await exportedArtifacts(b), await exportedArtifacts(a));
  // Committed locally: the next run needs no remote at all.
  rmSync(join(b, 'ablate.config.json'));
  const third = await runJson(b);
  assert.equal(outcomes(third.stdout).local.length, 7);
});

test('the human reporter says "cached (remote)"', async () => {
  const { a, b } = setup();
  assert.equal((await runJson(a, ['--push'])).code, 0);
  const r = await cli(b, ['run', 'p.json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^cached \(remote\) total$/m);
  assert.match(r.stdout, /7 cached \(7 from the remote\)/);
});

test('push and pull move only what is missing, and say so', async () => {
  const { a, b } = setup();
  assert.equal((await runJson(a)).code, 0);
  const push = await cli(a, ['push', 'p.json', '--reporter', 'json']);
  assert.equal(push.code, 0, push.stderr);
  const pushed = summaryOf(push.stdout, 'transfer-summary') as unknown as {
    counts: Record<string, number>;
    bytes: number;
  };
  assert.equal(pushed.counts.sent, 7);
  assert.ok(pushed.bytes > 0);
  const again = summaryOf(
    (await cli(a, ['push', 'p.json', '--reporter', 'json'])).stdout,
    'transfer-summary',
  ) as unknown as { counts: Record<string, number>; bytes: number };
  assert.deepEqual([again.counts.sent, again.counts.present, again.bytes], [0, 7, 0]);
  const pull = await cli(b, ['pull', 'p.json']);
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stdout, /7 received, 0 already there/);
  const ci = await cli(b, ['run', 'p.json', '--require-cached', '--reporter', 'json']);
  assert.equal(ci.code, 0, ci.stdout);
  assert.equal(outcomes(ci.stdout).local.length, 7);
  assert.match((await cli(b, ['pull', 'p.json'])).stdout, /0 received, 7 already there/);
});

test('a corrupted artifact on the remote is reported, ignored and recomputed', async () => {
  const { a, b, remote } = setup();
  assert.equal((await runJson(a, ['--push'])).code, 0);
  const blob = totalBlob(remote);
  const bytes = readFileSync(blob);
  bytes[0] = bytes[0] === 0x39 ? 0x38 : 0x39;
  writeFileSync(blob, bytes);
  const r = await runJson(b);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(outcomes(r.stdout).ran, ['total']);
  assert.equal(outcomes(r.stdout).remote.length, 6);
  assert.ok(
    warnings(r.stdout).some((w) => /total/.test(w) && /does not match its sha256/.test(w)),
    warnings(r.stdout).join('\n'),
  );
  assert.deepEqual(await exportedArtifacts(b), await exportedArtifacts(a));
});

test('a record whose artifact is missing on the remote is ignored and the cell computed', async () => {
  const { a, b, remote } = setup();
  assert.equal((await runJson(a, ['--push'])).code, 0);
  rmSync(totalBlob(remote));
  const r = await runJson(b);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(outcomes(r.stdout).ran, ['total']);
  assert.ok(
    warnings(r.stdout).some((w) => /total/.test(w) && /missing on the remote/.test(w)),
    warnings(r.stdout).join('\n'),
  );
  const pull = await cli(b, ['pull', 'p.json']);
  assert.equal(pull.code, 0, 'everything is local now: nothing to reject');
});

test('a record for another fingerprint is rejected', async () => {
  const { a, b, remote } = setup();
  assert.equal((await runJson(a, ['--push'])).code, 0);
  const files = readdirSync(join(remote, 'records')).sort();
  // Swap two records: each is now stored under a fingerprint it does not carry.
  const [x, y] = [join(remote, 'records', files[0] as string), join(remote, 'records', files[1] as string)];
  const [tx, ty] = [readFileSync(x), readFileSync(y)];
  writeFileSync(x, ty);
  writeFileSync(y, tx);
  const pull = await cli(b, ['pull', 'p.json', '--reporter', 'json']);
  assert.equal(pull.code, 4);
  const rejected = summaryOf(pull.stdout, 'transfer-summary') as unknown as { counts: Record<string, number> };
  assert.ok((rejected.counts.rejected ?? 0) >= 1);
  assert.match(pull.stdout, /is for fingerprint/);
});

test('two caches pushing the same cells at once leave a complete, consistent remote', async () => {
  const { a, b, remote } = setup();
  assert.equal((await runJson(a)).code, 0);
  assert.equal((await runJson(b)).code, 0, 'no remote content yet: b computes its own');
  const [pa, pb] = await Promise.all([spawnCli(a, ['push', 'p.json']).done, spawnCli(b, ['push', 'p.json']).done]);
  assert.equal(pa.code, 0, pa.stdout + pa.stderr);
  assert.equal(pb.code, 0, pb.stdout + pb.stderr);
  assert.deepEqual(
    [...tree(remote).keys()].filter((k) => k.endsWith('.tmp')),
    [],
  );
  const c = project();
  useRemote(c, { url: pathToFileURL(remote).href });
  const r = await runJson(c);
  assert.equal(outcomes(r.stdout).remote.length, 7, r.stdout);
  assert.deepEqual(await exportedArtifacts(c), await exportedArtifacts(a));
});

test('run --push uploads each computed cell; the remote is the source of a fresh cache', async () => {
  const { a, remote } = setup();
  assert.ok(!existsSync(remote));
  const r = await runJson(a, ['--push']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(join(remote, 'records')).length, 7);
});

test('a record whose outputs hash does not match its outputs is rejected', async () => {
  const { a, b, remote } = setup();
  assert.equal((await runJson(a, ['--push'])).code, 0);
  // Dependents fingerprint the outputs hash: a wrong one would steer which results they look up.
  for (const f of readdirSync(join(remote, 'records'))) {
    const path = join(remote, 'records', f);
    const record = JSON.parse(readFileSync(path, 'utf8')) as { outputsHash: string };
    record.outputsHash = record.outputsHash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(path, JSON.stringify(record));
  }
  const r = await runJson(b);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(outcomes(r.stdout).ran.length, 7);
  assert.ok(
    warnings(r.stdout).some((w) => /outputs hash does not match/.test(w)),
    r.stdout,
  );
});

test('a cell that becomes runnable during the run is looked up before it is computed', async () => {
  const { a, b, remote } = setup();
  assert.equal((await runJson(a, ['--push'])).code, 0);
  // Without gen[x=1] on the remote its dependents' fingerprints are unknown until it is computed here.
  const genRecord = readdirSync(join(remote, 'records')).find(
    (f) => (JSON.parse(readFileSync(join(remote, 'records', f), 'utf8')) as { cell: string }).cell === 'gen[x=1]',
  );
  rmSync(join(remote, 'records', genRecord as string));
  const r = await runJson(b);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(outcomes(r.stdout).ran, ['gen[x=1]']);
  assert.deepEqual(outcomes(r.stdout).remote, [
    'double[x=1]',
    'double[x=2]',
    'double[x=3]',
    'gen[x=2]',
    'gen[x=3]',
    'total',
  ]);
  assert.deepEqual(await exportedArtifacts(b), await exportedArtifacts(a));
});

test('push names a cell whose local artifact is gone, uploads the others and exits 4', async () => {
  const { a, remote } = setup();
  assert.equal((await runJson(a)).code, 0);
  const blobs = tree(join(a, 'cache', 'blobs'));
  const total = [...blobs].find(([, bytes]) => bytes.toString() === '42')?.[0] as string;
  rmSync(join(a, 'cache', 'blobs', total));
  const push = await cli(a, ['push', 'p.json']);
  assert.equal(push.code, 4);
  assert.match(push.stdout, /^FAILED {3}total: value\.txt: the local artifact is missing or corrupt/m);
  assert.match(push.stdout, /6 sent, 0 already there, 1 failed/);
  assert.equal(readdirSync(join(remote, 'records')).length, 6);
});

test('--require-cached counts what the remote supplies as cached', async () => {
  const { a, b } = setup();
  const refused = await runJson(b, ['--require-cached']);
  assert.equal(refused.code, 3, 'nothing on the remote yet');
  assert.equal((await runJson(a, ['--push'])).code, 0);
  const r = await runJson(b, ['--require-cached']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(outcomes(r.stdout).remote.length, 7);
});
