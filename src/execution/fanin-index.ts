import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cell } from '../plan/types.js';
import type { Sha256 } from '../util/hash.js';

/**
 * Name of the file that says which cell each numbered folder of a fan-in
 * holds. A dot-file, so `ls`, `*` and `*\/file` loops over the folders
 * never see it.
 */
export const FAN_IN_INDEX = '.ablate-index.json';

/** One numbered folder of a fan-in, as its index describes it. */
export interface FanInIndexEntry {
  folder: string;
  stage: string;
  cell: string;
  axes: Cell['axes'];
  /** Content hash of the upstream cell's outputs: the identity the consumer's fingerprint records for it. */
  outputsHash: Sha256;
}

export interface FanInIndex {
  input: string;
  cells: FanInIndexEntry[];
}

/**
 * Writes the index beside the numbered folders. It holds only what the
 * consumer's fingerprint already covers (cell ids, which name the axis
 * values, in folder order, and output hashes), so a stage that reads or
 * copies it still gets from the cache what a fresh run would write. The
 * upstream record's fingerprint is left out on purpose: it can change while
 * the outputs stay the same (early cutoff), and the consumer stays cached then.
 */
export async function writeFanInIndex(
  dir: string,
  input: string,
  cells: readonly { cell: Cell; outputsHash: Sha256 }[],
): Promise<void> {
  const index: FanInIndex = {
    input,
    cells: cells.map(({ cell, outputsHash }, i) => ({
      folder: String(i),
      stage: cell.stage,
      cell: cell.id,
      axes: cell.axes,
      outputsHash,
    })),
  };
  await writeFile(join(dir, FAN_IN_INDEX), `${JSON.stringify(index, null, 2)}\n`);
}
