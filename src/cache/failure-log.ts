import type { FailureLog, FailureRecord } from './cache.js';
import { cellKey, type Tables } from './lmdb-tables.js';

/** The last failure of each cell in LMDB; a commit of the cell removes it (see LmdbRecordStore.commit). */
export class LmdbFailureLog implements FailureLog {
  constructor(private readonly t: Tables) {}

  async recordFailure(failure: FailureRecord): Promise<void> {
    await this.t.failures.put(cellKey(failure.pipeline, failure.cell), failure);
  }

  lastFailure(pipeline: string, cell: string): FailureRecord | undefined {
    return this.t.failures.get(cellKey(pipeline, cell));
  }
}
