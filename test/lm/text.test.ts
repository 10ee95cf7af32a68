import test from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import text from '../../stages/text.js';
import { type BrownDocument, brownDir, detokenize, readBrown, stripTag } from '../../stages/lm/data/brown.js';
import { readLmData, testRow } from '../../stages/lm/data/format.js';
import { splitDocuments } from '../../stages/lm/data/text-data.js';
import { charToken, decodeTokens, encodeText, TEXT_SYMBOLS } from '../../stages/lm/data/text-vocab.js';
import { makeCtx, removeDir, runStage, tempDir } from '../ml/ctx.js';

const SMALL = { lTrain: 16, trainTokens: 30000, testSequences: 20 };

let docsOnce: Promise<BrownDocument[]> | undefined;
/** The corpus is read once per file: it takes seconds. */
function corpus(): Promise<BrownDocument[]> {
  docsOnce ??= readBrown();
  return docsOnce;
}

test('tags are stripped and words joined with English spacing', () => {
  assert.equal(stripTag('1/2/cd'), '1/2');
  assert.equal(stripTag("Atlanta's/np$"), "Atlanta's");
  const tagged =
    "\n\n\t``/`` Only/rb a/at (/( few/ap )/) ,/, he/pps said/vbd ''/'' ./.\n\n\tIt/pps rained/vbd ;/. then/rb --/-- 1/2/cd !/.\n";
  assert.equal(detokenize(tagged), '"Only a (few), he said". It rained; then -- 1/2!');
});

test('every character of the corpus maps into the vocabulary and no POS tag remains', async () => {
  const dir = brownDir();
  const docs = await corpus();
  assert.equal(docs.length, 500);
  assert.equal(TEXT_SYMBOLS.length, 41);
  for (const d of docs) {
    // Tags follow the last slash of each token; the only slashes left must be those inside words (1/2, lb./cu.).
    let slashesInWords = 0;
    for (const token of (await readFile(path.join(dir, d.id), 'utf8')).split(/\s+/).filter(Boolean)) {
      slashesInWords += Array.from(stripTag(token)).filter((c) => c === '/').length;
    }
    assert.equal(Array.from(d.text).filter((c) => c === '/').length, slashesInWords, d.id);
    const tokens = encodeText(d.text);
    assert.ok(
      tokens.every((t) => t >= 0 && t < TEXT_SYMBOLS.length),
      d.id,
    );
  }
  assert.match(
    docs[0]!.text,
    /^The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced "no evidence" that/,
  );
  assert.equal(decodeTokens(encodeText('Hello, World 42!')), 'hello, world ##!');
  assert.equal(TEXT_SYMBOLS[charToken('é')], '~');
  assert.equal(TEXT_SYMBOLS[charToken('~')], '~');
});

test('train and held-out documents are disjoint and cover the corpus', async () => {
  const docs = await corpus();
  const { train, heldOut } = splitDocuments(docs, 10);
  assert.equal(heldOut.length, 50);
  assert.equal(train.length + heldOut.length, docs.length);
  const held = new Set(heldOut.map((d) => d.id));
  assert.ok(train.every((d) => !held.has(d.id)));
  assert.deepEqual(
    heldOut.slice(0, 2).map((d) => d.id),
    ['ca10', 'ca20'],
  );
});

test('text writes the LM data artifact; test windows lie inside held-out documents; same seed, same bytes', async () => {
  const root = await tempDir('ablate-lm-text-');
  try {
    const a = await runStage(text, await makeCtx(path.join(root, 'a'), 'text', SMALL));
    const data = await readLmData(a.dir);
    assert.deepEqual(a.files, ['meta.json', 'split.json', 'test.tokens.bin', 'train.tokens.bin']);
    assert.equal(data.meta.source, 'text');
    assert.equal(data.meta.entropyRate, null);
    assert.equal(data.meta.testLength, 64);
    assert.equal(data.train.length, 30000);
    assert.deepEqual(data.meta.symbols, TEXT_SYMBOLS);

    const split = JSON.parse(await readFile(path.join(a.dir, 'split.json'), 'utf8')) as {
      train: string[];
      heldOut: string[];
      version: string;
    };
    assert.equal(split.version, '1.9.80');
    const docs = new Map((await corpus()).map((d) => [d.id, decodeTokens(encodeText(d.text))]));
    const heldText = split.heldOut.map((id) => docs.get(id)!);
    for (let i = 0; i < 20; i++) {
      const window = decodeTokens(testRow(data, i));
      assert.ok(
        heldText.some((t) => t.includes(window)),
        `test row ${i} is not inside a held-out document`,
      );
    }
    const trainText = decodeTokens(data.train);
    assert.ok(
      split.train.some((id) => trainText.startsWith(docs.get(id)!.slice(0, 200))),
      'the stream starts with a train document',
    );

    const again = await runStage(text, await makeCtx(path.join(root, 'b'), 'text', SMALL));
    for (const f of await readdir(a.dir)) {
      assert.deepEqual(await readFile(path.join(again.dir, f)), await readFile(path.join(a.dir, f)), f);
    }
    const other = await runStage(text, await makeCtx(path.join(root, 'c'), 'text', { ...SMALL, seed: 1 }));
    assert.notDeepEqual(
      await readFile(path.join(other.dir, 'test.tokens.bin')),
      await readFile(path.join(a.dir, 'test.tokens.bin')),
    );
  } finally {
    await removeDir(root);
  }
});

test('a folder without Brown documents and a too-long test window are refused clearly', async () => {
  const root = await tempDir('ablate-lm-text-');
  try {
    await assert.rejects(readBrown(root), /no Brown corpus documents/);
    await assert.rejects(
      text.run(await makeCtx(root, 'text', { lTrain: 4000, testLengthFactor: 64 })),
      /no held-out document has testLength \+ 1 = 256001 characters/,
    );
  } finally {
    await removeDir(root);
  }
});
