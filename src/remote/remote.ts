import type { Result } from '../util/result.js';

/** Why a remote operation did not complete. */
export type RemoteFailure =
  | { reason: 'unreachable'; message: string }
  | { reason: 'timeout'; ms: number }
  | { reason: 'server-error'; status: number; message: string }
  | { reason: 'denied'; message: string }
  | { reason: 'io'; message: string };

export function describeRemoteFailure(f: RemoteFailure): string {
  switch (f.reason) {
    case 'unreachable':
      return `unreachable (${f.message})`;
    case 'timeout':
      return `no answer within ${f.ms} ms`;
    case 'server-error':
      return `server error ${f.status}${f.message ? ` (${f.message})` : ''}`;
    case 'denied':
      return `access denied (${f.message})`;
    case 'io':
      return f.message;
  }
}

/**
 * An object store addressed by key. Every call is bounded by the remote's
 * timeout and retry settings and returns its failure as a value: a remote
 * that is down never throws into the run that consults it.
 */
export interface Remote {
  /** The URL it was configured with, for messages. */
  readonly url: string;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Result<Buffer | undefined, RemoteFailure>>;
  /** Stores the object whole: a reader sees the old state or all of it. */
  put(key: string, bytes: Uint8Array): Promise<Result<void, RemoteFailure>>;
  /** The object's size, or undefined when there is no such key. */
  head(key: string): Promise<Result<{ size: number } | undefined, RemoteFailure>>;
  /** Keys under a prefix. */
  list(prefix: string): Promise<Result<string[], RemoteFailure>>;
  close(): void;
}

export interface RemoteSettings {
  url: string;
  /** S3 only: the service endpoint of an S3-compatible store (MinIO, Ceph, R2). */
  endpoint?: string;
  region?: string;
  /** S3 only: bucket in the path (http://host/bucket/key) rather than the host name. */
  pathStyle?: boolean;
  /** Per attempt. */
  timeoutMs: number;
  /** Further attempts after a failed one (transient failures only). */
  retries: number;
  /** Objects moved at once by push and pull. */
  concurrency: number;
  /** Where the URL was given (the flag, the variable or the config file), for messages. */
  from?: string;
}

export const REMOTE_DEFAULTS = { timeoutMs: 10_000, retries: 2, concurrency: 8 } as const;
