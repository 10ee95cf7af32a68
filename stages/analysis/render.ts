/**
 * Vega-Lite spec to SVG, headless: vega's 'none' renderer builds the
 * scenegraph without a canvas or DOM and serialises it. Text widths are
 * estimated rather than measured, which is fine for axis labels.
 */
import type { TopLevelSpec } from 'vega-lite';

/** Compiler and renderer warnings go here instead of the console. */
export type WarningSink = (message: string) => void;

export async function renderSvg(spec: TopLevelSpec, warn: WarningSink = () => undefined): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec, { logger: sink(vega, warn) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: sink(vega, warn) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Vega = typeof import('vega');

/** A vega logger whose warnings and errors reach `warn`; the rest is dropped. */
function sink(vega: Vega, warn: WarningSink): ReturnType<Vega['logger']> {
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args: readonly unknown[]) => {
    warn(args.map(String).join(' '));
    return logger;
  };
  logger.error = (...args: readonly unknown[]) => {
    warn(`error: ${args.map(String).join(' ')}`);
    return logger;
  };
  return logger;
}
