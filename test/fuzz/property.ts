/** The cache-soundness property, shared by the fixed-seed test and the long runner. */
import fc from 'fast-check';
import { steps, world, type GenOptions } from './arbitraries.js';
import { playCase, type Counts } from './driver.js';
import type { Step } from './edits.js';
import type { World } from './model.js';

export interface FuzzCase {
  world: World;
  steps: Step[];
}

export function soundnessProperty(o: GenOptions, maxSteps: number, counts: Counts): fc.IAsyncPropertyWithHooks<[World, Step[]]> {
  return fc.asyncProperty(world(o), steps(o, maxSteps), (w, s) => playCase(w, s, counts));
}

/** A counterexample as replayable JSON (`FUZZ_REPLAY=file npm run test:fuzz`). */
export function caseJson(c: [World, Step[]]): string {
  const value: FuzzCase = { world: c[0], steps: c[1] };
  return `${JSON.stringify(value, null, 2)}\n`;
}
