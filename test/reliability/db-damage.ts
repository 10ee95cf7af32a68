/** Damaging a cache's database file, and what every command must do about it. */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { study, type StudyShape } from './pipelines.js';
import { cellsWith, parseEvents, Workspace } from './rig.js';

export const DB_DAMAGE = {
  truncated: (f: string) => truncateSync(f, Math.floor(statSync(f).size / 2)),
  'cut to 100 bytes': (f: string) => truncateSync(f, 100),
  'overwritten inside': (f: string) => {
    const b = readFileSync(f);
    for (let i = 2 * 4096; i < b.length; i += 7) b[i] = (b[i] as number) ^ 0x5a;
    writeFileSync(f, b);
  },
  'overwritten header': (f: string) => {
    const b = readFileSync(f);
    b.fill(0x41, 16, 216);
    writeFileSync(f, b);
  },
} as const;

const SHAPE: StudyShape = { steps: 2, stepMs: 0, payloadKB: 64, seeds: [0, 1] };

/**
 * Runs the study, damages its database, then checks that each command in
 * `commands` exits 4 with a clear message (never a crash or a stack), and
 * that `doctor --rebuild` plus a run restore byte-identical finals.
 */
export async function databaseDamage(
  name: keyof typeof DB_DAMAGE,
  commands: ('run' | 'status' | 'doctor')[],
): Promise<void> {
  const ws = new Workspace();
  try {
    const pipeline = ws.write('study.json', study(SHAPE));
    assert.equal((await ws.run(['run', pipeline])).code, 0);
    const finals = await ws.finals(pipeline);
    const cache = join(ws.dir, 'damaged');
    cpSync(ws.cacheDir, cache, { recursive: true });
    DB_DAMAGE[name](join(cache, 'db', 'data.mdb'));
    for (const command of commands) {
      const r = await ws.run(command === 'doctor' ? ['doctor'] : [command, pipeline], cache);
      assert.equal(r.signal, null, `ablate ${command} crashed with ${r.signal}`);
      assert.equal(r.code, 4, `ablate ${command}: ${r.stderr}${r.stdout}`);
      assert.match(r.stderr, /^error: the cache database in .* is damaged: .+\n {2}run "ablate doctor --rebuild"/);
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n|internal error/);
    }
    const rebuilt = await ws.run(['doctor', '--rebuild'], cache);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /moved the database to .*db\.damaged-\d+; a new one starts empty \(artifacts kept\)/);
    const r = await ws.run(['run', pipeline, '--reporter', 'json'], cache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cellsWith(parseEvents(r.stdout), 'ran').length, 7);
    assert.deepEqual(await ws.finals(pipeline, cache), finals);
  } finally {
    ws.dispose();
  }
}
