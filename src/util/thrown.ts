/**
 * A thrown or rejected value in words: an Error's message, else the value
 * itself (`42`, `null`, `"text"`, `{"code":7}`), since JavaScript lets code
 * throw anything.
 */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return JSON.stringify(e);
  if (typeof e !== 'object' || e === null) return String(e);
  try {
    // JSON.stringify returns undefined (its types say otherwise) for a value with a toJSON that returns undefined.
    const json = JSON.stringify(e) as string | undefined;
    return json ?? Object.prototype.toString.call(e);
  } catch {
    return Object.prototype.toString.call(e);
  }
}
