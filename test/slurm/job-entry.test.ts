import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import type { JobResult, JobSpec } from '../../src/execution/slurm/job-files.js';
import { sha256 } from '../../src/util/hash.js';
import { tempProject } from './cluster.js';

/** The job entry runs without Slurm too: what it leaves in the staging directory is its whole contract. */

const ENTRY = resolve(fileURLToPath(import.meta.url), '../../../src/execution/slurm/job-entry.js');

function stage(command: string, outputs: string[]): { dir: string; spec: JobSpec } {
  const dir = tempProject();
  const input = join(dir, 'in', 'src');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'value.txt'), '21');
  const spec: JobSpec = {
    version: 1,
    stage: 'double',
    cell: 'double',
    params: {},
    axes: {},
    work: {
      kind: 'exec',
      command,
      env: { ABLATE_IN_SRC: input, ABLATE_OUT: join(dir, 'out') },
      declaredOutputs: outputs,
    },
    inputs: [{ name: 'src', all: false, items: [{ stage: 'gen', cell: 'gen', axes: {}, params: {}, dir: input }] }],
    outDir: join(dir, 'out'),
    workDir: join(dir, 'work'),
  };
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  return { dir, spec };
}

function runEntry(dir: string): Promise<number> {
  return new Promise((done) => {
    execFile(process.execPath, [ENTRY, dir], (error) =>
      done(error === null ? 0 : typeof error.code === 'number' ? error.code : 1),
    );
  });
}

function result(dir: string): JobResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JobResult;
}

test('a successful job exits 0 and reports what it read and what it wrote; undeclared files are removed, outputs sealed', async () => {
  const { dir } = stage(
    'echo "working"; echo $(( $(cat $ABLATE_IN_SRC/value.txt) * 2 )) > v.txt; echo tmp > scratch.txt',
    ['v.txt'],
  );
  assert.equal(await runEntry(dir), 0);
  const r = result(dir);
  assert.deepEqual(r.exit, { kind: 'exit', code: 0 });
  assert.deepEqual(r.inputs, { src: [{ 'value.txt': sha256('21') }] });
  assert.deepEqual(r.outputs, { 'v.txt': { sha256: sha256('42\n'), size: 3 } });
  assert.equal(existsSync(join(dir, 'out', 'scratch.txt')), false, 'a dependent sees only what the cache will hold');
  assert.equal(statSync(join(dir, 'out', 'v.txt')).mode & 0o222, 0, 'outputs are read-only');
  assert.match(readFileSync(join(dir, 'job.log'), 'utf8'), /== double started .*\nworking\n/);
});

test('a job without a declared output exits non-zero, so afterok dependents never start', async () => {
  const { dir } = stage('echo nothing', ['v.txt']);
  assert.equal(await runEntry(dir), 1);
  assert.equal(result(dir).missingOutput, 'v.txt');
  assert.deepEqual(result(dir).outputs, {});
});

test("a failing stage's exit code is recorded", async () => {
  const { dir } = stage('exit 5', ['v.txt']);
  assert.equal(await runEntry(dir), 1);
  assert.deepEqual(result(dir).exit, { kind: 'exit', code: 5 });
});
