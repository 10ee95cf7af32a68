/**
 * Stage-kind modules that misbehave, written here as small ES modules: at
 * import (throwing non-errors, a top-level await that never settles,
 * process.exit, an invalid params schema) they make the pipeline invalid
 * (exit 2) with the kind named; inside run() (the same, plus a rejection
 * nobody awaits) they fail their cell (exit 1) and nothing is cached.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellsWith, parseEvents, summaryOf, type Workspace } from './rig.js';
import { assertRefused, cacheState, seededWorkspace } from './hostile.js';

function kindPipeline(ws: Workspace, name: string, source: string): string {
  writeFileSync(join(ws.dir, `${name}.mjs`), source);
  return ws.write(`${name}.json`, { kinds: { h: `./${name}.mjs` }, stages: { a: { kind: 'h', params: {} } } });
}

const AT_IMPORT: Record<string, { source: string; message: RegExp }> = {
  'throw-number': {
    source: 'throw 42;\n',
    message: /error: cannot load stage kind "h": its module threw 42 while loading/,
  },
  'throw-null': {
    source: 'throw null;\n',
    message: /error: cannot load stage kind "h": its module threw null while loading/,
  },
  'throw-object': {
    source: 'throw { code: 7 };\n',
    message: /error: cannot load stage kind "h": its module threw \{"code":7\} while loading/,
  },
  'never-settles': {
    source: 'await new Promise(() => {});\nexport default {};\n',
    message:
      /error: cannot load stage kind "h": its module never finished loading \(a top-level await that never settles\)/,
  },
  exits: {
    source: 'process.exit(0);\n',
    message: /error: cannot load stage kind "h": its module called process.exit\(0\) while loading/,
  },
  'bad-schema-type': {
    source: 'export default { params: { type: "objekt" }, async run() {} };\n',
    message: /error: stage kind "h" declares an invalid params schema: .*type/,
  },
  'bad-schema-keyword': {
    source: 'export default { params: { type: "object", properties: { a: { minimum: "x" } } }, async run() {} };\n',
    message: /error: stage kind "h" declares an invalid params schema: .*minimum/,
  },
  'bad-schema-ref': {
    source: 'export default { params: { $ref: "#/nowhere" }, async run() {} };\n',
    message: /error: stage kind "h" declares an invalid params schema: .*nowhere/,
  },
};

test(
  'kinds that misbehave while loading: exit 2 naming the kind, the cache unchanged',
  { timeout: 90_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-kindload-');
    t.after(() => ws.dispose());
    const before = cacheState(ws.cacheDir);
    for (const [name, c] of Object.entries(AT_IMPORT)) {
      const pipeline = kindPipeline(ws, name, c.source);
      for (const command of ['validate', 'run'])
        assertRefused(`${command} ${name}`, await ws.run([command, pipeline]), 2, c.message);
      assert.deepEqual(cacheState(ws.cacheDir), before, `${name} changed the cache`);
    }
  },
);

const IN_RUN: Record<string, { source: string; reason: RegExp }> = {
  'throw-number': { source: 'async run() { throw 42; }', reason: /FAILED {2}a \(threw 42\)/ },
  'throw-null': { source: 'async run() { throw null; }', reason: /FAILED {2}a \(threw null\)/ },
  'never-settles': {
    source: 'run() { return new Promise(() => {}); }',
    reason: /FAILED {2}a \(its process ended before run\(\) finished/,
  },
  'exits-0': {
    source: 'async run() { process.exit(0); }',
    reason: /FAILED {2}a \(its process ended before run\(\) finished/,
  },
  'unawaited-rejection': {
    source: 'async run() { Promise.reject(new Error("nobody waits for me")); }',
    reason: /FAILED {2}a \(a promise was rejected and never handled: nobody waits for me\)/,
  },
  'rejects-later': {
    source:
      'async run(ctx) { await new Promise((r) => setTimeout(r, 5)); Promise.reject(7); await new Promise((r) => setTimeout(r, 5)); }',
    reason: /FAILED {2}a \(a promise was rejected and never handled: 7\)/,
  },
};

test(
  'kinds that misbehave inside run(): the cell fails with the reason and nothing is cached',
  { timeout: 90_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-kindrun-');
    t.after(() => ws.dispose());
    for (const [name, c] of Object.entries(IN_RUN)) {
      const pipeline = kindPipeline(ws, `run-${name}`, `export default { params: { type: 'object' }, ${c.source} };\n`);
      const r = await ws.run(['run', pipeline]);
      assertRefused(`run ${name}`, { ...r, stdout: r.stdout.replace(/^ {6}\|.*$/gm, '') }, 1, c.reason);
      const again = await ws.run(['run', pipeline, '--reporter', 'json']);
      const events = parseEvents(again.stdout);
      assert.deepEqual(cellsWith(events, 'cached'), [], `${name}: a failed cell was cached`);
      assert.equal(summaryOf(events)?.failed, 1, `${name}: ${again.stdout}`);
    }
  },
);

test(
  'a params schema imported from a helper module is checked again after the helper tightens it',
  { timeout: 60_000 },
  async (t) => {
    const ws = await seededWorkspace('ablate-hostile-helper-');
    t.after(() => ws.dispose());
    const helper = join(ws.dir, 'schema.mjs');
    writeFileSync(
      helper,
      'export const schema = { type: "object", properties: { n: { type: "integer", maximum: 10 } } };\n',
    );
    writeFileSync(
      join(ws.dir, 'kind.mjs'),
      'import { schema } from "./schema.mjs";\nexport default { params: schema, async run(ctx) { ctx.log(String(ctx.params.n)); } };\n',
    );
    const pipeline = ws.write('helper.json', {
      kinds: { k: './kind.mjs' },
      stages: { a: { kind: 'k', params: { n: 5 } } },
    });
    assert.equal((await ws.run(['validate', pipeline])).code, 0);
    assert.equal((await ws.run(['run', pipeline])).code, 0);
    writeFileSync(
      helper,
      'export const schema = { type: "object", properties: { n: { type: "integer", maximum: 3 } } };\n',
    );
    for (const command of ['validate', 'status', 'run']) {
      assertRefused(
        `${command} after the helper tightened`,
        await ws.run([command, pipeline]),
        2,
        /helper\.json:\d+:\d+: error: "stages\.a\.params\.n" must be <= 3/,
      );
    }
  },
);
