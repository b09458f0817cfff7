// An admin manages accounts through the real Users page; the server enforces every rule the
// page hides from others.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_PASSWORD, screenshot, signIn, useServerAndBrowser } from './harness.js';

describe('users admin', () => {
  const live = useServerAndBrowser();

  test('an admin creates a user, changes their roles and deletes them; the user sees only what they may', async () => {
    const adminContext = await live.browser.newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, live.server.url, 'admin', ADMIN_PASSWORD);
    await admin.getByTestId('account').waitFor();
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await admin.getByRole('heading', { name: 'Users' }).waitFor();
    await admin.getByText('1 account', { exact: true }).waitFor();

    // The same rules as the server, checked before sending.
    await admin.getByText('Add a user').click();
    await admin.getByLabel('Username').fill('Uma Bad');
    await admin.getByLabel('Password').fill('short');
    await admin.getByRole('button', { name: 'Create user' }).click();
    const alert = admin.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Fix the fields marked below/);
    // Each field says what is wrong with it, where it is, and is marked invalid.
    const username = admin.getByLabel('Username');
    const password = admin.getByLabel('Password');
    assert.equal(await username.getAttribute('aria-invalid'), 'true');
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    assert.match(await admin.locator('#new-username-findings').innerText(), /Use lowercase letters/);
    assert.match(await admin.locator('#new-password-findings').innerText(), /A password needs at least 8 characters; this one has 5/);
    // The length rule is said before anyone breaks it.
    await admin.getByText('At least 8 characters.').waitFor();
    await screenshot(admin, 'users-form-findings');

    await admin.getByLabel('Username').fill('uma');
    await admin.getByLabel('Password').fill('uma-password');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByRole('status').filter({ hasText: 'Created uma.' }).waitFor();
    const row = admin.locator('tr[data-username="uma"]');
    await row.waitFor();
    assert.match(await row.innerText(), /uma\s+user/);
    await screenshot(admin, 'users-admin');

    // A duplicate is refused by the server, and the page says so.
    await admin.getByLabel('Username').fill('uma');
    await admin.getByLabel('Password').fill('other-password');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByRole('alert').filter({ hasText: 'The username `uma` is taken' }).waitFor();

    // Uma signs in elsewhere: no admin navigation, and the server refuses the users API.
    const umaContext = await live.browser.newContext();
    const uma = await umaContext.newPage();
    await signIn(uma, live.server.url, 'uma', 'uma-password');
    await uma.getByTestId('account').waitFor();
    const nav = uma.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Upload' }).count(), 0);
    assert.equal(await uma.evaluate(async () => (await fetch('/api/v1/users')).status), 403);
    await uma.goto(`${live.server.url}/admin/users`);
    await uma.getByText('Only admins manage accounts.').waitFor();

    // The admin makes uma an author; after a reload she can upload.
    await row.getByRole('button', { name: 'Edit' }).click();
    await admin.getByRole('group', { name: 'Roles of uma' }).getByLabel('author').check();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.locator('tr[data-username="uma"]', { hasText: 'author, user' }).waitFor();
    await uma.reload();
    await uma.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).waitFor();

    // The last admin cannot step down: the server refuses and the page shows why.
    await admin.locator('tr[data-username="admin"]').getByRole('button', { name: 'Edit' }).click();
    await admin.getByRole('group', { name: 'Roles of admin' }).getByLabel('admin').uncheck();
    await admin.getByRole('group', { name: 'Roles of admin' }).getByLabel('user').check();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('alert').filter({ hasText: 'needs at least one admin' }).waitFor();

    // Deleting asks first (in the page's own dialog, with an optional reason), then ends uma's
    // session at once.
    await row.getByRole('button', { name: 'Delete uma', exact: true }).click();
    const confirm = admin.getByRole('dialog', { name: 'Delete 1 account?' });
    await confirm.getByLabel('Reason (optional)').fill('Left the company');
    await confirm.getByRole('button', { name: 'Delete 1 account' }).click();
    await row.waitFor({ state: 'detached' });
    await admin.getByTestId('bulk-summary').filter({ hasText: '1 deleted.' }).waitFor();
    assert.equal(await uma.evaluate(async () => (await fetch('/api/v1/me')).status), 401);

    await umaContext.close();
    await adminContext.close();
  });
});
