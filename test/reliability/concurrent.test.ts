/** Concurrent runs, quick variant: one round of three processes. `npm run test:faults` runs ten rounds. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { concurrentTrial } from './concurrent-trial.js';
import { rng } from './kill-trial.js';

test(
  'three ablate runs on one cache with overlapping pipelines: all succeed, no cell computed twice at once',
  { timeout: 600_000 },
  async (t) => {
    const r = await concurrentTrial(3, rng(7));
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.recomputed, 0, 'a cell was computed twice');
  },
);
