/**
 * Finite-difference checks of the regularized loss on the wasm backend.
 * float32 limits the precision of a central difference to about
 * ulp(loss)/eps ~ 1e-7/1e-3 = 1e-4 per coordinate, so the check uses the
 * coordinates with the largest gradients (|g| above 5e-3) and a
 * relative tolerance of 5%.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../stages/ml/backend.js';
import { Rng } from '../../stages/ml/prng.js';
import { buildLm, type LmConfig } from '../../stages/lm/models/index.js';
import { lmLossAndGrad } from '../../stages/lm/train-loop.js';
import type { WindowDraw } from '../../stages/lm/windows.js';

const EPS = 2e-3;
const REL_TOL = 0.05;

function check(arch: LmConfig['arch'], kind: 'sce' | 'symkl'): void {
  const config: LmConfig = {
    arch,
    pe: 'rope',
    layers: 1,
    dModel: 8,
    heads: 2,
    dFF: 8,
    hidden: 6,
    activation: 'gelu',
    maxLen: 16,
    vocab: 4,
  };
  const model = buildLm(config);
  const rng = new Rng(11);
  const params = model.layout.initialise(rng);
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + 0.3 * rng.normal();
  const stream = Int8Array.from({ length: 40 }, () => rng.int(4));
  const draw: WindowDraw = { lExtra: 2, offsets: [0, 7, 19] };
  const cfg = { alpha: 1, divergence: kind, overlap: 'all' as const, lTrain: 6 };
  const grad1 = new Float32Array(model.layout.size);
  const grad0 = new Float32Array(model.layout.size);
  const r = lmLossAndGrad(model, params, stream, draw, cfg, grad1);
  lmLossAndGrad(model, params, stream, draw, { ...cfg, alpha: 0 }, grad0);
  assert.ok(Number.isFinite(r.misalign) && r.misalign > 0, `${kind} is computed`);
  // The divergence's own gradient: (loss with alpha 1) - (plain CE) gradients.
  const gd = grad1.map((g, i) => g - grad0[i]!);
  const value = (p: Float32Array): number =>
    lmLossAndGrad(model, p, stream, draw, cfg, new Float32Array(model.layout.size)).misalign;
  const order = [...gd.keys()].sort((a, b) => Math.abs(gd[b]!) - Math.abs(gd[a]!)).slice(0, 6);
  for (const i of order) {
    const plus = params.slice();
    const minus = params.slice();
    plus[i] = plus[i]! + EPS;
    minus[i] = minus[i]! - EPS;
    const fd = (value(plus) - value(minus)) / (2 * EPS);
    const rel = Math.abs(fd - gd[i]!) / Math.max(Math.abs(fd), Math.abs(gd[i]!));
    assert.ok(Math.abs(gd[i]!) > 5e-3, `${arch}/${kind}: coordinate ${i} gradient ${gd[i]} is large enough to check`);
    assert.ok(
      rel < REL_TOL,
      `${arch}/${kind}: coordinate ${i} (${model.layout.entries.find((e) => i >= e.offset && i < e.offset + e.size)?.name}) analytic ${gd[i]} vs central difference ${fd}`,
    );
  }
  model.dispose();
}

for (const arch of ['decoder', 'encdec', 'lstm'] as const) {
  for (const kind of ['sce', 'symkl'] as const) {
    test(`${arch}: the ${kind} regularizer's gradient matches central differences (float32, wasm)`, async () => {
      await initBackend('wasm');
      check(arch, kind);
    });
  }
}
