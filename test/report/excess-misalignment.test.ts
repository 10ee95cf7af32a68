/**
 * The decomposition of the regression misalignment: what an ideal predictor
 * of the target scores (the target's own misalignment) and what a model adds
 * to it (the excess), on the fixed scale Var[f(l)] of the target space.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regressionMisalignment, type Predictor } from '../../stages/analysis/misalignment.js';
import { targetSpace } from '../../stages/analysis/target-space.js';
import { misalignmentKind, type ModelLoader } from '../../stages/misalignment.js';
import { availableReparams, loadReparam } from '../../stages/ml/reparam.js';
import { artifact, context, workspace, type Workspace } from './fixtures.js';

const opts = { samples: 3000, seed: 5, trainLength: 10 };
const range: [number, number] = [1, 10];
const within = (e: { mean: number; se: number }, value: number): boolean => Math.abs(e.mean - value) <= 4 * e.se;
const uniformVariance = (xs: number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length;
};
const lengths = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

describe('excess misalignment', () => {
  it('is 0 within 4 standard errors for an ideal predictor of f(l), for every registered f', async () => {
    const names = await availableReparams();
    assert.ok(names.length >= 7, names.join(', '));
    for (const name of names) {
      const { f } = await loadReparam(name);
      const target = targetSpace('length', f, range);
      const ideal: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => f(s.length)));
      const r = await regressionMisalignment(ideal, { ...opts, target });
      const d = r.decomposition;
      assert.ok(d !== null);
      assert.ok(within(d.scaled.excess, 0), `${name}: excess ${d.scaled.excess.mean} ± ${d.scaled.excess.se}`);
      // Its whole misalignment is the target's: 2 Var_{U{5..10}} f / Var_{U{1..10}} f in closed form.
      const closed = (2 * uniformVariance(lengths(5, 10).map(f))) / uniformVariance(lengths(1, 10).map(f));
      assert.ok(
        within(d.scaled.target, closed),
        `${name}: target ${d.scaled.target.mean} ± ${d.scaled.target.se} vs ${closed}`,
      );
      assert.equal(d.scaled.measured.mean, d.scaled.target.mean);
    }
  });

  it('is 0 for the ideal mean predictor, whose scale is E[1/(4l)] over the training lengths', async () => {
    const target = targetSpace('mean', (x) => x, range);
    assert.ok(Math.abs(target.variance - lengths(1, 10).reduce((a, l) => a + 1 / (4 * l), 0) / 10) < 1e-15);
    const ideal: Predictor = (seqs) =>
      Promise.resolve(Float32Array.from(seqs, (s) => s.reduce((a, b) => a + b, 0) / s.length));
    const r = await regressionMisalignment(ideal, { ...opts, target });
    assert.ok(r.decomposition && within(r.decomposition.scaled.excess, 0));
    // Suffix means of l1 < l2 shared tokens differ by (l2 - l1)/l2 (m_a - m_extra): E = E[|l2 - l1| / (4 l1 l2)].
    let closed = 0;
    for (const a of lengths(5, 10)) for (const b of lengths(5, 10)) closed += Math.abs(b - a) / (4 * a * b) / 36;
    assert.ok(
      within(r.decomposition.scaled.target, closed / target.variance),
      `${r.decomposition.scaled.target.mean} vs ${closed / target.variance}`,
    );
  });

  it('counts an error that does not depend on length as aligned, and a collapsed output as misaligned', async () => {
    const target = targetSpace('length', (x) => x, range);
    // Off by an amount that depends only on the shared last token: both suffixes move alike.
    const offset: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => s.length + 3 * (s.at(-1) ?? 0)));
    const shifted = (await regressionMisalignment(offset, { ...opts, target })).decomposition;
    assert.ok(shifted && within(shifted.scaled.excess, 0));
    // A near-constant output: its own variance is tiny, so the old normalization calls it aligned.
    const collapsed: Predictor = (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => 5 + 1e-3 * (s.at(-1) ?? 0)));
    const c = await regressionMisalignment(collapsed, { ...opts, target });
    assert.ok(c.normalized.mean < 0.01, `old form ${c.normalized.mean}`);
    assert.ok(
      c.decomposition && c.decomposition.scaled.excess.mean > 0.6,
      `excess ${c.decomposition?.scaled.excess.mean}`,
    );
    assert.ok(within(c.decomposition.scaled.excess, c.decomposition.scaled.target.mean));
  });
});

describe('misalignment stage decomposition', () => {
  let ws: Workspace;
  before(async () => (ws = await workspace()));
  after(async () => ws.dispose());

  it("writes target, excess and the scale from the model's task and f", async () => {
    const file = { task: 'length', f: 'sqrt', train: { lengthMin: 1, lengthMax: 10 } };
    const model = await artifact(ws, 'train', { task: 'length', f: 'sqrt' }, { 'model.json': file });
    const load: ModelLoader = () =>
      Promise.resolve({
        config: {},
        file,
        task: 'length',
        f: 'sqrt',
        predict: (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => Math.sqrt(s.length) + 0.1 * s.length)),
        dispose: () => undefined,
      });
    const run = await context(ws, 'misalignment', { model }, { samples: 2000 }, { f: 'sqrt' });
    await misalignmentKind(() => Promise.resolve(load)).run(run.ctx);
    const out = JSON.parse(await readFile(join(run.ctx.outDir, 'misalignment.json'), 'utf8')) as {
      scale: number;
      excess: { mean: number; se: number };
      scaled: { excess: { mean: number; se: number }; target: { mean: number } };
    };
    assert.ok(Math.abs(out.scale - uniformVariance(lengths(1, 10).map((l) => Math.fround(Math.sqrt(l))))) < 1e-12);
    // The residual is 0.1 l: its misalignment is 0.01 * 2 Var U{5..10} = 0.01 * 35/6.
    assert.ok(within(out.excess, 0.01 * (35 / 6)), `excess ${out.excess.mean} ± ${out.excess.se}`);
    assert.ok(Math.abs(out.scaled.excess.mean - out.excess.mean / out.scale) < 1e-12);
  });
});
