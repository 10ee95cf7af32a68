/**
 * A kind that declares its inputs gets them checked against the pipeline
 * at `ablate validate`, so a miswired input is a diagnostic at its place in
 * the file instead of an error inside a worker: a declared input the stage
 * does not wire, a wired input the kind does not declare, one artifact
 * where the kind reads a fan-in (or the reverse), and a file the kind reads
 * that the upstream kind does not declare among its outputs.
 */
import { suggest, type Diagnostic } from '../pipeline/diagnostics.js';
import { locate, type JsonSource } from '../pipeline/source.js';
import type { InputDeclaration } from '../stage-api.js';
import { unreachable } from '../util/unreachable.js';
import type { StageNode } from './types.js';

export function checkDeclaredInputs(
  node: StageNode,
  stages: ReadonlyMap<string, StageNode>,
  source: JsonSource,
): Diagnostic[] {
  const declared = node.kind.definition.inputs;
  if (declared === undefined) return [];
  const stage = node.config.name;
  const wired = node.config.inputs;
  const out: Diagnostic[] = [];
  for (const [name, decl] of Object.entries(declared)) {
    if (Object.hasOwn(wired, name) || decl.optional === true) continue;
    out.push({
      message: `stage "${stage}" does not wire input "${name}", which kind "${node.kind.name}" reads${describe(decl)}`,
      location: locate(source, ['stages', stage, Object.keys(wired).length > 0 ? 'inputs' : 'kind']),
    });
  }
  for (const [name, input] of Object.entries(wired)) {
    const where = locate(source, ['stages', stage, 'inputs', name]);
    const decl = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (decl === undefined) {
      const names = Object.keys(declared);
      const hint =
        suggest(name, names) ?? (names.length > 0 ? `kind "${node.kind.name}" reads: ${names.join(', ')}` : undefined);
      out.push({
        message: `kind "${node.kind.name}" declares no input "${name}"`,
        location: where,
        ...(hint === undefined ? {} : { hint }),
      });
      continue;
    }
    const fanIn = decl.fanIn === true;
    if (fanIn !== input.all) {
      out.push({
        message: fanIn
          ? `input "${name}" of kind "${node.kind.name}" is a fan-in: wire it as {"stage": "${input.stage}", "all": true}`
          : `input "${name}" of kind "${node.kind.name}" reads one artifact, not a fan-in: wire it as "${input.stage}"`,
        location: where,
      });
    }
    out.push(...missingFiles(name, decl, stages.get(input.stage), where));
  }
  return out;
}

function missingFiles(
  name: string,
  decl: InputDeclaration,
  upstream: StageNode | undefined,
  location: Diagnostic['location'],
): Diagnostic[] {
  const offered = upstream === undefined ? undefined : outputsOf(upstream);
  if (offered === undefined || decl.files === undefined) return [];
  const missing = decl.files.filter((f) => !offered.includes(f));
  if (missing.length === 0) return [];
  const upstreamName = upstream?.config.name ?? '';
  return [
    {
      message: `input "${name}" reads ${missing.map((f) => `"${f}"`).join(', ')}, which stage "${upstreamName}" does not write (it writes ${offered.map((f) => `"${f}"`).join(', ') || 'nothing it declares'})`,
      location,
    },
  ];
}

/** The files a stage declares it writes: its kind's `outputs`, or an exec stage's `outputs` param. */
function outputsOf(node: StageNode): readonly string[] | undefined {
  switch (node.kind.type) {
    case 'module':
      return node.kind.definition.outputs;
    case 'exec': {
      const list = node.config.params.outputs;
      return Array.isArray(list) ? list.map(String) : undefined;
    }
    default:
      return unreachable(node.kind);
  }
}

function describe(decl: InputDeclaration): string {
  return decl.description === undefined ? '' : ` (${decl.description})`;
}
