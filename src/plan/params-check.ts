import type { ValidateFunction } from 'ajv';
import type { Cell, StageNode } from './types.js';
import { suggest, type Diagnostic, type Location } from '../pipeline/diagnostics.js';
import type { Scalar } from '../pipeline/pipeline-config.js';
import { schemaProblems } from '../pipeline/schema-errors.js';
import { locate, type JsonSource } from '../pipeline/source.js';
import type { JsonObject } from '../stage-api.js';

/*
 * How a stage's params and matrix axes are checked against its kind's
 * params schema, and where a problem is reported: at the value in the file
 * (the stage's params or matrix, or the shared axis it names), or at the
 * --set or --axis flag that brought the value.
 */

/**
 * Axes a stage's schema does not declare only select upstream cells and name
 * the cell (train[task,f,arch,seed] reading data[task,f,seed]); they are left
 * out of validation, so a strict schema need not list every axis.
 */
export function validateParams(
  validate: ValidateFunction,
  cell: Cell,
  node: StageNode,
  setFlags: Readonly<Record<string, string>>,
  source: JsonSource,
  out: Diagnostic[],
): boolean {
  const declared = (node.kind.definition.params as { properties?: Record<string, unknown> }).properties ?? {};
  // Axes the kind neither declares nor sets are left out of the check.
  const params = Object.fromEntries(
    Object.entries(cell.params).filter(
      ([k]) => !node.axisNames.includes(k) || Object.hasOwn(declared, k) || Object.hasOwn(node.config.params, k),
    ),
  );
  if (validate(params)) return true;
  const errors = validate.errors ?? [];
  const axisError = errors.find((e) => node.axisNames.includes(e.instancePath.split('/')[1] ?? ''));
  if (axisError !== undefined) {
    const axis = axisError.instancePath.split('/')[1] as string;
    const value = cell.axes[axis] as Scalar;
    for (const p of schemaProblems([{ ...axisError, instancePath: '' }], value)) {
      const message = `matrix value ${JSON.stringify(value)} of axis "${axis}" ${p.text(undefined)} (stage "${node.config.name}")`;
      out.push({
        ...axisValuePlace(node, axis, value, source, message),
        ...(p.hint === undefined ? {} : { hint: p.hint }),
      });
    }
  } else {
    out.push(...staticParamDiagnostics(errors, params, node, setFlags, source));
  }
  return false;
}

/**
 * Errors in a stage's static params. A value that came from `--set` is
 * reported against the flag; one from a `$var` of the file at the
 * reference, worded by the value itself (not by the `{"$var": ...}` object).
 */
function staticParamDiagnostics(
  errors: NonNullable<ValidateFunction['errors']>,
  params: JsonObject,
  node: StageNode,
  setFlags: Readonly<Record<string, string>>,
  source: JsonSource,
): Diagnostic[] {
  const base = ['stages', node.config.name, 'params'];
  return schemaProblems(errors, params).map((p) => {
    const ref = node.config.varRefs.find((r) => r.path.every((seg, i) => p.path[i] === seg));
    const flag = ref === undefined ? undefined : setFlags[ref.name];
    const name = describeParam([...base, ...p.path]);
    if (flag !== undefined)
      return {
        message: `--set ${flag}: ${p.text(undefined)} (${name})`,
        ...(p.hint === undefined ? {} : { hint: p.hint }),
      };
    const hint = p.hint ?? (ref === undefined ? undefined : `the value comes from vars.${ref.name}`);
    return {
      message: p.text(name),
      location: locate(source, [...base, ...p.at], p.which),
      ...(hint === undefined ? {} : { hint }),
    };
  });
}

function describeParam(path: (string | number)[]): string {
  return `"${path.map(String).join('.')}"`;
}

/**
 * Where an axis value is written: in the stage's matrix or the shared axis
 * it names, or, for a value an `--axis` flag brought, the flag itself.
 */
export function axisValuePlace(
  node: StageNode,
  axis: string,
  value: Scalar,
  source: JsonSource,
  message: string,
): { message: string; location?: Location } {
  const where = node.config.axisSources[axis];
  const index = (node.config.matrix[axis] ?? []).indexOf(value);
  if (where === undefined) return { message, location: locate(source, ['stages', node.config.name, 'matrix', axis]) };
  if (where.flag !== undefined && index >= where.fromFile) return { message: `--axis ${where.flag}: ${message}` };
  return { message, location: locate(source, [...where.path, index]) };
}

/**
 * A matrix axis reaches a JS stage as a param. One its params schema does
 * not allow (`additionalProperties: false` and no such property) is dropped
 * before the stage sees it, so its cells would be copies of one another,
 * unless the axis selects upstream cells (an input stage varies over it)
 * or is the seed (`ctx.seed`). `exec` stages have no schema: a command
 * sees its axes through `{{name}}` and ABLATE_CELL.
 */
export function checkAxesAccepted(
  node: StageNode,
  links: readonly { upstream: { axisNames: readonly string[] } }[],
  source: JsonSource,
): Diagnostic[] {
  if (node.kind.type === 'exec') return [];
  const schema = node.kind.definition.params as {
    additionalProperties?: unknown;
    properties?: Record<string, unknown>;
    patternProperties?: Record<string, unknown>;
  };
  if (schema.additionalProperties !== false) return [];
  const declared = Object.keys(schema.properties ?? {});
  const patterns = Object.keys(schema.patternProperties ?? {}).map((p) => new RegExp(p, 'u'));
  const out: Diagnostic[] = [];
  for (const axis of node.axisNames) {
    if (axis === 'seed' || declared.includes(axis) || patterns.some((p) => p.test(axis))) continue;
    if (links.some((l) => l.upstream.axisNames.includes(axis))) continue;
    out.push({
      message: `matrix axis "${axis}" of stage "${node.config.name}" is neither a param of kind "${node.kind.name}" nor an axis of an input stage: its cells would be copies`,
      location: locate(source, ['stages', node.config.name, 'matrix', axis], 'key'),
      hint: suggest(axis, declared) ?? `params of "${node.kind.name}": ${declared.join(', ')}`,
    });
  }
  return out;
}
