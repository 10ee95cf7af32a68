import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { paperLikeStudy, workspace, type Workspace } from './fixtures.js';
import { runStudy } from './pipeline.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Playwright's default of 30 s a page action can run out on a loaded machine; only a stuck browser should fail the test. */
const STUCK_MS = 300_000;
/** A reader's window: every figure must fit it without scrolling sideways. */
const PAGE_WIDTH = 1000;
/** What a figure may ask for before the page scales it: a printed page's text width at 96 dpi, with room to spare. */
const MAX_FIGURE_WIDTH = 900;
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: install it with 'apt-get install -y chromium' to run the browser test`;

interface PixelStats {
  width: number;
  height: number;
  /** Variance of the grey level over all pixels (0 for a blank image). */
  variance: number;
  /** Share of pixels that are not near white. */
  ink: number;
  colours: number;
}

/** Decodes a PNG in the page itself and measures it: a blank or one-colour picture has no variance. */
async function pixelStats(page: Page, png: Buffer): Promise<PixelStats> {
  return page.evaluate(async (b64: string) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const c = canvas.getContext('2d');
    if (!c) throw new Error('no 2d context');
    c.drawImage(img, 0, 0);
    const px = c.getImageData(0, 0, img.width, img.height).data;
    let sum = 0;
    let sq = 0;
    let ink = 0;
    const colours = new Set<number>();
    const n = px.length / 4;
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b] = [px[i] ?? 0, px[i + 1] ?? 0, px[i + 2] ?? 0];
      const grey = (r + g + b) / 3;
      sum += grey;
      sq += grey * grey;
      if (grey < 240) ink++;
      colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
    }
    const mean = sum / n;
    return {
      width: img.width,
      height: img.height,
      variance: sq / n - mean * mean,
      ink: ink / n,
      colours: colours.size,
    };
  }, png.toString('base64'));
}

describe('report.html in headless Chromium', { skip }, () => {
  let ws: Workspace;
  let html: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const external: string[] = [];
  before(async () => {
    ws = await workspace();
    const study = await runStudy(ws, paperLikeStudy(3));
    html = join(study.reportDir, 'report.html');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: STUCK_MS });
    page = await browser.newPage({ viewport: { width: PAGE_WIDTH, height: 900 } });
    page.setDefaultTimeout(STUCK_MS);
    page.setDefaultNavigationTimeout(STUCK_MS);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!/^(file|data|about):/.test(r.url())) external.push(r.url());
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  });
  after(async () => {
    await browser.close();
    await ws.dispose();
  });

  it('renders offline without console errors', () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(external, [], 'the report must not touch the network');
  });

  it('the blankness measure sees an empty stretch of page as blank', async () => {
    // The page's left margin, beside the header: white paper.
    const blank = await pixelStats(page, await page.screenshot({ clip: { x: 0, y: 0, width: 20, height: 60 } }));
    assert.ok(blank.variance < 1 && blank.ink === 0, JSON.stringify(blank));
  });

  it('every plot, screenshot alone, is drawn (not blank) and fits a 1000 px page', async () => {
    const figures = await page.$$('figure');
    const files = await page.$$eval('figure', (fs) => fs.map((f) => f.id));
    // Curves and loss curves for both tasks, the OOD dot plot, two scatters.
    assert.equal(figures.length, 7, files.join(', '));
    for (const [i, figure] of figures.entries()) {
      const svg = await figure.$('svg');
      assert.ok(svg, `figure ${i} has no svg`);
      const declared = Number(await svg.getAttribute('width'));
      assert.ok(declared > 200 && declared <= MAX_FIGURE_WIDTH, `figure ${i} asks for ${declared} px`);
      const box = await svg.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= PAGE_WIDTH, `figure ${i} spans ${JSON.stringify(box)}`);
      const stats = await pixelStats(page, await svg.screenshot());
      assert.ok(stats.variance > 200, `figure ${i} looks blank: ${JSON.stringify(stats)}`);
      assert.ok(stats.ink > 0.02 && stats.colours > 8, `figure ${i} has too little drawn: ${JSON.stringify(stats)}`);
    }
  });

  it('every table that is shown fits the page and has its CSV and LaTeX links', async () => {
    const boxes = await page.$$eval('div.table', (ds) =>
      ds.map((d) => ({ right: d.getBoundingClientRect().right, visible: d.getClientRects().length > 0 })),
    );
    assert.ok(boxes.length >= 5);
    for (const b of boxes.filter((x) => x.visible)) assert.ok(b.right <= PAGE_WIDTH, JSON.stringify(b));
    const links = await page.$$eval('p.dl a', (as) => as.map((a) => a.getAttribute('href')));
    for (const name of ['paper-vs-ours', 'variants', 'configuration', 'correlation', 'models']) {
      assert.ok(
        links.includes(`tables/${name}.csv`) && links.includes(`tables/${name}.tex`),
        `${name}: ${links.join(', ')}`,
      );
    }
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= PAGE_WIDTH, `the page scrolls sideways: ${scrollWidth} px`);
  });

  it('the whole page is not blank and shows the findings', async () => {
    const badges = await page.$$eval('ul.findings li', (li) => li.length);
    assert.ok(badges > 10);
    const stats = await pixelStats(page, await page.screenshot({ fullPage: true }));
    assert.ok(stats.height > 2000, `page height ${stats.height}`);
    assert.ok(stats.ink > 0.02, `only ${(stats.ink * 100).toFixed(2)}% of pixels are not white`);
    assert.ok(stats.colours > 30, `only ${stats.colours} distinct colours`);
  });
});
