// Real Wave apps, run by the real runner and served through Wavehub's authenticating proxy, in
// Chromium: alice launches the Hello Wave demo from its page, watches the launch steps, opens it
// (a new tab on the apps origin) and greets through the Wave UI, whose updates travel over the
// proxied websocket. bob cannot open her PRIVATE instance; once she shares it he finds it under
// "Shared with me" and uses it, and when she makes it private again he is refused at once. A Wave
// app that raises at import fails, and My instances shows the reason and the traceback without
// opening the log. A terminated instance's address answers 410.
//
// The first launch of a server installs h2o-wave into a fresh environment (pip, up to ~90 s on a
// cold machine); later launches with the same requirements.txt reuse it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ARTIFACTS, DEMO_APPS, DEMO_PASSWORD, screenshot, signIn, useServerAndBrowser } from './harness.js';

const HELLO = 'ai.wavehub.demo.hello-wave';
const BROKEN = 'ai.wavehub.e2e.broken-model';
/** The steps a launch goes through, in order (`LaunchStep::ALL`). */
const STEPS = ['preparing', 'installing_packages', 'starting_wave', 'waiting_for_app'];
/** A first launch on a fresh server installs h2o-wave; generous for a slow, busy machine. */
const COLD_LAUNCH_MS = 150_000;
/** A launch whose environment is cached. */
const WARM_LAUNCH_MS = 90_000;

/** A Wave app whose module raises at import, packed with the real CLI; returns the .wave's path. */
function brokenBundle(root) {
  const dir = join(root, 'broken-model');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.toml'), `[App]\nName = "${BROKEN}"\nVersion = "1.0.0"\nTitle = "Broken Model"\nDescription = "Loads a model file that is not there."\n\n[Runtime]\nModule = "app"\n`);
  writeFileSync(join(dir, 'app.py'), 'from h2o_wave import main, app  # noqa: F401\n\nraise RuntimeError("model file missing")\n');
  // The same requirements as the demo apps: the environment the first launch made is reused.
  copyFileSync(join(DEMO_APPS, 'hello-wave', 'requirements.txt'), join(dir, 'requirements.txt'));
  mkdirSync(join(dir, 'static'));
  copyFileSync(join(DEMO_APPS, 'hello-wave', 'static', 'icon.png'), join(dir, 'static', 'icon.png'));
  const out = join(root, `${BROKEN}.1.0.0.wave`);
  execFileSync(process.env.WAVEHUB_BIN, ['bundle', dir, '-o', out], { stdio: 'pipe' });
  return out;
}

/** Signs `username` in, in a context of their own, and returns the page. */
async function signedIn(browser, url, username) {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, url, username, DEMO_PASSWORD);
  await page.getByTestId('account').waitFor();
  return page;
}

/**
 * Clicks `link` (an Open link, target _blank) and returns the tab it opens once it has loaded,
 * with the websockets the tab opened (collected from its very first request).
 */
async function openInNewTab(page, link) {
  const context = page.context();
  const sockets = [];
  const opened = context.waitForEvent('page').then((tab) => {
    tab.on('websocket', (socket) => sockets.push(socket));
    return tab;
  });
  await link.click();
  const tab = await opened;
  await tab.waitForLoadState();
  return { tab, sockets };
}

/** Greets `name` in the Hello Wave UI and waits for the answer. */
async function greet(tab, name, times) {
  await tab.getByLabel('Your name').fill(name);
  await tab.getByRole('button', { name: 'Greet' }).click();
  await tab.getByText(`Hello, ${name}!`).waitFor();
  await tab.getByText(`Greeted ${times} times`).waitFor();
}

/** The launch panel's current step while it starts, `null` once it has settled. */
async function currentStep(panel) {
  return panel.evaluate((element) => {
    if (element.dataset.status !== 'starting') return null;
    return element.querySelector('li.launch-step[data-state="current"]')?.dataset.step ?? '';
  });
}

describe('running real Wave apps through Wavehub', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });
  const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-instances-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  // What the first test leaves for the others: alice's page and tab, the instance and its address.
  const shared = {};

  test('alice launches Hello Wave from its page, watches the steps, opens it in a new tab and greets', async () => {
    const { url, appsUrl } = live.server;
    const alice = await signedIn(live.browser, url, 'alice');
    await alice.getByRole('searchbox').fill('hello');
    const card = alice.getByRole('list', { name: 'Apps' }).locator(`article[data-app-name="${HELLO}"]`);
    await card.getByRole('link', { name: 'Hello Wave' }).click();
    await alice.getByRole('heading', { name: 'Hello Wave', level: 1 }).waitFor();
    const appPage = alice.url();
    await alice.getByRole('button', { name: 'Launch an instance' }).click();

    // The panel follows the instance on the app page; the steps advance in order, one current at a
    // time, while the first launch installs h2o-wave.
    const panel = alice.locator('.launch-progress[data-instance-id]');
    await panel.waitFor();
    const id = Number(await panel.getAttribute('data-instance-id'));
    assert.ok(id > 0);
    const steps = panel.locator('ol.launch-steps[aria-label="Launch steps"] > li.launch-step');
    assert.deepEqual(await steps.evaluateAll((items) => items.map((li) => li.dataset.step)), STEPS);
    const seen = [];
    let midLaunchShot = false;
    const deadline = Date.now() + COLD_LAUNCH_MS;
    for (let step = await currentStep(panel); step !== null; step = await currentStep(panel)) {
      assert.ok(Date.now() < deadline, `still starting after ${COLD_LAUNCH_MS / 1000} s; steps seen: ${seen}`);
      if (step && step !== seen.at(-1)) {
        seen.push(step);
        // Only a screenshot taken wholly while it was starting counts as one of the launch.
        const shot = join(root, 'steps.png');
        await alice.screenshot({ path: shot, fullPage: true });
        if (await currentStep(panel) === step) {
          mkdirSync(ARTIFACTS, { recursive: true });
          copyFileSync(shot, join(ARTIFACTS, 'instances-launch-steps.png'));
          midLaunchShot = true;
        }
      }
      await alice.waitForTimeout(150);
    }
    assert.ok(midLaunchShot, `no screenshot while it was starting; steps seen: ${seen}`);
    const order = seen.map((step) => STEPS.indexOf(step));
    assert.ok(order.every((index, n) => index >= 0 && (n === 0 || index > order[n - 1])), `steps out of order: ${seen}`);
    assert.ok(seen.includes('installing_packages'), `the install step never showed: ${seen}`);

    const status = await panel.getAttribute('data-status');
    if (status !== 'running') {
      await screenshot(alice, 'instances-launch-not-running');
      assert.fail(`the launch ended ${status}: ${await panel.innerText()}`);
    }
    assert.deepEqual(await steps.evaluateAll((items) => items.map((li) => li.dataset.state)), STEPS.map(() => 'done'));
    assert.match(await panel.innerText(), /Ready in \d/);
    assert.equal(new URL(alice.url()).href, appPage, 'the page stays on the app');

    // Open goes through the console in a new tab; the address is the apps origin's.
    const address = `${appsUrl}/instances/${id}/`;
    assert.equal(await panel.locator('code.instance-url').innerText(), address);
    const open = panel.locator('a.instance-open');
    assert.equal(await open.innerText(), 'Open');
    assert.equal(await open.getAttribute('href'), `/api/v1/instances/${id}/open`);
    assert.equal(await open.getAttribute('target'), '_blank');
    const { tab, sockets } = await openInNewTab(alice, open);
    assert.equal(tab.url(), address, 'the tab ends on the instance, on the apps origin');
    await tab.getByText('Hello Wave', { exact: true }).first().waitFor();
    await greet(tab, 'Ada', 1);
    await greet(tab, 'Grace', 2);
    // The UI's updates came over a websocket through the proxy, on the apps origin.
    const proxied = sockets.map((s) => s.url()).filter((u) => u.startsWith(`ws://${new URL(appsUrl).host}/instances/${id}/`));
    assert.ok(proxied.length > 0, `no websocket through the proxy: ${sockets.map((s) => s.url())}`);
    await screenshot(tab, 'instances-wave-greeted');
    Object.assign(shared, { alice, tab, id, address });
  });

  test('bob cannot open her PRIVATE instance; once she shares it, he opens it from Shared with me', async () => {
    const { url } = live.server;
    const { alice, id, address } = shared;
    assert.ok(id, 'needs the instance of the first test');
    const bob = await signedIn(live.browser, url, 'bob');

    // Signed in on the console, bob is refused the PRIVATE instance and sees nothing of it. With
    // no session on the apps origin yet, the proxy sends him through the console's `open`, which
    // refuses an instance he may not see (404 today, as the API does for hidden instances); once
    // he has an apps session the proxy itself answers 403 "Not shared with you" (below).
    const refused = await bob.goto(address);
    assert.ok([403, 404].includes(refused.status()), `bob got ${refused.status()} at ${bob.url()}`);
    assert.doesNotMatch(await bob.content(), /H2O Wave|Greet|Hello Wave/);
    await bob.goto(`${url}/instances`);
    await bob.locator('section.instances-shared').getByText('Nobody has shared a running instance with you.').waitFor();

    // alice shares it with everyone signed in, on My instances.
    await alice.goto(`${url}/instances`);
    const row = alice.locator(`tr[data-instance-id="${id}"][data-status="running"]`);
    await row.getByRole('button', { name: 'Share' }).click();
    await row.filter({ hasText: 'ALL_USERS' }).waitFor();

    // bob finds it under Shared with me, with its owner, and opens it.
    await bob.reload();
    const sharedWithMe = bob.locator('section.instances-shared');
    await sharedWithMe.getByRole('heading', { name: 'Shared with me' }).waitFor();
    const sharedRow = sharedWithMe.locator(`tr[data-instance-id="${id}"][data-status="running"][data-owner="alice"]`);
    await sharedRow.waitFor();
    assert.equal(await sharedRow.locator('code.instance-url').innerText(), address);
    const { tab, sockets } = await openInNewTab(bob, sharedRow.locator('a.instance-open'));
    assert.equal(tab.url(), address);
    await greet(tab, 'Bob', 1);
    await screenshot(tab, 'instances-bob-shared-wave');

    // alice makes it private again: bob's open websocket is closed and a reload is refused.
    const socket = sockets.find((s) => s.url().includes(`/instances/${id}/`));
    assert.ok(socket, 'bob\'s tab has a websocket to the instance');
    const closed = socket.isClosed() ? Promise.resolve() : socket.waitForEvent('close', { timeout: 15_000 });
    await row.getByRole('button', { name: 'Make private' }).click();
    await row.filter({ hasText: 'PRIVATE' }).waitFor();
    await closed;
    const forbidden = await tab.reload();
    assert.equal(forbidden.status(), 403);
    await tab.getByRole('heading', { name: 'Not shared with you' }).waitFor();
    assert.match(await tab.innerText('body'), /signed in as bob/);
    await screenshot(tab, 'instances-bob-403');
  });

  test('a Wave app that raises at import fails; My instances shows why and the traceback, without opening the log', async () => {
    const { url } = live.server;
    const alice = await signedIn(live.browser, url, 'alice');
    const bytes = readFileSync(brokenBundle(root));
    const imported = await alice.evaluate(async (body) => {
      const response = await fetch('/api/v1/apps?visibility=PRIVATE', { method: 'POST', body: new Uint8Array(body) });
      return { status: response.status, body: await response.json() };
    }, [...bytes]);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));

    await alice.goto(`${url}/apps/${imported.body.id}`);
    await alice.getByRole('heading', { name: 'Broken Model', level: 1 }).waitFor();
    await alice.getByRole('button', { name: 'Launch an instance' }).click();
    const panel = alice.locator('.launch-progress[data-instance-id]');
    await panel.waitFor();
    const id = Number(await panel.getAttribute('data-instance-id'));

    // My instances, opened while it starts: the row turns failed in place and shows why.
    await alice.goto(`${url}/instances`);
    const row = alice.locator(`tr[data-instance-id="${id}"]`);
    await row.waitFor();
    await alice.locator(`tr[data-instance-id="${id}"][data-status="failed"]`).waitFor({ timeout: WARM_LAUNCH_MS });
    const detail = alice.locator(`tr[data-detail-for="${id}"]`);
    const reason = detail.locator('.failure-reason');
    await reason.waitFor();
    assert.match(await reason.innerText(), /^Failed: the app exited/);
    const tail = detail.locator('pre.log-tail');
    await tail.filter({ hasText: 'RuntimeError: model file missing' }).waitFor();
    // The traceback's last frames: the app's own line that raised.
    assert.match(await tail.innerText(), /app\/app\.py", line 3, in <module>\n\s+raise RuntimeError\("model file missing"\)/);
    // Nothing was opened to show it: the Log button is still closed and no full log is on the page.
    assert.equal(await row.getByRole('button', { name: 'Log' }).getAttribute('aria-expanded'), 'false');
    assert.equal(await alice.locator('pre.log').count(), 0);
    await tail.scrollIntoViewIfNeeded();
    await screenshot(alice, 'instances-failed-traceback');
  });

  test('a terminated instance\'s address answers 410', async () => {
    const { url } = live.server;
    const { alice, tab, id, address } = shared;
    assert.ok(id, 'needs the instance of the first test');
    await alice.goto(`${url}/instances`);
    const row = alice.locator(`tr[data-instance-id="${id}"]`);
    await row.getByRole('button', { name: 'Terminate…' }).click();
    await alice.getByRole('alertdialog', { name: 'Confirm terminate' }).getByRole('button', { name: 'Terminate the instance' }).click();
    await alice.locator(`tr[data-instance-id="${id}"][data-status="terminated"]`).waitFor();

    // The tab alice opened it in (signed in on the apps origin) is told it ended.
    const ended = await tab.goto(address);
    assert.equal(ended.status(), 410);
    await tab.getByRole('heading', { name: 'This app has ended' }).waitFor();
    const again = await tab.context().request.get(address, { maxRedirects: 0 });
    assert.equal(again.status(), 410);
  });
});
