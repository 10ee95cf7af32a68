/**
 * The differential cache-soundness fuzzer with a fixed seed: after every
 * edit, a warm cache's results equal a cold run's, byte for byte.
 * `npm run test:fuzz` runs it long with a random seed.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import { formatCounts, newCounts } from './driver.js';
import { reorderedFanIn, sameIdOtherValues } from './examples.js';
import { caseJson, soundnessProperty } from './property.js';

/** Bounded by cases, not time, so the verdict never depends on the machine's speed. */
const SEED = 20261206;
const RUNS = 6;
const MAX_STEPS = 4;

test('a warm cache serves what a cold run computes, after every edit (fixed seed)', { timeout: 600_000 }, async (t) => {
  const counts = newCounts();
  // No shrinking here (each case runs the CLI dozens of times); the message names the command that shrinks it.
  const details = await fc.check(soundnessProperty({ tricky: true, ordered: true }, MAX_STEPS, counts, 0), {
    seed: SEED,
    numRuns: RUNS,
    endOnFailure: true,
    examples: [sameIdOtherValues, reorderedFanIn],
  });
  t.diagnostic(formatCounts(counts));
  if (details.failed) {
    const ce = details.counterexample;
    const json = ce === null ? '(none)\n' : caseJson(ce, details.errorInstance);
    const file = join(tmpdir(), `ablate-fuzz-counterexample-${SEED}.json`);
    writeFileSync(file, json);
    throw new Error(
      `${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance)}\n` +
        `counterexample (not shrunk):\n${json}replay it: FUZZ_REPLAY=${file} npm run test:fuzz`,
    );
  }
});
