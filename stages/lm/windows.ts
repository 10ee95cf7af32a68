/**
 * Window sampling for the misalignment regularizer, in the paper's efficient
 * form. Each step draws one l_extra and `batchSize` offsets into the train
 * stream; window w holds lTrain + lExtra + 1 tokens:
 *
 *   s1 = w[0 .. lTrain-1]            targets w[1 .. lTrain]
 *   s2 = w[lExtra .. lExtra+lTrain-1] targets w[lExtra+1 .. lExtra+lTrain]
 *
 * Token w[j] (lExtra <= j < lTrain) sits at s1 position j and s2 position
 * j - lExtra: the same absolute tokens seen with lExtra fewer tokens of
 * context. The draws never depend on alpha, the divergence or whether s2 is
 * used, and offsets never depend on l_extra, so a run with alpha = 0 sees
 * exactly the batches of plain next-token training.
 */
import type { Rng } from '../ml/prng.js';

export type LExtraRange = 'half' | 'full';
export type Overlap = 'all' | 'last';

export interface WindowDraw {
  lExtra: number;
  offsets: number[];
}

/** Largest l_extra: lTrain/2 ('half', the default) or lTrain ('full'). */
export function maxExtra(lTrain: number, range: LExtraRange): number {
  return range === 'full' ? lTrain : Math.max(1, Math.floor(lTrain / 2));
}

/**
 * The compared positions: s1 rows s1From.. and s2 rows s2From.., `count` each;
 * null when the windows share no predicted token (lExtra >= lTrain).
 */
export function overlapRange(
  lTrain: number,
  lExtra: number,
  overlap: Overlap,
): { s1From: number; s2From: number; count: number } | null {
  if (lExtra < 1 || lExtra >= lTrain) return null;
  if (overlap === 'last') return { s1From: lTrain - 1, s2From: lTrain - lExtra - 1, count: 1 };
  return { s1From: lExtra, s2From: 0, count: lTrain - lExtra };
}

/** Draws windows from a stream of `streamLength` tokens. */
export class WindowSampler {
  readonly #offsets: number;

  constructor(
    streamLength: number,
    readonly lTrain: number,
    readonly batchSize: number,
    readonly range: LExtraRange,
    readonly rng: Rng,
  ) {
    // Room for the longest window any range can draw, so offsets ignore l_extra.
    const longest = 2 * lTrain + 1;
    if (streamLength < longest) {
      throw new Error(`The train stream has ${streamLength} tokens; windows need ${longest} (2 * lTrain + 1)`);
    }
    this.#offsets = streamLength - longest + 1;
  }

  next(): WindowDraw {
    // One uniform for l_extra, always drawn, mapped onto the range.
    const lExtra = 1 + Math.floor(this.rng.next() * maxExtra(this.lTrain, this.range));
    const offsets = Array.from({ length: this.batchSize }, () => this.rng.int(this.#offsets));
    return { lExtra, offsets };
  }
}

/** Inputs and targets of s1 (shift 0) or s2 (shift lExtra) of every window, batch-major. */
export function windowTokens(
  stream: ArrayLike<number>,
  offsets: readonly number[],
  lTrain: number,
  shift: number,
): { inputs: Int32Array; targets: Int32Array } {
  const inputs = new Int32Array(offsets.length * lTrain);
  const targets = new Int32Array(offsets.length * lTrain);
  offsets.forEach((o, b) => {
    for (let t = 0; t < lTrain; t++) {
      inputs[b * lTrain + t] = stream[o + shift + t]!;
      targets[b * lTrain + t] = stream[o + shift + t + 1]!;
    }
  });
  return { inputs, targets };
}
