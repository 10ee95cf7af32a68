import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../exit.js';
import { FileRemote } from './file-remote.js';
import { REMOTE_DEFAULTS, type Remote, type RemoteSettings } from './remote.js';
import { S3Remote } from './s3-remote.js';

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
  const url = flag ?? (process.env.ABLATE_REMOTE || undefined) ?? (file.url as string | undefined);
  if (url === undefined || url === '') return undefined;
  return { ...REMOTE_DEFAULTS, ...file, url } as RemoteSettings;
}

export function openRemote(settings: RemoteSettings): Remote {
  const where = settings.url;
  if (where.startsWith('file://')) {
    let root: string;
    try {
      root = fileURLToPath(where);
    } catch {
      throw new UsageError(`remote ${where}: a directory remote is file:///absolute/path`);
    }
    return new FileRemote(where, resolve(root), settings);
  }
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(where);
  if (s3 !== null) {
    const prefix = (s3[2] ?? '').replace(/\/+$/, '');
    return new S3Remote(where, s3[1] as string, prefix === '' ? '' : `${prefix}/`, settings);
  }
  throw new UsageError(`remote "${where}": expected s3://bucket/prefix or file:///path (from --remote, ABLATE_REMOTE or ${CONFIG_FILE})`);
}

/** The "remote" object of the config file, checked key by key. */
function readConfig(path: string): Partial<RemoteSettings> {
  if (!existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const remote = (raw as { remote?: unknown } | null)?.remote;
  if (remote === undefined) return {};
  if (typeof remote !== 'object' || remote === null || Array.isArray(remote)) throw new UsageError(`${path}: "remote" must be an object`);
  for (const [key, value] of Object.entries(remote)) {
    const want = KEYS[key];
    if (want === undefined) throw new UsageError(`${path}: remote.${key} is not a setting; settings are ${Object.keys(KEYS).join(', ')}`);
    const fine = want === 'count' ? Number.isInteger(value) && (value as number) >= (key === 'retries' ? 0 : 1) : typeof value === want;
    if (!fine) throw new UsageError(`${path}: remote.${key} must be ${want === 'count' ? `an integer ≥ ${key === 'retries' ? 0 : 1}` : `a ${want}`}, got ${JSON.stringify(value)}`);
  }
  return remote as Partial<RemoteSettings>;
}
