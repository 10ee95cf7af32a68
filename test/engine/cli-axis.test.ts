import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { repoRoot } from '../reliability/rig.js';
import { ablate, byStatus, runJson, tempProject, writeJson } from './harness.js';

/** Two exec stages over a shared axis n, and a fan-in over them. */
function sweep(n: number[]): Record<string, unknown> {
  return {
    vars: { scale: 2 },
    axes: { n },
    stages: {
      gen: {
        kind: 'exec',
        params: { command: 'echo $(( {{n}} * {{scale}} )) > v.txt', outputs: ['v.txt'], scale: { $var: 'scale' } },
        matrix: { n: { $axis: 'n' } },
      },
      total: {
        kind: 'exec',
        inputs: { g: { stage: 'gen', all: true } },
        params: { command: 'cat $ABLATE_IN_G/*/v.txt > t.txt', outputs: ['t.txt'] },
      },
    },
  };
}

test('a run with --axis n+=3 computes what the edited file asks for: afterwards the edited file is all cached', async () => {
  const dir = tempProject('ablate-axis-');
  writeJson(join(dir, 'p.json'), sweep([1, 2]));
  const swept = await runJson(dir, 'p.json', ['--axis', 'n+=3']);
  assert.equal(swept.code, 0, swept.stderr);
  assert.deepEqual(byStatus(swept.stdout).ran, ['gen[n=1]', 'gen[n=2]', 'gen[n=3]', 'total']);
  writeJson(join(dir, 'p.json'), sweep([1, 2, 3]));
  const edited = await runJson(dir, 'p.json');
  assert.equal(edited.code, 0, edited.stderr);
  assert.deepEqual(byStatus(edited.stdout), {
    ran: [],
    cached: ['gen[n=1]', 'gen[n=2]', 'gen[n=3]', 'total'],
    failed: [],
    skipped: [],
  });
  // Replacing: the cells of the file as if it listed 3 and 1, in that order (the fan-in's order is part of its key).
  const replaced = await ablate(dir, ['status', 'p.json', '--axis', 'n=3,1']);
  assert.match(replaced.stdout, /^3 cells: 2 cached, 1 to run\n {2}run {5}total/);
});

test('status --axis is not answered from the plan stored for the file without it', async () => {
  const dir = tempProject('ablate-axis-');
  writeJson(join(dir, 'p.json'), sweep([1, 2]));
  assert.equal((await runJson(dir, 'p.json')).code, 0);
  assert.match((await ablate(dir, ['status', 'p.json'])).stdout, /^3 cells: 3 cached, 0 to run/);
  assert.ok(existsSync(join(dir, 'cache', 'plans')), 'the run stored its plan');
  const swept = await ablate(dir, ['status', 'p.json', '--axis', 'n+=4']);
  assert.equal(swept.code, 0, swept.stderr);
  assert.match(swept.stdout, /^4 cells: 2 cached, 2 to run/);
  assert.match((await ablate(dir, ['status', 'p.json'])).stdout, /^3 cells: 3 cached, 0 to run/);
});

test('an unknown --axis name exits 2 naming the flag with a "did you mean", in every command that takes it', async () => {
  const dir = tempProject('ablate-axis-');
  writeJson(join(dir, 'p.json'), sweep([1, 2]));
  for (const args of [
    ['run'],
    ['status'],
    ['explain', 'p.json', 'total'],
    ['dag'],
    ['validate'],
    ['export', 'p.json', '--out', 'x'],
    ['verify'],
  ]) {
    const command = args.length === 1 ? [args[0] as string, 'p.json'] : args;
    const r = await ablate(dir, [...command, '--axis', 'm=1']);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /--axis m=1: the pipeline has no axis "m"\n {2}hint: did you mean "n"\?/, args[0]);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const malformed = await ablate(dir, ['run', 'p.json', '--axis', 'n']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /--axis expects name=v1,v2 or name\+=v, got "n"/);
  assert.equal(existsSync(join(dir, 'cache')), false, 'nothing was written');
});

test('validate and dag take --set and --axis', async () => {
  const dir = tempProject('ablate-axis-');
  writeJson(join(dir, 'p.json'), sweep([1, 2]));
  const valid = await ablate(dir, ['validate', 'p.json', '--axis', 'n+=3,4', '--set', 'scale=5']);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /valid \(2 stages, 5 cells\)/);
  const unknownSet = await ablate(dir, ['validate', 'p.json', '--set', 'scael=5']);
  assert.equal(unknownSet.code, 2);
  assert.match(unknownSet.stderr, /--set scael: the pipeline declares no variable "scael"[\s\S]*did you mean "scale"/);
  const dag = await ablate(dir, ['dag', 'p.json', '--axis', 'n=7', '--format', 'mermaid', '--level', 'cell']);
  assert.equal(dag.code, 0, dag.stderr);
  assert.match(dag.stdout, /gen\[n=7\]/);
  assert.doesNotMatch(dag.stdout, /gen\[n=1\]/);
  assert.equal((await ablate(dir, ['dag', 'p.json', '--set', 'nope=1'])).code, 2);
});

/** pipelines/smoke.json in a fresh folder, with `edit` applied to its text. */
function smoke(edit: (text: string) => string = (t) => t): string {
  const dir = tempProject('ablate-axis-');
  const text = readFileSync(join(repoRoot, 'pipelines', 'smoke.json'), 'utf8');
  const edited = edit(text);
  writeFileSync(join(dir, 'smoke.json'), edited);
  return dir;
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /error: /.test(l));
}

test('--set steps=abc names the flag and the expected type, once', async () => {
  const dir = smoke();
  for (const command of ['validate', 'run']) {
    const r = await ablate(dir, [command, 'smoke.json', '--set', 'steps=abc']);
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(
      errorLines(r.stderr),
      ['error: --set steps=abc: must be an integer, not a string ("stages.train.params.steps")'],
      r.stderr,
    );
  }
  assert.equal(existsSync(join(dir, 'cache')), false);
  // The same value written in the file's vars is worded by the value, not by the {"$var": ...} that refers to it.
  const inFile = smoke((t) => t.replace('"steps": 80,', '"steps": "abc",'));
  const r = await ablate(inFile, ['validate', 'smoke.json']);
  assert.equal(r.code, 2);
  assert.deepEqual(
    errorLines(r.stderr).map((l) => l.replace(/^smoke\.json:\d+:\d+: /, '')),
    ['error: "stages.train.params.steps" must be an integer, not a string'],
  );
  assert.match(r.stderr, /hint: the value comes from vars\.steps/);
});

test('an invalid static param of a matrix stage is printed once, at its place, not once per cell', async () => {
  const dir = smoke((t) => t.replace('"layers": 1,', '"layers": 0,'));
  const r = await ablate(dir, ['validate', 'smoke.json']);
  assert.equal(r.code, 2);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] as string, /^smoke\.json:\d+:19: error: "stages\.train\.params\.layers" must be >= 1$/);
  // A bad value in a shared axis is printed once per stage that checks it, pointing at the axis.
  const bad = smoke((t) => t.replace('"arch": ["decoder", "lstm"]', '"arch": ["decoder", "lstn"]'));
  const axis = await ablate(bad, ['validate', 'smoke.json']);
  assert.equal(axis.code, 2);
  assert.deepEqual(
    errorLines(axis.stderr).map((l) => l.replace(/^smoke\.json:\d+:\d+: /, '')),
    [
      'error: matrix value "lstn" of axis "arch" must be one of "decoder", "encdec", "lstm", "gru"; got "lstn" (stage "train")',
    ],
  );
  assert.match(axis.stderr, /did you mean "lstm"\?/);
});

test('--axis values a stage refuses are reported against the flag', async () => {
  const dir = smoke();
  const r = await ablate(dir, ['validate', 'smoke.json', '--axis', 'arch+=mamba']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: --axis arch\+=mamba: matrix value "mamba" of axis "arch" must be one of/m);
  const plugin = await ablate(dir, ['validate', 'smoke.json', '--axis', 'f+=cubic']);
  assert.equal(plugin.code, 2);
  assert.match(plugin.stderr, /^error: --axis f\+=cubic: f "cubic" is not a known f of stage kind "data"/m);
  const again = await ablate(dir, ['validate', 'smoke.json', '--axis', 'f+=sqrt']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--axis f\+=sqrt: "sqrt" is already a value of axis "f"/);
});

test("a matrix axis the stage's params schema refuses, selecting no upstream cell, is an error at its key", async () => {
  const dir = tempProject('ablate-axis-');
  writeFileSync(
    join(dir, 'strict.mjs'),
    "export default { params: { type: 'object', additionalProperties: false, properties: { x: { type: 'number' } } }, async run() {} };\n",
  );
  const pipeline = (downMatrix: Record<string, unknown>) => ({
    kinds: { strict: './strict.mjs' },
    stages: {
      src: { kind: 'exec', params: { command: 'true' }, matrix: { y: ['p', 'q'], unused: [1, 2] } },
      down: { kind: 'strict', inputs: { s: 'src' }, matrix: downMatrix },
    },
  });
  // x is a param, y and unused select src's cells, seed is ctx.seed; src is exec, which has no params schema.
  writeJson(join(dir, 'ok.json'), pipeline({ x: [1, 2], y: ['p', 'q'], unused: [1, 2], seed: [0, 1] }));
  const ok = await ablate(dir, ['validate', 'ok.json']);
  assert.equal(ok.code, 0, ok.stderr);
  writeJson(join(dir, 'bad.json'), pipeline({ x: [1, 2], y: ['p', 'q'], unused: [1, 2], dropout: [0.1, 0.2] }));
  const bad = await ablate(dir, ['run', 'bad.json']);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^bad\.json:\d+:\d+: error: matrix axis "dropout" of stage "down" is neither a param of kind "strict" nor an axis of an input stage: its cells would be copies\n.*"dropout"/,
  );
  assert.equal(errorLines(bad.stderr).length, 1, bad.stderr);
  assert.equal(existsSync(join(dir, 'cache')), false);
});
