// The browser half of `cargo xtask bench catalog`: the catalog page's time to its first results in
// headless Chromium (Debian's, through playwright-core, with the e2e suite's flags), beside a raw
// fetch() of the same API query made from the same page.
//
//   node run.mjs --url http://127.0.0.1:PORT --user NAME:PASSWORD [--user ...] [--loads 10] [--warmup 1]
//
// For each user: signs in (POST /api/v1/auth/login from the browser context, so the session cookie
// is the browser's), loads `/` `warmup` times to fill the HTTP cache and stays on the page for
// SETTLE_MS (a returning visitor has spent more than a moment on the page: Chromium stores the
// compiled wasm in its code cache a couple of seconds after the page settles), then `loads` times
// measures:
// - first-card: performance.now() when the first `.app-grid article` enters the DOM (a
//   MutationObserver installed before any page script runs; performance.now() counts from the
//   navigation's start): on a warm visit, the first paint's (the front page as the browser last
//   drew it, index.html);
// - app-card: the same for the first card the app draws itself (outside the first paint);
// - api-start, api-duration: the page's own GET /api/v1/apps request, from Resource Timing (when the
//   app sent it, and how long it took from start to the last byte);
// - after-api: app-card minus the API request's responseEnd (decoding the answer and rendering);
// then, on the loaded page, `loads` times:
// - raw-fetch: fetch() of the same URL the page requested, body read to the end (the peer);
// then `loads` first visits, each in a fresh browser context (empty HTTP and code caches) over a
// link emulated by DevTools at 20 Mbit/s with 40 ms latency:
// - cold-first-card: as first-card;
// - first-visit-kb: the page's own files downloaded before its first card (index.html, scripts,
//   wasm, styles, icon), compressed as sent (Resource Timing's encodedBodySize), in KB.
//
// Prints one line per measure on stdout, `result<TAB>USER<TAB>MEASURE<TAB>ms,ms,...`, plus
// `info<TAB>KEY<TAB>VALUE` lines; progress goes to stderr. The bench crate (bench/src/http/page.rs) computes the statistics.

import { chromium } from 'playwright-core';
import { logger, parsePageArgs, printResults, rawFetches, runWithBrowser, signIn, watchForFirst } from '../lib/browser.mjs';

const log = logger('catalog page');

/** The first result card, and the window property its time goes to. */
const FIRST_CARD = ['.app-grid article', '__firstCard'];
/** The first card the app draws itself (the first paint's are its last drawing, kept). */
const APP_CARD = ['.app-grid article:not(#first-paint *)', '__appCard'];

const CATALOG_REQUEST = '/api/v1/apps?';
/** How long the last warm-up load stays open before the measured loads (see the top). */
const SETTLE_MS = 3000;

async function measureUser(browser, url, user, loads, warmup) {
  const context = await browser.newContext();
  await context.addInitScript(watchForFirst, FIRST_CARD);
  await context.addInitScript(watchForFirst, APP_CARD);
  const page = await context.newPage();
  await signIn(page.request, url, user);

  const loadOnce = async () => {
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__appCard !== undefined, null, { timeout: 120_000, polling: 50 });
    return page.evaluate((marker) => {
      const api = performance.getEntriesByType('resource').find((entry) => entry.name.includes(marker));
      return {
        firstCard: window.__firstCard,
        appCard: window.__appCard,
        apiUrl: api?.name,
        apiStart: api?.startTime,
        apiDuration: api ? api.responseEnd - api.startTime : undefined,
        apiEnd: api?.responseEnd,
      };
    }, CATALOG_REQUEST);
  };

  for (let i = 0; i < warmup; i += 1) await loadOnce();
  await page.waitForTimeout(SETTLE_MS);
  const measures = { 'first-card': [], 'app-card': [], 'api-start': [], 'api-duration': [], 'after-api': [], 'raw-fetch': [] };
  let apiUrl;
  for (let i = 0; i < loads; i += 1) {
    const load = await loadOnce();
    if (!load.apiUrl) throw new Error('the page rendered results without a GET /api/v1/apps request');
    apiUrl = load.apiUrl;
    measures['first-card'].push(load.firstCard);
    measures['app-card'].push(load.appCard);
    measures['api-start'].push(load.apiStart);
    measures['api-duration'].push(load.apiDuration);
    measures['after-api'].push(load.appCard - load.apiEnd);
    log(`${user.username}: load ${i + 1}/${loads}: first card at ${load.firstCard.toFixed(1)} ms, the app's own at ${load.appCard.toFixed(1)} ms`);
  }
  measures['raw-fetch'] = await rawFetches(page, apiUrl, loads);
  await context.close();

  measures['cold-first-card'] = [];
  measures['first-visit-kb'] = [];
  for (let i = 0; i < loads; i += 1) {
    const visit = await firstVisit(browser, url, user);
    measures['cold-first-card'].push(visit.firstCard);
    measures['first-visit-kb'].push(visit.bytes / 1024);
    log(`${user.username}: first visit ${i + 1}/${loads}: first card at ${visit.firstCard.toFixed(1)} ms, ${(visit.bytes / 1024).toFixed(1)} KB of the page's own files`);
  }
  return { measures, apiUrl };
}

/** The link a first visit is measured over: DevTools network emulation, bytes per second. */
const FIRST_VISIT_LINK = { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 20e6 / 8 };

/** One visit with nothing cached: a fresh context (its own HTTP cache), signed in, throttled. */
async function firstVisit(browser, url, user) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(watchForFirst, FIRST_CARD);
    await signIn(context.request, url, user);
    const page = await context.newPage();
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    await devtools.send('Network.emulateNetworkConditions', FIRST_VISIT_LINK);
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__firstCard !== undefined, null, { timeout: 120_000, polling: 50 });
    return await page.evaluate(() => {
      const [navigation] = performance.getEntriesByType('navigation');
      const resources = performance.getEntriesByType('resource');
      // The API answers (preloaded from the start, see WebEntry::first_requests) are the data, not the page.
      const before = resources.filter((r) => r.startTime < window.__firstCard && !new URL(r.name).pathname.startsWith('/api/'));
      const bytes = navigation.encodedBodySize + before.reduce((sum, r) => sum + r.encodedBodySize, 0);
      return { firstCard: window.__firstCard, bytes };
    });
  } finally {
    await context.close();
  }
}

const args = parsePageArgs(process.argv.slice(2));
runWithBrowser(chromium, log, async (browser) => {
  for (const user of args.users) {
    log(`signing in as ${user.username}; ${args.warmup} warm-up loads, then ${args.loads} measured`);
    const { measures, apiUrl } = await measureUser(browser, args.url, user, args.loads, args.warmup);
    console.log(`info\tapi-url\t${new URL(apiUrl).pathname}${new URL(apiUrl).search}`);
    printResults(user.username, measures);
  }
});
