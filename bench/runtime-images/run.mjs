// The browser half of `cargo xtask bench runtime-images`: the runtime images page's time to its
// first table row in headless Chromium (Debian's, through playwright-core, with the e2e suite's
// flags), beside a raw fetch() of the same API query made from the same page.
//
//   node run.mjs --url http://127.0.0.1:PORT --ws bench --user NAME:PASSWORD [--user ...] [--loads 10] [--warmup 1]
//
// For each user: signs in (POST /api/v1/auth/login from the browser context, so the session cookie
// is the browser's), loads `/admin/runtime-images?ws=WS` `warmup` times to fill the HTTP cache, then
// `loads` times measures:
// - first-row: performance.now() when the first `table.images-table tbody tr` enters the DOM (a
//   MutationObserver installed before any page script runs; performance.now() counts from the
//   navigation's start);
// - workspaces-end: when the page's GET /api/v1/workspaces (the workspace picker, loaded alongside
//   the list) got its last byte, from Resource Timing;
// - api-start, api-duration: the page's own GET /api/v1/workspaces/WS/runtime-images request (when
//   the app sent it, and how long it took from start to the last byte);
// - after-api: first-row minus the list request's responseEnd (decoding the answer and rendering);
// then, on the loaded page, `loads` times:
// - raw-fetch: fetch() of the same URL the page requested, body read to the end (the peer).
//
// Prints one line per measure on stdout, `result<TAB>USER<TAB>MEASURE<TAB>ms,ms,...`, plus
// `info<TAB>KEY<TAB>VALUE` lines; progress goes to stderr. The bench crate (bench/src/http/page.rs) computes the statistics.

import { chromium } from 'playwright-core';
import { logger, parsePageArgs, printResults, rawFetches, runWithBrowser, signIn, watchForFirst } from '../lib/browser.mjs';

/** The first table row of the image list (src/pages/admin/runtime_images/list.rs, `ImageTable`). */
const FIRST_ROW = 'table.images-table tbody tr';

const log = logger('runtime images page');

async function measureUser(browser, url, ws, user, loads, warmup) {
  const context = await browser.newContext();
  await context.addInitScript(watchForFirst, [FIRST_ROW, '__firstRow']);
  const page = await context.newPage();
  await signIn(page.request, url, user);

  const listPath = `/api/v1/workspaces/${encodeURIComponent(ws)}/runtime-images`;
  const loadOnce = async () => {
    await page.goto(`${url}/admin/runtime-images?ws=${encodeURIComponent(ws)}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__firstRow !== undefined, null, { timeout: 120_000, polling: 50 });
    return page.evaluate((listPath) => {
      const entries = performance.getEntriesByType('resource');
      const api = entries.find((entry) => new URL(entry.name).pathname === listPath);
      const workspaces = entries.find((entry) => new URL(entry.name).pathname === '/api/v1/workspaces');
      return {
        firstRow: window.__firstRow,
        workspacesEnd: workspaces?.responseEnd,
        apiUrl: api?.name,
        apiStart: api?.startTime,
        apiDuration: api ? api.responseEnd - api.startTime : undefined,
        apiEnd: api?.responseEnd,
      };
    }, listPath);
  };

  for (let i = 0; i < warmup; i += 1) await loadOnce();
  const measures = {
    'first-row': [], 'workspaces-end': [], 'api-start': [], 'api-duration': [], 'after-api': [], 'raw-fetch': [],
  };
  let apiUrl;
  for (let i = 0; i < loads; i += 1) {
    const load = await loadOnce();
    if (!load.apiUrl) throw new Error(`the page rendered rows without a GET ${listPath} request`);
    apiUrl = load.apiUrl;
    measures['first-row'].push(load.firstRow);
    if (load.workspacesEnd !== undefined) measures['workspaces-end'].push(load.workspacesEnd);
    measures['api-start'].push(load.apiStart);
    measures['api-duration'].push(load.apiDuration);
    measures['after-api'].push(load.firstRow - load.apiEnd);
    log(`${user.username}: load ${i + 1}/${loads}: first row at ${load.firstRow.toFixed(1)} ms`);
  }
  if (measures['workspaces-end'].length === 0) delete measures['workspaces-end'];
  measures['raw-fetch'] = await rawFetches(page, apiUrl, loads);
  const rows = await page.locator(FIRST_ROW).count();
  await context.close();
  return { measures, apiUrl, rows };
}

const args = parsePageArgs(process.argv.slice(2), { ws: 'bench' });
runWithBrowser(chromium, log, async (browser) => {
  for (const user of args.users) {
    log(`signing in as ${user.username}; ${args.warmup} warm-up loads, then ${args.loads} measured`);
    const { measures, apiUrl, rows } = await measureUser(browser, args.url, args.ws, user, args.loads, args.warmup);
    console.log(`info\tapi-url\t${new URL(apiUrl).pathname}${new URL(apiUrl).search}`);
    console.log(`info\trows-${user.username}\t${rows}`);
    printResults(user.username, measures);
  }
});
