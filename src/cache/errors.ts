import { EnvironmentError } from '../exit.js';

/** The cache database is damaged; `ablate doctor --rebuild` moves it aside. */
export class CacheDamagedError extends EnvironmentError {}

/** The cache cannot be opened or written for reasons outside ablate (permissions, a full or read-only disk). */
export class CacheUnavailableError extends EnvironmentError {}
