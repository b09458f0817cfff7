// API tokens, the way a user gets one: from the account menu, not curl. alice creates a token on
// /account/tokens, copies it, imports an app with the real `wavehub import`, sees when it was last
// used, and revokes it; the CLI is refused at once. bob never sees alice's tokens; an admin sees
// them with their owner.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_PASSWORD, DEMO_PASSWORD, screenshot, signIn, useServerAndBrowser } from './harness.js';

/** A small app folder for `wavehub import`. */
function appFolder() {
  const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-token-app-'));
  const dir = join(root, 'token-app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'app.toml'), `[App]
Name = "ai.wavehub.e2e.token"
Version = "1.0.0"
Title = "Imported with a token"
Description = "Uploaded by the command line with a token made in the browser."

[Runtime]
Module = "app"
`);
  writeFileSync(join(dir, 'app.py'), "print('hello')\n");
  return { root, dir };
}

/** `wavehub import DIR --server URL` with `WAVEHUB_TOKEN=token`. */
function cliImport(server, token, dir) {
  const run = spawnSync(process.env.WAVEHUB_BIN, ['import', dir, '--server', server], {
    env: { ...process.env, WAVEHUB_TOKEN: token },
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('API tokens in the browser', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });
  const folder = appFolder();
  after(() => rmSync(folder.root, { recursive: true, force: true }));

  test('create one, copy it, use it with the CLI, revoke it', async () => {
    const { url } = live.server;
    const context = await live.browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    const alice = await context.newPage();
    await signIn(alice, url, 'alice', DEMO_PASSWORD);
    await alice.getByTestId('account').waitFor();
    await alice.getByTestId('account').getByRole('link', { name: 'API tokens' }).click();
    await alice.getByRole('heading', { name: 'API tokens' }).waitFor();
    await alice.getByText('No tokens yet.').waitFor();

    // A name is required, checked before anything is sent.
    await alice.getByRole('button', { name: 'Create token' }).click();
    await alice.locator('#token-name-findings').getByText('Name the token').waitFor();

    await alice.getByLabel('Name').fill('laptop CLI');
    await alice.getByRole('button', { name: 'Create token' }).click();
    const secret = alice.getByLabel('The new token');
    await secret.waitFor();
    const token = await secret.inputValue();
    assert.match(token, /^wh_[0-9a-f]{20,}$/);
    await alice.getByText('Copy it now: it is not shown again.').waitFor();
    await alice.getByRole('button', { name: 'Copy' }).first().click();
    await alice.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await alice.evaluate(() => navigator.clipboard.readText()), token);
    const row = alice.locator('tr[data-token="laptop CLI"]');
    await row.getByText('never').waitFor();
    await screenshot(alice, 'tokens-created');

    // The token works where the page says: the real CLI imports with it.
    const imported = cliImport(url, token, folder.dir);
    assert.equal(imported.status, 0, imported.output);
    await alice.reload();
    await row.locator('td').nth(1).getByText('just now').waitFor();
    assert.equal(await alice.getByLabel('The new token').count(), 0, 'the secret is gone once the page is left');

    // bob sees only his own (none), and the server keeps alice's from him.
    const bob = await (await live.browser.newContext()).newPage();
    await signIn(bob, url, 'bob', DEMO_PASSWORD);
    await bob.getByTestId('account').waitFor();
    await bob.goto(`${url}/account/tokens`);
    await bob.getByText('No tokens yet.').waitFor();
    assert.equal(await bob.getByRole('heading', { name: "Everyone's tokens" }).count(), 0);
    await bob.close();

    // An admin sees it among everyone's, with its owner, but never its secret.
    const admin = await (await live.browser.newContext()).newPage();
    await signIn(admin, url, 'admin', ADMIN_PASSWORD);
    await admin.getByTestId('account').waitFor();
    await admin.goto(`${url}/account/tokens`);
    await admin.getByRole('heading', { name: "Everyone's tokens" }).waitFor();
    const everyones = admin.getByRole('table', { name: "Every user's API tokens" });
    assert.match(await everyones.locator('tr[data-token="laptop CLI"]').innerText(), /alice/);
    assert.equal(await admin.getByText(token).count(), 0);
    await admin.close();

    // Revoking asks first; a dismissed question changes nothing.
    const question = alice.getByRole('dialog', { name: 'Revoke the token “laptop CLI”?' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await question.getByRole('button', { name: 'Cancel' }).click();
    await question.waitFor({ state: 'detached' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Revoke' }).click();
    assert.match(await question.innerText(), /Revoke the token “laptop CLI”\?/);
    await question.getByRole('button', { name: 'Revoke token' }).click();
    await alice.getByText('No tokens yet.').waitFor();
    const refused = cliImport(url, token, folder.dir);
    assert.notEqual(refused.status, 0);
    assert.match(refused.output, /401|token|sign/i, refused.output);
  });
});
