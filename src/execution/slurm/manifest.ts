import { chmodSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { OutputEntry } from '../../cache/cache.js';
import { sha256 } from '../../util/hash.js';
import type { Manifest } from './job-files.js';

/** Relative paths of the files under `dir`, following links (inputs are linked from upstream jobs). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

export function manifestOf(dir: string): Manifest {
  const out: Manifest = {};
  for (const rel of listFiles(dir)) out[rel] = sha256(readFileSync(join(dir, rel)));
  return out;
}

export function outputEntries(dir: string, files: readonly string[]): Record<string, OutputEntry> {
  const out: Record<string, OutputEntry> = {};
  for (const rel of [...files].sort()) {
    const bytes = readFileSync(join(dir, rel));
    out[rel] = { sha256: sha256(bytes), size: bytes.length };
  }
  return out;
}

/**
 * Removes what a stage wrote besides its declared outputs, so that a dependent
 * job reading this directory sees exactly what the cache will hold.
 */
export function pruneUndeclared(dir: string, declared: readonly string[]): void {
  const keep = new Set(declared);
  for (const rel of listFiles(dir)) if (!keep.has(rel)) rmSync(join(dir, rel), { force: true });
  removeEmptyDirs(dir, dir);
}

function removeEmptyDirs(root: string, d: string): void {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) removeEmptyDirs(root, p);
  }
  if (d !== root && readdirSync(d).length === 0) rmdirSync(d);
}

/** Read-only files: a dependent job must not change what its upstream's record will describe. */
export function seal(dir: string): void {
  for (const rel of listFiles(dir)) chmodSync(join(dir, rel), 0o444);
}

/** Whether `manifest` describes exactly the files of `outputs` (a cache record's). */
export function sameFiles(manifest: Manifest | undefined, outputs: Record<string, OutputEntry>): boolean {
  if (manifest === undefined) return false;
  const keys = Object.keys(outputs);
  if (Object.keys(manifest).length !== keys.length) return false;
  return keys.every((k) => manifest[k] === outputs[k]?.sha256);
}
