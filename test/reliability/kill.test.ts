/**
 * Kill anywhere, quick variant: three SIGKILLs of the runner's process group
 * (one at a random moment, one while a cell's outputs are being written
 * and committed, one mid-training). `npm run test:faults` runs 36.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { baseline, killTrial, rng, type KillMoment } from './kill-trial.js';
import { QUICK_STUDY } from './pipelines.js';

test(
  'SIGKILL of the runner and its workers loses nothing and the next run finishes the job',
  { timeout: 900_000 },
  async (t) => {
    const base = await baseline(QUICK_STUDY);
    const seed = Number(process.env.ABLATE_FAULT_SEED ?? Date.now() % 100_000);
    const random = rng(seed);
    for (const moment of ['random', 'writing', 'training'] as KillMoment[]) {
      const r = await killTrial(base, moment, random);
      t.diagnostic(
        `seed ${seed} ${moment}: killed at ${r.killedAtMs} ms, ${r.committed} cells committed, leftovers ${JSON.stringify(r.leftovers)}, resumed ${JSON.stringify(r.resumed)}`,
      );
      if (moment === 'training') {
        // Killed at step >= 1 of a training cell: the next run resumes it from its checkpoint.
        assert.ok(
          r.resumed.some((x) => x.cell.startsWith('train') && x.fromStep >= 1),
          `no training cell resumed (seed ${seed})`,
        );
      }
    }
  },
);
