import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
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
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install it with 'apt-get install -y chromium' to run the browser test`;

describe('report.html in headless Chromium', { skip }, () => {
  let ws: Workspace;
  let html: string;
  before(async () => {
    ws = await workspace();
    const study = await runStudy(ws, paperLikeStudy(1));
    html = join(study.reportDir, 'report.html');
  });
  after(async () => ws.dispose());

  it('renders offline without console errors, shows every plot, and is not blank', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: STUCK_MS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(STUCK_MS);
      page.setDefaultNavigationTimeout(STUCK_MS);
      const errors: string[] = [];
      const external: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!/^(file|data|about):/.test(r.url())) external.push(r.url());
      });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

      assert.deepEqual(errors, []);
      assert.deepEqual(external, [], 'the report must not touch the network');
      const figures = await page.$$eval('figure svg', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          return { w: box.width, h: box.height, marks: s.querySelectorAll('path, line, rect, text').length };
        }),
      );
      assert.equal(figures.length, 5);
      for (const f of figures) assert.ok(f.w > 200 && f.h > 150 && f.marks > 20, JSON.stringify(f));
      const badges = await page.$$eval('ul.findings li', (li) => li.length);
      assert.ok(badges > 10);

      const shot = await page.screenshot({ fullPage: true });
      const stats = await page.evaluate(async (b64: string) => {
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
        let ink = 0;
        const colours = new Set<number>();
        for (let i = 0; i < px.length; i += 4 * 7) {
          const [r, g, b] = [px[i] ?? 0, px[i + 1] ?? 0, px[i + 2] ?? 0];
          if (r + g + b < 720) ink++;
          colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
        }
        return { height: img.height, ink: ink / (px.length / 4 / 7), colours: colours.size };
      }, shot.toString('base64'));
      assert.ok(stats.height > 2000, `page height ${stats.height}`);
      assert.ok(stats.ink > 0.02, `only ${(stats.ink * 100).toFixed(2)}% of pixels are not white`);
      assert.ok(stats.colours > 30, `only ${stats.colours} distinct colours`);
    } finally {
      await browser.close();
    }
  });
});
