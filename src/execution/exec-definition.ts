import type { JsonObject, JsonValue } from '../stage-api.js';
import type { KindSchema } from '../plan/types.js';

/**
 * The built-in `exec` kind: a shell command with declared outputs, as in DVC.
 * `{{name}}` in the command is replaced by the cell's param `name`, quoted
 * for the shell (see renderCommand); the environment carries ABLATE_OUT,
 * ABLATE_IN_<INPUT>, ABLATE_SEED and ABLATE_PIPELINE_DIR. `deps` are files (relative to the pipeline) whose
 * content is part of the fingerprint.
 */
export const execDefinition: KindSchema = {
  description: 'run a shell command',
  params: {
    type: 'object',
    required: ['command'],
    properties: {
      command: { type: 'string', minLength: 1 },
      outputs: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      deps: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      env: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  resources: { cpu: 1 },
};

const PLACEHOLDER = /\{\{\s*(raw:)?\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Characters a shell gives no meaning to (the set Python's shlex.quote leaves bare). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export interface Placeholder {
  /** As written, e.g. `{{ raw:flags }}`. */
  text: string;
  name: string;
  raw: boolean;
}

export function placeholders(command: string): Placeholder[] {
  return [...command.matchAll(PLACEHOLDER)].map((m) => ({ text: m[0], name: m[2] as string, raw: m[1] !== undefined }));
}

/**
 * The command with each placeholder replaced. `{{name}}` is one shell word
 * whatever the value holds: a string with any character outside SHELL_SAFE
 * is single-quoted (`'` written as `'\''`), so `;`, `$(...)` or `O'Brien`
 * stay text. Numbers and booleans are written bare (they cannot carry shell
 * syntax, and `$(( {{n}} * 2 ))` needs a bare number); arrays and objects
 * are their JSON text, quoted. `{{raw:name}}` inserts the value unquoted,
 * for a param that holds shell syntax on purpose. The loader refuses a
 * placeholder that names no param or axis, so every name here resolves.
 */
export function renderCommand(command: string, params: JsonObject): string {
  return command.replace(PLACEHOLDER, (whole, raw: string | undefined, name: string) => {
    if (!Object.hasOwn(params, name)) return whole;
    const value = params[name] as JsonValue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return raw !== undefined || typeof value === 'number' || typeof value === 'boolean' ? text : shellQuote(text);
  });
}

/** One shell word holding exactly `text`. */
export function shellQuote(text: string): string {
  return SHELL_SAFE.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
