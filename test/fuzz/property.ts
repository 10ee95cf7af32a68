/** The cache-soundness property, shared by the fixed-seed test and the long runner. */
import fc from 'fast-check';
import { steps, world, type GenOptions } from './arbitraries.js';
import { playCase, Unsound, type Counts } from './driver.js';
import type { Step } from './edits.js';
import type { World } from './model.js';

export interface FuzzCase {
  world: World;
  steps: Step[];
}

/**
 * Each case runs the CLI dozens of times, so shrinking is given a budget:
 * after the first failure, `maxShrinkRuns` more cases are played; after
 * that every candidate passes unplayed, which ends the shrink with the
 * smallest failing case found so far.
 */
export function soundnessProperty(
  o: GenOptions,
  maxSteps: number,
  counts: Counts,
  maxShrinkRuns: number,
): fc.IAsyncPropertyWithHooks<[World, Step[]]> {
  let failed = false;
  return fc.asyncProperty(world(o), steps(o, maxSteps), async (w, s) => {
    if (failed && counts.shrinks >= maxShrinkRuns) return;
    if (failed) counts.shrinks++;
    try {
      await playCase(w, s, counts);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
}

/**
 * A counterexample as replayable JSON (`FUZZ_REPLAY=file npm run test:fuzz`),
 * without the edits after the step that failed.
 */
export function caseJson(c: [World, Step[]], error?: unknown): string {
  const played = error instanceof Unsound ? c[1].slice(0, error.step) : c[1];
  const value: FuzzCase = { world: c[0], steps: played };
  return `${JSON.stringify(value, null, 2)}\n`;
}
