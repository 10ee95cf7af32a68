import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, tempProject, writeJson } from './cluster.js';

/** Runs everywhere: a fake `sinfo` that fails stands in for a machine without a cluster. */
test('--executor slurm without a reachable cluster exits 4 and says why; a fully cached pipeline needs none', async () => {
  const dir = tempProject();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'sinfo'),
    '#!/bin/sh\necho "sinfo: error: Unable to contact slurm controller (connect failure)" >&2\nexit 1\n',
  );
  chmodSync(join(bin, 'sinfo'), 0o755);
  writeJson(join(dir, 'p.json'), {
    stages: { a: { kind: 'exec', params: { command: 'echo 1 > a.txt', outputs: ['a.txt'] } } },
  });
  const env = { PATH: `${bin}:/usr/bin:/bin` };

  const r = await ablate(dir, ['run', 'p.json', '--executor', 'slurm'], env);
  assert.equal(r.code, 4, r.stderr + r.stdout);
  assert.match(r.stderr, /--executor slurm: no Slurm cluster answers \(sinfo: .*Unable to contact slurm controller/);

  assert.equal((await ablate(dir, ['run', 'p.json'])).code, 0);
  const cached = await ablate(dir, ['run', 'p.json', '--executor', 'slurm'], env);
  assert.equal(cached.code, 0, cached.stderr);
  assert.match(cached.stdout, /1 cached, 0 to run/);
});
