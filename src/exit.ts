/** Exit codes of the CLI, documented in the README. */
export const EXIT = { ok: 0, cellFailed: 1, invalid: 2, refused: 3, environment: 4, interrupted: 130 } as const;

/** A problem with the user's input; its message is printed as is and the exit code is 2. */
export class UsageError extends Error {
  readonly exitCode: number = EXIT.invalid;
}
