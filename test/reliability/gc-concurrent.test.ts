/**
 * `ablate gc` while a run stores and commits outputs: gc keeps what a live
 * lease or a commit in flight needs, so every cell of the run succeeds and
 * every record it committed has its artifacts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { within } from './bounded.js';
import { cellsWith, parseEvents, Workspace } from './rig.js';

const CELLS = 16;

test('gc run repeatedly during a run removes nothing the run needs', { timeout: 180_000 }, async () => {
  const ws = new Workspace();
  try {
    // Each cell writes several distinct files of 1 MiB, so stores and commits take a while and overlap gc.
    const command = 'for i in 1 2 3 4; do head -c 1048576 /dev/urandom > f$i.bin; done; echo {{n}} > n.txt';
    const p = ws.write('p.json', {
      stages: { a: { kind: 'exec', matrix: { n: Array.from({ length: CELLS }, (_, i) => i) }, params: { command } } },
    });
    const run = ws.start(['run', p, '--reporter', 'json', '-j', '2']);
    const first = await run.waitForLine((l) => l.includes('"status":"ran"'));
    assert.ok(first, 'a cell ran');
    let gcs = 0;
    let finished = false;
    void run.exited.then(() => (finished = true));
    while (!finished && gcs < 200) {
      const gc = await ws.run(['gc']);
      assert.equal(gc.code, 0, gc.stderr);
      gcs++;
    }
    const r = await within(run, 60_000);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.equal(cellsWith(parseEvents(r.stdout), 'failed').length, 0);
    assert.ok(gcs > 0, 'gc ran during the run');
    const doctor = await ws.doctor();
    assert.match(doctor.stdout, new RegExp(`${CELLS} record\\(s\\) verified, 0 dropped`), doctor.stdout);
    const again = await ws.run(['run', p, '--reporter', 'json']);
    assert.equal(cellsWith(parseEvents(again.stdout), 'cached').length, CELLS);
  } finally {
    ws.dispose();
  }
});
