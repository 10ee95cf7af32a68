import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, tempProject } from './harness.js';

async function invalid(text: string, args: string[] = []): Promise<{ stderr: string; dir: string }> {
  const dir = tempProject();
  writeFileSync(join(dir, 'p.json'), text);
  const r = await ablate(dir, ['run', 'p.json', ...args]);
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stderr}${r.stdout}`);
  assert.ok(!existsSync(join(dir, 'cache')), 'an invalid pipeline must not create the cache');
  return { stderr: r.stderr, dir };
}

test('a misspelt kind points at its line and column and suggests the nearest name', async () => {
  const { stderr } = await invalid(
    '{\n  "stages": {\n    "a": { "kind": "exce", "params": { "command": "true" } }\n  }\n}\n',
  );
  assert.match(stderr, /^p\.json:3:20: error: unknown stage kind "exce"/m);
  assert.match(stderr, /hint: did you mean "exec"\?/);
});

test('an unknown input reference is located and a near name suggested', async () => {
  const { stderr } = await invalid(
    '{"stages": {\n "train": {"kind": "exec", "params": {"command": "true"}},\n "eval": {"kind": "exec", "inputs": {"m": "trian"}, "params": {"command": "true"}}}}',
  );
  assert.match(stderr, /p\.json:3:43: error: input "m" of stage "eval" refers to an unknown stage "trian"/);
  assert.match(stderr, /did you mean "train"/);
});

test('a cycle is reported with its path', async () => {
  const { stderr } = await invalid(
    JSON.stringify(
      {
        stages: {
          a: { kind: 'exec', inputs: { x: 'b' }, params: { command: 'true' } },
          b: { kind: 'exec', inputs: { y: 'a' }, params: { command: 'true' } },
        },
      },
      null,
      1,
    ),
  );
  assert.match(stderr, /cycle: a -> b -> a/);
});

test('invalid JSON, wrong types, duplicate stage names and escaping outputs are located', async () => {
  assert.match((await invalid('{"stages": {"a": {"kind": "exec",}}}')).stderr, /p\.json:1:34: error: invalid JSON/);
  assert.match(
    (await invalid('{"stages": {"a": {"kind": "exec", "timeout": "soon", "params": {"command": "x"}}}}')).stderr,
    /p\.json:1:46: error: "stages\.a\.timeout" must be a number, not a string/,
  );
  assert.match(
    (
      await invalid(
        '{"stages": {"a": {"kind": "exec", "params": {"command": "x"}},\n"a": {"kind": "exec", "params": {"command": "y"}}}}',
      )
    ).stderr,
    /p\.json:2:1: error: duplicate key "a"/,
  );
  assert.match(
    (await invalid('{"stages": {"a": {"kind": "exec", "params": {"command": "x", "outputs": ["../x"]}}}}')).stderr,
    /escapes the cell's output directory/,
  );
  assert.match(
    (await invalid('{"stages": {"a": {"kind": "exec", "params": {"command": "x"}, "matrix": {"n": [1, 1]}}}}')).stderr,
    /lists the same value twice/,
  );
  assert.match(
    (
      await invalid(
        '{"stages": {"a": {"kind": "exec", "params": {"command": "x"}, "matrix": {"n": [1, 2]}}}, "maxCells": 1}',
      )
    ).stderr,
    /more than 1 cells/,
  );
  assert.match(
    (await invalid('{"stages": {"a": {"kind": "exec", "parms": {"command": "x"}}}}')).stderr,
    /unknown property "parms".*\n[\s\S]*did you mean "params"/,
  );
});

test('usage errors exit 2 too', async () => {
  const dir = tempProject();
  writeFileSync(join(dir, 'p.json'), '{"stages": {"a": {"kind": "exec", "params": {"command": "true"}}}}');
  const r = await ablate(dir, ['run', 'p.json', '--only', 'nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--only 'nope': the pipeline has no stage "nope"/);
  const missing = await ablate(dir, ['run', 'missing.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read pipeline missing\.json: ENOENT/);
});
