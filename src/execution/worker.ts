import { pathToFileURL } from 'node:url';
import type { InputArtifact, JsonObject, JsonValue, ProgressUpdate, StageContext, StageDefinition } from '../stage-api.js';

/** What the engine sends to a worker: everything but the callbacks. */
export interface WorkerPayload {
  modulePath: string;
  stage: string;
  cell: string;
  params: JsonObject;
  axes: Record<string, JsonValue>;
  seed: number;
  inputs: Record<string, InputArtifact | InputArtifact[]>;
  outDir: string;
  workDir: string;
  runtime: Record<string, string>;
}

export type WorkerMessage =
  | { type: 'progress'; update: ProgressUpdate }
  | { type: 'error'; message: string }
  | { type: 'done' };

/**
 * Entry point of the worker process: one cell per process, so a crash or a
 * leak in a stage never reaches the engine, and parallel cells use separate
 * cores (tfjs-wasm is single-threaded in Node).
 */
async function main(payload: WorkerPayload): Promise<void> {
  const send = (m: WorkerMessage): void => void process.send?.(m);
  const controller = new AbortController();
  process.once('SIGTERM', () => {
    controller.abort();
    setTimeout(() => process.exit(143), 1500).unref();
  });
  const mod = (await import(pathToFileURL(payload.modulePath).href)) as { default: StageDefinition };
  const ctx: StageContext = {
    ...payload,
    progress: (update) => send({ type: 'progress', update }),
    log: (message) => console.log(message),
    signal: controller.signal,
  };
  try {
    await mod.default.run(ctx);
    finish({ type: 'done' }, 0);
  } catch (e) {
    const error = e as Error;
    console.error(error.stack ?? String(error));
    finish({ type: 'error', message: error.message ?? String(error) }, 1);
  }
}

/** Exits explicitly: a stage may leave timers or native handles open. */
function finish(message: WorkerMessage, code: number): void {
  if (process.send === undefined) process.exit(code);
  process.send(message, () => process.exit(code));
}

process.once('message', (payload) => {
  void main(payload as WorkerPayload);
});
