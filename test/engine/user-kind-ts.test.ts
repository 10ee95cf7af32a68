/**
 * A stage kind written in TypeScript in the user's own folder: it imports
 * defineStage from the package, gets its params typed from its schema, runs
 * without a build step, and its declared inputs are checked by validate.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ablate, runJson, tempProject, writeJson } from './harness.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');

const GREET = `import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage } from 'ablate';
import { shout } from './shout.js';

export default defineStage({
  description: 'greets every name its input lists',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      greeting: { type: 'string', default: 'hello' },
      loud: { type: 'boolean', default: false },
    },
  },
  inputs: { names: { files: ['names.txt'], description: 'one name per line' } },
  outputs: ['greeting.txt'],
  async run(ctx) {
    const input = ctx.inputs.names;
    if (input === undefined || Array.isArray(input)) throw new Error('names: one artifact expected');
    const names = (await readFile(join(input.dir, 'names.txt'), 'utf8')).trim().split('\\n');
    const greeting: string = ctx.params.greeting;
    const lines = names.map((n) => \`\${greeting}, \${n}\`);
    await writeFile(join(ctx.outDir, 'greeting.txt'), (ctx.params.loud ? lines.map(shout) : lines).join('\\n') + '\\n');
  },
});
`;

function project(): string {
  const dir = tempProject('ablate-user-kind-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'ablate'), 'dir');
  mkdirSync(join(dir, 'kinds'));
  writeFileSync(join(dir, 'kinds', 'greet.ts'), GREET);
  writeFileSync(join(dir, 'kinds', 'shout.ts'), 'export const shout = (s: string): string => s.toUpperCase();\n');
  return dir;
}

function pipeline(greetInputs: unknown, namesOutputs = ['names.txt']): unknown {
  return {
    kinds: { greet: './kinds/greet.ts' },
    stages: {
      names: { kind: 'exec', params: { command: 'printf "ada\\ngrace\\n" > names.txt', outputs: namesOutputs } },
      greet: { kind: 'greet', inputs: greetInputs, params: { loud: true } },
    },
  };
}

test(
  "a TypeScript kind in the user's folder runs without a build step, with defaults from its schema",
  { timeout: 120_000 },
  async () => {
    const dir = project();
    writeJson(join(dir, 'p.json'), pipeline({ names: 'names' }));
    const r = await runJson(dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = await ablate(dir, ['export', 'p.json', '--out', 'out']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(readFileSync(join(dir, 'out/artifacts/greet/greeting.txt'), 'utf8'), 'HELLO, ADA\nHELLO, GRACE\n');
    // The helper module is part of the kind's code: editing it re-runs the cell.
    writeFileSync(
      join(dir, 'kinds', 'shout.ts'),
      'export const shout = (s: string): string => `${s.toUpperCase()}!`;\n',
    );
    const status = await ablate(dir, ['status', 'p.json']);
    assert.match(status.stdout, /run\s+greet\s+\(code: kinds\/shout\.ts changed\)/);
  },
);

test('validate reports a miswired declared input at its place in the file, exit 2', { timeout: 120_000 }, async () => {
  const dir = project();
  const cases: [unknown, string[] | undefined, RegExp][] = [
    [
      { nmes: 'names' },
      undefined,
      /p\.json:\d+:\d+: error: kind "greet" declares no input "nmes"[\s\S]*did you mean "names"/,
    ],
    [
      { names: { stage: 'names', all: true } },
      undefined,
      /p\.json:\d+:\d+: error: input "names" of kind "greet" reads one artifact, not a fan-in/,
    ],
    [
      { names: 'names' },
      ['other.txt'],
      /p\.json:\d+:\d+: error: input "names" reads "names\.txt", which stage "names" does not write \(it writes "other\.txt"\)/,
    ],
    [
      {},
      undefined,
      /p\.json:\d+:\d+: error: stage "greet" does not wire input "names", which kind "greet" reads \(one name per line\)/,
    ],
  ];
  for (const [inputs, outputs, message] of cases) {
    writeJson(join(dir, 'p.json'), pipeline(inputs, outputs));
    const r = await ablate(dir, ['validate', 'p.json']);
    assert.equal(r.code, 2, `${JSON.stringify(inputs)}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test("the package's types give ctx.params the type its schema describes", { timeout: 120_000 }, async () => {
  const dir = project();
  writeFileSync(
    join(dir, 'kinds', 'wrong.ts'),
    GREET.replace('const greeting: string = ctx.params.greeting;', 'const greeting: number = ctx.params.greeting;'),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const compilerOptions = {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    noEmit: true,
    typeRoots: [join(ROOT, 'node_modules/@types')],
  };
  const check = async (file: string): Promise<string> => {
    writeJson(join(dir, 'tsconfig.json'), { compilerOptions, files: [file] });
    return promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(
      () => '',
      (e: unknown) => (e as { stdout: string }).stdout,
    );
  };
  assert.equal(await check('kinds/greet.ts'), '', 'the well-typed kind compiles');
  assert.match(
    await check('kinds/wrong.ts'),
    /kinds\/wrong\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
  );
});
