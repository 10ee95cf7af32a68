import assert from 'node:assert/strict';
import test from 'node:test';
import {
  jobName,
  jobScript,
  parseSbatchId,
  sbatchOptions,
  shellQuote,
  type SbatchRequest,
} from '../../src/execution/slurm/job-script.js';
import { dependencyNeverSatisfied, describeState, parseJobLine, phaseOf } from '../../src/execution/slurm/job-state.js';
import { settingsFrom } from '../../src/execution/slurm/open.js';

/** No cluster needed: the pure parts of the Slurm executor. */

const base: SbatchRequest = {
  jobName: 'ablate:train[arch=gpt,seed=0]',
  stagingDir: '/shared/cache/slurm/run/3-train',
  logFile: '/shared/cache/slurm/run/3-train/job.log',
  cpus: 1,
  gpus: 0,
  after: [],
  command: ['/usr/bin/node', '/opt/ablate/dist/src/execution/slurm/job-entry.js', '/shared/cache/slurm/run/3-train'],
};

test('a cell without resources asks for one task on one CPU and no dependency', () => {
  assert.deepEqual(sbatchOptions(base), [
    '--job-name=ablate:train[arch=gpt,seed=0]',
    '--output=/shared/cache/slurm/run/3-train/job.log',
    '--open-mode=append',
    '--chdir=/shared/cache/slurm/run/3-train',
    '--nodes=1',
    '--ntasks=1',
    '--cpus-per-task=1',
  ]);
});

test("a stage's declared resources become cpus, memory, a GPU gres, a time limit above its timeout, and afterok dependencies", () => {
  const o = sbatchOptions({
    ...base,
    cpus: 4,
    memoryMB: 2048,
    gpus: 2,
    timeoutSeconds: 3600,
    partition: 'gpu',
    after: ['11', '12'],
  });
  assert.ok(o.includes('--cpus-per-task=4'));
  assert.ok(o.includes('--mem=2048M'));
  assert.ok(o.includes('--gres=gpu:2'));
  assert.ok(o.includes('--time=61'), 'one minute of head room over the stage timeout');
  assert.ok(o.includes('--partition=gpu'));
  assert.ok(o.includes('--dependency=afterok:11:12'));
  assert.ok(o.includes('--kill-on-invalid-dep=yes'));
});

test('the batch script carries every option as an #SBATCH line and execs the job entry', () => {
  const script = jobScript({ ...base, after: ['7'] });
  const lines = script.trimEnd().split('\n');
  assert.equal(lines[0], '#!/bin/sh');
  assert.ok(lines.includes('#SBATCH --dependency=afterok:7'));
  assert.equal(
    lines.at(-1),
    'exec /usr/bin/node /opt/ablate/dist/src/execution/slurm/job-entry.js /shared/cache/slurm/run/3-train',
  );
});

test('job names and shell words survive odd cell ids and paths', () => {
  assert.equal(jobName('ablate:eval[task="a b";x=1]'), 'ablate:eval[task=_a_b__x=1]');
  assert.equal(shellQuote('/a/b-c.js'), '/a/b-c.js');
  assert.equal(shellQuote("/tmp/it's here"), `'/tmp/it'\\''s here'`);
});

test('sbatch --parsable output gives the job id, with or without a cluster name', () => {
  assert.equal(parseSbatchId('1234\n'), '1234');
  assert.equal(parseSbatchId('1234;cluster-a\n'), '1234');
  assert.equal(parseSbatchId('sbatch: error: Batch job submission failed'), undefined);
});

test('scontrol -o lines parse into state, reason, exit code and nodes', () => {
  const running = parseJobLine(
    'JobId=42 JobName=ablate:gen[x=1] UserId=me(1) JobState=RUNNING Reason=None Dependency=(null) ExitCode=0:0 RunTime=00:00:03 NodeList=node7 BatchHost=node7',
  );
  assert.deepEqual(running, { id: '42', state: 'RUNNING', reason: 'None', exitCode: '0:0', nodes: 'node7' });
  assert.equal(phaseOf(running), 'running');
  assert.equal(describeState(running), 'RUNNING on node7');

  const dropped = parseJobLine(
    'JobId=43 JobName=x JobState=CANCELLED Reason=DependencyNeverSatisfied Dependency=afterok:42(failed) ExitCode=0:0 NodeList=(null)',
  );
  assert.ok(dropped !== undefined && dependencyNeverSatisfied(dropped));
  assert.equal(phaseOf(dropped), 'ended');

  const pending = parseJobLine('JobId=44 JobName=x JobState=PENDING Reason=Dependency ExitCode=0:0 NodeList=(null)');
  assert.ok(pending !== undefined);
  assert.equal(phaseOf(pending), 'waiting');
  assert.equal(describeState(pending), 'PENDING (Dependency)');

  for (const state of ['COMPLETING', 'SUSPENDED', 'REQUEUED', 'CONFIGURING']) {
    assert.equal(
      phaseOf({ id: '1', state, reason: 'None', exitCode: '', nodes: '' }),
      'running',
      `${state} may still write a result`,
    );
  }
  for (const state of ['COMPLETED', 'FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED']) {
    assert.equal(phaseOf({ id: '1', state, reason: 'None', exitCode: '', nodes: '' }), 'ended');
  }
  assert.equal(parseJobLine('slurm_load_jobs error: Invalid job id specified'), undefined);
});

test('settings come from the flags and ABLATE_SLURM_* variables, ignoring nonsense', () => {
  const env = {
    ABLATE_SLURM_POLL_MS: '250',
    ABLATE_SLURM_GRACE_MS: 'soon',
    ABLATE_SLURM_NODE: '/opt/node/bin/node',
    ABLATE_SLURM_STAGING: '/scratch/me/ablate',
  };
  const s = settingsFrom({ partition: 'short', slurmOpt: ['--account=lab'] }, env);
  assert.deepEqual(s, {
    partition: 'short',
    extraArgs: ['--account=lab'],
    pollMs: 250,
    graceMs: 30_000,
    nodePath: '/opt/node/bin/node',
    stagingDir: '/scratch/me/ablate',
  });
  assert.equal(
    settingsFrom({ slurmStaging: '/shared/x' }, env).stagingDir,
    '/shared/x',
    'the flag wins over the variable',
  );
  assert.equal(settingsFrom({}, {}).stagingDir, undefined, 'default: <cache>/slurm');
});
