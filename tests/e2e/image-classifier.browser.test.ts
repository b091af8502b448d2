/**
 * The image classifier's web page in real Chromium, served by `npm start`'s local runtime: upload a
 * photo, read the label and the probability bars, give feedback, use the keyboard and drag-and-drop,
 * see a clear error for a file that is not an image; screenshots go to the temp folder.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_AVAILABLE, launchChromium } from '../support/browser.js';
import { type RunningServer, startServer } from '../support/process.js';
import { BACKBONE_READY, MODEL_CACHE, PHOTOS_READY, solidImage, testPhotos } from '../support/vision.js';

const KEY = 'browser-test-bootstrap-key-0123456789abcdef';

describe.skipIf(!CHROMIUM_AVAILABLE || !BACKBONE_READY)('image-classifier page in Chromium', () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;
  let photo: string;
  let expected: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-image-page-'));
    server = await startServer('dist/scripts/local.js', [], {
      VIGIL_DATA_DIR: dataDir,
      VIGIL_MODEL_CACHE_DIR: MODEL_CACHE,
      VIGIL_BOOTSTRAP_API_KEY: KEY,
    });
    // A held-out cat when the photos are beside the repo, else a flat grey picture (answered "unknown").
    photo = join(dataDir, 'upload.jpg');
    if (PHOTOS_READY) {
      await writeFile(photo, await readFile(testPhotos('cat', 1)[0]!));
      expected = 'cat';
    } else {
      await writeFile(photo, await solidImage(640, 480, 'jpeg'));
      expected = 'unknown';
    }
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.base}/image-classifier/`);
    await page.click('summary');
    await page.fill('#api-key', KEY);
    await page.dispatchEvent('#api-key', 'change');
    return { page, errors };
  }

  it('uploads a photo, shows label, confidence and bars, and records 👍 feedback', async () => {
    const { page, errors } = await openPage();
    expect(await page.title()).toBe('vigil — cat or dog?');
    await page.setInputFiles('#file', photo);
    await page.waitForSelector('#result:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#label')).toBe(expected);
    const bars = await page.$$eval('#bars [role=listitem]', (rows) =>
      rows.map((r) => r.getAttribute('aria-label')),
    );
    expect(bars).toHaveLength(2);
    expect(bars.join(' ')).toMatch(/cat \d+\.\d%/);
    expect(await page.textContent('#model')).toBe('cats-vs-dogs@1.0.0');
    expect(await page.isVisible('#preview')).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'vigil-image-classifier.png'), fullPage: true });

    await page.click('#agree');
    await expect.poll(() => page.textContent('#feedback-status'), { timeout: 10_000 }).toContain('Thank you');
    expect(await page.isDisabled('#agree')).toBe(true);
    const stats = await fetch(`${server.base}/image-classifier/api/feedback/stats`, {
      headers: { 'X-API-Key': KEY },
    });
    expect(await stats.json()).toMatchObject({ total: 1, agree: 1 });
    expect(errors).toEqual([]);
  });

  it('takes a correction with 👎 and the keyboard, and accepts a dropped file', async () => {
    const { page, errors } = await openPage();
    // Keyboard: Enter on the focused drop zone opens the file input (the native picker is intercepted:
    // headless file-chooser events are not reliable, the click on the input is what the page owes).
    await page.focus('#drop');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('drop');
    await page.evaluate(() => {
      document.getElementById('file')!.addEventListener('click', (e) => {
        (window as unknown as { picked: boolean }).picked = true;
        e.preventDefault();
      });
    });
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (window as unknown as { picked?: boolean }).picked)).toBe(true);
    await page.setInputFiles('#file', photo);
    await page.waitForSelector('#result:not([hidden])', { timeout: 15_000 });
    await page.click('#disagree', { timeout: 5000 });
    await page.waitForSelector('#correction:not([hidden])', { timeout: 5000 });
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('choice');
    await page.click('#correction button[data-label="dog"]', { timeout: 5000 });
    await expect.poll(() => page.textContent('#feedback-status'), { timeout: 10_000 }).toContain('Thank you');

    // Drag and drop: a DataTransfer carrying the same file, dropped on the zone.
    const bytes = [...(await readFile(photo))];
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'dropped.jpg', { type: 'image/jpeg' }));
      document
        .getElementById('drop')!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await expect.poll(() => page.textContent('#feedback-status'), { timeout: 15_000 }).toBe('');
    expect(await page.textContent('#label')).toBe(expected);
    expect(errors).toEqual([]);
  });

  it('shows the API’s error for a file that is not an image', async () => {
    const { page } = await openPage();
    const text = join(dataDir, 'notes.txt');
    await writeFile(text, 'these are not pixels');
    await page.setInputFiles('#file', text);
    await page.waitForSelector('#error:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#error')).toContain('unsupported image format');
    expect(await page.isHidden('#result')).toBe(true);
  });
});
