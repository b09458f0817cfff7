// Signing in and out through the real page, served by a real server, in headless Chromium.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, launchBrowser, screenshot, signIn, startServer, useServerAndBrowser } from './harness.js';

describe('sign-in', () => {
  const live = useServerAndBrowser();

  test('a wrong password gets a clear message and no session', async () => {
    const page = await live.browser.newPage();
    await signIn(page, live.server.url, 'admin', 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.innerText()).trim(), 'Wrong username or password.');
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is cleared');
    assert.equal(await page.getByTestId('account').count(), 0);
    await screenshot(page, 'sign-in-wrong-password');
    await page.close();
  });

  test('an empty form is caught before anything is sent', async () => {
    const page = await live.browser.newPage();
    const requests = [];
    page.on('request', (request) => { if (request.url().includes('/auth/login')) requests.push(request.url()); });
    await page.goto(`${live.server.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal((await page.getByRole('alert').innerText()).trim(), 'Enter your username and password.');
    assert.deepEqual(requests, []);
    await page.close();
  });

  test('the admin signs in, stays signed in across a reload, and signs out', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    await signIn(page, live.server.url, 'admin', ADMIN_PASSWORD);
    const account = page.getByTestId('account');
    await account.waitFor();
    assert.match(await account.innerText(), /admin/);
    assert.equal(new URL(page.url()).pathname, '/');
    // Admins see the admin navigation.
    for (const link of ['Catalog', 'Upload', 'Runtime images', 'Users', 'Audit log']) {
      assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).count(), 1, link);
    }
    await screenshot(page, 'signed-in');

    // The session cookie is HttpOnly: scripts in the page cannot read it.
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'wavehub_session');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '');

    await page.reload();
    await account.waitFor();
    assert.match(await account.innerText(), /admin/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Wavehub' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401, 'the session ended on the server');
    await context.close();
  });

  test('a page opened while signed out returns there after sign-in', async () => {
    const page = await live.browser.newPage();
    await page.goto(`${live.server.url}/admin/users`);
    await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/users');
    await page.close();
  });
});

describe('server', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  test('it keeps its data in the default wavehub-data folder of its working folder, and serves the apps origin', async () => {
    assert.ok(existsSync(join(server.dataDir, 'wavehub.db')), `no database in ${server.dataDir}`);
    assert.notEqual(new URL(server.appsUrl).origin, new URL(server.url).origin);
    const response = await fetch(`${server.appsUrl}/`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /Apps are opened from/);
  });

  test('an unknown API path is a problem+json 404', async () => {
    const response = await fetch(`${server.url}/api/v1/no-such-thing`);
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    const problem = await response.json();
    assert.equal(problem.status, 404);
    assert.match(problem.detail, /\/api\/v1\/no-such-thing/);
  });

  test('an unknown page path gets the web app, which says the page is not there', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    const response = await page.goto(`${server.url}/no/such/page`);
    assert.equal(response.status(), 200);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await browser.close();
  });

  test('browsing loads only the catalog page; the tools load the console page, and Back returns', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    const wasm = [];
    page.on('request', (request) => {
      const file = new URL(request.url()).pathname;
      if (file.endsWith('.wasm')) wasm.push(file.replace(/-[0-9a-f]{12,16}_bg\.wasm$/, ''));
    });
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
    assert.deepEqual(wasm, ['/wavehub-web'], 'signing in and the catalog need only the catalog page');

    // A link from the catalog page to a tool is a full navigation to the console page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tags' }).click();
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/tags');
    assert.deepEqual(wasm, ['/wavehub-web', '/wavehub-console']);
    // Between the console's own pages the router stays in the page: nothing more loads.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    assert.deepEqual(wasm, ['/wavehub-web', '/wavehub-console']);

    await page.goBack();
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    // And back to the catalog page by its own link, from the console page.
    await page.goForward();
    await page.getByRole('heading', { name: 'Tags' }).waitFor();
    await page.getByRole('link', { name: 'Wavehub' }).first().click();
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await browser.close();
  });

  test('opening the catalog, the session check and its first page are asked for once, before the code starts', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
    for (const visit of ['a first load', 'a load from the cache']) {
      // The catalog is empty here; what matters is that its list came back and was shown.
      await page.goto(`${server.url}/`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { name: 'Catalog' }).waitFor();
      const timing = await page.evaluate(() => {
        const entries = performance.getEntriesByType('resource');
        const api = (prefix) => entries.filter((entry) => new URL(entry.name).pathname + new URL(entry.name).search === prefix || entry.name.includes(`${prefix}?`));
        const wasm = entries.find((entry) => entry.name.endsWith('.wasm'));
        return {
          me: api('/api/v1/me').map((entry) => entry.startTime),
          apps: api('/api/v1/apps').map((entry) => entry.startTime),
          wasmEnd: wasm.responseEnd,
        };
      });
      // One request each (the page's fetch took the preloaded answer), sent while the wasm loaded.
      assert.equal(timing.me.length, 1, `${visit}: ${JSON.stringify(timing)}`);
      assert.equal(timing.apps.length, 1, `${visit}: ${JSON.stringify(timing)}`);
      assert.ok(timing.apps[0] < timing.wasmEnd && timing.me[0] < timing.wasmEnd, `${visit}: ${JSON.stringify(timing)}`);
    }
    await browser.close();
  });

  test('the page runs its own code but no script slipped into it', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    const refused = [];
    page.on('console', (message) => { if (message.text().includes('Content Security Policy')) refused.push(message.text()); });
    await page.goto(`${server.url}/login`);
    // The app booted (trunk's inline loader is allowed by its hash, the wasm by 'wasm-unsafe-eval').
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // What an injected <script> or an event handler attribute would do, refused.
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true;';
      document.body.append(script);
      const img = document.createElement('img');
      img.setAttribute('onerror', 'window.handler = true');
      img.src = 'data:,not-an-image';
      document.body.append(img);
      await new Promise((done) => setTimeout(done, 200));
      return { injected: window.injected === true, handler: window.handler === true };
    });
    assert.deepEqual(ran, { injected: false, handler: false });
    assert.ok(refused.length >= 2, `Chromium reports both refusals: ${refused.join(' | ')}`);
    // Nor may another site frame the console.
    const framed = await page.evaluate(async (url) => {
      const frame = document.createElement('iframe');
      frame.src = url;
      document.body.append(frame);
      await new Promise((done) => setTimeout(done, 500));
      try { return frame.contentDocument?.title ?? 'blocked'; } catch { return 'blocked'; }
    }, `${server.url}/login`);
    assert.notEqual(framed, 'Wavehub');
    await browser.close();
  });

  test('the theme switch changes the theme and remembers it', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage({ colorScheme: 'light' });
    await page.goto(`${server.url}/login`);
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    await page.getByRole('button', { name: 'Switch to dark theme' }).waitFor();
    assert.equal(await theme(), 'light');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await theme(), 'dark');
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
    assert.equal(await theme(), 'dark');
    await screenshot(page, 'sign-in-dark');
    // Picking the system's own theme again goes back to following the system, as it changes.
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    assert.equal(await page.evaluate(() => localStorage.getItem('wavehub-theme')), null);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    await browser.close();
  });

  test('the skip link moves keyboard focus to the page content', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    // The next Tab goes on from the content, not from the top bar.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-username');
    // Nobody is told how the admin's first password is made: that is for the server's operator.
    assert.equal(await page.getByText('WAVEHUB_ADMIN_PASSWORD').count(), 0);
    await browser.close();
  });
});
