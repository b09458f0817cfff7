// Rolling out a new version over a live old one, through the real pages, server and runner: a user
// runs v1; the author imports v2 PRIVATE on the rollout page, tests it in a private instance,
// promotes it and retires v1. The catalog switches to v2 only after the promotion, and the user's
// v1 instance keeps running and answering the whole time. The instance's log shows in the page.
// Instances answer through Wavehub's authenticating proxy, so each person opens them with the Open
// link (a new tab that signs them in on the apps origin) and the test reads them in that session.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEMO_PASSWORD, dragFromDisk, screenshot, signIn, useServerAndBrowser } from './harness.js';

const NAME = 'ai.wavehub.e2e.rollout';

// It takes a few seconds to start (like an app loading a model), so pages read it while it starts.
const APP_PY = `import http.server, os, time
VERSION = os.environ["H2O_CLOUD_APP_VERSION"]
print("rollout app", VERSION, "loading", flush=True)
time.sleep(3)
print("rollout app", VERSION, "listening", flush=True)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"rollout app version {VERSION}".encode()
        self.send_response(200); self.send_header("Content-Type", "text/plain"); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
`;

/** Packs a .wave of `version` with the real CLI (`wavehub bundle`) and returns its path. */
function bundle(root, version) {
  const dir = join(root, `v${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.toml'), `[App]\nName = "${NAME}"\nVersion = "${version}"\nTitle = "Rollout Demo"\nDescription = "Says its version."\n\n[Runtime]\nModule = "app"\n`);
  writeFileSync(join(dir, 'app.py'), APP_PY);
  const out = join(root, `${NAME}.${version}.wave`);
  execFileSync(process.env.WAVEHUB_BIN, ['bundle', dir, '-o', out]);
  return out;
}

/**
 * Clicks an Open link (target _blank, through the console's `open`) and returns the tab it opened,
 * loaded: the person's browser is then signed in on the apps origin.
 */
async function openInNewTab(page, link) {
  const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await tab.waitForLoadState();
  return tab;
}

/** What the instance at `address` answers to `page`'s person (their apps origin session). */
async function answer(page, address) {
  const response = await page.context().request.get(address, { maxRedirects: 0 });
  return { status: response.status(), text: await response.text() };
}

/** The version the catalog shows for the app, as `viewer` sees it through the API. */
async function catalogVersion(viewer) {
  return viewer.evaluate(async (name) => {
    const page = await (await fetch(`/api/v1/apps?latest=true&visibility=ALL_USERS&name=${name}`)).json();
    return page.items.map((a) => a.version).join(',');
  }, NAME);
}

describe('rolling out a new version', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });
  const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-rollout-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('v2 is imported, tested, promoted over a running v1 instance that keeps running', async () => {
    const { url } = live.server;
    const v1 = bundle(root, '1.0.0');
    const v2 = bundle(root, '2.0.0');

    // alice publishes v1 for everyone (through the API, as the CLI would).
    const author = await (await live.browser.newContext()).newPage();
    await signIn(author, url, 'alice', DEMO_PASSWORD);
    await author.getByTestId('account').waitFor();
    const v1Id = await author.evaluate(async (bytes) => {
      const response = await fetch('/api/v1/apps?visibility=ALL_USERS', { method: 'POST', body: new Uint8Array(bytes) });
      return (await response.json()).id;
    }, [...readFileSync(v1)]);
    assert.ok(v1Id > 0);

    // bob launches v1 from its page (which follows it), opens it, and follows its log on My
    // instances.
    const user = await (await live.browser.newContext()).newPage();
    await signIn(user, url, 'bob', DEMO_PASSWORD);
    await user.getByTestId('account').waitFor();
    await user.goto(`${url}/apps/${v1Id}`);
    await user.getByRole('button', { name: 'Launch an instance' }).click();
    const bobsLaunch = user.locator('.launch-progress[data-status="running"]');
    await bobsLaunch.waitFor({ timeout: 60_000 });
    const bobsInstance = await bobsLaunch.getAttribute('data-instance-id');
    const bobsOpen = bobsLaunch.locator('a.instance-open');
    assert.equal(await bobsOpen.getAttribute('href'), `/api/v1/instances/${bobsInstance}/open`);
    const v1Address = await bobsLaunch.locator('code.instance-url').innerText();
    const bobsTab = await openInNewTab(user, bobsOpen);
    assert.equal(bobsTab.url(), v1Address);
    assert.equal(await bobsTab.innerText('body'), 'rollout app version 1.0.0');
    assert.deepEqual(await answer(user, v1Address), { status: 200, text: 'rollout app version 1.0.0' });
    await user.getByRole('link', { name: 'Log on My instances' }).click();
    await user.waitForURL(`${url}/instances?focus=${bobsInstance}`);
    await user.locator('pre.log').filter({ hasText: 'rollout app 1.0.0 listening' }).waitFor();
    await user.locator('pre.log').filter({ hasText: `[wavehub] running at /instances/${bobsInstance}/` }).waitFor();
    await screenshot(user, 'instances-v1-running-with-log');

    // alice opens the rollout page: v1 is in the catalog with one running instance.
    await author.goto(`${url}/apps/by-name/${NAME}/rollout`);
    const versions = author.locator('table.rollout-versions');
    const v1Row = versions.locator('tr[data-version="1.0.0"]');
    await v1Row.waitFor();
    assert.match(await v1Row.innerText(), /in the catalog/);
    assert.match(await v1Row.innerText(), /All users\s+1\s/);

    // Step 1: drag v2's .wave from disk onto the page; it is imported PRIVATE, so the catalog still
    // shows v1.
    await dragFromDisk(author, author.getByTestId('rollout-drop'), [v2]);
    await author.getByRole('status').filter({ hasText: 'Imported 2.0.0 as PRIVATE' }).waitFor({ timeout: 30_000 })
      .catch(async (error) => { await screenshot(author, 'rollout-import-failed'); throw new Error(`${error.message}\n${await author.locator('.rollout-steps').innerText()}`); });
    const v2Row = versions.locator('tr[data-version="2.0.0"]');
    await v2Row.waitFor();
    assert.match(await v2Row.innerText(), /Private/);
    assert.equal(await catalogVersion(user), '1.0.0');

    // Step 2: a private test instance of v2. While it starts the page reads it again (every 2 s)
    // but keeps one log stream; it answers with v2, opened through the console like any instance.
    const requested = [];
    const onRequest = (request) => requested.push(new URL(request.url()));
    author.on('request', onRequest);
    const launched = author.waitForResponse((r) => r.request().method() === 'POST' && /^\/api\/v1\/apps\/\d+\/instances$/.test(new URL(r.url()).pathname));
    await author.getByRole('button', { name: 'Launch a private test instance of 2.0.0' }).click();
    const testId = (await (await launched).json()).id;
    const test = author.locator('.test-instance[data-status="running"]');
    await test.waitFor({ timeout: 60_000 });
    const steps = author.locator('ol.rollout-steps');
    await steps.locator('pre.log').filter({ hasText: 'rollout app 2.0.0 listening' }).waitFor();
    await steps.locator('p.log-state').filter({ hasText: 'Following live.' }).waitFor();
    author.off('request', onRequest);
    const streams = requested.filter((u) => u.pathname === `/api/v1/instances/${testId}/logs` && u.searchParams.get('follow') === 'true');
    const reads = requested.filter((u) => u.pathname === `/api/v1/instances/${testId}`);
    assert.ok(reads.length >= 1, 'the page read the starting instance again');
    assert.equal(streams.length, 1, `${streams.length} log streams for ${reads.length} reads of the instance`);
    assert.equal(await test.getAttribute('data-instance-id'), String(testId));
    const testOpen = test.locator('a.instance-open');
    assert.equal(await testOpen.getAttribute('href'), `/api/v1/instances/${testId}/open`);
    assert.equal(await testOpen.getAttribute('target'), '_blank');
    assert.equal(await testOpen.getAttribute('rel'), 'noopener');
    const v2Address = await test.locator('code.instance-url').innerText();
    const authorsTab = await openInNewTab(author, testOpen);
    assert.equal(authorsTab.url(), v2Address);
    assert.equal(await authorsTab.innerText('body'), 'rollout app version 2.0.0');
    await authorsTab.close();
    await screenshot(author, 'rollout-v2-tested');

    // Step 3: promote, after reading what it does to users and to v1's running instance.
    await author.getByRole('button', { name: 'Promote 2.0.0…' }).click();
    const confirm = author.getByRole('alertdialog', { name: 'Confirm the change' });
    assert.match(await confirm.innerText(), /catalog will show 2\.0\.0 instead of 1\.0\.0/);
    assert.match(await confirm.innerText(), /The running instance of 1\.0\.0 keeps running untouched/);
    await confirm.getByRole('button', { name: 'Yes, share it with all users' }).click();
    await versions.locator('tr[data-version="2.0.0"]').filter({ hasText: 'in the catalog' }).waitFor();
    assert.equal(await catalogVersion(user), '2.0.0');
    // The user's catalog page shows v2 now.
    await user.goto(`${url}/?q=rollout`);
    await user.getByRole('list', { name: 'Apps' }).locator(`article[data-app-name="${NAME}"]`).filter({ hasText: 'v2.0.0' }).waitFor();

    // Step 4: retire v1 (PRIVATE), which needs a reason: Confirm stays disabled, with the rule's
    // sentence under the field, until one is typed. bob's v1 instance is untouched: still
    // running, still answering.
    await author.getByRole('button', { name: 'Make 1.0.0 private…' }).click();
    const retire = author.getByRole('alertdialog', { name: 'Confirm the change' });
    const retireButton = retire.getByRole('button', { name: 'Yes, make it private' });
    const reason = retire.getByLabel('Reason (required)');
    assert.equal(await retireButton.isDisabled(), true);
    assert.match(await reason.getAttribute('aria-describedby').then((id) => retire.locator(`#${id}`).innerText()), /Say why you make this version PRIVATE/);
    await reason.fill('   ');
    assert.equal(await retireButton.isDisabled(), true, 'a blank reason is no reason');
    await reason.fill('fixes login');
    assert.equal(await retireButton.isDisabled(), false);
    await screenshot(author, 'rollout-retire-reason');
    await retireButton.click();
    await versions.locator('tr[data-version="1.0.0"]').filter({ hasText: 'PRIVATE' }).waitFor();
    await screenshot(author, 'rollout-done');

    // The reason is in the app's history, linked from the rollout page, with which version the
    // catalog showed when.
    await author.getByRole('link', { name: 'History of this app' }).click();
    await author.waitForURL(`${url}/apps/by-name/${NAME}/history`);
    await author.waitForFunction((title) => document.title === title, `History of ${NAME} · Wavehub`);
    const retiredLine = author.locator('li.history-event[data-kind="made_private"][data-version="1.0.0"]');
    await retiredLine.waitFor();
    assert.match(await retiredLine.innerText(), /1\.0\.0 was made private\.[\s\S]*alice[\s\S]*“fixes login”/);
    const promotedLine = author.locator('li.history-event.catalog-change[data-kind="shared"][data-version="2.0.0"]');
    assert.match(await promotedLine.innerText(), /2\.0\.0 replaced 1\.0\.0 in the catalog[\s\S]*alice/);
    assert.match(await author.locator('li.history-event[data-kind="instance_started"]').first().innerText(), /Instance \d+ of \d\.0\.0 was started/);
    await screenshot(author, 'app-history');

    // bob's old link to v1 now says which version replaced it, and takes him there.
    await user.goto(`${url}/apps/${v1Id}`);
    await user.getByRole('heading', { name: 'This version is no longer available' }).waitFor();
    const successor = user.getByTestId('successor');
    assert.match(await successor.innerText(), /Rollout Demo 2\.0\.0/);
    await screenshot(user, 'retired-version-successor');
    const successorPath = await successor.getAttribute('href');
    assert.notEqual(successorPath, `/apps/${v1Id}`);
    await successor.click();
    await user.waitForURL(`${url}${successorPath}`);
    await user.getByRole('heading', { name: 'Rollout Demo', level: 1 }).waitFor();
    assert.equal(await user.locator('article.app-page').getAttribute('data-app-id'), successorPath.split('/').pop());
    // bob is no author of the app: no history link, and the history itself refuses him.
    assert.equal(await user.getByRole('link', { name: 'History of this app' }).count(), 0);
    assert.equal(await user.evaluate(async (name) => (await fetch(`/api/v1/app-names/${name}/history`)).status, NAME), 403);
    await user.goto(`${url}/instances`);
    await user.locator('tr[data-status="running"]').filter({ hasText: 'v1.0.0' }).waitFor();
    assert.deepEqual(await answer(user, v1Address), { status: 200, text: 'rollout app version 1.0.0' });
    await bobsTab.reload();
    assert.equal(await bobsTab.innerText('body'), 'rollout app version 1.0.0');
    await screenshot(user, 'instances-v1-still-running');

    // v1 can't be deleted while bob's instance runs; the page says why.
    await author.goto(`${url}/apps/${v1Id}`);
    await author.getByRole('button', { name: 'Delete…' }).click();
    await author.getByRole('button', { name: 'Delete this version' }).click();
    await author.getByRole('alert').filter({ hasText: '1 running instance' }).waitFor();

    // bob terminates it; its address then says it has ended.
    await user.getByRole('button', { name: 'Terminate…' }).first().click();
    await user.getByRole('button', { name: 'Terminate the instance' }).click();
    await user.locator('tr[data-status="terminated"]').first().waitFor();
    assert.equal((await answer(user, v1Address)).status, 410);

    // Now alice deletes v1, saying why (optional for a delete). bob's old link still points to
    // 2.0.0, and the history keeps the delete with its reason.
    await author.goto(`${url}/apps/${v1Id}`);
    await author.getByRole('button', { name: 'Delete…' }).click();
    const confirmDelete = author.getByRole('alertdialog', { name: 'Confirm delete' });
    await confirmDelete.getByLabel('Reason (optional)').fill('superseded by 2.0.0');
    await screenshot(author, 'app-delete-reason');
    await confirmDelete.getByRole('button', { name: 'Delete this version' }).click();
    await author.waitForURL(`${url}/?mine=1`);
    await user.goto(`${url}/apps/${v1Id}`);
    await user.getByRole('heading', { name: 'This version is no longer available' }).waitFor();
    assert.equal(await user.getByTestId('successor').getAttribute('href'), successorPath);
    await author.goto(`${url}/apps/by-name/${NAME}/history`);
    const deletedLine = author.locator('li.history-event[data-kind="deleted"][data-version="1.0.0"]');
    assert.match(await deletedLine.innerText(), /1\.0\.0 was deleted\.[\s\S]*alice[\s\S]*“superseded by 2\.0\.0”/);
    assert.match(await author.locator('li.history-event[data-kind="instance_terminated"]').first().innerText(), /was terminated/);
  });

  test('a demo Wave app launched from its page opens through Wavehub, and the visit shows in its live log', async () => {
    const { url, appsUrl } = live.server;
    const user = await (await live.browser.newContext()).newPage();
    await signIn(user, url, 'bob', DEMO_PASSWORD);
    await user.getByTestId('account').waitFor();
    await user.getByRole('searchbox').fill('hello');
    const card = user.getByRole('list', { name: 'Apps' }).locator('article[data-app-name="ai.wavehub.demo.hello-wave"]');
    await card.getByRole('link', { name: 'Hello Wave' }).click();
    await user.getByRole('heading', { name: 'Hello Wave', level: 1 }).waitFor();
    await user.getByRole('button', { name: 'Launch an instance' }).click();
    // The first Wave app of a server installs h2o-wave (pip) before it starts.
    const launch = user.locator('.launch-progress[data-status="running"]');
    await launch.waitFor({ timeout: 150_000 });
    const id = await launch.getAttribute('data-instance-id');

    // Its log on My instances, followed live.
    await user.getByRole('link', { name: 'Log on My instances' }).click();
    await user.waitForURL(`${url}/instances?focus=${id}`);
    const log = user.locator('pre.log');
    await log.filter({ hasText: `[wavehub] running at /instances/${id}/` }).waitFor();
    await user.locator('p.log-state').filter({ hasText: 'Following live.' }).waitFor();

    // Opened through Wavehub, the Wave UI loads from the apps origin; waved's note of the new
    // browser session arrives in the open log as it happens.
    const row = user.locator(`tr[data-instance-id="${id}"][data-status="running"]`);
    const [tab] = await Promise.all([user.context().waitForEvent('page'), row.locator('a.instance-open').click()]);
    await tab.getByRole('button', { name: 'Greet' }).waitFor();
    assert.equal(tab.url(), `${appsUrl}/instances/${id}/`);
    await log.filter({ hasText: '"t":"ui_add"' }).waitFor();
    await screenshot(user, 'instances-demo-app-log');
  });
});
