/**
 * Reading upstream artifacts. Missing or malformed files are expected
 * failures (a user wired the wrong stage), so they come back as Results
 * whose message names the cell and the file; stages turn them into errors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputArtifact, JsonObject, JsonValue, StageContext } from '../../src/stage-api.js';
import { err, ok, type Result } from '../../src/util/result.js';

export async function readJson(artifact: InputArtifact, file: string): Promise<Result<JsonObject, string>> {
  if (!artifact.files.includes(file)) {
    return err(`${artifact.cell} has no ${file} (it has: ${artifact.files.join(', ') || 'nothing'})`);
  }
  let text: string;
  try {
    text = await readFile(join(artifact.dir, file), 'utf8');
  } catch (e) {
    return err(`${artifact.cell}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as JsonValue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return err(`${artifact.cell}: ${file} is not a JSON object`);
    }
    return ok(value);
  } catch (e) {
    return err(`${artifact.cell}: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Like readJson, but a failure is a thrown error: for use at a stage's top level. */
export async function requireJson(artifact: InputArtifact, file: string): Promise<JsonObject> {
  const r = await readJson(artifact, file);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** A fan-in input; a single matched artifact is accepted as a fan-in of one. */
export function manyInputs(ctx: StageContext, name: string): InputArtifact[] {
  const input = ctx.inputs[name];
  if (input === undefined) return [];
  return Array.isArray(input) ? input : [input];
}

/** Walks a JSON object by keys; undefined where the path does not exist. */
export function at(obj: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const key of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function num(v: JsonValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function str(v: JsonValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}
