import { resolve } from 'node:path';

/** The cache directory: --cache-dir, else ABLATE_CACHE_DIR, else ./cache. */
export function cacheDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.ABLATE_CACHE_DIR ?? 'cache');
}
