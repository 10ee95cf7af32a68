import { join } from 'node:path';
import { canonicalJson, sha256, type Sha256 } from '../util/hash.js';
import type { BlobStore } from './blobs.js';
import type { ArtifactStore, DoneEntry, OutputEntry } from './cache.js';
import { describeRefusal, isPlainRelative } from './safe-fs.js';
import { checkPathInside, listTree, readRegular, writeInside } from './safe-fs-promises.js';

/** Artifacts as content-addressed blobs: stored from a cell's output folder, checked, read and copied out. */
export class BlobArtifactStore implements ArtifactStore {
  constructor(private readonly blobs: BlobStore) {}

  artifactsPresent(record: DoneEntry): boolean {
    return Object.values(record.outputs).every((o) => this.blobs.hasSync(o.sha256, o.size));
  }

  async verifyArtifacts(record: DoneEntry): Promise<string | undefined> {
    for (const [path, o] of Object.entries(record.outputs)) {
      if (!isPlainRelative(path) || (await this.blobs.read(o)) === undefined) return path;
    }
    return undefined;
  }

  readArtifact(entry: OutputEntry): Buffer | undefined {
    return this.blobs.readSync(entry);
  }

  async storeOutputs(dir: string, only?: readonly string[], volatile: readonly string[] = []): Promise<{ outputs: Record<string, OutputEntry>; outputsHash: Sha256 }> {
    const files = only ?? (await listed(dir));
    const outputs: Record<string, OutputEntry> = {};
    const hashed: Record<string, OutputEntry> = {};
    for (const rel of [...files].sort()) {
      const bytes = await readOutput(dir, rel);
      outputs[rel] = { sha256: await this.blobs.put(bytes), size: bytes.length };
      if (!volatile.includes(rel)) hashed[rel] = outputs[rel];
    }
    return { outputs, outputsHash: sha256(canonicalJson(hashed)) };
  }

  putBlob(bytes: Uint8Array): Promise<Sha256> {
    return this.blobs.put(bytes);
  }

  async materialize(record: DoneEntry, dir: string): Promise<string | undefined> {
    for (const [rel, o] of Object.entries(record.outputs)) {
      if (!isPlainRelative(rel)) return rel;
      const bytes = await this.blobs.read(o);
      if (bytes === undefined || (await writeInside(dir, rel, bytes)) !== undefined) return rel;
    }
    return undefined;
  }
}

/** A finished cell's files; a link or special file among them is refused, never read. */
async function listed(dir: string): Promise<string[]> {
  const r = await listTree(dir);
  if (!r.ok) throw new Error(`output "${r.error.path}" is a ${r.error.kind}, not a regular file`);
  return r.value;
}

/** An output's bytes; a link on its way, a FIFO or a device is refused instead of followed or opened. */
async function readOutput(dir: string, rel: string): Promise<Buffer> {
  const refused = isPlainRelative(rel) ? await checkPathInside(dir, rel) : { path: rel, kind: 'missing' as const };
  if (refused !== undefined) throw new Error(`output "${rel}" cannot be stored: ${describeRefusal(refused)}`);
  const r = await readRegular(join(dir, rel));
  if (r.ok) return r.value;
  const why = r.error.problem === 'not-regular' ? `it is a ${r.error.kind}` : r.error.problem === 'missing' ? 'it is missing' : 'it changed while being read';
  throw new Error(`output "${rel}" cannot be stored: ${why}`);
}
