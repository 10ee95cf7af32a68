import { EnvironmentError } from '../exit.js';

/** The cache database is damaged; `ablate doctor --rebuild` moves it aside. */
export class CacheDamagedError extends EnvironmentError {}

/** The cache cannot be opened or written for reasons outside ablate (permissions, a full or read-only disk). */
export class CacheUnavailableError extends EnvironmentError {}

/**
 * An error raised by LMDB itself: its native layer sets a numeric `code`
 * (an MDB_* code or an errno), where Node's own errors carry a string code.
 */
export function isLmdbError(e: unknown): e is Error & { code: number } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'number';
}
