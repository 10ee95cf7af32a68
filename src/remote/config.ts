import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, suggest } from '../pipeline/diagnostics.js';
import { UsageError } from '../exit.js';
import { locate, parseJsonSource, type JsonPath } from '../pipeline/source.js';
import { REMOTE_DEFAULTS, type Remote, type RemoteSettings } from './remote.js';

/** The project config file, read from the working directory. */
export const CONFIG_FILE = 'ablate.config.json';

const KEYS: Record<string, 'string' | 'boolean' | 'count'> = {
  url: 'string',
  endpoint: 'string',
  region: 'string',
  pathStyle: 'boolean',
  timeoutMs: 'count',
  retries: 'count',
  concurrency: 'count',
};

/**
 * The remote to use, if any: the URL from `--remote`, else ABLATE_REMOTE,
 * else `remote.url` of ablate.config.json in the working directory; the
 * other settings always come from that file's "remote" object.
 */
export function remoteSettings(flag: string | undefined, cwd = process.cwd()): RemoteSettings | undefined {
  const file = readConfig(join(cwd, CONFIG_FILE));
  const env = process.env.ABLATE_REMOTE || undefined;
  const url = flag ?? env ?? file.url;
  if (url === undefined || url === '') return undefined;
  const from =
    flag !== undefined ? '--remote' : env !== undefined ? 'ABLATE_REMOTE' : `${join(cwd, CONFIG_FILE)} (remote.url)`;
  return { ...REMOTE_DEFAULTS, ...file, url, from };
}

/** The remote a URL names. The S3 client is loaded only for an s3:// URL: runs without one do not pay for the SDK. */
export async function openRemote(settings: RemoteSettings): Promise<Remote> {
  const where = settings.url;
  if (where.startsWith('file://')) {
    let root: string;
    try {
      root = fileURLToPath(where);
    } catch {
      throw new UsageError(
        `${settings.from ?? 'remote'}: "${where}" is not a file URL; a directory remote is file:///absolute/path`,
      );
    }
    const { FileRemote } = await import('./file-remote.js');
    return new FileRemote(where, resolve(root), settings);
  }
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(where);
  if (s3 !== null) {
    const prefix = (s3[2] ?? '').replace(/\/+$/, '');
    const { S3Remote } = await import('./s3-remote.js');
    return new S3Remote(where, s3[1] as string, prefix === '' ? '' : `${prefix}/`, settings);
  }
  throw new UsageError(
    `${settings.from ?? 'remote'}: "${where}" is not a remote; expected s3://bucket/prefix or file:///absolute/path`,
  );
}

/** The "remote" object of the config file, checked key by key; errors point at file:line:col. */
function readConfig(path: string): Partial<RemoteSettings> {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  const parsed = parseJsonSource(path, text);
  const sources = new Map([[path, text]]);
  if (!parsed.ok) throw new UsageError(parsed.error.map((d) => formatDiagnostic(d, sources)).join('\n\n'));
  const fail = (at: JsonPath, message: string, hint?: string): never => {
    throw new UsageError(
      formatDiagnostic(
        { message, location: locate(parsed.value, at), ...(hint === undefined ? {} : { hint }) },
        sources,
      ),
    );
  };
  const remote = (parsed.value.value as { remote?: unknown } | null)?.remote;
  if (remote === undefined) return {};
  if (typeof remote !== 'object' || remote === null || Array.isArray(remote))
    return fail(['remote'], '"remote" must be an object');
  for (const [key, value] of Object.entries(remote)) {
    const want = KEYS[key];
    if (want === undefined)
      return fail(
        ['remote', key],
        `remote.${key} is not a setting; settings are ${Object.keys(KEYS).join(', ')}`,
        suggest(key, Object.keys(KEYS)),
      );
    const least = key === 'retries' ? 0 : 1;
    const fine = want === 'count' ? Number.isInteger(value) && (value as number) >= least : typeof value === want;
    if (!fine)
      fail(
        ['remote', key],
        `remote.${key} must be ${want === 'count' ? `an integer of at least ${least}` : `a ${want}`}`,
      );
  }
  return remote;
}
