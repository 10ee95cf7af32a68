import type { Reporter, RunEvent, TransferEvent } from '../events.js';
import { LineBuffer } from './line-buffer.js';

/** NDJSON on stdout, one event per line, for machines. */
export class JsonReporter implements Reporter {
  private readonly lines: LineBuffer;

  constructor(write: (text: string) => void = (t) => process.stdout.write(t)) {
    this.lines = new LineBuffer(write);
  }

  onEvent(event: RunEvent | TransferEvent): void {
    this.lines.push(`${JSON.stringify(event)}\n`);
  }

  close(): void {
    this.lines.flush();
  }
}
