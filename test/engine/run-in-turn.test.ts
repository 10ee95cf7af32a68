import test from 'node:test';
import assert from 'node:assert/strict';
import { runInTurn, type StageContext } from '../../src/stage-api.js';

function member(cell: string, signal: AbortSignal): StageContext<{ fail: boolean }> {
  return {
    stage: 's',
    cell,
    params: { fail: cell === 'b' },
    axes: {},
    seed: 0,
    inputs: {},
    outDir: '',
    workDir: '',
    runtime: {},
    progress: () => undefined,
    log: () => undefined,
    signal,
  };
}

test('runInTurn runs every member in order; one that throws fails alone', async () => {
  const ran: string[] = [];
  const signal = new AbortController().signal;
  const outcomes = await runInTurn(
    ['a', 'b', 'c'].map((c) => member(c, signal)),
    async (ctx) => {
      await Promise.resolve();
      ran.push(ctx.cell);
      if (ctx.params.fail) throw new Error(`${ctx.cell} broke`);
    },
  );
  assert.deepEqual(ran, ['a', 'b', 'c']);
  assert.deepEqual(outcomes, [{ ok: true }, { ok: false, message: 'b broke' }, { ok: true }]);
});

test('runInTurn stops running members once the group is aborted', async () => {
  const abort = new AbortController();
  const ran: string[] = [];
  const outcomes = await runInTurn(
    ['a', 'c', 'd'].map((c) => member(c, abort.signal)),
    async (ctx) => {
      await Promise.resolve();
      ran.push(ctx.cell);
      abort.abort();
    },
  );
  assert.deepEqual(ran, ['a']);
  assert.equal(outcomes[0]?.ok, true);
  for (const o of outcomes.slice(1))
    assert.deepEqual(o, { ok: false, message: 'The group was interrupted before this cell ran' });
});
