import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { InputArtifact } from '../../src/stage-api.js';
import lmCorrelate from '../../stages/lm-correlate.js';
import { correlateLmRows, type LmCorrelation } from '../../stages/lm/stats/correlate.js';
import type { LmRow } from '../../stages/lm/stats/row.js';
import { deriveSeed, Rng } from '../../stages/ml/prng.js';
import { asInput, makeCtx, removeDir, tempDir } from '../ml/ctx.js';

const u = { bootstrap: 200, permutations: 200, seed: 0, level: 0.95 };
const SEEDS = 4;

/**
 * Two tasks × two archs × two pes × α ∈ {0, 0.5}, 4 seeds: 64 models in 16
 * variants. longCe = offset(task) + 2·misalignment + small noise; the
 * regularizer lowers misalignment by 0.15, hence longCe by 0.3, and leaves
 * idCe alone; trainLoss is unrelated noise. The second task's offsets run
 * against each other (higher longCe, lower misalignment), so pooling raw
 * values would reverse the sign: only per-task centring recovers it.
 */
function rows(): LmRow[] {
  const rng = new Rng(deriveSeed(1, 'synthetic-rows'));
  const out: LmRow[] = [];
  for (const [task, longOffset, misOffset] of [
    ['markov', 1, 0],
    ['text', 4, -1],
  ] as const) {
    for (const arch of ['decoder', 'lstm']) {
      for (const pe of ['rope', 'none']) {
        for (const alpha of [0, 0.5]) {
          const axes = { task, arch, pe, alpha };
          const variant = `alpha=${alpha},arch=${arch},pe=${pe},task=${task}`;
          for (let seed = 0; seed < SEEDS; seed++) {
            const mis = 1.5 + misOffset + rng.next() * 0.1 - (alpha > 0 ? 0.15 : 0);
            out.push({
              model: `lm-train[${variant},seed=${seed}]`,
              variant,
              axes: { ...axes, seed },
              task,
              arch,
              pe,
              alpha,
              divergence: 'sce',
              lExtraRange: 'half',
              seed,
              trainLoss: 1 + rng.next() * 0.1,
              misalignment: mis,
              misalignmentSe: 0.01,
              misalignmentSymkl: mis - 1.2,
              misalignmentSymklSe: 0.01,
              idCe: 1 + rng.next() * 0.05,
              longCe: longOffset + 2 * mis + (rng.next() - 0.5) * 0.02,
              longExcess: null,
            });
          }
        }
      }
    }
  }
  return out;
}

test('misalignment that drives longCe correlates near 1 within each task and pooled after centring', () => {
  const r = correlateLmRows(rows(), { uncertainty: u, minSeeds: 3 });
  assert.equal(r.target, 'longCe');
  assert.equal(r.n, 64);
  assert.equal(r.nVariants, 16);
  assert.equal(r.nTasks, 2);
  const pooled = r.correlation.misalignment.pearson;
  assert.ok((pooled.value as number) > 0.99, `pooled r ${pooled.value}`);
  assert.equal(pooled.n, 64);
  assert.equal(pooled.nVariants, 16);
  assert.ok((pooled.p as number) < 0.02, `p ${pooled.p}`);
  assert.ok((r.correlation.misalignment.spearman.value as number) > 0.95);
  assert.ok((r.correlation.misalignmentSymkl.pearson.value as number) > 0.99);
  assert.ok(Math.abs(r.correlation.trainLoss.pearson.value as number) < 0.5);
  assert.deepEqual(
    r.groups.map((g) => [g.task, g.n, g.nVariants]),
    [
      ['markov', 32, 8],
      ['text', 32, 8],
    ],
  );
  for (const g of r.groups) {
    const s = g.correlation.misalignment.pearson;
    assert.ok((s.value as number) > 0.99 && s.n === 32 && s.nVariants === 8);
    const [lo, hi] = s.ci as [number, number];
    assert.ok(lo <= (s.value as number) && (s.value as number) <= hi);
    assert.equal(g.variantLevel.misalignment.pearson.nVariants, 8);
    assert.equal(g.withinVariant.variants.length, 8);
  }
});

test('the designed regularizer effect is found per (task, arch, pe) with a small p, and idCe is unchanged', () => {
  const r = correlateLmRows(rows(), { uncertainty: u, minSeeds: 3 });
  assert.equal(r.regularizer.length, 8);
  for (const e of r.regularizer) {
    assert.equal(e.alpha, 0.5);
    assert.equal(e.longCe.nA, SEEDS);
    assert.equal(e.longCe.nB, SEEDS);
    const d = e.longCe.difference as number;
    // Misalignment noise is uniform over 0.1 (sd 0.03), times 2 on longCe: four seeds a side pin -0.3 to about ±0.1.
    assert.ok(d < -0.2 && d > -0.4, `${e.task}/${e.arch}/${e.pe}: ${d}`);
    const [lo, hi] = e.longCe.ci as [number, number];
    assert.ok(lo < d && d < hi && hi < 0, `interval [${lo}, ${hi}]`);
    assert.ok((e.longCe.p as number) < 0.01, `p ${e.longCe.p}`);
    assert.ok(Math.abs(e.idCe.difference as number) < 0.05);
  }
  // idCe is the same noise on both sides: 95% intervals cover 0 but for the odd one.
  const covering = r.regularizer.filter(
    (e) => (e.idCe.ci as [number, number])[0] < 0 && (e.idCe.ci as [number, number])[1] > 0,
  );
  assert.ok(covering.length >= 6, `${covering.length} of 8 idCe intervals cover 0`);
});

test('a baseline seed counted twice by a divergence axis counts once; rows without a target are left out by name', () => {
  const all = rows().filter((r) => r.task === 'markov' && r.arch === 'lstm' && r.pe === 'none');
  // The α = 0 seeds again under another divergence: the same models as far as the baseline goes.
  const dup = all.filter((r) => r.alpha === 0).map((r) => ({ ...r, model: r.model + '-symkl', divergence: 'symkl' }));
  const broken = { ...(all[0] as LmRow), model: 'broken', longCe: null };
  const r = correlateLmRows([...all, ...dup, broken], { uncertainty: u, minSeeds: 3 });
  assert.equal(r.regularizer.length, 1);
  assert.equal(r.regularizer[0]?.longCe.nB, SEEDS);
  assert.deepEqual(r.excluded, [{ model: 'broken', reason: 'no longCe' }]);
  assert.equal(r.n, 12);
});

test('the lm-correlate kind reads row.json from every input and writes correlation.json', async () => {
  const root = await tempDir('lm-correlate-');
  try {
    const inputs: InputArtifact[] = [];
    for (const row of rows().filter((x) => x.task === 'markov')) {
      const ctx = await makeCtx(root, 'lm-row', { model: row.model });
      await writeFile(path.join(ctx.outDir, 'row.json'), JSON.stringify(row));
      inputs.push(await asInput(ctx));
    }
    const ctx = await makeCtx(root, 'lm-correlate', { bootstrap: 50, permutations: 50 }, {
      rows: inputs,
    } as unknown as Record<string, InputArtifact>);
    await lmCorrelate.run(ctx);
    const out = JSON.parse(await readFile(path.join(ctx.outDir, 'correlation.json'), 'utf8')) as LmCorrelation;
    assert.equal(out.n, 32);
    assert.equal(out.nVariants, 8);
    assert.equal(out.groups.length, 1);
    assert.ok((out.correlation.misalignment.pearson.value as number) > 0.99);
    assert.equal(out.regularizer.length, 4);
  } finally {
    await removeDir(root);
  }
});

test('lm-correlate with no rows says which input is empty', async () => {
  const root = await tempDir('lm-correlate-');
  try {
    const ctx = await makeCtx(root, 'lm-correlate', {}, { rows: [] } as unknown as Record<string, InputArtifact>);
    await assert.rejects(lmCorrelate.run(ctx), /input 'rows' matched no cells/);
  } finally {
    await removeDir(root);
  }
});

test('unregularized repeats each task over its α = 0 models only', () => {
  const r = correlateLmRows(rows(), { uncertainty: u, minSeeds: 3 });
  assert.deepEqual(
    r.unregularized.map((g) => [g.task, g.n, g.nVariants]),
    [
      ['markov', 16, 4],
      ['text', 16, 4],
    ],
  );
  for (const g of r.unregularized) {
    assert.equal(g.correlation.misalignment.pearson.n, 16);
    assert.ok((g.correlation.misalignment.pearson.value as number) > 0.99);
  }
  const onlyRegularized = rows().filter((row) => row.alpha !== 0);
  assert.deepEqual(correlateLmRows(onlyRegularized, { uncertainty: u, minSeeds: 3 }).unregularized, []);
});
