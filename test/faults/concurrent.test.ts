/** Concurrent runs, long loop (npm run test:faults): ten rounds of two or three processes on one cache. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { concurrentTrial } from '../reliability/concurrent-trial.js';
import { rng } from '../reliability/kill-trial.js';

const ROUNDS = Number(process.env.ABLATE_FAULT_ROUNDS ?? 10);

test(`concurrent runs: ${ROUNDS} rounds`, { timeout: 1_800_000 }, async (t) => {
  const seed = Number(process.env.ABLATE_FAULT_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  let computations = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const r = await concurrentTrial(i % 2 === 0 ? 3 : 2, random);
    computations += r.computations;
    t.diagnostic(`round ${i + 1}: ${JSON.stringify(r)}`);
    assert.equal(r.recomputed, 0, `round ${i + 1}: a cell was computed twice`);
  }
  t.diagnostic(`SUMMARY rounds=${ROUNDS} seed=${seed} computations=${computations} overlaps=0 recomputed=0`);
});
