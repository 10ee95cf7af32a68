import test from 'node:test';
import assert from 'node:assert/strict';
import { availableReparams, loadReparam } from '../../stages/ml/reparam.js';

const SHIPPED = ['cbrt', 'cube', 'identity', 'inv_sqrt', 'log', 'sqrt', 'square'];

test("ships the paper's three functions plus controls", async () => {
  const names = await availableReparams();
  for (const n of SHIPPED) assert.ok(names.includes(n), `missing ${n}`);
});

test('f^-1(f(x)) = x on lengths 1..1000 and the module name matches its file', async () => {
  for (const name of await availableReparams()) {
    const r = await loadReparam(name);
    assert.equal(r.name, name);
    assert.equal(typeof r.describe, 'string');
    for (const x of [1, 2, 3, 7, 10, 11, 50, 1000]) {
      const back = r.inverse(r.f(x));
      assert.ok(Math.abs(back - x) <= 1e-9 * x, `${name}: ${x} -> ${back}`);
    }
  }
});

test("the paper's functions compress long lengths, the controls stretch them", async () => {
  const spread = async (name: string): Promise<number> => {
    const r = await loadReparam(name);
    return Math.abs(r.f(50) - r.f(10)) / Math.abs(r.f(10) - r.f(1));
  };
  for (const n of ['sqrt', 'log', 'inv_sqrt', 'cbrt']) assert.ok((await spread(n)) < 4.45, n);
  assert.equal(await spread('identity'), 40 / 9);
  for (const n of ['square', 'cube']) assert.ok((await spread(n)) > 4.45, n);
});

test('inverses are total: outputs outside the range of f clamp instead of NaN', async () => {
  for (const name of ['sqrt', 'square', 'inv_sqrt']) {
    const r = await loadReparam(name);
    for (const y of [-5, 0]) assert.ok(Number.isFinite(r.inverse(y)), `${name}(${y})`);
  }
});

test('an unknown name lists the available ones; paths are refused', async () => {
  await assert.rejects(loadReparam('tanh'), /Unknown reparameterization f='tanh'\. Available: .*identity.*sqrt/);
  await assert.rejects(loadReparam('../ml/backend'), /Unknown reparameterization/);
});
