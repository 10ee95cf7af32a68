import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test, { after } from 'node:test';
import { tempProject } from '../engine/harness.js';
import { openRemote } from '../../src/remote/config.js';
import { REMOTE_DEFAULTS, type Remote } from '../../src/remote/remote.js';
import { BUCKET, S3_ENV, startS3, type S3Server } from './rig.js';

const servers: S3Server[] = [];
after(async () => {
  for (const s of servers) await s.kill();
});

async function remotes(): Promise<[string, Remote][]> {
  Object.assign(process.env, S3_ENV);
  const s3 = await startS3(join(tempProject('ablate-s3-api-'), 'objects'));
  servers.push(s3);
  const dir = join(tempProject('ablate-dir-api-'), 'store');
  return [
    ['file', await openRemote({ ...REMOTE_DEFAULTS, url: pathToFileURL(dir).href })],
    [
      's3',
      await openRemote({
        ...REMOTE_DEFAULTS,
        url: `s3://${BUCKET}/some/prefix/`,
        endpoint: s3.endpoint,
        pathStyle: true,
      }),
    ],
  ];
}

test('both remotes: get, put, head and list by key, and a missing key is no error', async () => {
  for (const [kind, remote] of await remotes()) {
    assert.deepEqual(await remote.get('records/none.json'), { ok: true, value: undefined }, kind);
    assert.deepEqual(await remote.head('records/none.json'), { ok: true, value: undefined }, kind);
    assert.deepEqual(await remote.list('records/'), { ok: true, value: [] }, kind);
    for (const [key, text] of [
      ['blobs/ab/abc', 'first'],
      ['blobs/cd/cde', 'second!'],
      ['records/x.json', '{}'],
    ]) {
      assert.deepEqual(
        await remote.put(key as string, Buffer.from(text as string)),
        { ok: true, value: undefined },
        kind,
      );
    }
    const got = await remote.get('blobs/cd/cde');
    assert.ok(got.ok && got.value?.toString() === 'second!', kind);
    assert.deepEqual(await remote.head('blobs/ab/abc'), { ok: true, value: { size: 5 } }, kind);
    assert.deepEqual(await remote.list('blobs/'), { ok: true, value: ['blobs/ab/abc', 'blobs/cd/cde'] }, kind);
    // Writing a key again replaces the object whole.
    await remote.put('blobs/ab/abc', Buffer.from('replaced'));
    const again = await remote.get('blobs/ab/abc');
    assert.ok(again.ok && again.value?.toString() === 'replaced', kind);
    remote.close();
  }
});

test('a directory remote leaves no temporary files behind', async () => {
  const dir = join(tempProject('ablate-dir-api-'), 'store');
  const remote = await openRemote({ ...REMOTE_DEFAULTS, url: pathToFileURL(dir).href });
  await Promise.all(Array.from({ length: 20 }, (_, i) => remote.put('blobs/aa/same', Buffer.from(`writer ${i % 2}`))));
  assert.deepEqual(readdirSync(join(dir, 'blobs', 'aa')), ['same']);
});

test('an unreachable S3 endpoint is a failure value, within the configured attempts', async () => {
  Object.assign(process.env, S3_ENV);
  // Port 9 on loopback: nothing listens there, so every attempt is refused at once.
  const remote = await openRemote({
    ...REMOTE_DEFAULTS,
    url: 's3://bucket/p',
    endpoint: 'http://127.0.0.1:9',
    pathStyle: true,
    retries: 1,
  });
  const r = await remote.get('records/x.json');
  assert.equal(r.ok, false);
  assert.equal(r.error.reason, 'unreachable');
  remote.close();
});
