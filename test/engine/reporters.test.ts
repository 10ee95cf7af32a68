/** The human reporter driven by events, on a fake terminal or a fake pipe. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { createLogUpdate } from 'log-update';
import type { RunEvent } from '../../src/execution/events.js';
import { HumanReporter } from '../../src/reporters/human.js';
import { shellWord } from '../../src/reporters/shell-quote.js';

/** A stream that records every write; `isTTY` makes the reporter draw its live view. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY, columns: 120, rows: 40 });
  return { stream, writes };
}

const plan = (toRunByStage: Record<string, number>, cached = 0): RunEvent => {
  const toRun = Object.values(toRunByStage).reduce((a, b) => a + b, 0);
  return { type: 'plan', pipeline: 'p', cells: toRun + cached, cached, toRun, jobs: 1, runtime: {}, toRunByStage };
};
const start = (stage: string, cell: string): RunEvent => ({ type: 'cell-start', stage, cell });
const exit = (stage: string, cell: string): RunEvent => ({ type: 'cell-exit', stage, cell });
const ran = (stage: string, cell: string, durationMs: number): RunEvent => ({
  type: 'cell',
  stage,
  cell,
  status: 'ran',
  durationMs,
});
const summary = (interrupted: boolean): RunEvent => ({
  type: 'summary',
  ran: 1,
  cached: 0,
  failed: 0,
  skipped: 0,
  durationMs: 5,
  interrupted,
  failures: [],
});

for (const interrupted of [false, true]) {
  test(`nothing is drawn after the final summary (${interrupted ? 'interrupted' : 'done'})`, async () => {
    const { stream, writes } = fakeStream(true);
    const r = new HumanReporter(stream, createLogUpdate);
    for (const e of [plan({ train: 2 }), start('train', 't1'), start('train', 't2'), ran('train', 't1', 100)])
      r.onEvent(e);
    r.onEvent({
      type: 'progress',
      stage: 'train',
      cell: 't2',
      update: { step: 3, total: 10, message: 'STILL-RUNNING' },
    });
    // The live view shows the running cell's progress before the end.
    await new Promise((done) => setTimeout(done, 300));
    assert.match(writes.join(''), /STILL-RUNNING/);
    r.onEvent(summary(interrupted));
    // Late progress, the 250 ms redraw timer and close() must not draw the bar or the running cell again.
    r.onEvent({
      type: 'progress',
      stage: 'train',
      cell: 't2',
      update: { step: 4, total: 10, message: 'STILL-RUNNING' },
    });
    await new Promise((done) => setTimeout(done, 600));
    r.close();
    const text = writes.join('');
    const end = text.search(/(done|interrupted): 1 ran/);
    assert.ok(end >= 0, 'the summary was written');
    const after = text.slice(end);
    assert.doesNotMatch(after, /STILL-RUNNING|cells ·|█|░/, `drawn after the summary: ${JSON.stringify(after)}`);
  });
}

test('the ETA counts each stage at its own pace', () => {
  const { stream, writes } = fakeStream(true);
  const r = new HumanReporter(stream, createLogUpdate);
  // One slow cell (10 s) and one fast cell (10 ms) done; one slow and nine fast left, one job: 10 s + 90 ms.
  r.onEvent(plan({ slow: 2, fast: 10 }));
  r.onEvent(ran('slow', 's1', 10_000));
  r.onEvent(ran('fast', 'f1', 10));
  const last = writes.filter((w) => w.includes('ETA')).at(-1) ?? '';
  // A mean over all cells would say (10 s + 10 ms) / 2 × 10 = 50 s.
  assert.match(last, /ETA 10\.1 s(?!\+)/, last);
  r.onEvent(summary(false));
  r.close();
});

test('the ETA says "+" while a stage with cells left has no duration yet', () => {
  const { stream, writes } = fakeStream(true);
  const r = new HumanReporter(stream, createLogUpdate);
  r.onEvent(plan({ slow: 2, report: 1 }));
  r.onEvent(ran('slow', 's1', 2_000));
  assert.match(writes.filter((w) => w.includes('ETA')).at(-1) ?? '', /ETA 2\.0 s\+/);
  r.onEvent(summary(false));
  r.close();
});

test('plain lines say start and ran in the order cells run, though a slot frees before the last cell is stored', () => {
  const { stream, writes } = fakeStream(false);
  const r = new HumanReporter(stream);
  // As the executor emits them with -j 1: the next cell starts as soon as the previous process exits.
  const events = [
    plan({ a: 3 }),
    start('a', 'a1'),
    exit('a', 'a1'),
    start('a', 'a2'),
    exit('a', 'a2'),
    start('a', 'a3'),
    ran('a', 'a1', 5),
    ran('a', 'a2', 5),
    exit('a', 'a3'),
    ran('a', 'a3', 5),
    summary(false),
  ];
  for (const e of events) r.onEvent(e);
  r.close();
  const lines = writes
    .join('')
    .split('\n')
    .filter((l) => /^(start|ran)/.test(l))
    .map((l) => l.replace(/\s+\(.*$/, '').replace(/\s+/, ' '));
  assert.deepEqual(lines, ['start a1', 'ran a1', 'start a2', 'ran a2', 'start a3', 'ran a3']);
});

test('a start line held for a cell still being stored is not lost when the run ends without its outcome', () => {
  const { stream, writes } = fakeStream(false);
  const r = new HumanReporter(stream);
  for (const e of [plan({ a: 2 }), start('a', 'a1'), exit('a', 'a1'), start('a', 'a2'), summary(true)]) r.onEvent(e);
  r.close();
  const text = writes.join('');
  assert.ok(text.indexOf('start   a2') >= 0 && text.indexOf('start   a2') < text.indexOf('interrupted:'), text);
});

test('dry-run lines are not warnings', () => {
  const { stream, writes } = fakeStream(false);
  const r = new HumanReporter(stream);
  r.onEvent({ type: 'would-run', stage: 'a', cell: 'a[n=1]', reasons: ['new cell (no earlier run)'] });
  r.close();
  assert.equal(writes.join(''), 'would run a[n=1]  (new cell (no earlier run))\n');
});

test('shell words survive bash unchanged, quotes and globs included', () => {
  for (const word of [
    'a[seed=0]',
    "it's",
    'x y',
    '$HOME',
    '`id`',
    '=cmd',
    '',
    'p.json',
    'a*b?',
    "'''",
    '!event',
    'f[x=\\"q\\"]',
  ]) {
    const echoed = execFileSync('bash', ['-c', `printf %s ${shellWord(word)}`], { encoding: 'utf8' });
    assert.equal(echoed, word);
  }
  assert.equal(shellWord('pipelines/smoke.json'), 'pipelines/smoke.json', 'a plain path stays as typed');
});
