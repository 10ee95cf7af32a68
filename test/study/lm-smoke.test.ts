import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { ablate, byStatus, events, runJson, tempProject } from '../engine/harness.js';

const LM_SMOKE = resolve(fileURLToPath(import.meta.url), '../../../../pipelines/lm-smoke.json');

interface Stat {
  value: number | null;
  ci: number[] | null;
  p: number | null;
  n: number;
  nVariants: number;
}

test(
  'the language-model smoke study runs end to end, reports, and a second run runs nothing',
  { timeout: 10 * 60_000 },
  async () => {
    const dir = tempProject('ablate-lm-smoke-');
    copyFileSync(LM_SMOKE, join(dir, 'lm-smoke.json'));
    const status = await ablate(dir, ['status', 'lm-smoke.json']);
    const total = Number(/^(\d+) cells: 0 cached/m.exec(status.stdout)?.[1]);
    assert.ok(total > 0, status.stdout);

    const cold = await runJson(dir, 'lm-smoke.json');
    assert.equal(cold.code, 0, `${cold.stderr}\n${cold.stdout.slice(-3000)}`);
    assert.equal(byStatus(cold.stdout).ran?.length, total);

    const exported = await ablate(dir, ['export', 'lm-smoke.json', '--out', 'out']);
    assert.equal(exported.code, 0, exported.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'out/artifacts/report/report.json'), 'utf8')) as {
      correlation: Record<'misalignment' | 'trainLoss', Record<'pearson' | 'spearman' | 'kendall', Stat>>;
      correlationByTask: { task: string }[];
      correlationUnregularized: { task: string; n: number }[];
      models: unknown[];
    };
    for (const predictor of ['misalignment', 'trainLoss'] as const) {
      for (const method of ['pearson', 'spearman', 'kendall'] as const) {
        const s = report.correlation[predictor][method];
        const where = `${predictor}.${method}: ${JSON.stringify(s)}`;
        assert.ok(s.value !== null && Math.abs(s.value) <= 1, where);
        assert.ok(s.ci !== null && s.ci.length === 2 && (s.ci[0] ?? 2) <= (s.ci[1] ?? -2), where);
        assert.ok(s.p !== null && s.p > 0 && s.p <= 1, where);
        assert.equal(s.n, 12, where);
        assert.equal(s.nVariants, 6, where);
      }
    }
    assert.deepEqual(report.correlationByTask.map((g) => g.task).sort(), ['markov', 'text']);
    // Only markov has the 3 unregularized variants a correlation needs (decoder none and rope, LSTM; 2 seeds each).
    assert.deepEqual(
      report.correlationUnregularized.map((g) => [g.task, g.n]),
      [['markov, α = 0 models', 6]],
    );
    assert.equal(report.models.length, 12 + 8);
    assert.match(readFileSync(join(dir, 'out/artifacts/report/report.html'), 'utf8'), /<svg/);

    const again = await runJson(dir, 'lm-smoke.json');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(byStatus(again.stdout).ran, []);
    assert.equal(events(again.stdout).find((e) => e.type === 'summary')?.cached, total);
  },
);
