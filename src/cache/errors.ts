/** The cache database is damaged; `ablate doctor --rebuild` moves it aside. */
export class CacheDamagedError extends Error {}

/** The cache cannot be opened or written for reasons outside ablate (permissions, a full or read-only disk). */
export class CacheUnavailableError extends Error {}
