import assert from 'node:assert/strict';
import test from 'node:test';
import { CacheDamagedError, CacheUnavailableError, isLmdbError } from '../../src/cache/errors.js';
import { CommandError, EnvironmentError, EXIT, UsageError } from '../../src/exit.js';
import { SlurmUnavailableError } from '../../src/execution/slurm/open.js';
import { planFailureError } from '../../src/plan/planner.js';
import { RuntimeProbeError } from '../../src/plan/runtime-facts.js';

test('every expected failure carries its documented exit code by class', () => {
  const cases: [CommandError, number][] = [
    [new UsageError('bad flag'), 2],
    [new EnvironmentError('no disk'), 4],
    [new CacheDamagedError('damaged'), 4],
    [new CacheUnavailableError('read-only'), 4],
    [new SlurmUnavailableError('no sinfo'), 4],
    [new RuntimeProbeError('no backend'), 4],
    [planFailureError({ reason: 'dep-missing', cell: 'a', path: 'x.txt' }), EXIT.invalid],
    [
      planFailureError({ reason: 'runtime-probe', message: 'cannot initialise a TensorFlow.js backend' }),
      EXIT.environment,
    ],
  ];
  for (const [error, code] of cases) {
    assert.ok(error instanceof CommandError, error.constructor.name);
    assert.equal(error.exitCode, code, `${error.constructor.name}: ${error.message}`);
  }
});

test('a plan failure keeps its message and any prefix', () => {
  const e = planFailureError({ reason: 'dep-missing', cell: 'train', path: 'data.csv' }, 'gc --keep p.json: ');
  assert.equal(e.message, 'gc --keep p.json: train: declared dependency "data.csv" does not exist');
});

test('an error from LMDB is recognised by its numeric code, not by its message', () => {
  const lmdb = Object.assign(new Error('MDB_CORRUPTED: Located page was wrong type'), { code: -30796 });
  const node = Object.assign(new Error('EACCES: permission denied, MDB_ mentioned'), { code: 'EACCES' });
  assert.equal(isLmdbError(lmdb), true);
  assert.equal(isLmdbError(node), false);
  assert.equal(isLmdbError(new Error('lmdb is mentioned but this is not from LMDB')), false);
});
