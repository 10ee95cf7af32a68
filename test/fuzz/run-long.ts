/**
 * `npm run test:fuzz`: the cache-soundness fuzzer with a random seed, for a
 * number of cases or minutes. On failure it prints the seed, the path and the
 * shrunk counterexample, and writes the counterexample to a file to replay.
 *
 *   FUZZ_SEED=N      replay a seed (with FUZZ_PATH=P: straight to the counterexample)
 *   FUZZ_RUNS=N      stop after N cases (default 200)
 *   FUZZ_MINUTES=M   stop starting new cases after M minutes (default: no limit)
 *   FUZZ_STEPS=N     edits per case, at most (default 6)
 *   FUZZ_SHRINK=N    cases to play while shrinking a counterexample (default 60)
 *   FUZZ_TRICKY=0    leave out the identity-stressing values
 *   FUZZ_ORDERED=0   fan-ins read their inputs sorted by content, not in the order fed
 *                    (hides faults of input order, to hunt the others)
 *   FUZZ_REPLAY=F    play the case in file F (a counterexample written earlier) once
 *   FUZZ_KEEP=1      keep each case's temporary project
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatCounts, newCounts, playCase } from './driver.js';
import { caseJson, soundnessProperty, type FuzzCase } from './property.js';
import type { Step } from './edits.js';
import type { World } from './model.js';

function numberEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`error: ${name}=${raw} is not a non-negative number\n`);
    process.exit(2);
  }
  return n;
}

async function replay(file: string): Promise<number> {
  const c = JSON.parse(readFileSync(file, 'utf8')) as FuzzCase;
  const counts = newCounts();
  try {
    await playCase(c.world, c.steps, counts);
    process.stdout.write(`replay of ${file}: sound\n${formatCounts(counts)}\n`);
    return 0;
  } catch (e) {
    process.stdout.write(`replay of ${file}: UNSOUND\n${(e as Error).message}\n${formatCounts(counts)}\n`);
    return 1;
  }
}

async function main(): Promise<number> {
  const replayFile = process.env.FUZZ_REPLAY;
  if (replayFile !== undefined && replayFile !== '') return replay(replayFile);
  const seed = numberEnv('FUZZ_SEED') ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
  const runs = numberEnv('FUZZ_RUNS') ?? 200;
  const minutes = numberEnv('FUZZ_MINUTES');
  const maxSteps = numberEnv('FUZZ_STEPS') ?? 6;
  const maxShrinks = numberEnv('FUZZ_SHRINK') ?? 60;
  const path = process.env.FUZZ_PATH;
  const tricky = process.env.FUZZ_TRICKY !== '0';
  const ordered = process.env.FUZZ_ORDERED !== '0';
  const counts = newCounts();
  const began = Date.now();
  process.stdout.write(
    `fuzz: seed ${seed}${path ? `, path ${path}` : ''}, up to ${runs} cases${minutes !== undefined ? ` or ${minutes} min` : ''}, up to ${maxSteps} edits each${tricky ? '' : ', plain values only'}${ordered ? '' : ', fan-ins unordered'}\n`,
  );
  // One line per case on stderr, so a long run shows it is alive.
  const property = soundnessProperty({ tricky, ordered }, maxSteps, counts, maxShrinks);
  const details = await fc.check<[World, Step[]]>(property, {
    plugins: [
      fc.afterEach(() => {
        process.stderr.write(`fuzz: ${formatCounts(counts)}\n`);
      }),
    ],
    seed,
    numRuns: runs,
    ...(path ? { path } : {}),
    ...(minutes !== undefined ? { interruptAfterTimeLimit: minutes * 60_000 } : {}),
  });
  const elapsed = ((Date.now() - began) / 60_000).toFixed(1);
  if (!details.failed) {
    process.stdout.write(
      `fuzz: no counterexample in ${details.numRuns} cases (${elapsed} min${details.interrupted ? ', time limit reached' : ''})\n${formatCounts(counts)}\n`,
    );
    return 0;
  }
  const ce = details.counterexample;
  const message = (details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance);
  process.stdout.write(
    `fuzz: COUNTEREXAMPLE in case ${details.numRuns}, shrunk ${details.numShrinks} times in ${counts.shrinks} played cases (${elapsed} min)\n`,
  );
  process.stdout.write(`seed ${details.seed}, path "${details.counterexamplePath}"\n${message}\n`);
  if (ce !== null) {
    const file = join(tmpdir(), `ablate-fuzz-counterexample-${details.seed}.json`);
    writeFileSync(file, caseJson(ce, details.errorInstance));
    process.stdout.write(`shrunk counterexample (world, then edits):\n${caseJson(ce, details.errorInstance)}`);
    process.stdout.write(
      `replay: FUZZ_REPLAY=${file} npm run test:fuzz   or   FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npm run test:fuzz\n`,
    );
  }
  process.stdout.write(`${formatCounts(counts)}\n`);
  return 1;
}

process.exitCode = await main();
