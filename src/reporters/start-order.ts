/**
 * Plain lines in the order things happen. A cell's slot is handed on when
 * its process exits, before its outputs are stored, so with `-j 1` the next
 * cell starts while the last one is still being stored, and the last one's
 * `cell` event (ran, failed) comes after the next one's start. A start line
 * is therefore held back until every cell whose process had exited when it
 * started has said how it ended.
 */
export class StartOrder {
  /** Cells whose process exited and whose outcome is not printed yet. */
  private readonly ending = new Set<string>();
  /** Held start lines, in order, each with the outcomes it waits for. */
  private held: { line: string; after: Set<string>; start?: string }[] = [];

  /** Lines to print now for a cell that started. */
  started(cell: string): string[] {
    const line = `start   ${cell}`;
    if (this.ending.size === 0 && this.held.length === 0) return [line];
    this.held.push({ line, after: new Set(this.ending), start: cell });
    return [];
  }

  exited(cell: string): void {
    this.ending.add(cell);
  }

  /**
   * Lines to print now for a cell's outcome line. The outcome of a cell
   * whose start line is held follows that line; that of a cell whose process
   * exited is printed at once (held starts wait for it); any other (a cell
   * skipped or cached without starting) queues behind the held lines.
   */
  reported(cell: string, line: string): string[] {
    const exited = this.ending.delete(cell);
    for (const h of this.held) h.after.delete(cell);
    const out: string[] = [];
    const ownStart = this.held.findIndex((h) => h.start === cell);
    // Right after its own held start line: the lines after it may wait for nothing but this outcome.
    if (ownStart >= 0) this.held.splice(ownStart + 1, 0, { line, after: new Set() });
    else if (exited || this.held.length === 0) out.push(line);
    else this.held.push({ line, after: new Set() });
    while (this.held.length > 0 && (this.held[0] as { after: Set<string> }).after.size === 0)
      out.push((this.held.shift() as { line: string }).line);
    return out;
  }

  /** Held lines, for the end of the run (a cancelled cell never reports). */
  flush(): string[] {
    const held = this.held.map((h) => h.line);
    this.held = [];
    this.ending.clear();
    return held;
  }
}
