import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clampedInverse, TARGET_MAX } from '../../stages/ml/inverse.js';
import { availableReparams, loadReparam } from '../../stages/ml/reparam.js';

const f32max = 3.4028234663852886e38;
const extremes = [-Infinity, -f32max, -1e6, -1, -1e-9, 0, 1e-9, 1e-3, 0.5, 1, 13.9, 709.8, 710, 1e6, f32max, Infinity];

describe('clamped inverse of every registered f', () => {
  it('is total and finite on any model output, and lands in [0, TARGET_MAX]', async () => {
    for (const name of await availableReparams()) {
      const invert = clampedInverse(await loadReparam(name));
      for (const y of extremes) {
        const { value } = invert(y);
        assert.ok(Number.isFinite(value), `${name}(${y}) = ${value}`);
        assert.ok(value >= 0 && value <= TARGET_MAX * (1 + 1e-9), `${name}(${y}) = ${value}`);
      }
    }
  });

  it('round-trips every test length without clamping, and counts an output outside the range of f', async () => {
    for (const name of await availableReparams()) {
      const r = await loadReparam(name);
      const invert = clampedInverse(r);
      for (let l = 1; l <= 50; l++) {
        const back = invert(r.f(l));
        assert.equal(back.clamped, false, `${name}(${l})`);
        assert.ok(Math.abs(back.value - l) < 1e-9 * l, `${name}: ${back.value} vs ${l}`);
      }
      // A length beyond TARGET_MAX is out of range for every f.
      assert.equal(invert(r.f(10 * TARGET_MAX)).clamped, true, name);
    }
  });

  it('maps log outputs that would overflow exp, 1/sqrt outputs at or below 0 and negative sqrt outputs to the ends of the target range', async () => {
    const log = clampedInverse(await loadReparam('log'));
    const big = log(800);
    assert.ok(big.clamped && Math.abs(big.value - TARGET_MAX) < 1e-6, `${big.value}`);
    assert.deepEqual(clampedInverse(await loadReparam('sqrt'))(-0.5), { value: 0, clamped: true });
    const invSqrt = clampedInverse(await loadReparam('inv_sqrt'));
    assert.deepEqual(invSqrt(-0.2), { value: TARGET_MAX, clamped: true });
    assert.equal(Number.isNaN(invSqrt(Number.NaN).value), true, 'NaN is not clamped away');
  });
});
