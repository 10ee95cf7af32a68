import type { ArtifactStore, RecordStore } from '../cache/cache.js';
import type { RunEvent } from '../execution/events.js';
import type { FingerprintHash } from '../plan/fingerprint.js';
import type { Remote } from './remote.js';
import { pushCell } from './transfer.js';

/**
 * `run --push`: uploads each cell as it commits, at most `concurrency` at a
 * time, alongside the run. The first failure stops further uploads with one
 * warning; what was not uploaded can be pushed later with `ablate push`.
 */
export class WriteThrough {
  private active = 0;
  private readonly queue: { cell: string; fingerprint: FingerprintHash }[] = [];
  private readonly pending = new Set<Promise<void>>();
  private failed = false;

  /** Read anew after an await: another cell's failed push may have set it meanwhile. */
  private hasFailed(): boolean {
    return this.failed;
  }
  private skipped = 0;

  constructor(
    private readonly remote: Remote,
    private readonly cache: RecordStore & ArtifactStore,
    private readonly concurrency: number,
    private readonly emit: (e: RunEvent) => void,
  ) {}

  add(cell: string, fingerprint: FingerprintHash): void {
    this.queue.push({ cell, fingerprint });
    this.pump();
  }

  /** Waits for the uploads in flight and queued; warns about those that could not be made. */
  async finish(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
    if (this.skipped > 0)
      this.emit({
        type: 'warning',
        message: `${this.skipped} computed cell(s) were not pushed; run "ablate push" when the remote is back`,
      });
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift() as { cell: string; fingerprint: FingerprintHash };
      if (this.failed) {
        this.skipped++;
        continue;
      }
      this.active++;
      const task = this.push(next.cell, next.fingerprint).finally(() => {
        this.active--;
        this.pending.delete(task);
        this.pump();
      });
      this.pending.add(task);
    }
  }

  private async push(cell: string, fingerprint: FingerprintHash): Promise<void> {
    if (this.failed) {
      this.skipped++;
      return;
    }
    const outcome = await pushCell(this.remote, this.cache, fingerprint);
    if (outcome.kind !== 'failed') return;
    this.skipped++;
    if (!this.hasFailed())
      this.emit({ type: 'warning', message: `push of ${cell} to ${this.remote.url} failed: ${outcome.message}` });
    // A cell this cache cannot supply says nothing about the remote: the others still go up.
    if (outcome.local !== true) this.failed = true;
  }
}
