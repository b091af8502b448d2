/** The local runner's front page and Swagger UI, rendered in real Chromium. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_AVAILABLE, launchChromium } from '../support/browser.js';
import { type RunningServer, startServer } from '../support/process.js';

describe.skipIf(!CHROMIUM_AVAILABLE)('docs pages in Chromium', () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-browser-'));
    server = await startServer('dist/scripts/local.js', [], { VIGIL_DATA_DIR: dataDir });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('links from the front page to the auth docs, which list every operation', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(`${server.base}/`);
    await page.click('a[href="/auth/docs"]');
    await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
    const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.trim()));
    expect(paths).toEqual(
      expect.arrayContaining(['/token', '/v1/keys', '/v1/keys/{id}', '/.well-known/jwks.json']),
    );
    expect(await page.title()).toContain('vigil auth');
    expect(failed).toEqual([]);
    await page.screenshot({ path: join(tmpdir(), 'vigil-auth-docs.png'), fullPage: false });
  });

  it('runs "Try it out" for POST /token from the page and shows the 401 envelope', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.base}/auth/docs`);
    const op = page.locator('#operations-auth-post_token');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('input[placeholder="username"]').fill('dev');
    await op.locator('input[placeholder="password"]').fill('wrong-password');
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 15_000 }).toBe('401');
    expect(await op.locator('.live-responses-table tbody .microlight').first().textContent()).toContain(
      'unauthenticated',
    );
    await page.screenshot({ path: join(tmpdir(), 'vigil-auth-try-it-out.png'), fullPage: true });
  });
});
