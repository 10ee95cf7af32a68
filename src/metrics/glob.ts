/** Metric-name globs (`misalignment*`); minimatch is loaded only when a command is given patterns. */
export async function globMatcher(
  patterns: readonly string[] | undefined,
): Promise<((name: string, pattern: string) => boolean) | undefined> {
  if (patterns === undefined || patterns.length === 0) return undefined;
  const { minimatch } = await import('minimatch');
  return (name, pattern) => minimatch(name, pattern);
}
