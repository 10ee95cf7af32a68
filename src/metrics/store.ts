import type { ArtifactStore, OutputEntry, RecordStore } from '../cache/cache.js';
import type { FingerprintHash } from '../plan/fingerprint.js';
import { extractMetrics, type MetricsEntry } from './extract.js';
import type { MetricsSpec } from './spec.js';

/** Metrics of a cell from its stored outputs; used at commit time and for records stored before the stage declared them. */
export function metricsFromOutputs(
  cache: Pick<ArtifactStore, 'readArtifact'>,
  spec: MetricsSpec,
  outputs: Record<string, OutputEntry>,
): MetricsEntry {
  return extractMetrics(spec, (file) => {
    const entry = Object.hasOwn(outputs, file) ? outputs[file] : undefined;
    return entry === undefined ? undefined : cache.readArtifact(entry);
  });
}

/**
 * Metrics of cached records under `spec`: read from the side table when
 * stored under the same declaration, else extracted from the blobs and
 * stored (in one transaction) for the next reader.
 */
export class MetricsReader {
  private readonly pending: [FingerprintHash, MetricsEntry][] = [];

  constructor(private readonly cache: RecordStore & ArtifactStore) {}

  /** Undefined only when the record is gone (removed since the plan). */
  read(fingerprint: FingerprintHash, spec: MetricsSpec): MetricsEntry | undefined {
    const stored = this.cache.getMetrics(fingerprint);
    if (stored !== undefined && stored.spec === spec.key) return stored;
    const record = this.cache.getDone(fingerprint);
    if (record === undefined) return undefined;
    const entry = metricsFromOutputs(this.cache, spec, record.outputs);
    this.pending.push([fingerprint, entry]);
    return entry;
  }

  /** Stores what was extracted; a cache that cannot be written only means extracting again next time. */
  async flush(): Promise<void> {
    try {
      await this.cache.putMetrics(this.pending.splice(0));
    } catch {
      // Read-only or full disk: the values shown are right, they are just not remembered.
    }
  }
}
