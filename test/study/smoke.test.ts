import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { ablate, byStatus, events, runJson, tempProject, writeJson } from '../engine/harness.js';

const SMOKE = resolve(fileURLToPath(import.meta.url), '../../../../pipelines/smoke.json');

interface Pipeline {
  axes: Record<string, unknown[]>;
}

/** The smoke pipeline with one more reparameterization of the length target: one edit, to the shared axis f (its exclusion follows it). */
function withExtraF(p: Pipeline, f: string): Pipeline {
  const copy = JSON.parse(JSON.stringify(p)) as Pipeline;
  copy.axes.f?.push(f);
  return copy;
}

test('the smoke study runs end to end, and adding one f runs only what is new', { timeout: 15 * 60_000 }, async () => {
  const dir = tempProject('ablate-smoke-');
  const smoke = JSON.parse(readFileSync(SMOKE, 'utf8')) as Pipeline;
  writeJson(join(dir, 'smoke.json'), smoke);

  const cold = await runJson(dir, 'smoke.json');
  assert.equal(cold.code, 0, `${cold.stderr}\n${cold.stdout.slice(-2000)}`);
  assert.equal(byStatus(cold.stdout).ran?.length, 56);
  const exported = await ablate(dir, ['export', 'smoke.json', '--out', 'out']);
  assert.equal(exported.code, 0, exported.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'out/artifacts/report/report.json'), 'utf8')) as {
    correlation: Record<
      'misalignment' | 'trainLoss',
      Record<'pearson' | 'spearman' | 'kendall', { value: number; ci: number[]; p: number }>
    >;
    rows: unknown[];
  };
  assert.equal(report.rows.length, 12);
  for (const predictor of ['misalignment', 'trainLoss'] as const) {
    for (const kind of ['pearson', 'spearman', 'kendall'] as const) {
      const c = report.correlation[predictor][kind];
      assert.ok(Math.abs(c.value) <= 1 && c.ci.length === 2 && c.p >= 0 && c.p <= 1, `${predictor}.${kind}`);
    }
  }
  assert.match(readFileSync(join(dir, 'out/artifacts/report/report.html'), 'utf8'), /<svg/);

  writeJson(join(dir, 'smoke.json'), withExtraF(smoke, 'cbrt'));
  const status = await ablate(dir, ['status', 'smoke.json']);
  assert.match(status.stdout, /^74 cells: 54 cached, 20 to run/m);
  const incremental = await runJson(dir, 'smoke.json');
  assert.equal(incremental.code, 0, incremental.stderr);
  const ran = byStatus(incremental.stdout).ran ?? [];
  const isNew = (id: string): boolean => id.includes('f=cbrt') || id === 'correlate' || id === 'report';
  assert.deepEqual(
    ran.filter((id) => !isNew(id)),
    [],
    'only cells of the new f, the merge and the report run',
  );
  assert.equal(ran.filter((id) => id.startsWith('row[')).length, 4, 'one new correlation row per new model');
  assert.equal(ran.length, 20);
  assert.equal(events(incremental.stdout).find((e) => e.type === 'summary')?.cached, 54);
});
