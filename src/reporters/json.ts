import type { Reporter, RunEvent, TransferEvent } from '../execution/events.js';
import { LineBuffer } from './line-buffer.js';
import { Sink } from './sink.js';

/** NDJSON on stdout, one event per line, for machines. */
export class JsonReporter implements Reporter {
  private readonly lines: LineBuffer;

  /** Writes to stdout unless told otherwise; a closed stdout drops output (see Sink). */
  constructor(write?: (text: string) => void) {
    const sink = write === undefined ? new Sink(process.stdout) : undefined;
    this.lines = new LineBuffer(write ?? ((t) => sink?.write(t)));
  }

  onEvent(event: RunEvent | TransferEvent): void {
    this.lines.push(`${JSON.stringify(event)}\n`);
  }

  close(): void {
    this.lines.flush();
  }
}
