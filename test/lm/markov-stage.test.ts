import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import markov from '../../stages/markov.js';
import { readLmData, testRow } from '../../stages/lm/data/format.js';
import { entropyRate, readMarkovSource } from '../../stages/lm/data/markov-source.js';
import { makeCtx, removeDir, runStage, tempDir } from '../ml/ctx.js';

const SMALL = { vocab: 4, order: 2, lTrain: 8, trainTokens: 5000, testSequences: 6 };

async function files(dir: string): Promise<Record<string, Buffer>> {
  const names = ['meta.json', 'train.tokens.bin', 'test.tokens.bin', 'source.json'];
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n))] as const)));
}

test('markov writes the LM data artifact and its source; same seed, same bytes', async () => {
  const root = await tempDir('ablate-lm-markov-');
  try {
    const a = await runStage(markov, await makeCtx(path.join(root, 'a'), 'markov', SMALL));
    const data = await readLmData(a.dir);
    const source = await readMarkovSource(a.dir);
    assert.deepEqual(a.files, ['meta.json', 'source.json', 'test.tokens.bin', 'train.tokens.bin']);
    assert.equal(data.meta.source, 'markov');
    assert.equal(data.meta.testLength, 32);
    assert.equal(data.meta.order, 2);
    assert.deepEqual(data.meta.symbols, ['a', 'b', 'c', 'd']);
    assert.equal(data.meta.entropyRate, entropyRate(source));
    assert.equal(data.train.length, 5000);
    assert.equal(testRow(data, 5).length, 33);
    assert.equal(source.transition.length, 16 * 4);

    const again = await runStage(markov, await makeCtx(path.join(root, 'b'), 'markov', SMALL));
    assert.deepEqual(await files(again.dir), await files(a.dir));

    const otherSeed = await runStage(markov, await makeCtx(path.join(root, 'c'), 'markov', { ...SMALL, seed: 1 }));
    assert.deepEqual(
      (await files(otherSeed.dir))['source.json'],
      (await files(a.dir))['source.json'],
      'seed does not change the source',
    );
    assert.notDeepEqual((await files(otherSeed.dir))['train.tokens.bin'], (await files(a.dir))['train.tokens.bin']);

    const otherSource = await runStage(
      markov,
      await makeCtx(path.join(root, 'd'), 'markov', { ...SMALL, sourceSeed: 1 }),
    );
    assert.notDeepEqual((await files(otherSource.dir))['source.json'], (await files(a.dir))['source.json']);
  } finally {
    await removeDir(root);
  }
});

test('too many contexts is refused naming vocab and order', async () => {
  const root = await tempDir('ablate-lm-markov-');
  try {
    await assert.rejects(
      markov.run(await makeCtx(root, 'markov', { vocab: 8, order: 4 })),
      /vocab\^order = 8\^4 = 4096 contexts; at most 1024/,
    );
  } finally {
    await removeDir(root);
  }
});
