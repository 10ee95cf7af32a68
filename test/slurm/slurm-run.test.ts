import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { before } from 'node:test';
import {
  ablate,
  assertClusterUp,
  byStatus,
  clusterSkip,
  events,
  jobsEnded,
  jobsUnder,
  records,
  SUM_STAGE,
  tempProject,
  writeJson,
} from './cluster.js';

const skip = clusterSkip();

before(() => {
  if (!skip) assertClusterUp();
});

/** JS stages (run by the worker inside the job) and exec stages, with a matrix and a fan-in. */
function project(): string {
  const dir = tempProject();
  writeFileSync(join(dir, 'sum.mjs'), SUM_STAGE);
  writeJson(join(dir, 'p.json'), {
    name: 'slurm-small',
    kinds: { sum: './sum.mjs' },
    stages: {
      gen: { kind: 'sum', matrix: { x: [1, 2, 3] } },
      double: { kind: 'sum', inputs: { a: 'gen' }, matrix: { x: [1, 2, 3] } },
      total: {
        kind: 'exec',
        inputs: { all: { stage: 'double', all: true } },
        params: {
          command:
            'echo "summing on $(hostname)"; for f in $ABLATE_IN_ALL/*/value.txt; do cat $f; echo; done | awk \'{ s += $1 } END { print s }\' > total.txt; echo scratch > not-an-output.txt',
          outputs: ['total.txt'],
        },
        memoryMB: 300,
      },
    },
  });
  return dir;
}

test('a small pipeline runs on Slurm and its cache equals a local run', { skip }, async () => {
  const slurmDir = project();
  // The cache may stay on a local disk (LMDB wants one); only the staging directory must be shared.
  const shared = join(slurmDir, 'shared');
  const onSlurm = await ablate(slurmDir, [
    'run',
    'p.json',
    '--reporter',
    'json',
    '--executor',
    'slurm',
    '--slurm-staging',
    shared,
    '--partition',
    'debug',
    '--slurm-opt=--comment=ablate-test',
  ]);
  assert.equal(onSlurm.code, 0, onSlurm.stderr + onSlurm.stdout);
  assert.equal(byStatus(onSlurm.stdout).ran?.length, 7);

  const localDir = project();
  const local = await ablate(localDir, ['run', 'p.json', '--reporter', 'json', '-j', '2']);
  assert.equal(local.code, 0, local.stderr);

  const a = records(join(slurmDir, 'cache'));
  const b = records(join(localDir, 'cache'));
  assert.equal(Object.keys(a).length, 7);
  assert.deepEqual(a, b, 'same fingerprints and output hashes on Slurm as locally');

  const jobs = await jobsEnded(shared);
  assert.equal(jobs.length, 7, 'one sbatch job per cell, staged under --slurm-staging');
  for (const j of jobs) {
    assert.equal(j.state, 'COMPLETED', j.line);
    assert.match(j.line, /Partition=debug/);
    assert.match(j.line, /Comment=ablate-test/);
  }
  const total = jobs.find((j) => j.name === 'ablate:total');
  assert.ok(total, 'job named after its cell');
  assert.match(total.line, /MinMemoryNode=300M/, 'memoryMB becomes --mem');
  assert.match(total.line, /Dependency=/);

  const progress = events(onSlurm.stdout).filter((e) => e.type === 'progress');
  assert.ok(
    progress.some((e) => (e.update as { step?: number }).step === 1),
    'stage progress reaches the reporter',
  );
  assert.ok(
    progress.some((e) =>
      /submitted as slurm job \d+ after \d+/.test(String((e.update as { message?: string }).message)),
    ),
    'dependents wait on their upstream jobs',
  );

  const log = await ablate(slurmDir, ['log', 'p.json', 'total']);
  assert.equal(log.code, 0, log.stderr);
  assert.match(log.stdout, /summing on \S+/, "`ablate log` shows the job's output");
  assert.match(log.stdout, /slurm job \d+/);
  assert.deepEqual(
    readdirSync(shared),
    ['work'],
    "a finished run leaves no staging behind, and its cells' checkpoints are gone",
  );
  assert.deepEqual(readdirSync(join(shared, 'work')), []);
});

test('a re-run on Slurm is all cache hits and submits nothing', { skip }, async () => {
  const dir = project();
  const first = await ablate(dir, ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm']);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const submitted = jobsUnder(join(dir, 'cache')).length;
  const again = await ablate(dir, ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(byStatus(again.stdout).ran, []);
  assert.equal(byStatus(again.stdout).cached?.length, 7);
  assert.equal(jobsUnder(join(dir, 'cache')).length, submitted, 'no new job');
  // Cells that ran on Slurm are cache hits for a local run too.
  const local = await ablate(dir, ['run', 'p.json', '--reporter', 'json']);
  assert.equal(byStatus(local.stdout).cached?.length, 7);
});

test('two coordinators on one cache submit each cell once', { skip }, async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), {
    stages: {
      slow: { kind: 'exec', params: { command: 'sleep 3; echo 1 > v.txt', outputs: ['v.txt'] } },
      next: {
        kind: 'exec',
        inputs: { s: 'slow' },
        params: { command: 'cp $ABLATE_IN_S/v.txt w.txt', outputs: ['w.txt'] },
      },
    },
  });
  const args = ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm'];
  const [a, b] = await Promise.all([ablate(dir, args), ablate(dir, args)]);
  assert.equal(a.code, 0, a.stderr + a.stdout);
  assert.equal(b.code, 0, b.stderr + b.stdout);
  const ran = [...(byStatus(a.stdout).ran ?? []), ...(byStatus(b.stdout).ran ?? [])].sort();
  assert.deepEqual(ran, ['next', 'slow'], 'each cell ran in one of the two runs; the other found it cached');
  // One may have submitted next early and then found it cached by the other: that job is cancelled, never ingested.
  const completed = (await jobsEnded(dir)).filter((j) => j.state === 'COMPLETED');
  assert.deepEqual(completed.map((j) => j.name).sort(), ['ablate:next', 'ablate:slow']);
});
