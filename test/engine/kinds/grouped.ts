/**
 * A test stage kind that runs its cells in groups over `seed`. Each member's
 * output is a pure function of its own params; how the member ran (the
 * size of its group, the step it resumed from) goes to a volatile output
 * and to its log, and when ABLATE_TEST_JOURNAL names a file, one JSON line
 * per process lists the cells it ran together.
 *
 * It counts `steps` steps per member, checkpointing each member to its own
 * workDir after every step. With ABLATE_TEST_GROUP_HOLD=1 (which changes
 * nothing a cell computes), every member stops after its first
 * checkpoint and waits until the run stops it or the file ABLATE_TEST_RELEASE
 * names exists, so a test can interrupt a group mid-run. A member whose seed
 * is `failSeed` fails alone, as a diverging replica would; `breakGroup`
 * fails a whole group.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineStage, type MemberOutcome, type ParamsOf, type StageContext } from '../../../src/stage-api.js';

const params = {
  type: 'object',
  properties: {
    seed: { type: 'integer' },
    offset: { type: 'integer', default: 0 },
    steps: { type: 'integer', minimum: 1, default: 3 },
    failSeed: { type: 'integer', default: -1 },
    /** How a group (never a lone cell) breaks: runGroup throws, or its process dies. */
    breakGroup: { enum: ['', 'throw', 'kill'], default: '' },
  },
  required: ['seed'],
  additionalProperties: false,
} as const;

type Ctx = StageContext<ParamsOf<typeof params>>;

function journal(event: Record<string, unknown>): void {
  const file = process.env.ABLATE_TEST_JOURNAL;
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify({ pid: process.pid, ...event })}\n`);
}

function checkpointOf(ctx: StageContext): number {
  try {
    return Number(readFileSync(join(ctx.workDir, 'step.txt'), 'utf8'));
  } catch {
    return 0;
  }
}

/** Waits for the run to stop the member, or for the test to release it. */
async function hold(ctx: StageContext): Promise<void> {
  const release = process.env.ABLATE_TEST_RELEASE ?? '';
  while (!ctx.signal.aborted && (release === '' || !existsSync(release))) await new Promise((r) => setTimeout(r, 20));
  if (ctx.signal.aborted) throw new Error('interrupted');
}

/** One member from its checkpoint to its outputs. */
async function train(ctx: Ctx, groupSize: number): Promise<void> {
  const resumedAt = checkpointOf(ctx);
  ctx.log(`${ctx.cell} in a group of ${groupSize}, resuming at step ${resumedAt}`);
  for (let step = resumedAt + 1; step <= ctx.params.steps; step++) {
    const tmp = join(ctx.workDir, 'step.tmp');
    writeFileSync(tmp, String(step));
    renameSync(tmp, join(ctx.workDir, 'step.txt'));
    ctx.progress({ step, total: ctx.params.steps });
    if (step === 1 && process.env.ABLATE_TEST_GROUP_HOLD === '1') {
      journal({ event: 'hold', cell: ctx.cell });
      await hold(ctx);
    }
  }
  writeFileSync(join(ctx.outDir, 'value.txt'), `${ctx.params.seed * 10 + ctx.params.offset}\n`);
  writeFileSync(join(ctx.outDir, 'run.json'), JSON.stringify({ groupSize, resumedAt }));
}

async function member(ctx: Ctx, groupSize: number): Promise<MemberOutcome> {
  if (ctx.params.seed === ctx.params.failSeed) return { ok: false, message: `loss is NaN (seed ${ctx.params.seed})` };
  await train(ctx, groupSize);
  return { ok: true };
}

export default defineStage({
  description: 'sibling cells run as one group (tests only)',
  params,
  volatile: ['run.json'],
  group: { over: ['seed'], maxSize: 8 },
  async run(ctx) {
    journal({ event: 'process', cells: [ctx.cell] });
    const outcome = await member(ctx, 1);
    if (!outcome.ok) throw new Error(outcome.message);
  },
  async runGroup(members) {
    journal({ event: 'process', cells: members.map((m) => m.cell) });
    const breakGroup = members[0]?.params.breakGroup;
    if (breakGroup === 'throw') throw new Error('the stacked model could not be built');
    if (breakGroup === 'kill') process.kill(process.pid, 'SIGKILL');
    // Members run side by side, as replicas of one stacked model would.
    return Promise.all(members.map((m) => member(m, members.length)));
  },
});
