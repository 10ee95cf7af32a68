/**
 * The report as data: sections of text, findings, figures and tables. The
 * Markdown and HTML renderers both walk this, so the two files never say
 * different things.
 */
import type { Finding } from './findings.js';

export interface Figure {
  /** File name under plots/, e.g. `curves-mean.svg`. */
  file: string;
  caption: string;
  svg: string;
}

export interface Table {
  /** File stem under tables/ (`<name>.csv`, `<name>.tex`); unnamed tables are not written out. */
  name?: string;
  columns: string[];
  rows: string[][];
  /** Columns holding numbers are right-aligned. */
  numeric?: boolean[];
}

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'findings'; findings: Finding[] }
  | { kind: 'figures'; figures: Figure[] }
  | { kind: 'table'; table: Table; caption?: string; collapsed?: boolean }
  | { kind: 'list'; items: string[] };

export interface Section {
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  subtitle: string;
  sections: Section[];
}
