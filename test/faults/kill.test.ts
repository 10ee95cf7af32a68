/**
 * Kill anywhere, long loop (npm run test:faults): 36 SIGKILLs of the runner's
 * process group, 12 at random moments, 12 while a cell's outputs are written,
 * stored and committed, 12 mid-training; each followed by the checks of
 * killTrial (doctor, a completing run, no recomputation, byte-identical
 * finals) and, mid-training, a resume from the checkpoint.
 * ABLATE_FAULT_TRIALS scales the count; ABLATE_FAULT_SEED replays a draw.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { baseline, killTrial, rng, type KillMoment, type TrialResult } from '../reliability/kill-trial.js';
import { LONG_STUDY } from '../reliability/pipelines.js';

const PER_MOMENT = Number(process.env.ABLATE_FAULT_TRIALS ?? 12);

test(`kill anywhere: ${3 * PER_MOMENT} SIGKILLs of the runner and its workers`, { timeout: 3_600_000 }, async (t) => {
  const seed = Number(process.env.ABLATE_FAULT_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  const base = await baseline(LONG_STUDY);
  t.diagnostic(`seed ${seed}; an uninterrupted run takes ${base.durationMs} ms`);
  const results: TrialResult[] = [];
  for (let i = 0; i < PER_MOMENT; i++) {
    for (const moment of ['random', 'writing', 'training'] as KillMoment[]) {
      const r = await killTrial(base, moment, random, { gc: true });
      results.push(r);
      t.diagnostic(
        `trial ${results.length} ${moment}: killed at ${r.killedAtMs} ms, ${r.committed} committed, leftovers ${JSON.stringify(r.leftovers)}, resumed ${r.resumed.map((x) => `${x.cell}@${x.fromStep}`).join(' ') || '-'}`,
      );
      if (moment === 'training')
        assert.ok(
          r.resumed.some((x) => x.cell.startsWith('train') && x.fromStep >= 1),
          `trial ${results.length}: no training cell resumed`,
        );
    }
  }
  const count = (f: (r: TrialResult) => boolean): number => results.filter(f).length;
  t.diagnostic(
    `SUMMARY trials=${results.length} passed=${results.length} ` +
      `killedWithBlobTmp=${count((r) => r.leftovers.blobTmp > 0)} killedWithOrphanBlobs=${count((r) => r.leftovers.orphanBlobs > 0)} ` +
      `killedWithScratch=${count((r) => r.leftovers.scratch > 0)} resumedTraining=${count((r) => r.resumed.some((x) => x.cell.startsWith('train')))} ` +
      `committedBeforeKill=${results.map((r) => r.committed).join(',')}`,
  );
});
