import { err, type Result } from '../util/result.js';
import type { RemoteFailure } from './remote.js';

/** Failures worth another attempt: the next one may reach a server that has recovered. */
function transient(f: RemoteFailure): boolean {
  return f.reason === 'unreachable' || f.reason === 'timeout' || f.reason === 'server-error';
}

/**
 * Runs `attempt` at most 1 + retries times, each bounded by timeoutMs (its
 * signal aborts the request), with a short exponential pause between them.
 */
export async function withAttempts<T>(
  settings: { timeoutMs: number; retries: number },
  attempt: (signal: AbortSignal) => Promise<Result<T, RemoteFailure>>,
): Promise<Result<T, RemoteFailure>> {
  let last: Result<T, RemoteFailure> = err({ reason: 'unreachable', message: 'not attempted' });
  for (let i = 0; i <= settings.retries; i++) {
    if (i > 0) await pause(Math.min(2000, 100 * 2 ** (i - 1)));
    last = await bounded(settings.timeoutMs, attempt);
    if (last.ok || !transient(last.error)) return last;
  }
  return last;
}

async function bounded<T>(
  ms: number,
  attempt: (signal: AbortSignal) => Promise<Result<T, RemoteFailure>>,
): Promise<Result<T, RemoteFailure>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Result<T, RemoteFailure>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(err({ reason: 'timeout', ms }));
    }, ms);
  });
  try {
    // The race also covers a request that ignores its signal.
    return await Promise.race([attempt(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
