import type { StageDefinition } from '../stage-api.js';

/**
 * The built-in `exec` kind: a shell command with declared outputs, as in DVC.
 * `{{name}}` in the command is replaced by the cell's param `name`; the
 * environment carries ABLATE_OUT, ABLATE_IN_<INPUT>, ABLATE_SEED and
 * ABLATE_PIPELINE_DIR. `deps` are files (relative to the pipeline) whose
 * content is part of the fingerprint.
 */
export const execDefinition: StageDefinition = {
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
  run: () => Promise.reject(new Error('exec cells run through the engine, not a worker')),
};
