/**
 * Order-k Markov sources over a vocabulary of V tokens: the table of the V^k
 * context rows (context index in base V, oldest token most significant),
 * each a symmetric Dirichlet(concentration) draw, its exact stationary
 * distribution over contexts and exact entropy rate, the exact Bayes
 * predictive of the next token given any prefix, and seeded sampling.
 *
 * A stream starts from a context drawn from the stationary distribution that
 * is not itself emitted; since that start is stationary, the emitted stream
 * is stationary too, and its first k tokens have the law of a context.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../ml/binio.js';
import { Rng } from '../../ml/prng.js';
import { dirichletInto } from './dirichlet.js';
import { nextContext, stationaryOf } from './stationary.js';

export interface MarkovSource {
  vocab: number;
  order: number;
  /** V^k rows of V next-token probabilities, row-major. */
  transition: Float64Array;
  /** Stationary distribution over the V^k contexts. */
  stationary: Float64Array;
}

export interface MarkovSourceParams {
  vocab: number;
  order: number;
  concentration: number;
  seed: number;
}

/** The most contexts (V^k) a source may have: the stationary solve is O((V^k)^3). */
export const MAX_CONTEXTS = 1024;

export function contextCount(vocab: number, order: number): number {
  return vocab ** order;
}

/** A source drawn from `seed` (a full seed; callers derive it with deriveSeed). */
export function drawMarkovSource(p: MarkovSourceParams): MarkovSource {
  const n = contextCount(p.vocab, p.order);
  if (n > MAX_CONTEXTS)
    throw new Error(`vocab^order = ${p.vocab}^${p.order} = ${n} contexts; at most ${MAX_CONTEXTS} are supported`);
  const rng = new Rng(p.seed);
  const transition = new Float64Array(n * p.vocab);
  for (let c = 0; c < n; c++) dirichletInto(rng, p.vocab, p.concentration, transition, c * p.vocab);
  return { vocab: p.vocab, order: p.order, transition, stationary: stationaryOf(transition, p.vocab, n) };
}

/** Shannon entropy (nats) of row `c` of the table. */
function rowEntropy(s: MarkovSource, c: number): number {
  let h = 0;
  for (let y = 0; y < s.vocab; y++) {
    const q = s.transition[c * s.vocab + y]!;
    if (q > 0) h -= q * Math.log(q);
  }
  return h;
}

/** Exact entropy rate, nats/token: sum over contexts of pi(c) H(T[c]). */
export function entropyRate(s: MarkovSource): number {
  let h = 0;
  for (let c = 0; c < s.stationary.length; c++) h += s.stationary[c]! * rowEntropy(s, c);
  return h;
}

/** Context index of the last `order` tokens of `tokens` (tokens.length >= order). */
export function contextOf(s: MarkovSource, tokens: ArrayLike<number>): number {
  let c = 0;
  for (let i = tokens.length - s.order; i < tokens.length; i++) c = c * s.vocab + tokens[i]!;
  return c;
}

function checkToken(s: MarkovSource, t: number, i: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= s.vocab)
    throw new Error(`prefix token ${i} is ${t}, outside 0..${s.vocab - 1}`);
}

/**
 * Exact posterior predictive of the next token given the whole prefix, the
 * hidden start context drawn from the stationary distribution. With at least
 * k tokens seen it is the row of the last k; with fewer, the forward
 * algorithm over contexts gives the posterior over the current context.
 */
export function bayesNextToken(s: MarkovSource, prefix: ArrayLike<number>): Float64Array {
  const V = s.vocab;
  for (let i = 0; i < prefix.length; i++) checkToken(s, prefix[i]!, i);
  if (prefix.length >= s.order) {
    const c = contextOf(s, prefix);
    return s.transition.slice(c * V, (c + 1) * V);
  }
  const n = s.stationary.length;
  let alpha = Float64Array.from(s.stationary);
  for (let i = 0; i < prefix.length; i++) {
    const y = prefix[i]!;
    const next = new Float64Array(n);
    let z = 0;
    for (let c = 0; c < n; c++) {
      const w = alpha[c]! * s.transition[c * V + y]!;
      next[nextContext(c, y, V, n)]! += w;
      z += w;
    }
    if (!(z > 0)) throw new Error(`prefix has probability 0 under the source (at token ${i})`);
    for (let c = 0; c < n; c++) next[c]! /= z;
    alpha = next;
  }
  const out = new Float64Array(V);
  for (let c = 0; c < n; c++) {
    const a = alpha[c]!;
    if (a === 0) continue;
    for (let y = 0; y < V; y++) out[y]! += a * s.transition[c * V + y]!;
  }
  return out;
}

/** Index drawn from the distribution p[offset..offset+n) (sums to 1). */
function drawIndex(rng: Rng, p: Float64Array, offset: number, n: number): number {
  let u = rng.next();
  for (let i = 0; i < n - 1; i++) {
    u -= p[offset + i]!;
    if (u < 0) return i;
  }
  return n - 1;
}

/** n tokens of the source from a stationary start context. */
export function sampleStream(s: MarkovSource, n: number, rng: Rng): Int8Array {
  const contexts = s.stationary.length;
  let c = drawIndex(rng, s.stationary, 0, contexts);
  const out = new Int8Array(n);
  for (let t = 0; t < n; t++) {
    const y = drawIndex(rng, s.transition, c * s.vocab, s.vocab);
    out[t] = y;
    c = nextContext(c, y, s.vocab, contexts);
  }
  return out;
}

const SOURCE_FILE = 'source.json';

/** `source.json`: { order, vocab, transition: V^k rows of V, stationary: V^k }. */
export async function writeMarkovSource(dir: string, s: MarkovSource): Promise<void> {
  const rows: number[][] = [];
  for (let c = 0; c < s.stationary.length; c++)
    rows.push(Array.from(s.transition.subarray(c * s.vocab, (c + 1) * s.vocab)));
  const json = { order: s.order, vocab: s.vocab, transition: rows, stationary: Array.from(s.stationary) };
  await writeFileAtomic(path.join(dir, SOURCE_FILE), `${JSON.stringify(json)}\n`);
}

export async function readMarkovSource(dir: string): Promise<MarkovSource> {
  const file = path.join(dir, SOURCE_FILE);
  let json: { order?: unknown; vocab?: unknown; transition?: unknown; stationary?: unknown };
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
  } catch (e) {
    throw new Error(`${file}: cannot read Markov source (${(e as Error).message})`);
  }
  const { order, vocab, transition, stationary } = json;
  if (!Number.isInteger(order) || !Number.isInteger(vocab))
    throw new Error(`${file}: order and vocab must be integers`);
  const n = contextCount(vocab as number, order as number);
  const okRows =
    Array.isArray(transition) &&
    transition.length === n &&
    transition.every((r) => Array.isArray(r) && r.length === vocab);
  if (!okRows) throw new Error(`${file}: transition must be ${n} rows of ${vocab as number} probabilities`);
  if (!Array.isArray(stationary) || stationary.length !== n)
    throw new Error(`${file}: stationary must have ${n} entries`);
  return {
    vocab: vocab as number,
    order: order as number,
    transition: Float64Array.from((transition as number[][]).flat()),
    stationary: Float64Array.from(stationary as number[]),
  };
}
