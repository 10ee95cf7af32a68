import { hash } from 'node:crypto';

export type Sha256 = string & { readonly __brand: 'sha256' };

/** One-shot hashing: no Hash object per call (planning hashes one fingerprint per cell). */
export function sha256(data: string | Uint8Array): Sha256 {
  return hash('sha256', data, 'hex') as Sha256;
}

/** JSON.stringify with its real result type: undefined for undefined, functions and symbols. */
const stringify = (value: unknown): string | undefined => JSON.stringify(value);

/**
 * JSON with object keys sorted, so equal values always hash equally.
 * Written directly rather than through a sorted copy: it runs once per cell.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0) return '{}';
  const parts: string[] = [];
  for (const key of keys.sort()) {
    const v = obj[key];
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
