/**
 * Shared checks of the hostile-input corpus: every refusal exits with its
 * documented code, says why in a line or a few (never a stack trace, never
 * "internal error") and leaves an existing cache exactly as it was.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Workspace, type Exit } from './rig.js';

/** A one-cell exec pipeline that fills the cache, so later refusals have something to leave unchanged. */
export const SEED_PIPELINE = {
  stages: { a: { kind: 'exec', params: { command: 'echo seeded > o.txt', outputs: ['o.txt'] } } },
};

/**
 * Every entry under the cache with its content hash, or its kind for what is
 * not a regular file (a damaged cache may hold FIFOs and links that must not
 * be read); lock.mdb, LMDB's reader table rewritten by every open, aside.
 */
export function cacheState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const key = relative(dir, p);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[key] = 'folder';
        walk(p);
      } else if (st.isSymbolicLink()) out[key] = `link to ${readlinkSync(p)}`;
      else if (!st.isFile()) out[key] = 'special file';
      else if (key !== join('db', 'lock.mdb')) out[key] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A workspace whose cache already holds one committed cell. */
export async function seededWorkspace(prefix: string): Promise<Workspace> {
  const ws = new Workspace(prefix);
  const r = await ws.run(['run', ws.write('seed.json', SEED_PIPELINE)]);
  assert.equal(r.code, 0, r.stderr);
  return ws;
}

/** The refusal contract: exit code, a message matching `message`, no stack trace, no crash. */
export function assertRefused(what: string, r: Exit, code: number, message: RegExp): void {
  const out = `${r.stderr}${r.stdout}`;
  assert.equal(r.signal, null, `${what}: killed by ${r.signal}\n${out}`);
  assert.equal(r.code, code, `${what}: exit ${r.code}, expected ${code}\n${out}`);
  assert.match(out, message, `${what}: unexpected message\n${out}`);
  assert.doesNotMatch(out, /^\s+at .+/m, `${what}: a stack trace\n${out}`);
  assert.doesNotMatch(out, /internal error/, `${what}: internal error\n${out}`);
}
