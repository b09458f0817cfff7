// The catalog's first paint (src/first_paint.rs, index.html's inline script): a returning visitor
// sees the front page as their browser last drew it while the code loads, only while nothing on it
// has changed, and exactly as the app then draws it; never after a change, never another user's.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_PASSWORD, DEMO_PASSWORD, api, signIn, useServerAndBrowser } from './harness.js';

/**
 * An init script: records what the document showed while it loaded, in `window.__paint`: the
 * cards of the first paint and when the first appeared, when the first paint went, and when the
 * app's own first card appeared.
 */
function watchThePaint() {
  const paint = { firstPaintCards: null, firstPaintAt: null, chipColor: null, handedOverAt: null, appCardAt: null };
  window.__paint = paint;
  const names = (root) => [...root.querySelectorAll('.app-grid article')].map((card) => card.dataset.appName);
  new MutationObserver(() => {
    const firstPaint = document.getElementById('first-paint');
    if (firstPaint && paint.firstPaintAt === null && firstPaint.querySelector('.app-grid article')) {
      paint.firstPaintAt = performance.now();
      paint.firstPaintCards = names(firstPaint);
      const chip = firstPaint.querySelector('.tag-chip[data-tag="FIRST_PAINT"]');
      paint.chipColor = chip && getComputedStyle(chip).backgroundColor;
    }
    if (!firstPaint && paint.firstPaintAt !== null && paint.handedOverAt === null) paint.handedOverAt = performance.now();
    if (paint.appCardAt === null && document.querySelector('.app-grid article:not(#first-paint *)')) paint.appCardAt = performance.now();
  }).observe(document, { childList: true, subtree: true });
}

/** Loads `/` and waits until the app has drawn its cards and the first paint, if any, is gone. */
async function loadCatalog(page, url) {
  await page.goto(`${url}/`);
  await page.locator('.app-grid article:not(#first-paint *)').first().waitFor();
  await page.waitForFunction(() => !document.getElementById('first-paint'));
  return page.evaluate(() => ({
    ...window.__paint,
    appCards: [...document.querySelectorAll('.app-grid article')].map((card) => card.dataset.appName),
    grids: document.querySelectorAll('.app-grid').length,
    appChipColor: (() => {
      const chip = document.querySelector('.tag-chip[data-tag="FIRST_PAINT"]');
      return chip && getComputedStyle(chip).backgroundColor;
    })(),
  }));
}

/** Waits until the browser has kept a drawing of the front page. */
async function kept(page) {
  await page.waitForFunction(() => localStorage.getItem('wavehub-first-paint') !== null);
  return page.evaluate(() => JSON.parse(localStorage.getItem('wavehub-first-paint')).key);
}

/** A fresh browser context watching the paint, signed in as admin through the form, at `/`. */
async function adminAtTheCatalog(browser, url) {
  const context = await browser.newContext();
  await context.addInitScript(watchThePaint);
  const page = await context.newPage();
  await signIn(page, url, 'admin', ADMIN_PASSWORD);
  await page.waitForURL(`${url}/`);
  return { context, page };
}

describe('the catalog first paint', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });

  test('a returning visitor sees the catalog before the code has loaded, as the app then draws it', async () => {
    const { url } = live.server;
    const { context, page } = await adminAtTheCatalog(live.browser, url);
    // A colored tag on a card: the chip's color comes through the policy that refuses inline styles.
    const apps = JSON.parse((await api(page, 'GET', '/apps?visibility=ALL_USERS&latest=true')).body).items;
    assert.equal((await api(page, 'POST', '/tags', { name: 'FIRST_PAINT', title: 'First paint', color: '#d81b60' })).status, 201);
    assert.equal((await api(page, 'PUT', `/apps/${apps[0].id}/tags/FIRST_PAINT`)).status, 204);

    // The first visit to the front page draws it and keeps the drawing.
    const first = await loadCatalog(page, url);
    assert.equal(first.firstPaintAt, null, 'nothing was kept before');
    const key = await kept(page);

    // The next one shows it at once, then hands over to the app's own drawing of the same page.
    const again = await loadCatalog(page, url);
    assert.ok(again.firstPaintAt !== null, 'the kept drawing was shown');
    assert.ok(again.firstPaintAt < again.appCardAt, `shown before the app drew (${again.firstPaintAt} vs ${again.appCardAt} ms)`);
    assert.deepEqual(again.firstPaintCards, again.appCards, 'the same cards in the same order');
    assert.equal(again.grids, 1, 'the first paint is gone once the app has drawn');
    assert.ok(again.handedOverAt >= again.appCardAt, 'handed over once the app had drawn');
    assert.ok(again.handedOverAt - again.firstPaintAt < 5000, 'by the app, not by the last-resort timer');
    assert.equal(again.chipColor, 'rgb(216, 27, 96)', 'the chip keeps its color in the first paint');
    assert.equal(again.appChipColor, again.chipColor);
    assert.equal(await kept(page), key, 'nothing changed, so neither did the key');

    // A change to what the front page shows (a tag's color) moves the key: the old drawing is not shown.
    assert.equal((await api(page, 'PATCH', '/tags/FIRST_PAINT', { color: '#1e88e5' })).status, 200);
    const changed = await loadCatalog(page, url);
    assert.equal(changed.firstPaintAt, null, 'a drawing of the catalog before the change is never shown');
    assert.equal(changed.appChipColor, 'rgb(30, 136, 229)');
    await page.waitForFunction((old) => JSON.parse(localStorage.getItem('wavehub-first-paint'))?.key !== old, key);
    const shared = await loadCatalog(page, url);
    assert.equal(shared.chipColor, 'rgb(30, 136, 229)', 'the new drawing is the one kept');

    // Another page of the catalog, or another page altogether, is not the front page.
    await page.goto(`${url}/?q=wave`);
    await page.locator('.app-grid article').first().waitFor();
    assert.equal(await page.evaluate(() => window.__paint.firstPaintAt), null);

    // Signing out forgets the drawing; the next user of this browser never sees it.
    await page.goto(`${url}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    assert.equal(await page.evaluate(() => localStorage.getItem('wavehub-first-paint')), null);
    await context.close();
  });

  test('a drawing kept for one user is never shown to another', async () => {
    const { url } = live.server;
    const { context, page } = await adminAtTheCatalog(live.browser, url);
    await loadCatalog(page, url);
    await kept(page);
    // Another sign-in in the same browser, without signing out (the drawing stays in storage).
    await page.context().clearCookies();
    await signIn(page, url, 'alice', DEMO_PASSWORD);
    await page.waitForURL(`${url}/`);
    const alice = await loadCatalog(page, url);
    assert.equal(alice.firstPaintAt, null, "the admin's drawing is not alice's");
    assert.equal(await page.locator('[data-testid="account"] .account-name').textContent(), 'alice');
    await context.close();
  });
});
