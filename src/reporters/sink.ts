/**
 * The stream a reporter writes to. When its reader goes away (EPIPE: the
 * `head` in `ablate run p.json | head` exited; EIO: the terminal closed),
 * later output is dropped rather than crash the engine with an unhandled
 * 'error' event: the run goes on to its end, so every cell it started is
 * stored or cleaned up as usual, and exits with the run's own code.
 */
export class Sink {
  private gone = false;

  constructor(readonly stream: NodeJS.WritableStream) {
    stream.on('error', () => {
      this.gone = true;
    });
  }

  /** Whether output still has a reader. */
  get open(): boolean {
    return !this.gone;
  }

  write(text: string): void {
    if (!this.gone) this.stream.write(text);
  }
}

/**
 * Commands that print their answer directly (status, dag, log, explain):
 * a closed stdout ends the output, not the process with a stack trace.
 */
export function quietOnClosedStdout(): void {
  process.stdout.on('error', () => undefined);
}
