import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
  spawnAblate,
  tempProject,
  until,
  writeJson,
} from './cluster.js';

const skip = clusterSkip();

before(() => {
  if (!skip) assertClusterUp();
});

test(
  'a failing cell is not cached, its dependents are cancelled and the run exits 1 with a summary',
  { skip },
  async () => {
    const dir = tempProject();
    const go = join(dir, 'go');
    writeJson(join(dir, 'p.json'), {
      stages: {
        // bad fails only once the test has seen all four jobs submitted, so its dependents are cancelled by Slurm, not never submitted.
        bad: {
          kind: 'exec',
          params: {
            command: `echo "about to fail"; while [ ! -e ${go} ]; do sleep 0.1; done; exit 3`,
            outputs: ['x.txt'],
          },
        },
        after: {
          kind: 'exec',
          inputs: { b: 'bad' },
          params: { command: 'cp $ABLATE_IN_B/x.txt y.txt', outputs: ['y.txt'] },
        },
        later: {
          kind: 'exec',
          inputs: { a: 'after' },
          params: { command: 'cp $ABLATE_IN_A/y.txt z.txt', outputs: ['z.txt'] },
        },
        fine: { kind: 'exec', params: { command: 'echo ok > ok.txt', outputs: ['ok.txt'] } },
      },
    });
    const cache = join(dir, 'cache');
    const { result } = spawnAblate(dir, ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm']);
    try {
      await until('all four jobs to be submitted', () => jobsUnder(cache).length === 4);
    } finally {
      writeFileSync(go, '');
    }
    const r = await result;
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const s = byStatus(r.stdout);
    assert.deepEqual(s.failed, ['bad']);
    assert.deepEqual(s.skipped, ['after', 'later']);
    assert.deepEqual(s.ran, ['fine']);
    const summary = events(r.stdout).at(-1);
    assert.equal(summary?.type, 'summary');
    const failures = summary.failures as { cell: string; message: string; tail?: string }[];
    assert.equal(failures[0]?.cell, 'bad');
    assert.match(failures[0].message, /exited with code 3/);
    assert.match(failures[0].tail ?? '', /about to fail/);

    assert.deepEqual(Object.keys(records(cache)), ['fine'], 'the failed cell is never cached');
    const jobs = await jobsEnded(cache);
    const state = Object.fromEntries(jobs.map((j) => [j.name, j.state]));
    assert.deepEqual(state, {
      'ablate:bad': 'FAILED',
      'ablate:after': 'CANCELLED',
      'ablate:later': 'CANCELLED',
      'ablate:fine': 'COMPLETED',
    });

    const log = await ablate(dir, ['log', 'p.json', 'bad']);
    assert.match(log.stdout, /failed at .*exited with code 3/);
    assert.match(log.stdout, /about to fail/);
    const status = await ablate(dir, ['status', 'p.json']);
    assert.match(status.stdout, /1 cached, 3 to run/);
  },
);

test('a cell without its declared output fails and its dependent never starts', { skip }, async () => {
  const dir = tempProject();
  const go = join(dir, 'go');
  writeJson(join(dir, 'p.json'), {
    stages: {
      // forgetful ends only once its dependent has been submitted, so Slurm decides that the reader never starts.
      forgetful: {
        kind: 'exec',
        params: { command: `while [ ! -e ${go} ]; do sleep 0.1; done; echo wrote nothing`, outputs: ['x.txt'] },
      },
      reader: {
        kind: 'exec',
        inputs: { f: 'forgetful' },
        params: { command: 'cp $ABLATE_IN_F/x.txt y.txt', outputs: ['y.txt'] },
      },
    },
  });
  const { result } = spawnAblate(dir, ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm']);
  try {
    await until('both jobs to be submitted', () => jobsUnder(join(dir, 'cache')).length === 2);
  } finally {
    writeFileSync(go, '');
  }
  const r = await result;
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.deepEqual(byStatus(r.stdout).failed, ['forgetful']);
  assert.deepEqual(byStatus(r.stdout).skipped, ['reader']);
  const failures = events(r.stdout).at(-1)?.failures as { message: string }[];
  assert.match(failures[0]?.message ?? '', /declared output "x.txt" was not written/);
  const jobs = await jobsEnded(join(dir, 'cache'));
  assert.equal(jobs.length, 2, jobs.map((j) => j.line).join('\n'));
  // The job exits non-zero when an output is missing, so afterok never lets the reader start.
  assert.equal(jobs.find((j) => j.name === 'ablate:forgetful')?.state, 'FAILED');
  assert.equal(jobs.find((j) => j.name === 'ablate:reader')?.state, 'CANCELLED');
});

test(
  "a cell sbatch refuses fails with sbatch's answer in its log, and the other cells still run",
  { skip },
  async () => {
    const dir = tempProject();
    writeJson(join(dir, 'p.json'), {
      stages: {
        // The test cluster has no GPUs (no gres), so sbatch rejects --gres=gpu:1.
        gpu: { kind: 'exec', resources: { gpu: 1 }, params: { command: 'nvidia-smi > g.txt', outputs: ['g.txt'] } },
        uses: {
          kind: 'exec',
          inputs: { g: 'gpu' },
          params: { command: 'cp $ABLATE_IN_G/g.txt h.txt', outputs: ['h.txt'] },
        },
        cpu: { kind: 'exec', params: { command: 'echo 1 > c.txt', outputs: ['c.txt'] } },
      },
    });
    const r = await ablate(dir, ['run', 'p.json', '--reporter', 'json', '--executor', 'slurm']);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.deepEqual(byStatus(r.stdout), { ran: ['cpu'], cached: [], failed: ['gpu'], skipped: ['uses'] });
    const log = await ablate(dir, ['log', 'p.json', 'gpu']);
    assert.match(log.stdout, /sbatch failed: .*gres/i);
    assert.deepEqual(
      jobsUnder(join(dir, 'cache')).map((j) => j.name),
      ['ablate:cpu'],
      'nothing submitted for the refused cell or its dependent',
    );
  },
);
