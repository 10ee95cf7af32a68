import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generateDataset, readDataset, seqTokens, writeDataset } from '../../stages/ml/dataset.js';
import { deriveSeed, Rng } from '../../stages/ml/prng.js';
import { loadReparam } from '../../stages/ml/reparam.js';
import { removeDir, tempDir } from './ctx.js';
import { TINY_DATA, tinyDataset } from './fixtures.js';

test('mulberry32 is deterministic, restorable and roughly uniform', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b.next()),
  );
  const mid = new Rng(0).restore(a.state);
  assert.equal(mid.nextU32(), a.nextU32());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  assert.notEqual(deriveSeed(1, 'init'), deriveSeed(1, 'batches'));
  assert.notEqual(deriveSeed(1, 'init'), deriveSeed(2, 'init'));
});

test('targets: mean of the tokens, or the length and f(length)', async () => {
  const mean = tinyDataset();
  for (let i = 0; i < mean.train.count; i++) {
    const toks = seqTokens(mean.train, i);
    assert.ok(toks.every((t) => t === 0 || t === 1));
    assert.ok(Math.abs(mean.train.targets[i]! - toks.reduce((s, t) => s + t, 0) / toks.length) < 1e-7);
    assert.ok(toks.length >= 1 && toks.length <= 6);
  }
  const sqrt = await loadReparam('sqrt');
  const length = generateDataset({ ...TINY_DATA, task: 'length', f: 'sqrt' }, sqrt);
  for (let i = 0; i < length.test.count; i++) {
    assert.equal(length.test.targets[i], length.test.lengths[i]);
    assert.ok(Math.abs(length.test.targetsF[i]! - Math.sqrt(length.test.lengths[i]!)) < 1e-6);
  }
  assert.equal(length.meta.f, 'sqrt');
  assert.equal(length.meta.fDescribe, 'sqrt(x)');
});

test('the test split has testSamplesPerLength sequences of every length 1..testLengthMax', () => {
  const d = tinyDataset();
  for (let l = 1; l <= TINY_DATA.testLengthMax; l++) {
    assert.equal(d.test.lengths.filter((x) => x === l).length, TINY_DATA.testSamplesPerLength);
  }
});

test('tokens are balanced 0/1', () => {
  const d = tinyDataset({ trainSamples: 2000 });
  const ones = d.train.tokens.reduce((s, t) => s + t, 0);
  assert.ok(Math.abs(ones / d.train.tokens.length - 0.5) < 0.03);
});

test('same seed, same bytes; another seed, other bytes; round trip through disk', async () => {
  const dirs = [await tempDir(), await tempDir(), await tempDir()];
  try {
    await writeDataset(dirs[0]!, tinyDataset());
    await writeDataset(dirs[1]!, tinyDataset());
    await writeDataset(dirs[2]!, tinyDataset({ seed: 4 }));
    for (const f of ['train.tokens.bin', 'train.lengths.bin', 'test.targets_f.bin', 'meta.json']) {
      const [a, b] = await Promise.all([readFile(path.join(dirs[0]!, f)), readFile(path.join(dirs[1]!, f))]);
      assert.ok(a.equals(b), f);
    }
    const other = await readFile(path.join(dirs[2]!, 'train.tokens.bin'));
    assert.ok(!other.equals(await readFile(path.join(dirs[0]!, 'train.tokens.bin'))));
    const back = await readDataset(dirs[0]!);
    const orig = tinyDataset();
    assert.deepEqual(back.train.tokens, orig.train.tokens);
    assert.deepEqual(back.test.targets, orig.test.targets);
    assert.equal(back.meta.train.count, TINY_DATA.trainSamples);
  } finally {
    await Promise.all(dirs.map(removeDir));
  }
});

test('f with task mean is refused', () => {
  assert.throws(
    () =>
      generateDataset({ ...TINY_DATA, f: 'sqrt' }, { name: 'sqrt', describe: '', f: Math.sqrt, inverse: (y) => y * y }),
    /only applies to task 'length'/,
  );
});
