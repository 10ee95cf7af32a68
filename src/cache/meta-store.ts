import type { MetaStore } from './cache.js';
import { boundedKey, type Tables } from './lmdb-tables.js';

/** Values by key in LMDB's "meta" table; a key too long for LMDB is stored under its hash. */
export class LmdbMetaStore implements MetaStore {
  constructor(private readonly t: Tables) {}

  getMeta(key: string): unknown {
    return this.t.meta.get(boundedKey(key));
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    await this.t.meta.put(boundedKey(key), value);
  }
}
