import type { ErrorObject } from 'ajv';
import { suggest, type Diagnostic } from './diagnostics.js';
import { locate, pointerToPath, type JsonPath, type JsonSource } from './source.js';

/**
 * Turns ajv errors into plain-word diagnostics located in the source.
 * `base` is the JSON path of the validated value inside the file.
 */
export function schemaDiagnostics(
  errors: readonly ErrorObject[],
  source: JsonSource,
  base: JsonPath,
  what: string,
): Diagnostic[] {
  const relevant = pickRelevant(errors);
  return relevant.map((e) => {
    const path = [...base, ...pointerToPath(e.instancePath)];
    const name = describePath(path, what);
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty);
        const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        return {
          message: `unknown property "${extra}" in ${name}`,
          location: locate(source, [...path, extra], 'key'),
          hint: suggest(extra, allowed) ?? (allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : undefined),
        };
      }
      case 'required': {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        return { message: `${name} is missing the required property "${missing}"`, location: locate(source, path) };
      }
      case 'enum': {
        const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
        const got = String(valueAt(source.value, path));
        return {
          message: `${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(got)}`,
          location: locate(source, path),
          hint: suggest(got, allowed),
        };
      }
      case 'type':
        return {
          message: `${name} must be ${typeList((e.params as { type: string | string[] }).type)}, not ${typeName(valueAt(source.value, path))}`,
          location: locate(source, path),
        };
      case 'propertyNames':
        return { message: `${name} has an invalid name: ${e.message ?? ''}`, location: locate(source, path) };
      case 'pattern': {
        // A key that breaks a propertyNames pattern: name the key, not the whole object around it.
        const property = (e as ErrorObject & { propertyName?: string }).propertyName;
        if (property !== undefined) {
          return {
            message: `${name} has an invalid name "${property}": it must match ${(e.params as { pattern: string }).pattern}`,
            location: locate(source, [...path, property], 'key'),
          };
        }
        const key = path[path.length - 1];
        return {
          message: `${name} has an invalid value ${JSON.stringify(valueAt(source.value, path) ?? key)}: it must match ${(e.params as { pattern: string }).pattern}`,
          location: locate(source, path),
        };
      }
      case 'uniqueItems': {
        const p = e.params as { i: number; j: number };
        const [first, again] = [Math.min(p.i, p.j), Math.max(p.i, p.j)];
        return {
          message: `${name} lists the same value twice (entries ${first + 1} and ${again + 1})`,
          location: locate(source, [...path, again]),
        };
      }
      case 'minItems':
        return { message: `${name} must not be empty`, location: locate(source, path) };
      case 'minProperties':
        return { message: `${name} must not be empty`, location: locate(source, path) };
      default:
        return { message: `${name} ${e.message ?? 'is invalid'}`, location: locate(source, path) };
    }
  });
}

/** ajv reports every branch of a oneOf; keep the most specific errors only. */
function pickRelevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const list = concrete.length > 0 ? concrete : [...errors];
  const seen = new Set<string>();
  return list.filter((e) => {
    const key = e.instancePath;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, 5);
}

function describePath(path: JsonPath, what: string): string {
  if (path.length === 0) return what;
  return `"${path.map(String).join('.')}"`;
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return article(typeof v);
}

/** ajv joins a list of types with commas: "a string, a number or a boolean". */
function typeList(t: string | string[]): string {
  const list = (Array.isArray(t) ? t : t.split(',')).map(article);
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
