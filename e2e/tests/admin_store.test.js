// The App Store's admin side, through the real pages and server: an admin creates a colored tag that
// authors administer; alice (author) assigns it to her app on its page and the catalog shows the chip
// in that color and filters by it; bob (plain user) cannot assign it. The admin stores a secret whose
// value never comes back (not in the page, not in any API answer); deleting it while an app reads it
// is refused in words. The audit log, filtered by actor, shows each change.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_PASSWORD, screenshot, signIn, useServerAndBrowser } from './harness.js';

const DEMO_PASSWORD = 'wavehub-demo';
const TAG = 'E2E_PICKS';
const TAG_TITLE = "Editor's picks";
// Dark violet: the chip's text must turn white.
const TAG_COLOR = '#8a2be2';
const TAG_RGB = 'rgb(138, 43, 226)';
const SECRET = 'e2e-credentials';
const SECRET_VALUE = 'pa55-e2e-7c1d9f-never-shown';
const READER = 'ai.wavehub.e2e.secret-reader';
const HELLO = 'ai.wavehub.demo.hello-wave';

/** Every API answer a browser context receives, to search for the secret value afterwards. */
function recordApiAnswers(context) {
  const answers = [];
  context.on('response', (response) => {
    if (!response.url().includes('/api/')) return;
    answers.push(response.text().then((text) => ({ url: response.url(), text }), () => ({ url: response.url(), text: '' })));
  });
  return async () => Promise.all(answers);
}

/** A .wave whose app reads the secret, packaged by the real `wavehub bundle`. */
function secretReaderBundle(root) {
  const dir = join(root, 'secret-reader');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.toml'), `[App]
Name = "${READER}"
Version = "1.0.0"
Title = "Secret reader"
Description = "Reads a token at run time."
Category = "Other"

[Runtime]
Module = "app"

[[Env]]
Name = "API_TOKEN"
Secret = "${SECRET}"
SecretKey = "token"
`);
  writeFileSync(join(dir, 'app.py'), "import os\nprint('token present:', bool(os.environ.get('API_TOKEN')))\n");
  const out = join(root, 'secret-reader.wave');
  execFileSync(process.env.WAVEHUB_BIN, ['bundle', dir, '-o', out], { stdio: 'pipe' });
  return readFileSync(out).toString('base64');
}

async function chipColors(chip) {
  return chip.evaluate((element) => {
    const style = getComputedStyle(element);
    return { background: style.backgroundColor, color: style.color };
  });
}

describe('tags, secrets and the audit log', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });
  const temp = mkdtempSync(join(tmpdir(), 'wavehub-e2e-admin-'));
  after(() => rmSync(temp, { recursive: true, force: true }));

  test('a colored tag, assigned by its admin role; a write-only secret; the audit log by actor', async () => {
    const { url } = live.server;
    const adminContext = await live.browser.newContext();
    const adminAnswers = recordApiAnswers(adminContext);
    const admin = await adminContext.newPage();
    await signIn(admin, url, 'admin', ADMIN_PASSWORD);
    await admin.getByTestId('account').waitFor();

    // ---- Tags: the admin creates one; a bad color is refused at its field before anything is sent.
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tags' }).click();
    await admin.getByRole('heading', { name: 'Tags', level: 1 }).waitFor();
    const tagPosts = [];
    admin.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/tags')) tagPosts.push(request);
    });
    await admin.getByLabel('Name', { exact: true }).fill(TAG);
    await admin.getByLabel('Title (optional)').fill(TAG_TITLE);
    await admin.getByLabel('Color', { exact: true }).fill('#8a2be');
    await admin.getByRole('button', { name: 'Create tag' }).click();
    await admin.locator('#new-tag-color-findings').getByText('is not a color').waitFor();
    assert.equal(await admin.getByLabel('Color', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(tagPosts.length, 0, 'the bad color never left the page');
    await admin.getByLabel('Color', { exact: true }).fill(TAG_COLOR.toUpperCase());
    assert.equal(await admin.getByLabel('Pick a color').inputValue(), TAG_COLOR, 'the picker follows the hex text');
    await admin.getByLabel('Description (optional)').fill('Apps the editors recommend.');
    // Who may assign it is a choice the form shows made: anyone signed in, until the admin picks roles.
    const roles = admin.getByRole('group', { name: 'Who may assign it' });
    assert.ok(await roles.getByRole('radio', { name: 'Anyone signed in' }).isChecked(), 'the default is shown chosen');
    await admin.getByText('Anyone signed in may assign it').waitFor();
    await roles.getByRole('radio', { name: 'Only users with these roles:' }).check();
    assert.ok(await roles.getByRole('checkbox', { name: 'admin' }).isChecked(), 'choosing roles starts from admins');
    await roles.getByRole('checkbox', { name: 'author' }).check();
    await roles.getByRole('checkbox', { name: 'admin' }).uncheck();
    await admin.getByText('Users with the role author may assign it').waitFor();
    await screenshot(admin, 'rough-edge-tag-who-may-assign');
    await admin.getByRole('button', { name: 'Create tag' }).click();
    await admin.getByRole('status').filter({ hasText: `Created tag ${TAG}` }).waitFor();
    assert.equal(tagPosts.length, 1);
    const row = admin.locator(`tr[data-tag="${TAG}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /author \(and admins\)/);
    assert.deepEqual(await chipColors(row.locator('.tag-chip')), { background: TAG_RGB, color: 'rgb(255, 255, 255)' });
    await screenshot(admin, 'tags-admin');

    // ---- alice (author) assigns it on her app's page; the chips wear its color.
    const aliceContext = await live.browser.newContext();
    const alice = await aliceContext.newPage();
    await signIn(alice, url, 'alice', DEMO_PASSWORD);
    await alice.getByTestId('account').waitFor();
    const helloCard = alice.getByRole('list', { name: 'Apps' }).locator(`article[data-app-name="${HELLO}"]`);
    await helloCard.getByRole('link').click();
    await alice.getByRole('heading', { level: 1 }).waitFor();
    const appPath = new URL(alice.url()).pathname;
    const appId = Number(appPath.split('/').pop());
    const editor = alice.getByRole('region', { name: 'Tags of this version' });
    await editor.waitFor();
    await editor.getByLabel('Add a tag').selectOption(TAG);
    await editor.getByRole('button', { name: 'Add' }).click();
    await editor.getByRole('button', { name: `Remove tag ${TAG}` }).waitFor();
    const headerChip = alice.locator(`.app-header li[data-tag="${TAG}"]`);
    await headerChip.waitFor();
    assert.equal(await headerChip.innerText(), TAG_TITLE);
    assert.deepEqual(await chipColors(headerChip), { background: TAG_RGB, color: 'rgb(255, 255, 255)' });
    // Tags from app.toml that no admin created show in the default color, and can't be removed.
    assert.equal(await editor.getByRole('button', { name: 'Remove tag DEMO' }).count(), 0);
    await screenshot(alice, 'app-page-tags');

    // The catalog filters by it, and the card's chip has its color.
    await alice.goto(url);
    await alice.getByRole('list', { name: 'Filter by tags' }).getByRole('link', { name: new RegExp(TAG_TITLE) }).click();
    await alice.waitForURL(new RegExp(`tag=${TAG}`));
    await alice.getByTestId('result-count').filter({ hasText: /^1 app$/ }).waitFor();
    const cardChip = alice.getByRole('list', { name: 'Apps' }).locator(`article[data-app-name="${HELLO}"] li[data-tag="${TAG}"]`);
    await cardChip.waitFor();
    assert.deepEqual(await chipColors(cardChip), { background: TAG_RGB, color: 'rgb(255, 255, 255)' });
    await screenshot(alice, 'catalog-tag-chip');

    // Holders of its admin role edit it but don't delete it.
    await alice.goto(`${url}/admin/tags`);
    await alice.getByRole('button', { name: `Edit tag ${TAG}` }).click();
    assert.equal(await alice.getByRole('button', { name: `Delete tag ${TAG}` }).count(), 0);
    assert.equal(await alice.getByText('Create a tag').count(), 0);
    const edit = alice.getByRole('form', { name: `Edit tag ${TAG}` });
    await edit.getByText('Only admins change that').waitFor();
    assert.equal(await edit.getByRole('checkbox').count(), 0, 'authors do not change who administers it');
    await edit.getByLabel('Description').fill('Apps the editors recommend this month.');
    await edit.getByRole('button', { name: 'Save' }).click();
    await alice.locator(`tr[data-tag="${TAG}"]`).getByText('this month').waitFor();

    // ---- bob (plain user) sees the chip but may not assign it: no editor, and the API says 403.
    const bobContext = await live.browser.newContext({ colorScheme: 'dark' });
    const bob = await bobContext.newPage();
    await signIn(bob, url, 'bob', DEMO_PASSWORD);
    await bob.getByTestId('account').waitFor();
    await bob.goto(`${url}${appPath}`);
    const bobChip = bob.locator(`.app-header li[data-tag="${TAG}"]`);
    await bobChip.waitFor();
    assert.deepEqual(await chipColors(bobChip), { background: TAG_RGB, color: 'rgb(255, 255, 255)' });
    await bob.getByRole('button', { name: /Launch/ }).waitFor();
    assert.equal(await bob.getByRole('region', { name: 'Tags of this version' }).count(), 0);
    assert.equal(await bob.getByRole('button', { name: `Remove tag ${TAG}` }).count(), 0);
    const bobPut = await bob.evaluate(async ([id, tag]) => (await fetch(`/api/v1/apps/${id}/tags/${tag}`, { method: 'PUT' })).status, [appId, TAG]);
    assert.equal(bobPut, 403);
    const bobDelete = await bob.evaluate(async ([id, tag]) => (await fetch(`/api/v1/apps/${id}/tags/${tag}`, { method: 'DELETE' })).status, [appId, TAG]);
    assert.equal(bobDelete, 403);
    // The tags page is his to read, not to change.
    await bob.goto(`${url}/admin/tags`);
    await bob.locator(`tr[data-tag="${TAG}"]`).waitFor();
    assert.equal(await bob.getByRole('button', { name: `Edit tag ${TAG}` }).count(), 0);
    await screenshot(bob, 'tags-read-only-dark');
    // Secrets and the audit log are for admins.
    await bob.goto(`${url}/admin/secrets`);
    await bob.getByRole('alert').filter({ hasText: 'Admins only' }).waitFor();

    // ---- A secret: typed into a password field, saved, never shown again.
    await admin.goto(`${url}/admin/secrets`);
    await admin.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    await admin.getByText('No secrets yet').waitFor();
    await admin.getByLabel('Secret name').fill(SECRET);
    await admin.getByLabel('Name of key 1').fill('token');
    const valueField = admin.getByLabel('Value of key 1');
    assert.equal(await valueField.getAttribute('type'), 'password');
    await valueField.fill(SECRET_VALUE);
    assert.ok(!(await admin.content()).includes(SECRET_VALUE), 'a typed value is not in the HTML');
    // Who may use it: alice (besides admins); apps by other authors that read it are refused.
    await admin.getByLabel('Users').fill('alice');
    await admin.getByRole('button', { name: 'Save secret' }).click();
    await admin.getByRole('status').filter({ hasText: `Saved secret ${SECRET} with keys token` }).waitFor();
    const secretRow = admin.locator(`tr[data-secret="${SECRET}"]`);
    await secretRow.waitFor();
    assert.match(await secretRow.innerText(), /token/);
    assert.match(await secretRow.innerText(), /No app/);
    assert.match(await secretRow.innerText(), /admins, alice/);
    assert.equal(await admin.getByLabel('Value of key 1').inputValue(), '', 'the form forgot the value');

    // alice imports an app that reads it (packaged by `wavehub bundle`, sent like the CLI does).
    const bundle = secretReaderBundle(temp);
    const imported = await alice.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const response = await fetch('/api/v1/apps?visibility=ALL_USERS', { method: 'POST', body: bytes });
      return { status: response.status, body: await response.text() };
    }, bundle);
    assert.equal(imported.status, 201, imported.body);

    // Now the secret is in use: deleting it is refused, naming the app, in words.
    await admin.reload();
    await secretRow.getByText(`${READER} 1.0.0`).waitFor();
    await admin.getByRole('button', { name: `Delete secret ${SECRET}` }).click();
    const confirm = admin.getByRole('alertdialog', { name: `Confirm deleting secret ${SECRET}` });
    await confirm.getByText(`${READER} 1.0.0 read it`).waitFor();
    await confirm.getByRole('button', { name: 'Delete secret' }).click();
    const refusal = admin.getByRole('alert').filter({ hasText: "can't be deleted while apps read it" });
    await refusal.waitFor();
    assert.match(await refusal.innerText(), new RegExp(`${READER} 1\\.0\\.0`));
    await secretRow.waitFor();
    await screenshot(admin, 'secrets-refusal');

    // "Replace keys…" fills the form with the key names only and says what saving does.
    await admin.getByRole('button', { name: `Replace keys of ${SECRET}` }).click();
    await admin.getByRole('note').filter({ hasText: 'Saving replaces ALL its keys' }).waitFor();
    assert.equal(await admin.getByLabel('Name of key 1').inputValue(), 'token');
    assert.equal(await admin.getByLabel('Value of key 1').inputValue(), '');
    assert.equal(await admin.getByLabel('Users').inputValue(), 'alice', 'the grants come back with the key names');
    await admin.getByRole('button', { name: 'Replace all keys' }).waitFor();
    await screenshot(admin, 'secrets-replace');
    assert.ok(!(await admin.content()).includes(SECRET_VALUE), 'the value is nowhere in the page');

    // ---- The audit log by actor: the admin's changes, then alice's assignment with a link to the app.
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await admin.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await admin.getByLabel('Actor').fill('admin');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/\/admin\/audit\?actor=admin$/);
    await admin.getByTestId('audit-count').filter({ hasText: 'by admin' }).waitFor();
    const table = admin.getByRole('table', { name: 'Audit log entries' });
    await table.locator(`tr[data-action="create"]`).filter({ hasText: `tags/${TAG}` }).waitFor();
    await table.locator(`tr[data-action="create"]`).filter({ hasText: `secrets/${SECRET}` }).waitFor();
    assert.match(await table.innerText(), /keys\s+token/);
    assert.equal(await table.locator('tr[data-actor]:not([data-actor="admin"])').count(), 0);
    // A link's spoken name starts with the words it shows.
    await table.getByRole('link', { name: `only this: changes to tags/${TAG}`, exact: true }).first().waitFor();
    assert.ok(!(await admin.content()).includes(SECRET_VALUE));
    await screenshot(admin, 'audit-by-admin');

    await admin.goto(`${url}/admin/audit?actor=alice`);
    const assign = table.locator('tr[data-action="assign"]');
    await assign.waitFor();
    assert.match(await assign.innerText(), new RegExp(`apps/${appId}/tags/${TAG}`));
    await table.locator('tr[data-action="import"]').filter({ hasText: READER }).waitFor();
    await screenshot(admin, 'audit-by-alice');
    // A click on an action narrows further; the resource links to the app's page.
    await assign.getByRole('link', { name: 'assign', exact: true }).click();
    await admin.waitForURL(/actor=alice&action=assign/);
    await admin.getByTestId('audit-count').filter({ hasText: /^1 change by alice, with action assign$/ }).waitFor();
    await table.getByRole('link', { name: `apps/${appId}/tags/${TAG}`, exact: true }).click();
    await admin.waitForURL(new RegExp(`/apps/${appId}$`));
    await admin.getByRole('heading', { level: 1 }).waitFor();

    // The admin deletes the tag; the question says what goes with it.
    await admin.goto(`${url}/admin/tags`);
    await admin.getByRole('button', { name: `Delete tag ${TAG}` }).click();
    const question = admin.getByRole('alertdialog', { name: `Confirm deleting tag ${TAG}` });
    await question.getByText('Its assignments on 1 app version are removed').waitFor();
    await question.getByRole('button', { name: 'Delete tag' }).click();
    await admin.locator(`tr[data-tag="${TAG}"]`).waitFor({ state: 'detached' });
    await admin.getByText('No tag has been created yet').waitFor();
    // The tags apps name in their app.toml are still listed, with how many versions carry them.
    const uncreated = admin.getByRole('region', { name: 'Named by apps, not created yet' });
    await uncreated.getByText('DEMO', { exact: true }).waitFor();
    await admin.goto(`${url}/admin/audit?resource=tags/${TAG}`);
    await table.locator('tr[data-action="delete"]').waitFor();
    const tagHistory = await table.locator('tr').evaluateAll((rows) => rows.slice(1).map((row) => `${row.dataset.actor} ${row.dataset.action}`));
    assert.deepEqual(tagHistory, ['admin delete', 'alice update', 'admin create']);
    assert.match(await table.innerText(), /assignments removed\s+1/);

    // No API answer to anyone carried the value.
    for (const { url: answerUrl, text } of [...(await adminAnswers())]) {
      assert.ok(!text.includes(SECRET_VALUE), `the secret value leaked in ${answerUrl}`);
    }

    await adminContext.close();
    await aliceContext.close();
    await bobContext.close();
  });
});
