/** Debian's Chromium driven by playwright-core, with the flags that work on this machine (MACHINE-NOTES). */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_AVAILABLE = existsSync(CHROMIUM);
if (!CHROMIUM_AVAILABLE) {
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is required under CI=true (apt-get install chromium)`);
  console.error(`\n!!! ${CHROMIUM} not found: browser tests are SKIPPED !!!\n`);
}

/** Playwright gives each launch a fresh temporary profile (it refuses --user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
