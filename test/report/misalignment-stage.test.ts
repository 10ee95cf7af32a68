import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JsonObject } from '../../src/stage-api.js';
import { misalignmentKind, type ModelLoader } from '../../stages/misalignment.js';
import { artifact, context, workspace, type Workspace } from './fixtures.js';

const readJson = async (dir: string, file: string): Promise<JsonObject> =>
  JSON.parse(await readFile(join(dir, file), 'utf8')) as JsonObject;

describe('misalignment stage', () => {
  let ws: Workspace;
  before(async () => (ws = await workspace()));
  after(async () => ws.dispose());

  it('reads l_train from model.json, runs the injected model and disposes it', async () => {
    const file = { task: 'length', f: 'identity', train: { lengthMin: 2, lengthMax: 8 } };
    const model = await artifact(ws, 'train', { task: 'length', f: 'identity' }, { 'model.json': file });
    let disposed = false;
    const load: ModelLoader = () =>
      Promise.resolve({
        config: { arch: 'decoder', pe: 'none' },
        file,
        task: 'length',
        f: 'identity',
        predict: (seqs) => Promise.resolve(Float32Array.from(seqs, (s) => s.length)),
        dispose: () => void (disposed = true),
      });
    const run = await context(ws, 'misalignment', { model }, { samples: 3000, sampleSeed: 1 }, { seed: 4 });
    await misalignmentKind(() => Promise.resolve(load)).run(run.ctx);
    const out = await readJson(run.ctx.outDir, 'misalignment.json');
    assert.ok(disposed);
    assert.deepEqual(out.suffixRange, [4, 8]);
    assert.deepEqual(out.varianceRange, [2, 8]);
    // 2 Var U{4..8} = 2 * (25 - 1) / 12 = 4.
    const raw = out.raw as { mean: number; se: number };
    assert.ok(Math.abs(raw.mean - 4) < 4 * raw.se, `raw ${raw.mean} ± ${raw.se}`);
    assert.equal(out.task, 'length');
    assert.equal(out.seed, 1, 'sampleSeed, not the model seed axis');
  });
});
