import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import lmReport from '../../stages/lm-report.js';
import type { InputArtifact } from '../../src/stage-api.js';
import { makeCtx, removeDir, tempDir, type FakeCtx } from '../ml/ctx.js';
import { fixtureInputs } from './report-fixtures.js';

/** A report cell's context; fan-in inputs are arrays, which makeCtx's signature does not take. */
async function reportCtx(root: string, inputs: Record<string, InputArtifact | InputArtifact[]>): Promise<FakeCtx> {
  const ctx = await makeCtx(root, 'report', {});
  ctx.inputs = inputs;
  return ctx;
}

interface Stat {
  value: number;
  ci: number[];
  p: number;
  n: number;
  nVariants: number;
}

test(
  'lm-report writes report.json with the correlation, the regularizer table and the plots',
  { timeout: 60_000 },
  async () => {
    const root = await tempDir('ablate-lm-report-');
    try {
      const ctx = await reportCtx(root, await fixtureInputs(root));
      await lmReport.run(ctx);
      const json = JSON.parse(await readFile(join(ctx.outDir, 'report.json'), 'utf8')) as {
        correlation: Record<string, Record<string, Stat>>;
        correlationByTask: { task: string }[];
        regularizer: { alpha: number; nSeeds: number }[];
        variants: { seeds: number }[];
        models: unknown[];
        paper: { quantity: string; paper: string; ours: string }[];
        plots: string[];
      };
      for (const predictor of ['misalignment', 'trainLoss']) {
        for (const method of ['pearson', 'spearman', 'kendall']) {
          const s = json.correlation[predictor]?.[method];
          assert.ok(s, `${predictor}.${method}`);
          assert.deepEqual(Object.keys(s).sort(), ['ci', 'n', 'nVariants', 'p', 'value']);
        }
      }
      assert.equal(json.correlation.misalignment?.pearson?.value, 0.7);
      assert.deepEqual(
        json.correlationByTask.map((g) => g.task),
        ['markov'],
      );
      assert.equal(json.regularizer.length, 3, 'the effects lm-correlate computed, not recomputed');
      assert.equal(json.variants.length, 8);
      assert.equal(json.models.length, 24);
      assert.ok(json.paper.some((r) => r.paper === '0.85 (Table 1)' && r.ours.startsWith('0.7 ')));
      assert.ok(json.paper.some((r) => r.paper === '0.62 (Table 1)' && r.ours.startsWith('0.4 ')));
      assert.ok(json.paper.some((r) => r.paper === '0.1–0.3 recommended'));
      assert.ok(
        json.paper.some(
          (r) => r.quantity.startsWith('misalignment predicts better') && r.ours.startsWith('yes (misalignment 0.7 '),
        ),
        'Pearson 0.7 against 0.4',
      );
      assert.deepEqual(json.plots.sort(), [
        'plots/position-markov.svg',
        'plots/predictors-markov.svg',
        'plots/sweep-markov.svg',
      ]);
      const html = await readFile(join(ctx.outDir, 'report.html'), 'utf8');
      assert.equal(html.match(/<svg/g)?.length, 3);
      const md = await readFile(join(ctx.outDir, 'report.md'), 'utf8');
      assert.match(md, /symmetric KL/);
      assert.deepEqual((await readdir(join(ctx.outDir, 'tables'))).filter((f) => f.endsWith('.csv')).sort(), [
        'correlation.csv',
        'paper.csv',
        'regularizer.csv',
        'variants.csv',
      ]);
      const correlationCsv = await readFile(join(ctx.outDir, 'tables/correlation.csv'), 'utf8');
      assert.equal(
        correlationCsv.trim().split('\r\n').length,
        4,
        'header and SCE, symKL, training loss for the one task',
      );
      assert.deepEqual(
        ctx.logs.filter((l) => l.startsWith('warning')),
        [],
      );
    } finally {
      await removeDir(root);
    }
  },
);

test('an eval.json without perPosition fails naming the cell and the file', async () => {
  const root = await tempDir('ablate-lm-report-');
  try {
    const inputs = await fixtureInputs(root);
    const first = (inputs.evals as InputArtifact[])[0] as InputArtifact;
    await writeFile(join(first.dir, 'eval.json'), JSON.stringify({ lTrain: 4 }));
    const ctx = await reportCtx(root, inputs);
    await assert.rejects(
      lmReport.run(ctx),
      (e: Error) => e.message.includes(first.cell) && /eval\.json has no perPosition/.test(e.message),
    );
  } finally {
    await removeDir(root);
  }
});

test('a correlation.json without trainLoss is refused with the field named', async () => {
  const root = await tempDir('ablate-lm-report-');
  try {
    const inputs = await fixtureInputs(root);
    const c = inputs.correlation as InputArtifact;
    await writeFile(join(c.dir, 'correlation.json'), JSON.stringify({ correlation: { misalignment: {} } }));
    const ctx = await reportCtx(root, inputs);
    await assert.rejects(lmReport.run(ctx), /correlation\.misalignment\.\{pearson,spearman,kendall\}/);
  } finally {
    await removeDir(root);
  }
});
