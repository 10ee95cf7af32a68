import type { ErrorObject } from 'ajv';
import { suggest, type Diagnostic } from './diagnostics.js';
import { locate, pointerToPath, type JsonPath, type JsonSource } from './source.js';

/**
 * One ajv error in plain words. Paths are relative to the validated value;
 * `text(name)` words the message about `name` (a quoted path, or undefined
 * when the caller names the value itself, as a `--set` flag does).
 */
export interface SchemaProblem {
  /** The value the error is about. */
  path: JsonPath;
  /** Where to point: the value, or a key below it. */
  at: JsonPath;
  which: 'value' | 'key';
  text(name: string | undefined): string;
  hint?: string;
}

/**
 * Turns ajv errors into plain-word diagnostics located in the source.
 * `base` is the JSON path of the validated value inside the file;
 * `instance`, the value that was validated (by default the one at `base`).
 */
export function schemaDiagnostics(
  errors: readonly ErrorObject[],
  source: JsonSource,
  base: JsonPath,
  what: string,
  instance: unknown = valueAt(source.value, base),
): Diagnostic[] {
  return schemaProblems(errors, instance).map((p) => {
    const d: Diagnostic = {
      message: p.text(describePath([...base, ...p.path], what)),
      location: locate(source, [...base, ...p.at], p.which),
    };
    return p.hint === undefined ? d : { ...d, hint: p.hint };
  });
}

export function schemaProblems(errors: readonly ErrorObject[], instance: unknown): SchemaProblem[] {
  return pickRelevant(errors).map((e) => {
    const path = pointerToPath(e.instancePath);
    const value = valueAt(instance, path);
    const of = (name: string | undefined, tail: string): string => (name === undefined ? tail : `${name} ${tail}`);
    const problem = (
      text: (name: string | undefined) => string,
      hint?: string,
      at: JsonPath = path,
      which: 'value' | 'key' = 'value',
    ): SchemaProblem => (hint === undefined ? { path, at, which, text } : { path, at, which, text, hint });
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const hint = suggest(extra, allowed) ?? (allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : undefined);
        return problem(
          (name) => `unknown property "${extra}"${name === undefined ? '' : ` in ${name}`}`,
          hint,
          [...path, extra],
          'key',
        );
      }
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        return problem((name) => of(name, `is missing the required property "${missing}"`));
      }
      case 'enum': {
        const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String);
        const got = String(value);
        return problem(
          (name) =>
            of(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(got)}`),
          suggest(got, allowed),
        );
      }
      case 'type':
        return problem((name) =>
          of(name, `must be ${typeList((e.params as { type: string | string[] }).type)}, not ${typeName(value)}`),
        );
      case 'propertyNames':
        return problem((name) => of(name, `has an invalid name: ${e.message ?? ''}`));
      case 'pattern': {
        // A key that breaks a propertyNames pattern: name the key, not the whole object around it.
        const property = (e as ErrorObject & { propertyName?: string }).propertyName;
        const pattern = (e.params as { pattern: string }).pattern;
        if (property !== undefined)
          return problem(
            (name) => of(name, `has an invalid name "${property}": it must match ${pattern}`),
            undefined,
            [...path, property],
            'key',
          );
        return problem((name) =>
          of(name, `has an invalid value ${JSON.stringify(value ?? path[path.length - 1])}: it must match ${pattern}`),
        );
      }
      case 'uniqueItems': {
        const p = e.params as { i: number; j: number };
        const [first, again] = [Math.min(p.i, p.j), Math.max(p.i, p.j)];
        return problem(
          (name) => of(name, `lists the same value twice (entries ${first + 1} and ${again + 1})`),
          undefined,
          [...path, again],
        );
      }
      case 'minItems':
      case 'minProperties':
        return problem((name) => of(name, 'must not be empty'));
      default:
        return problem((name) => of(name, e.message ?? 'is invalid'));
    }
  });
}

/** ajv reports every branch of a oneOf; keep the most specific errors only. */
function pickRelevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const list = concrete.length > 0 ? concrete : [...errors];
  const seen = new Set<string>();
  return list
    .filter((e) => {
      const key = e.instancePath;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, 5);
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
