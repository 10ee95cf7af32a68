/**
 * The stream a reporter writes to. When its reader goes away (EPIPE: the
 * `head` in `ablate run p.json | head` exited; EIO: the terminal closed),
 * later output is dropped rather than crash the engine with an unhandled
 * 'error' event: the run goes on to its end, so every cell it started is
 * stored or cleaned up as usual, and exits with the run's own code.
 */
export class Sink {
  constructor(readonly stream: NodeJS.WritableStream) {
    watch(stream);
  }

  /** Whether output still has a reader. */
  get open(): boolean {
    return !closed.has(this.stream);
  }

  write(text: string): void {
    if (this.open) this.stream.write(text);
  }
}

/** Streams whose reader has gone; one listener per stream, however many reporters or commands share it in one process. */
const closed = new WeakSet<NodeJS.WritableStream>();
const watched = new WeakSet<NodeJS.WritableStream>();

function watch(stream: NodeJS.WritableStream): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', () => closed.add(stream));
}

/**
 * Commands that print their answer directly (status, dag, log, explain):
 * a closed stdout ends the output, not the process with a stack trace.
 */
export function quietOnClosedStdout(): void {
  watch(process.stdout);
}
