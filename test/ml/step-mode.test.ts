import test from 'node:test';
import assert from 'node:assert/strict';
import { StepModeChooser } from '../../stages/ml/step-mode.js';

/** Feeds trials until the chooser decides; returns the mode and how many trials it took. */
function decide(chooser: StepModeChooser, stackedMs: number, oneByOneMs: number, same = true): [string, number] {
  let trials = 0;
  while (chooser.next() === 'trial') {
    chooser.record(stackedMs, oneByOneMs, same, 3);
    trials++;
  }
  return [chooser.next(), trials];
}

test('auto keeps the faster mode after a warm-up trial and four timed ones', () => {
  assert.deepEqual(decide(new StepModeChooser('auto', true), 5, 9), ['stacked', 5]);
  assert.deepEqual(decide(new StepModeChooser('auto', true), 9, 5), ['one-by-one', 5]);
});

test('the warm-up trial does not count', () => {
  const chooser = new StepModeChooser('auto', true);
  chooser.record(1000, 1, true, 3);
  for (let i = 0; i < 4; i++) chooser.record(5, 9, true, 3);
  assert.equal(chooser.next(), 'stacked');
});

test('a trial whose bytes differ turns stacking off at once, and says so', () => {
  const logs: string[] = [];
  const chooser = new StepModeChooser('auto', true, (m) => logs.push(m));
  assert.deepEqual(decide(chooser, 1, 9, false), ['one-by-one', 1]);
  assert.match(logs.join('\n'), /did not reproduce the single-run bytes/);
});

test('never, always, and a model that cannot stack decide without trials', () => {
  assert.equal(new StepModeChooser('never', true).next(), 'one-by-one');
  assert.equal(new StepModeChooser('always', true).next(), 'stacked');
  assert.equal(new StepModeChooser('auto', false).next(), 'one-by-one');
});
