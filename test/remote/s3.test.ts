import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { tempProject } from '../engine/harness.js';
import {
  BUCKET,
  cli,
  exportedArtifacts,
  FaultProxy,
  outcomes,
  project,
  runJson,
  spawnCli,
  startS3,
  summaryOf,
  useRemote,
  waitFor,
  warnings,
  type S3Server,
} from './rig.js';

const servers: S3Server[] = [];
const proxies: FaultProxy[] = [];
after(async () => {
  for (const p of proxies) await p.close();
  for (const s of servers) await s.kill();
});

async function server(dir = join(tempProject('ablate-s3-'), 'objects')): Promise<S3Server> {
  const s = await startS3(dir);
  servers.push(s);
  return s;
}

async function proxy(target: string, fault: 'none' | '503' | 'hang'): Promise<FaultProxy> {
  const p = await FaultProxy.start(target, fault);
  proxies.push(p);
  return p;
}

/** Path-style access to the loopback endpoint, with short bounds so faults cost little. */
function settings(endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: `s3://${BUCKET}/team/cache`, endpoint, pathStyle: true, timeoutMs: 2000, retries: 1, ...extra };
}

type Summary = { counts: Record<string, number>; bytes: number };

test('s3: a cell pushed by one cache is a verified hit for another, byte for byte', async () => {
  const s3 = await server();
  const [a, b] = [project(), project()];
  for (const d of [a, b]) useRemote(d, settings(s3.endpoint));
  const first = await runJson(a, ['--push']);
  assert.equal(first.code, 0, first.stderr);
  const second = await runJson(b);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(outcomes(second.stdout).ran, []);
  assert.equal(outcomes(second.stdout).remote.length, 7);
  assert.deepEqual(await exportedArtifacts(b), await exportedArtifacts(a));
});

test('s3: an object corrupted on the server is ignored, recomputed and reported', async () => {
  const s3 = await server();
  const [a, b] = [project(), project()];
  for (const d of [a, b]) useRemote(d, settings(s3.endpoint));
  assert.equal((await runJson(a)).code, 0);
  assert.equal((await cli(a, ['push', 'p.json'])).code, 0);
  // s3rver keeps each object's bytes in a file named after its key.
  const blobs = join(s3.dir, BUCKET, 'team', 'cache', 'blobs');
  const objects = readdirSync(blobs, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('._S3rver_object'),
  );
  const total = objects.find((f) => readFileSync(join(blobs, f), 'utf8') === '42');
  assert.ok(total !== undefined, 'the total cell writes 42');
  writeFileSync(join(blobs, total), '43');
  const r = await runJson(b);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(outcomes(r.stdout).ran, ['total']);
  assert.ok(
    warnings(r.stdout).some((w) => /total/.test(w) && /sha256/.test(w)),
    r.stdout,
  );
  assert.deepEqual(await exportedArtifacts(b), await exportedArtifacts(a));
});

test('s3: a server answering 503 costs a warning and a local computation, and push exits 4', async () => {
  const s3 = await server();
  const broken = await proxy(s3.endpoint, '503');
  const dir = project();
  useRemote(dir, settings(broken.endpoint));
  const r = await runJson(dir, ['--push']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(outcomes(r.stdout).ran.length, 7);
  assert.ok(broken.requests > 0, 'the remote was consulted');
  assert.ok(
    warnings(r.stdout).some((w) => /server error 503/.test(w)),
    r.stdout,
  );
  assert.ok(
    warnings(r.stdout).some((w) => /not pushed/.test(w)),
    r.stdout,
  );
  const push = await cli(dir, ['push', 'p.json', '--reporter', 'json']);
  assert.equal(push.code, 4);
  const s = summaryOf(push.stdout, 'transfer-summary') as unknown as Summary;
  assert.equal(s.counts.failed, 7);
  assert.equal(push.stderr, '');
});

test('s3: a server that stops answering times out within its bounds; the run computes locally', async () => {
  const s3 = await server();
  const silent = await proxy(s3.endpoint, 'hang');
  const dir = project();
  useRemote(dir, settings(silent.endpoint, { timeoutMs: 300, retries: 1 }));
  const r = await runJson(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(outcomes(r.stdout).ran.length, 7);
  assert.ok(
    warnings(r.stdout).some((w) => /no answer within 300 ms/.test(w)),
    r.stdout,
  );
  // The three gen cells are looked up at once, each tried twice; after that the remote is off for the run.
  assert.equal(silent.requests, 6);
});

test('s3: a push cut off by the server dying resumes where it stopped', async () => {
  const objects = join(tempProject('ablate-s3-'), 'objects');
  const first = await server(objects);
  const gate = await proxy(first.endpoint, 'none');
  gate.holdAfterPuts = 5;
  const dir = project();
  useRemote(dir, settings(gate.endpoint, { concurrency: 1, timeoutMs: 1000, retries: 0 }));
  assert.equal((await runJson(dir)).code, 0);
  const push = spawnCli(dir, ['push', 'p.json', '--reporter', 'json']);
  await waitFor('the push to reach the held request', () => gate.held > 0);
  await first.kill();
  await gate.close();
  const cut = await push.done;
  assert.equal(cut.code, 4, cut.stdout);
  const partial = summaryOf(cut.stdout, 'transfer-summary') as unknown as Summary;
  assert.ok((partial.counts.sent ?? 0) >= 1 && (partial.counts.failed ?? 0) >= 1, cut.stdout);

  const second = await server(objects);
  useRemote(dir, settings(second.endpoint));
  const resumed = await cli(dir, ['push', 'p.json', '--reporter', 'json']);
  assert.equal(resumed.code, 0, resumed.stdout);
  const rest = summaryOf(resumed.stdout, 'transfer-summary') as unknown as Summary;
  assert.equal(rest.counts.present, partial.counts.sent, 'cells pushed before the cut are not sent again');
  assert.equal((rest.counts.sent ?? 0) + (rest.counts.present ?? 0), 7);

  const other = project();
  useRemote(other, settings(second.endpoint));
  const pull = await cli(other, ['pull', 'p.json', '--reporter', 'json']);
  assert.equal(pull.code, 0, pull.stdout);
  assert.equal((summaryOf(pull.stdout, 'transfer-summary') as unknown as Summary).counts.received, 7);
});

test('s3: two processes pushing the same cells at once both succeed', async () => {
  const s3 = await server();
  const [a, b] = [project(), project()];
  for (const d of [a, b]) useRemote(d, settings(s3.endpoint));
  assert.equal((await runJson(a)).code, 0);
  assert.equal((await runJson(b)).code, 0);
  const [pa, pb] = await Promise.all([spawnCli(a, ['push', 'p.json']).done, spawnCli(b, ['push', 'p.json']).done]);
  assert.equal(pa.code, 0, pa.stdout);
  assert.equal(pb.code, 0, pb.stdout);
  const c = project();
  useRemote(c, settings(s3.endpoint));
  const r = await runJson(c);
  assert.equal(outcomes(r.stdout).remote.length, 7, r.stdout);
});

test('s3: a pull killed part-way resumes, and the cache it left is sound', async () => {
  const s3 = await server();
  const a = project();
  useRemote(a, settings(s3.endpoint));
  assert.equal((await runJson(a, ['--push'])).code, 0);
  const gate = await proxy(s3.endpoint, 'none');
  gate.holdAfterGets = 4;
  const b = project();
  useRemote(b, settings(gate.endpoint, { concurrency: 1 }));
  const pull = spawnCli(b, ['pull', 'p.json', '--reporter', 'json']);
  await waitFor('the pull to reach the held request', () => gate.held > 0);
  pull.child.kill('SIGKILL');
  await pull.done;
  await gate.close();

  useRemote(b, settings(s3.endpoint));
  const resumed = await cli(b, ['pull', 'p.json', '--reporter', 'json']);
  assert.equal(resumed.code, 0, resumed.stdout);
  const s = summaryOf(resumed.stdout, 'transfer-summary') as unknown as Summary;
  assert.equal(s.counts.present, 2, 'the two cells committed before the kill');
  assert.equal(s.counts.received, 5);
  const doctor = await cli(b, ['doctor']);
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
  assert.equal((await cli(b, ['run', 'p.json', '--require-cached'])).code, 0);
  assert.deepEqual(await exportedArtifacts(b), await exportedArtifacts(a));
});
