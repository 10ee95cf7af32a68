import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Versions stored with every record, for provenance. */
export function engineVersions(): Record<string, string> {
  return { ablate: pkg.version, node: process.version, platform: `${process.platform}-${process.arch}` };
}
