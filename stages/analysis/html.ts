/**
 * ReportDocument to one self-contained HTML file: styles inline, figures as
 * inline SVG, no scripts and no network, so it opens from a mail attachment.
 */
import type { Block, Figure, ReportDocument, Table } from './document.js';
import { unreachable } from '../../src/util/unreachable.js';

export function toHtml(doc: ReportDocument): string {
  const body = doc.sections
    .map((s) => `<section>\n<h2>${esc(s.title)}</h2>\n${s.blocks.map(block).join('\n')}\n</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${esc(doc.title)}</h1><p class="sub">${esc(doc.subtitle)}</p></header>
${body}
</body>
</html>
`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'text':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    case 'findings':
      return findings(b.findings);
    case 'figures':
      return `<div class="figures">${b.figures.map(figure).join('\n')}</div>`;
    case 'table': {
      const links = b.table.name
        ? `<p class="dl">Also as <a href="tables/${esc(b.table.name)}.csv">CSV</a> and <a href="tables/${esc(b.table.name)}.tex">LaTeX</a>.</p>`
        : '';
      const t = `<div class="table">${table(b.table, b.caption)}</div>${links}`;
      return b.collapsed ? `<details><summary>${esc(b.caption ?? 'table')}</summary>${t}</details>` : t;
    }
    default:
      return unreachable(b);
  }
}

type FindingList = Extract<Block, { kind: 'findings' }>['findings'];
const status = (f: FindingList[number]): 'yes' | 'no' | 'open' => (f.undecided ? 'open' : f.holds ? 'yes' : 'no');

function findings(list: FindingList): string {
  const sections = [...new Set(list.map((f) => f.section))];
  return sections
    .map((s) => {
      const items = list
        .filter((f) => f.section === s)
        .map(
          (f) =>
            `<li class="${status(f)}"><span class="badge">${esc(f.undecided ?? status(f))}</span>` +
            `<span class="claim">${esc(f.claim)}</span><span class="evidence">${esc(f.evidence)}</span></li>`,
        )
        .join('\n');
      return `<h3>${esc(s)}</h3>\n<ul class="findings">\n${items}\n</ul>`;
    })
    .join('\n');
}

function figure(f: Figure, i: number): string {
  return `<figure id="fig-${i}">${namespaceIds(f.svg, f.file.replace(/\W/g, '-'))}<figcaption>${esc(f.caption)}</figcaption></figure>`;
}

/**
 * Several inline SVGs share one id space; vega numbers its clip paths per
 * process, so two figures could both define `clip1`. Prefix every id and its
 * references with the figure's file name.
 */
export function namespaceIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function table(t: Table, caption?: string): string {
  const cls = (i: number): string => (t.numeric?.[i] ? ' class="num"' : '');
  const head = t.columns.map((c, i) => `<th${cls(i)}>${esc(c)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${inline(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The one bit of Markdown our text uses: **bold** and `code`. */
function inline(s: string): string {
  return esc(s)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

const STYLE = `
body{font:15px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;max-width:960px;margin:0 auto;padding:24px 32px 64px;background:#fff}
header{border-bottom:2px solid #eee;margin-bottom:8px}
h1{font-size:26px;margin:0 0 4px}
.sub{color:#555;margin:0 0 12px}
h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #eee;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px;color:#444}
.figures{display:flex;flex-wrap:wrap;gap:16px 28px;align-items:flex-start}
figure{margin:0}
figure svg{max-width:100%;height:auto}
.table{max-width:100%;overflow-x:auto}
.dl{font-size:12px;color:#777;margin:-8px 0 16px}
figcaption{font-size:13px;color:#555;max-width:620px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
caption{text-align:left;color:#555;padding-bottom:4px;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#fafafa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
ul.findings{list-style:none;padding:0;margin:0 0 8px}
ul.findings li{display:flex;gap:10px;align-items:baseline;padding:4px 0;border-bottom:1px dotted #eee;flex-wrap:wrap}
.badge{display:inline-block;min-width:34px;text-align:center;border-radius:4px;font-size:12px;font-weight:700;padding:1px 6px;color:#fff}
li.yes .badge{background:#2e7d32}
li.no .badge{background:#c62828}
li.open .badge{background:#757575}
.claim{flex:1 1 420px}
.evidence{color:#555;font-size:13px;font-variant-numeric:tabular-nums}
details{margin:8px 0}
summary{cursor:pointer;color:#444}
code{background:#f4f4f4;padding:0 3px;border-radius:3px}
`;
