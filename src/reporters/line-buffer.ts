/**
 * Collects the lines written in one turn of the event loop and writes them
 * at once: a fully cached run emits ten thousand events back to back, and
 * one write per line costs more than planning them. Lines still appear as
 * soon as the engine yields, so live consumers see no delay.
 */
export class LineBuffer {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly write: (text: string) => void) {}

  push(line: string): void {
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.write(text);
  }
}
