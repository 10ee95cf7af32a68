import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LM_DATA_FORMAT, type LmData, readLmData, testRow, writeLmData } from '../../stages/lm/data/format.js';
import { removeDir, tempDir } from '../ml/ctx.js';

function tiny(): LmData {
  const testLength = 5;
  const test = Int8Array.from({ length: 3 * (testLength + 1) }, (_, i) => i % 4);
  return {
    meta: {
      format: LM_DATA_FORMAT,
      source: 'markov',
      vocab: 4,
      symbols: ['a', 'b', 'c', 'd'],
      lTrain: 2,
      testLength,
      trainTokens: 7,
      testSequences: 3,
      entropyRate: 1.2,
      order: 1,
    },
    train: Int8Array.from([0, 1, 2, 3, 3, 2, 1]),
    test,
  };
}

test('LM data round-trips through meta.json and the Int8 token files', async () => {
  const dir = await tempDir('ablate-lm-format-');
  try {
    const data = tiny();
    await writeLmData(dir, data);
    const back = await readLmData(dir);
    assert.deepEqual(back.meta, data.meta);
    assert.deepEqual(Array.from(back.train), Array.from(data.train));
    assert.deepEqual(Array.from(back.test), Array.from(data.test));
    assert.equal((await readFile(path.join(dir, 'train.tokens.bin'))).length, 7);
  } finally {
    await removeDir(dir);
  }
});

test('testRow is a view of row i with testLength + 1 tokens', () => {
  const data = tiny();
  const row = testRow(data, 1);
  assert.equal(row.length, 6);
  assert.deepEqual(Array.from(row), Array.from(data.test.subarray(6, 12)));
  data.test[6] = 3;
  assert.equal(row[0], 3, 'a view shares the buffer');
  assert.throws(() => testRow(data, 3), /row 3 is not in 0\.\.2/);
});

test('inconsistent data is refused with the reason', async () => {
  const dir = await tempDir('ablate-lm-format-');
  try {
    const bad = tiny();
    bad.train[2] = 4;
    await assert.rejects(writeLmData(dir, bad), /train token 2 is 4, outside 0\.\.3/);
    const short = tiny();
    short.meta.trainTokens = 8;
    await assert.rejects(writeLmData(dir, short), /train stream has 7 tokens, meta says 8/);
    await writeLmData(dir, tiny());
    await writeFile(path.join(dir, 'test.tokens.bin'), Buffer.alloc(5));
    await assert.rejects(readLmData(dir), /test has 5 tokens, meta says 3 rows of 6/);
    await assert.rejects(readLmData(path.join(dir, 'missing')), /meta\.json: cannot read LM data meta/);
  } finally {
    await removeDir(dir);
  }
});
