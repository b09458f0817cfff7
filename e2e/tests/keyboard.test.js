// The console by keyboard alone: an admin who uses no mouse uploads an app folder (reaching the
// folder chooser and Upload with Tab, the chooser's files set on the focused input since a native
// picker cannot be driven), scrolls its long file list with PageDown and arrows, rolls a new version
// out on the rollout page (promote, then make the old one private, each through its confirmation
// and reason), and creates a runtime image, deprecates it and adds and disables a version through
// their dialogs. Each step asserts where focus is: it moves into each dialog, comes back to the
// button that opened it after Escape, and is never lost to the page.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_PASSWORD, DEMO_APPS, screenshot, signIn, useServerAndBrowser } from './harness.js';

const NAME = 'ai.wavehub.demo.sales-forecast';

/** What has focus, for failure messages. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'nothing (the page body)';
    const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.getAttribute('id') || '';
    return `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}> ${name}`;
  });
}

/** Asserts that `locator` has focus (within a moment: some moves wait for the view to be drawn). */
async function assertFocus(page, locator, what) {
  await locator.waitFor();
  const has = await locator.evaluate((el) => el === document.activeElement);
  if (has) return;
  const later = await page.waitForFunction((el) => el === document.activeElement, await locator.elementHandle(), { timeout: 2_000 })
    .then(() => true, () => false);
  assert.ok(later, `${what} should have focus, but ${await focused(page)} has`);
}

/**
 * Presses Tab (or Shift+Tab) until `locator` has focus, failing if focus is ever lost to the page
 * body on the way or it takes more than `max` presses.
 */
async function tabTo(page, locator, what, { back = false, max = 60 } = {}) {
  await locator.waitFor();
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    assert.notEqual(await focused(page), 'nothing (the page body)', `focus was lost while tabbing to ${what}`);
  }
  assert.fail(`${max} presses of Tab never reached ${what} (last: ${await focused(page)})`);
}

/** A copy of the demo app with enough data files that its file list scrolls. */
function longApp(root) {
  const dir = join(root, 'sales-forecast');
  cpSync(join(DEMO_APPS, 'sales-forecast'), dir, { recursive: true });
  mkdirSync(join(dir, 'data'));
  for (let i = 1; i <= 40; i += 1) {
    writeFileSync(join(dir, 'data', `sales-${String(i).padStart(2, '0')}.csv`), 'month,units\n2026-01,10\n');
  }
  return dir;
}

describe('the console by keyboard alone', () => {
  const live = useServerAndBrowser();
  const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-keyboard-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('upload, scroll the file list, roll a version out, and manage a runtime image without a mouse', async () => {
    const { url } = live.server;
    const context = await live.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signIn(page, url, 'admin', ADMIN_PASSWORD);
    await page.getByTestId('account').waitFor();

    // ---- Upload: Tab to "Choose a folder", choose, Tab through the file list, Tab to Upload.
    await page.goto(`${url}/upload`);
    await page.getByRole('heading', { name: 'Upload an app' }).waitFor();
    const folderInput = page.locator('input[type="file"][webkitdirectory]');
    await tabTo(page, folderInput, 'the folder chooser');
    await (await page.evaluateHandle(() => document.activeElement)).asElement().setInputFiles(longApp(root));
    const tree = page.getByRole('region', { name: 'Files in the bundle' });
    await tree.getByText('sales-40.csv').waitFor();
    await page.locator('.preview-page h1').waitFor();
    await tabTo(page, tree, 'the file list');
    const scrolled = async () => tree.evaluate((el) => el.scrollTop);
    assert.ok(await tree.evaluate((el) => el.scrollHeight > el.clientHeight), 'the file list is longer than its box');
    assert.equal(await scrolled(), 0);
    await page.keyboard.press('PageDown');
    await page.waitForFunction((el) => el.scrollTop > 0, await tree.elementHandle());
    const afterPageDown = await scrolled();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(([el, before]) => el.scrollTop > before, [await tree.elementHandle(), afterPageDown]);
    await page.keyboard.press('Home');
    await page.waitForFunction((el) => el.scrollTop === 0, await tree.elementHandle());
    await screenshot(page, 'keyboard-file-list-focused');
    const upload = page.getByRole('button', { name: 'Upload', exact: true });
    await tabTo(page, upload, 'the Upload button');
    await page.keyboard.press('Enter');
    const uploaded = page.getByRole('status').filter({ hasText: `Uploaded ${NAME} 2.0.0 as` }).first();
    await uploaded.waitFor({ timeout: 30_000 });
    // Upload is disabled while sending; focus goes to the outcome's link instead of being lost.
    await assertFocus(page, page.locator('.upload-send').getByRole('link', { name: 'Open the app page' }), 'the uploaded app\'s link');
    await screenshot(page, 'keyboard-uploaded');

    // The version the catalog shows now, through the API as the CLI would: 1.4.1 for all users.
    const v1 = join(root, 'v1.wave');
    execFileSync(process.env.WAVEHUB_BIN, ['bundle', join(DEMO_APPS, 'sales-forecast-v1'), '-o', v1]);
    const bytes = [...readFileSync(v1)];
    const status = await page.evaluate(async (body) => (await fetch('/api/v1/apps?visibility=ALL_USERS', { method: 'POST', body: new Uint8Array(body) })).status, bytes);
    assert.equal(status, 201);

    // ---- Rollout: promote 2.0.0 (cancel once with Escape), then make 1.4.1 private with a reason.
    await page.goto(`${url}/apps/by-name/${NAME}/rollout`);
    const versions = page.locator('table.rollout-versions');
    await versions.locator('tr[data-version="2.0.0"]').waitFor();
    const promote = page.getByRole('button', { name: 'Promote 2.0.0…' });
    await tabTo(page, promote, 'Promote 2.0.0…');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('alertdialog', { name: 'Confirm the change' });
    await assertFocus(page, confirm.getByLabel('Reason (optional)'), 'the reason field of the confirmation');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await assertFocus(page, promote, 'Promote 2.0.0… after Escape');
    await page.keyboard.press('Space');
    await assertFocus(page, confirm.getByLabel('Reason (optional)'), 'the reason field, opened with Space');
    await page.keyboard.type('Seasonal model with prediction intervals');
    const yesShare = confirm.getByRole('button', { name: 'Yes, share it with all users' });
    await tabTo(page, yesShare, 'Yes, share it with all users');
    await page.keyboard.press('Enter');
    await versions.locator('tr[data-version="2.0.0"]').filter({ hasText: 'in the catalog' }).waitFor();
    const heading = page.getByRole('heading', { level: 1 });
    await assertFocus(page, heading, 'the page heading, while the steps are drawn again');

    const retire = page.getByRole('button', { name: 'Make 1.4.1 private…' });
    await tabTo(page, retire, 'Make 1.4.1 private…');
    await page.keyboard.press('Enter');
    const reason = confirm.getByLabel('Reason (required)');
    await assertFocus(page, reason, 'the required reason field');
    const yesPrivate = confirm.getByRole('button', { name: 'Yes, make it private' });
    assert.equal(await yesPrivate.isDisabled(), true, 'no reason yet: Confirm is disabled');
    await page.keyboard.type('Replaced by 2.0.0');
    await tabTo(page, yesPrivate, 'Yes, make it private');
    await screenshot(page, 'keyboard-rollout-retire');
    await page.keyboard.press('Enter');
    await versions.locator('tr[data-version="1.4.1"]').filter({ hasText: 'PRIVATE' }).waitFor();
    await assertFocus(page, heading, 'the page heading after the retirement');

    // ---- Runtime images: the New runtime image dialog, cancelled with Escape, then filled in.
    await page.goto(`${url}/admin/runtime-images`);
    const newImage = page.getByRole('button', { name: 'New runtime image' });
    await tabTo(page, newImage, 'New runtime image');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New runtime image' });
    await assertFocus(page, dialog.getByLabel('Name'), 'the Name field of the new image dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await assertFocus(page, newImage, 'New runtime image after Escape');
    await page.keyboard.press('Enter');
    await assertFocus(page, dialog.getByLabel('Name'), 'the Name field, opened again');
    await page.keyboard.type('Keyboard Scorer');
    await page.keyboard.press('Tab');
    await assertFocus(page, dialog.getByLabel('Docker image'), 'the Docker image field');
    await page.keyboard.type('docker.io/myorg/keyboard:1.0.0');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/admin/runtime-images/default/keyboard-scorer`);
    await page.getByRole('heading', { name: 'Keyboard Scorer', level: 1 }).waitFor();

    // Deprecate the image: its dialog, Escape, then a reason and Enter.
    const deprecate = page.getByRole('button', { name: 'Deprecate image' });
    await tabTo(page, deprecate, 'Deprecate image');
    await page.keyboard.press('Enter');
    const stateDialog = page.getByRole('dialog', { name: /^Deprecate/ });
    await assertFocus(page, stateDialog.getByLabel('Reason (required)'), 'the reason field of the deprecate dialog');
    await page.keyboard.press('Escape');
    await stateDialog.waitFor({ state: 'detached' });
    await assertFocus(page, deprecate, 'Deprecate image after Escape');
    await page.keyboard.press('Enter');
    await assertFocus(page, stateDialog.getByLabel('Reason (required)'), 'the reason field, opened again');
    await page.keyboard.type('Moving to the batch scorer');
    await tabTo(page, stateDialog.getByRole('button', { name: /^Deprecate/ }), 'the dialog\'s Deprecate button');
    await screenshot(page, 'keyboard-deprecate-dialog');
    await page.keyboard.press('Enter');
    await stateDialog.waitFor({ state: 'detached' });
    await page.getByTestId('image-state').filter({ hasText: 'DEPRECATED' }).waitFor();

    // Add a version: the disclosure opens with Enter, the form submits with Enter.
    const summary = page.locator('summary', { hasText: 'Add a version' });
    await tabTo(page, summary, 'Add a version');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await assertFocus(page, page.getByLabel('Docker image of the new version'), 'the new version\'s Docker image field');
    await page.keyboard.type('docker.io/myorg/keyboard:1.1.0');
    await page.keyboard.press('Enter');
    const row = page.locator('tr[data-version="v1.1.0"]');
    await row.waitFor();

    // Disable that version from its row: the dialog, Escape back to the row's button, then for real.
    const disable = row.getByRole('button', { name: 'Disable v1.1.0' });
    await tabTo(page, disable, 'Disable v1.1.0', { back: true });
    await page.keyboard.press('Enter');
    const disableDialog = page.getByRole('dialog', { name: /^Disable/ });
    await assertFocus(page, disableDialog.getByLabel(/^Reason/), 'the reason field of the disable dialog');
    await page.keyboard.press('Escape');
    await disableDialog.waitFor({ state: 'detached' });
    await assertFocus(page, disable, 'Disable v1.1.0 after Escape');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Broken build');
    await tabTo(page, disableDialog.getByRole('button', { name: /^Disable/ }), 'the dialog\'s Disable button');
    await page.keyboard.press('Enter');
    await disableDialog.waitFor({ state: 'detached' });
    await row.filter({ hasText: 'DISABLED' }).waitFor();
    await context.close();
  });
});
