import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { before } from 'node:test';
import {
  assertClusterUp,
  clusterSkip,
  jobsUnder,
  records,
  spawnAblate,
  tempProject,
  until,
  writeJson,
} from './cluster.js';

const skip = clusterSkip();

before(() => {
  if (!skip) assertClusterUp();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('Ctrl-C cancels the submitted jobs and their processes', { skip }, async () => {
  const dir = tempProject();
  const pidFile = join(dir, 'slow.pid');
  writeJson(join(dir, 'p.json'), {
    stages: {
      slow: { kind: 'exec', params: { command: `sleep 300 & echo $! > ${pidFile}; wait`, outputs: ['x.txt'] } },
      next: {
        kind: 'exec',
        inputs: { s: 'slow' },
        params: { command: 'cp $ABLATE_IN_S/x.txt y.txt', outputs: ['y.txt'] },
      },
    },
  });
  const cache = join(dir, 'cache');
  const { child, result } = spawnAblate(dir, ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm']);
  await until('the slow job to run', () =>
    jobsUnder(cache).some((j) => j.name === 'ablate:slow' && j.state === 'RUNNING'),
  );
  const sleeper = await until('the stage to start', () => {
    try {
      return Number(readFileSync(pidFile, 'utf8'));
    } catch {
      return undefined;
    }
  });
  const next = await until('the dependent job to be submitted', () =>
    jobsUnder(cache).find((j) => j.name === 'ablate:next'),
  );
  assert.equal(next.state, 'PENDING', 'the dependent waits for the running job');

  child.kill('SIGINT');
  const r = await result;
  assert.equal(r.code, 130, r.stderr + r.stdout);
  assert.match(r.stdout, /"interrupted":true/);

  const jobs = await until('the jobs to be cancelled', () => {
    const list = jobsUnder(cache);
    return list.length === 2 && list.every((j) => j.state === 'CANCELLED') ? list : undefined;
  });
  assert.deepEqual(jobs.map((j) => j.name).sort(), ['ablate:next', 'ablate:slow']);
  await until('the stage process to end', () => !alive(sleeper));
  assert.deepEqual(records(cache), {}, 'nothing is cached');
});
