import { chromium } from 'playwright-core';
import { launchBrowser, signIn, watchForFirst } from '../lib/browser.mjs';
import fs from 'node:fs';
const url = 'http://127.0.0.1:18500';
const browser = await launchBrowser(chromium);
const context = await browser.newContext();
await context.addInitScript(watchForFirst, ['.app-grid article', '__firstCard']);
const page = await context.newPage();
await signIn(page.request, url, { username: 'bench-user', password: 'bench-user-password' });
const once = async () => {
  await page.goto(`${url}/`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__firstCard !== undefined, null, { timeout: 60000, polling: 20 });
};
await once(); await page.waitForTimeout(3000); await once(); await page.waitForTimeout(1000);
await browser.startTracing(page, { path: '/tmp/trace.json', categories: ['devtools.timeline', 'v8', 'v8.wasm', 'blink.user_timing', 'loading', 'disabled-by-default-devtools.timeline'] });
await once();
const card = await page.evaluate(() => [window.__firstCard, performance.timeOrigin]);
await browser.stopTracing();
await browser.close();
const trace = JSON.parse(fs.readFileSync('/tmp/trace.json'));
const events = trace.traceEvents || trace;
const nav = events.find((e) => e.name === 'navigationStart' || e.name === 'NavigationStartToFirstContentfulPaint');
const t0 = card[1] * 1000; // timeOrigin in us (epoch) -- trace ts is monotonic; use markers instead
const main = events.filter((e) => e.ph === 'X' && e.dur > 2000);
const start = Math.min(...events.filter((e) => e.name === 'ResourceSendRequest').map((e) => e.ts));
console.log('first card', card[0]);
for (const e of main.sort((a, b) => a.ts - b.ts)) {
  const rel = (e.ts - start) / 1000;
  if (rel < -50 || rel > 400) continue;
  console.log(rel.toFixed(1), (e.dur / 1000).toFixed(1), e.tid, e.name, JSON.stringify(e.args?.data?.url || e.args?.data?.functionName || e.args?.data?.type || '').slice(0, 80));
}
for (const e of events.filter((e) => ['ResourceSendRequest', 'ResourceFinish', 'ResourceReceiveResponse'].includes(e.name)).sort((a, b) => a.ts - b.ts)) {
  console.log('   net', ((e.ts - start) / 1000).toFixed(1), e.name, (e.args?.data?.url || e.args?.data?.requestId || '').slice(-50));
}
