/** Exit codes of the CLI, documented in the README. */
export const EXIT = { ok: 0, cellFailed: 1, invalid: 2, refused: 3, environment: 4, interrupted: 130 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An expected failure that ends a command. The CLI prints its message as is
 * and exits with the code its class carries, never one read from the text.
 */
export abstract class CommandError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** A problem with the user's input: the pipeline, a flag, a selector (exit 2). */
export class UsageError extends CommandError {
  readonly exitCode: ExitCode = EXIT.invalid;
}

/** Something outside the user's input stops the command: a backend, a cluster, the cache's disk (exit 4). */
export class EnvironmentError extends CommandError {
  readonly exitCode: ExitCode = EXIT.environment;
}
