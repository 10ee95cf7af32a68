import type { Reporter, RunEvent } from '../events.js';

/** NDJSON on stdout, one event per line, for machines. */
export class JsonReporter implements Reporter {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {}

  onEvent(event: RunEvent): void {
    this.write(`${JSON.stringify(event)}\n`);
  }

  close(): void {}
}
