import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate } from '../engine/harness.js';
import { cli, project, useRemote } from './rig.js';

test('a remote URL of an unknown scheme is refused, naming the flag', async () => {
  const dir = project();
  const r = await cli(dir, ['run', 'p.json', '--remote', 'http://example.invalid/cache']);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^--remote: "http:\/\/example.invalid\/cache" is not a remote; expected s3:\/\/bucket\/prefix or file:\/\/\/absolute\/path/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a bad setting in ablate.config.json is refused with file:line:col', async () => {
  const dir = project();
  useRemote(dir, { url: 's3://bucket/x', retries: -1 });
  const r = await cli(dir, ['push', 'p.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ablate\.config\.json:4:16: error: remote\.retries must be an integer of at least 0/);
});

test('a misspelt setting gets a suggestion', async () => {
  const dir = project();
  useRemote(dir, { url: 's3://bucket/x', pathstyle: true });
  const r = await cli(dir, ['pull', 'p.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /remote\.pathstyle is not a setting/);
  assert.match(r.stderr, /did you mean "pathStyle"\?/);
});

test('invalid JSON in ablate.config.json points at the place', async () => {
  const dir = project();
  writeFileSync(join(dir, 'ablate.config.json'), '{ "remote": { "url": "s3://b/x", } }\n');
  const r = await cli(dir, ['run', 'p.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ablate\.config\.json:1:\d+: error: invalid JSON/);
});

test('push, pull and run --push without a remote are usage errors', async () => {
  const dir = project();
  for (const args of [
    ['push', 'p.json'],
    ['pull', 'p.json'],
    ['run', 'p.json', '--push'],
  ]) {
    const r = await cli(dir, args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /no remote is configured/);
  }
});

test('ABLATE_REMOTE is used when no flag is given, and the flag wins over it', async () => {
  const dir = project();
  const env = await ablate(dir, ['push', 'p.json'], { ABLATE_REMOTE: 'ftp://nowhere' });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /^ABLATE_REMOTE: "ftp:\/\/nowhere" is not a remote/);
  const flag = await ablate(dir, ['push', 'p.json', '--remote', 'gopher://x'], { ABLATE_REMOTE: 'ftp://nowhere' });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^--remote: "gopher:\/\/x"/);
});
