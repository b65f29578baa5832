// Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`) driven by playwright-core,
// which never downloads a browser of its own. Each launch gets a fresh temporary profile
// (user-data-dir) from Playwright, removed when the browser closes.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags that work on our machines (no sandbox as root, no GPU, no network of its own). */
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does it)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
