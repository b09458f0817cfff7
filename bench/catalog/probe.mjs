import { chromium } from 'playwright-core';
import { launchBrowser, signIn, watchForFirst } from '../lib/browser.mjs';
const url = 'http://127.0.0.1:18500';
const browser = await launchBrowser(chromium);
const context = await browser.newContext();
await context.addInitScript(watchForFirst, ['.app-grid article', '__firstCard']);
await context.addInitScript(watchForFirst, ['header', '__header']);
await context.addInitScript(() => {
  const orig = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (...a) => { window.__instStart = performance.now(); const r = await orig(...a); window.__instEnd = performance.now(); return r; };
  const orig2 = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...a) => { window.__inst2Start = performance.now(); const r = await orig2(...a); window.__inst2End = performance.now(); return r; };
});
const page = await context.newPage();
await signIn(page.request, url, { username: 'bench-user', password: 'bench-user-password' });
const once = async () => {
  await page.goto(`${url}/`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__firstCard !== undefined, null, { timeout: 60000, polling: 20 });
  return page.evaluate(() => {
    const r = Object.fromEntries(performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname.slice(0, 30), `${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)}`]));
    const [nav] = performance.getEntriesByType('navigation');
    return { nav: `${nav.responseEnd.toFixed(0)} dcl ${nav.domContentLoadedEventEnd.toFixed(0)}`, r, inst: `${window.__instStart?.toFixed(0)}-${window.__instEnd?.toFixed(0)} / ${window.__inst2Start?.toFixed(0)}-${window.__inst2End?.toFixed(0)}`, header: window.__header?.toFixed(0), card: window.__firstCard.toFixed(0) };
  });
};
await once(); await page.waitForTimeout(3000);
for (let i = 0; i < 6; i++) console.log(JSON.stringify(await once()));
await browser.close();
