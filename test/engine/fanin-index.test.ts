/**
 * A fan-in's numbered folders are described by an index file beside them,
 * which an exec stage can use to map folders to axis values, and which
 * `ls` and `*` loops over the folders do not see.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { ablate, byStatus, runJson, tempProject, writeJson } from './harness.js';

/** Reads the index alone to name each folder's axes, then checks them against what the folder holds. */
const MAP = `node -e '
const fs = require("fs"), dir = process.env.ABLATE_IN_UP;
const index = JSON.parse(fs.readFileSync(dir + "/.ablate-index.json", "utf8"));
const rows = index.cells.map((e) => ({ folder: e.folder, cell: e.cell, axes: e.axes, holds: fs.readFileSync(dir + "/" + e.folder + "/v.txt", "utf8").trim(), hash: e.outputsHash }));
fs.writeFileSync("map.json", JSON.stringify(rows));
' && ls $ABLATE_IN_UP > ls.txt && cat $ABLATE_IN_UP/*/v.txt > all.txt`;

const JS_FAN_IN = `import { indexedFanIn } from ${JSON.stringify(new URL('../../src/input-index.js', import.meta.url).href)};
export default {
  params: { type: 'object' },
  async run(ctx) {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(ctx.outDir, 'seen.json'), JSON.stringify(indexedFanIn(ctx.inputs.up).map((a) => ({ cell: a.cell, axes: a.axes, hash: a.outputsHash }))));
  },
};
`;

test('an exec fan-in maps its numbered folders to axis values from the index alone', async () => {
  const dir = tempProject();
  writeFileSync(join(dir, 'seen.mjs'), JS_FAN_IN);
  writeJson(join(dir, 'p.json'), {
    kinds: { seen: './seen.mjs' },
    stages: {
      up: {
        kind: 'exec',
        params: { command: 'echo {{a}}-{{b}} > v.txt', outputs: ['v.txt'] },
        matrix: { b: [2, 1], a: ['q', 'p'] },
      },
      all: {
        kind: 'exec',
        inputs: { up: { stage: 'up', all: true } },
        params: { command: MAP, outputs: ['map.json', 'ls.txt', 'all.txt'] },
      },
      js: { kind: 'seen', inputs: { up: { stage: 'up', all: true } } },
    },
  });
  const r = await runJson(dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = join(dir, 'out');
  const exported = await ablate(dir, ['export', 'p.json', '--out', out]);
  assert.equal(exported.code, 0, exported.stderr);
  const folder = (stage: string): string =>
    join(out, 'artifacts', readdirSync(join(out, 'artifacts')).find((f) => f === stage) as string);
  const rows = JSON.parse(readFileSync(join(folder('all'), 'map.json'), 'utf8')) as {
    folder: string;
    cell: string;
    axes: { a: string; b: number };
    holds: string;
    hash: string;
  }[];
  assert.equal(rows.length, 4);
  for (const row of rows)
    assert.equal(row.holds, `${row.axes.a}-${row.axes.b}`, `folder ${row.folder} holds ${row.cell}`);
  assert.deepEqual(
    rows.map((x) => x.folder),
    ['0', '1', '2', '3'],
  );
  assert.deepEqual(
    readFileSync(join(folder('all'), 'ls.txt'), 'utf8')
      .trim()
      .split('\n'),
    ['0', '1', '2', '3'],
    'ls does not list the index',
  );
  assert.equal(
    readFileSync(join(folder('all'), 'all.txt'), 'utf8')
      .trim()
      .split('\n').length,
    4,
  );
  const seen = JSON.parse(readFileSync(join(folder('js'), 'seen.json'), 'utf8')) as { cell: string; hash: string }[];
  assert.deepEqual(
    seen.map((s) => [s.cell, s.hash]),
    rows.map((x) => [x.cell, x.hash]),
    'a JS stage gets the same through ctx.inputs',
  );
  assert.match(seen[0]?.hash ?? '', /^[0-9a-f]{64}$/);
  const again = await runJson(dir);
  assert.deepEqual(byStatus(again.stdout).ran, [], 'the index changes no fingerprint');
});
