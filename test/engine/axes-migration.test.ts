/**
 * The study pipelines moved to shared axes and shared exclusions. The cache
 * they filled must stay valid: every cell keeps its id and its fingerprint
 * (its own and, through its inputs, every upstream one), and fan-ins keep
 * the order of their inputs. The files as they were are kept under
 * test/fixtures/before-shared-axes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { repoRoot } from '../reliability/rig.js';
import { cellFingerprints } from './plan-fingerprints.js';

for (const name of ['smoke', 'paper', 'ablation-reparam', 'ablation-arch', 'example']) {
  test(`pipelines/${name}.json: the same cells with the same fingerprints as before shared axes`, async () => {
    const before = await cellFingerprints(join(repoRoot, 'test', 'fixtures', 'before-shared-axes', `${name}.json`));
    const after = await cellFingerprints(join(repoRoot, 'pipelines', `${name}.json`));
    assert.ok(before.length > 0);
    assert.deepEqual(after, before);
  });
}

test('the comparison sees what the cache sees: reordering an axis changes the fan-in fingerprints, not the cells', async () => {
  const file = join(repoRoot, 'pipelines', 'smoke.json');
  const plain = new Map(await cellFingerprints(file));
  const reordered = new Map(await cellFingerprints(file, { axis: ['seed=1,0'] }));
  assert.deepEqual([...reordered.keys()].sort(), [...plain.keys()].sort());
  assert.equal(
    reordered.get('train[arch=lstm,f=sqrt,seed=1,task=length]'),
    plain.get('train[arch=lstm,f=sqrt,seed=1,task=length]'),
  );
  assert.notEqual(reordered.get('correlate'), plain.get('correlate'));
});

test('the migrated files do use shared axes: no stage lists axis values of its own', async () => {
  const { readFileSync } = await import('node:fs');
  for (const name of ['smoke', 'paper', 'ablation-reparam', 'ablation-arch']) {
    const p = JSON.parse(readFileSync(join(repoRoot, 'pipelines', `${name}.json`), 'utf8')) as {
      stages: Record<string, { matrix?: Record<string, unknown> }>;
    };
    for (const [stage, s] of Object.entries(p.stages)) {
      for (const [axis, spec] of Object.entries(s.matrix ?? {}))
        assert.ok(!Array.isArray(spec), `${name}: ${stage}.matrix.${axis} lists its own values`);
    }
  }
});
