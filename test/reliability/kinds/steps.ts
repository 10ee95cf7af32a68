/**
 * A test stage kind that behaves like a long training run: it advances a
 * deterministic state one step at a time, checkpoints it to ctx.workDir
 * after every step (write + rename, so a checkpoint is whole or absent) and
 * resumes from the last checkpoint when it is started again.
 *
 * When ABLATE_TEST_JOURNAL names a file, it appends one JSON line per
 * event (start with the step it resumed from, checkpoint, writing, end) so
 * tests can see resumes and overlapping computations. The journal is
 * outside the cache and never part of the outputs.
 *
 * When ABLATE_TEST_HOLD is "STAGE:STEP", the cells of STAGE stop after
 * checkpointing STEP (when that is not their last step) and wait there until
 * they are stopped, or until the file ABLATE_TEST_RELEASE names exists: a
 * test that must interrupt mid-training waits for that checkpoint and then
 * knows the cell cannot finish first, however slow or fast the machine is;
 * a test of concurrent runs holds them all mid-run until each has started.
 * None of these variables changes what a cell computes.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputArtifact, StageContext, StageDefinition } from '../../../src/stage-api.js';

interface Checkpoint {
  step: number;
  state: string;
}

export function journal(ctx: Pick<StageContext, 'cell'>, event: Record<string, unknown>): void {
  const file = process.env.ABLATE_TEST_JOURNAL;
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify({ cell: ctx.cell, pid: process.pid, t: Date.now(), ...event })}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The step after which this cell holds (see ABLATE_TEST_HOLD), if it does. */
function holdStep(ctx: Pick<StageContext, 'stage'>): number | undefined {
  const m = /^(.+):(\d+)$/.exec(process.env.ABLATE_TEST_HOLD ?? '');
  return m !== null && m[1] === ctx.stage ? Number(m[2]) : undefined;
}

/** Waits until the cell is stopped (its signal aborts, or its process is killed) or released. */
async function hold(ctx: StageContext, step: number): Promise<void> {
  journal(ctx, { event: 'hold', step });
  const release = process.env.ABLATE_TEST_RELEASE;
  while (!ctx.signal.aborted && (release === undefined || release === '' || !existsSync(release))) await sleep(20);
}

function readCheckpoint(workDir: string): Checkpoint | undefined {
  try {
    return JSON.parse(readFileSync(join(workDir, 'ckpt.json'), 'utf8')) as Checkpoint;
  } catch {
    return undefined;
  }
}

/** The upstream outputs a cell reads, in a fixed order, folded into its initial state. */
function inputDigest(ctx: StageContext): string {
  const h = createHash('sha256');
  for (const name of Object.keys(ctx.inputs).sort()) {
    const value = ctx.inputs[name] as InputArtifact | InputArtifact[];
    for (const a of Array.isArray(value) ? value : [value]) {
      h.update(`${name}:${a.cell}:`);
      h.update(readFileSync(join(a.dir, 'state.txt')));
    }
  }
  return h.digest('hex');
}

/** `size` bytes derived from `state`, so outputs are large but still deterministic. */
function payload(state: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(state).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const definition: StageDefinition = {
  description: 'deterministic, checkpointing stand-in for a training run (tests only)',
  params: {
    type: 'object',
    properties: {
      steps: { type: 'integer', minimum: 1, maximum: 10000 },
      stepMs: { type: 'integer', minimum: 0, maximum: 60000 },
      payloadKB: { type: 'integer', minimum: 0, maximum: 65536 },
      seed: { type: 'integer' },
    },
    required: ['steps'],
  },
  resources: { cpu: 1 },
  async run(ctx) {
    const steps = Number(ctx.params.steps);
    const holdAt = holdStep(ctx);
    const stepMs = Number(ctx.params.stepMs ?? 0);
    const resumed = readCheckpoint(ctx.workDir);
    let step = resumed?.step ?? 0;
    let state =
      resumed?.state ??
      createHash('sha256')
        .update(`${JSON.stringify(ctx.params)}|${inputDigest(ctx)}`)
        .digest('hex');
    journal(ctx, { event: 'start', fromStep: step });
    if (step > 0) ctx.log(`resuming from checkpoint at step ${step}`);
    while (step < steps) {
      if (ctx.signal.aborted) throw new Error('interrupted');
      await sleep(stepMs);
      state = createHash('sha256').update(`${state}:${step}`).digest('hex');
      step++;
      const tmp = join(ctx.workDir, 'ckpt.json.tmp');
      writeFileSync(tmp, JSON.stringify({ step, state } satisfies Checkpoint));
      renameSync(tmp, join(ctx.workDir, 'ckpt.json'));
      journal(ctx, { event: 'checkpoint', step });
      ctx.progress({ step, total: steps });
      if (step === holdAt && step < steps) await hold(ctx, step);
    }
    journal(ctx, { event: 'writing' });
    ctx.progress({ step, total: steps, message: 'writing outputs' });
    writeFileSync(join(ctx.outDir, 'state.txt'), `${state}\n`);
    writeFileSync(join(ctx.outDir, 'payload.bin'), payload(state, Number(ctx.params.payloadKB ?? 0) * 1024));
    journal(ctx, { event: 'end' });
  },
};

export default definition;
