/** Ends a switch over a union: adding a member becomes a compile error here. */
export function unreachable(value: never): never {
  throw new Error(`Internal error: unexpected value ${JSON.stringify(value)}`);
}
