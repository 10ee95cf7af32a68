/**
 * The next-token data artifact written by stage kinds `markov` and `text`:
 * `meta.json` (LmDataMeta), `train.tokens.bin` (one Int8 token stream; the
 * trainer samples windows of lTrain tokens at random offsets) and
 * `test.tokens.bin` (testSequences rows of testLength + 1 Int8 tokens,
 * row-major: inputs x[0..testLength-1], targets x[1..testLength]).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readI8, toBytes, writeFileAtomic } from '../../ml/binio.js';

export const LM_DATA_FORMAT = 'ablate-lm-data/1';

export interface LmDataMeta {
  format: typeof LM_DATA_FORMAT;
  source: 'markov' | 'text';
  /** Token ids are 0..vocab-1 (< 128, so they fit Int8). */
  vocab: number;
  /** Printable name of each token id (text: the character; markov: 'a', 'b', ...). */
  symbols: string[];
  /** Training window length l_train. */
  lTrain: number;
  /** Test sequence length (by default 4 * lTrain). */
  testLength: number;
  /** Length of the train stream. */
  trainTokens: number;
  /** Number of test sequences. */
  testSequences: number;
  /** Exact entropy rate in nats/token (markov only). */
  entropyRate: number | null;
  /** Markov order k (markov only). */
  order: number | null;
}

export interface LmData {
  meta: LmDataMeta;
  train: Int8Array;
  /** testSequences rows of (testLength + 1) tokens, row-major. */
  test: Int8Array;
}

const META = 'meta.json';
const TRAIN = 'train.tokens.bin';
const TEST = 'test.tokens.bin';

/** Why `data` is not a consistent artifact, or null when it is. */
export function checkLmData(data: LmData): string | null {
  const m = data.meta;
  if ((m.format as unknown) !== LM_DATA_FORMAT)
    return `format is ${JSON.stringify(m.format)}, expected ${LM_DATA_FORMAT}`;
  if (!Number.isInteger(m.vocab) || m.vocab < 1 || m.vocab > 128) return `vocab ${m.vocab} is not in 1..128`;
  if (m.symbols.length !== m.vocab) return `${m.symbols.length} symbols for vocab ${m.vocab}`;
  if (data.train.length !== m.trainTokens)
    return `train stream has ${data.train.length} tokens, meta says ${m.trainTokens}`;
  if (data.test.length !== m.testSequences * (m.testLength + 1)) {
    return `test has ${data.test.length} tokens, meta says ${m.testSequences} rows of ${m.testLength + 1}`;
  }
  for (const [name, tokens] of [
    ['train', data.train],
    ['test', data.test],
  ] as const) {
    const bad = tokens.findIndex((t) => t < 0 || t >= m.vocab);
    if (bad >= 0) return `${name} token ${bad} is ${tokens[bad]}, outside 0..${m.vocab - 1}`;
  }
  return null;
}

export async function writeLmData(dir: string, data: LmData): Promise<void> {
  const problem = checkLmData(data);
  if (problem) throw new Error(`writeLmData: ${problem}`);
  await writeFileAtomic(path.join(dir, TRAIN), toBytes(data.train));
  await writeFileAtomic(path.join(dir, TEST), toBytes(data.test));
  await writeFileAtomic(path.join(dir, META), `${JSON.stringify(data.meta, null, 2)}\n`);
}

export async function readLmData(dir: string): Promise<LmData> {
  let meta: LmDataMeta;
  try {
    meta = JSON.parse(await readFile(path.join(dir, META), 'utf8')) as LmDataMeta;
  } catch (e) {
    throw new Error(`${path.join(dir, META)}: cannot read LM data meta (${(e as Error).message})`);
  }
  const data = { meta, train: await readI8(path.join(dir, TRAIN)), test: await readI8(path.join(dir, TEST)) };
  const problem = checkLmData(data);
  if (problem) throw new Error(`${dir}: not an LM data artifact: ${problem}`);
  return data;
}

/** A view (no copy) of test row i: testLength + 1 tokens. */
export function testRow(data: LmData, i: number): Int8Array {
  const { testLength, testSequences } = data.meta;
  if (!Number.isInteger(i) || i < 0 || i >= testSequences)
    throw new Error(`testRow: row ${i} is not in 0..${testSequences - 1}`);
  const w = testLength + 1;
  return data.test.subarray(i * w, (i + 1) * w);
}
