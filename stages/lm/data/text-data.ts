/**
 * Character-level next-token data from a list of documents. Every
 * heldOutEvery-th document (the ones at index heldOutEvery-1, 2*heldOutEvery-1,
 * ... in id order) is held out; the rest, in a seeded order, are joined by the
 * document separator into the train stream, cut at trainTokens. Test rows are
 * windows of testLength + 1 characters at seeded positions inside held-out
 * documents, uniform over all such windows.
 */
import { deriveSeed, Rng } from '../../ml/prng.js';
import type { BrownDocument } from './brown.js';
import { LM_DATA_FORMAT, type LmData } from './format.js';
import { DOC_SEPARATOR, encodeText, TEXT_SYMBOLS } from './text-vocab.js';

export interface TextDataParams {
  lTrain: number;
  testLengthFactor: number;
  trainTokens: number;
  testSequences: number;
  heldOutEvery: number;
  seed: number;
}

export interface DocumentSplit {
  train: BrownDocument[];
  heldOut: BrownDocument[];
}

export function splitDocuments(docs: BrownDocument[], heldOutEvery: number): DocumentSplit {
  const split: DocumentSplit = { train: [], heldOut: [] };
  docs.forEach((d, i) => (i % heldOutEvery === heldOutEvery - 1 ? split.heldOut : split.train).push(d));
  return split;
}

function shuffled<T>(items: T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The train stream: documents in a seeded order, separated, cut at `cap` tokens. */
function trainStream(docs: BrownDocument[], cap: number, rng: Rng): Int8Array {
  const out = new Int8Array(cap);
  let n = 0;
  for (const d of shuffled(docs, rng)) {
    if (n > 0 && n < cap) out[n++] = DOC_SEPARATOR;
    const tokens = encodeText(d.text).subarray(0, cap - n);
    out.set(tokens, n);
    n += tokens.length;
    if (n >= cap) break;
  }
  return out.slice(0, n);
}

/** `count` windows of `width` tokens, uniform over every window inside one document. */
function testWindows(docs: BrownDocument[], width: number, count: number, rng: Rng): Int8Array {
  const encoded = docs.map((d) => encodeText(d.text)).filter((t) => t.length >= width);
  if (encoded.length === 0)
    throw new Error(`no held-out document has testLength + 1 = ${width} characters; lower lTrain or testLengthFactor`);
  const starts = encoded.map((t) => t.length - width + 1);
  const total = starts.reduce((a, b) => a + b, 0);
  const out = new Int8Array(count * width);
  for (let i = 0; i < count; i++) {
    let r = rng.int(total);
    let d = 0;
    while (r >= starts[d]!) r -= starts[d++]!;
    out.set(encoded[d]!.subarray(r, r + width), i * width);
  }
  return out;
}

export function generateTextData(docs: BrownDocument[], p: TextDataParams): LmData {
  const { train, heldOut } = splitDocuments(docs, p.heldOutEvery);
  if (heldOut.length === 0) throw new Error(`heldOutEvery ${p.heldOutEvery} holds out no document of ${docs.length}`);
  const testLength = p.testLengthFactor * p.lTrain;
  const trainTokens = trainStream(train, p.trainTokens, new Rng(deriveSeed(p.seed, 'text-train')));
  const test = testWindows(heldOut, testLength + 1, p.testSequences, new Rng(deriveSeed(p.seed, 'text-test')));
  return {
    meta: {
      format: LM_DATA_FORMAT,
      source: 'text',
      vocab: TEXT_SYMBOLS.length,
      symbols: [...TEXT_SYMBOLS],
      lTrain: p.lTrain,
      testLength,
      trainTokens: trainTokens.length,
      testSequences: p.testSequences,
      entropyRate: null,
      order: null,
    },
    train: trainTokens,
    test,
  };
}
