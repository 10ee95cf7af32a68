import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { err, ok, type Result } from '../util/result.js';
import { withAttempts } from './attempts.js';
import type { Remote, RemoteFailure, RemoteSettings } from './remote.js';

/**
 * An S3 (or S3-compatible) bucket under a key prefix. Credentials come from
 * the SDK's standard chain (environment, shared config and credentials
 * files, SSO, container and instance roles). Retries and timeouts are
 * ours, not the SDK's, so both remotes bound them the same way.
 */
export class S3Remote implements Remote {
  private readonly client: S3Client;

  constructor(
    readonly url: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly settings: RemoteSettings,
  ) {
    // The SDK's notice about the Node versions it will require next year would print past the reporters.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      forcePathStyle: settings.pathStyle ?? settings.endpoint !== undefined,
      maxAttempts: 1,
      // Objects are verified by sha256 after download; the SDK's extra checksums are not understood by every S3-compatible store.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: settings.timeoutMs, requestTimeout: settings.timeoutMs },
    });
  }

  get(key: string): Promise<Result<Buffer | undefined, RemoteFailure>> {
    return this.call(async (abortSignal) => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }), {
        abortSignal,
      });
      const bytes = await out.Body?.transformToByteArray();
      return Buffer.from(bytes ?? new Uint8Array());
    }, true);
  }

  put(key: string, bytes: Uint8Array): Promise<Result<void, RemoteFailure>> {
    return this.call(async (abortSignal) => {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: bytes, ContentLength: bytes.length }),
        { abortSignal },
      );
    }, false);
  }

  head(key: string): Promise<Result<{ size: number } | undefined, RemoteFailure>> {
    return this.call(async (abortSignal) => {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }), {
        abortSignal,
      });
      return { size: out.ContentLength ?? 0 };
    }, true);
  }

  async list(prefix: string): Promise<Result<string[], RemoteFailure>> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(
        (abortSignal) =>
          this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(prefix), ContinuationToken: token }),
            { abortSignal },
          ),
        false,
      );
      if (!page.ok) return page;
      for (const o of page.value?.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key.slice(this.prefix.length));
      token = page.value?.IsTruncated ? page.value.NextContinuationToken : undefined;
    } while (token !== undefined);
    return ok(keys.sort());
  }

  close(): void {
    this.client.destroy();
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** One bounded, retried request; a missing key is `undefined` when `absentOk`. */
  private call<T>(
    request: (signal: AbortSignal) => Promise<T>,
    absentOk: boolean,
  ): Promise<Result<T | undefined, RemoteFailure>> {
    return withAttempts(this.settings, async (signal) => {
      try {
        return ok(await request(signal));
      } catch (e) {
        if (absentOk && isMissing(e)) return ok(undefined);
        return err(classify(e, this.settings.timeoutMs));
      }
    });
  }
}

function isMissing(e: unknown): boolean {
  return (
    e instanceof S3ServiceException &&
    (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata.httpStatusCode === 404)
  );
}

function classify(e: unknown, ms: number): RemoteFailure {
  const error = e as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  const status = error.$metadata?.httpStatusCode;
  if (error.name === 'CredentialsProviderError')
    return { reason: 'denied', message: `no credentials: ${error.message}` };
  if (error.name === 'AbortError' || error.name === 'TimeoutError' || error.code === 'ETIMEDOUT')
    return { reason: 'timeout', ms };
  if (status === 401 || status === 403) return { reason: 'denied', message: error.name };
  if (status !== undefined && status >= 500)
    return {
      reason: 'server-error',
      status,
      message: error.name === 'Error' || error.name === 'UnknownError' ? '' : error.name,
    };
  if (status !== undefined && status >= 400) return { reason: 'io', message: `${error.name} (HTTP ${status})` };
  return { reason: 'unreachable', message: error.code ?? error.message };
}
