/**
 * A parameter or axis value (parsed JSON) as text: strings, numbers, booleans
 * and null as String() writes them, arrays and objects as JSON (String() would
 * write `[object Object]`).
 */
export function valueText(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}
