// Runtime images through the real pages and server: an admin creates an image from a tag (the
// version shows as they type, and `:latest` asks for one), adds versions, disables the newest with a
// reason and sees the current version move; tries to enable a platform image the bootstrap file
// disabled and reads the refusal; binds a runtime; deletes an unreferenced image. A plain member sees
// everything and can change nothing; someone in no workspace gets a friendly empty page.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_PASSWORD, ARTIFACTS, api, platformBootstrap, screenshot, signIn, useServerAndBrowser } from './harness.js';

const bootstrap = platformBootstrap();

/** A screenshot of what is on screen (a modal dialog covers the viewport, not the whole page). */
async function screenshotView(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

describe('runtime images', () => {
  const live = useServerAndBrowser({ extraArgs: ['--bootstrap', bootstrap.path] });
  after(bootstrap.remove);

  test('an admin creates an image from a tag, adds versions, disables one with a reason, meets the ceiling and deletes', async () => {
    const { url } = live.server;
    const context = await live.browser.newContext();
    const page = await context.newPage();
    await signIn(page, url, 'admin', ADMIN_PASSWORD);
    await page.getByTestId('account').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runtime images' }).click();
    await page.getByRole('heading', { name: 'Runtime images', level: 1 }).waitFor();
    // The workspace goes into the URL, so the view is a link.
    await page.waitForURL(/\/admin\/runtime-images\?ws=default$/);
    const table = page.getByRole('table', { name: 'Runtime images' });
    const platformRow = table.locator('tr[data-uid="h2oai-h2o3mojo-scorer"]');
    await platformRow.waitFor();
    assert.match(await platformRow.innerText(), /H2O-3 MOJO Scorer/);
    assert.match(await platformRow.innerText(), /Platform/);
    assert.match(await platformRow.innerText(), /DISABLED/);
    assert.match(await platformRow.innerText(), /Retired: use the REST scorer/, 'the reason is visible, not only on hover');

    // Create from a tag: the version shows as the image is typed; `latest` asks for one.
    await page.getByRole('button', { name: 'New runtime image' }).click();
    const create = page.getByRole('dialog', { name: 'New runtime image' });
    await create.waitFor();
    await create.getByLabel('Name', { exact: true }).fill('REST Scorer');
    const dockerField = create.getByLabel('Docker image');
    const preview = create.getByTestId('version-preview');
    await dockerField.fill('docker.io/myorg/scorer:latest');
    await preview.filter({ hasText: '`latest` is not a semantic version' }).waitFor();
    assert.match(await preview.innerText(), /enter the version/);
    // The Version field is marked invalid while the preview asks for it.
    const versionField = create.getByLabel('Version (optional when the tag is a version)');
    assert.equal(await versionField.getAttribute('aria-invalid'), 'true');
    await screenshotView(page, 'runtime-image-create-latest');
    await dockerField.fill('docker.io/myorg/scorer:2.0.0');
    await preview.filter({ hasText: 'Version v2.0.0 (from the tag)' }).waitFor();
    assert.equal(await versionField.getAttribute('aria-invalid'), null);
    // Left empty, the ID is made from the name, and the field says which.
    assert.equal(await create.getByLabel('ID (optional)').getAttribute('placeholder'), 'rest-scorer (from the name)');
    await screenshotView(page, 'runtime-image-create-preview');
    await create.getByRole('button', { name: 'Create image' }).click();
    await page.waitForURL(/\/admin\/runtime-images\/default\/rest-scorer$/);
    await page.getByRole('heading', { name: 'REST Scorer', level: 1 }).waitFor();
    const explanation = page.getByTestId('current-explanation');
    await explanation.filter({ hasText: 'v2.0.0 is current' }).waitFor();

    // The same id again: the server's 409 sentence, in the dialog.
    await page.goto(`${url}/admin/runtime-images?ws=default`);
    await page.getByRole('button', { name: 'New runtime image' }).click();
    await create.getByLabel('Name', { exact: true }).fill('REST Scorer again');
    await create.getByLabel('Docker image').fill('docker.io/myorg/scorer:2.0.0');
    await create.getByLabel('ID (optional)').fill('rest-scorer');
    await create.getByRole('button', { name: 'Create image' }).click();
    const conflict = create.getByRole('alert');
    await conflict.waitFor();
    assert.match(await conflict.innerText(), /rest-scorer/);
    await page.keyboard.press('Escape');
    await create.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'New runtime image' }).evaluate((button) => {
      if (document.activeElement !== button) throw new Error('focus went back to the button that opened the dialog');
    });

    // Add versions on the image page, with the same live preview.
    await page.goto(`${url}/admin/runtime-images/default/rest-scorer`);
    await page.getByText('Add a version').click();
    const addForm = page.getByRole('form', { name: 'Add a version' });
    // Like the new-image form, it marks Version while the tag is not a version.
    await addForm.getByLabel('Docker image of the new version').fill('docker.io/myorg/scorer:latest');
    await addForm.getByTestId('version-preview').filter({ hasText: 'enter the version' }).waitFor();
    const newVersionField = addForm.getByLabel('Version (optional when the tag is a version)');
    assert.equal(await newVersionField.getAttribute('aria-invalid'), 'true');
    for (const tag of ['2.1.0', '3.0.0']) {
      await addForm.getByLabel('Docker image of the new version').fill(`docker.io/myorg/scorer:${tag}`);
      await addForm.getByTestId('version-preview').filter({ hasText: `Version v${tag} (from the tag)` }).waitFor();
      assert.equal(await newVersionField.getAttribute('aria-invalid'), null);
      await addForm.getByRole('button', { name: 'Add version' }).click();
      await page.getByRole('status').filter({ hasText: `Added v${tag}` }).waitFor();
    }
    await explanation.filter({ hasText: 'v3.0.0 is current: it is the highest version that is not disabled.' }).waitFor();
    const versions = page.getByRole('table', { name: 'Versions, newest first' });
    assert.deepEqual(await versions.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.version)), ['v3.0.0', 'v2.1.0', 'v2.0.0']);
    assert.equal(await versions.locator('tr[data-version="v3.0.0"]').getAttribute('aria-current'), 'true');

    // Disable the newest: the dialog says what happens, asks for a reason, and the current version moves.
    await page.getByRole('button', { name: 'Disable v3.0.0' }).click();
    const disable = page.getByRole('dialog', { name: 'Disable version v3.0.0 of REST Scorer?' });
    await disable.waitFor();
    assert.match(await disable.innerText(), /blocked for new deployments; running ones are not stopped/);
    assert.match(await disable.innerText(), /The current version moves from v3\.0\.0 to v2\.1\.0/);
    await disable.getByRole('button', { name: 'Disable version' }).click();
    await disable.getByText('Say why you disable it').waitFor();
    await disable.getByLabel('Reason (required)').fill('CVE-2026-1234 in the base image');
    await screenshotView(page, 'runtime-image-disable-dialog');
    await disable.getByRole('button', { name: 'Disable version' }).click();
    await disable.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Version v3.0.0 of REST Scorer is now DISABLED.' }).waitFor();
    await explanation.filter({ hasText: 'v2.1.0 is current: it is the highest version that is not disabled (v3.0.0 is disabled).' }).waitFor();
    assert.equal(await versions.locator('tr[data-version="v2.1.0"]').getAttribute('aria-current'), 'true');
    assert.match(await versions.locator('tr[data-version="v3.0.0"]').innerText(), /DISABLED[\s\S]*CVE-2026-1234 in the base image/);
    // The versions table filters by state, in the URL.
    await page.getByLabel('Show').selectOption('DISABLED');
    await page.waitForURL(/rest-scorer\?state=DISABLED$/);
    await page.getByText('1 version', { exact: true }).waitFor();
    assert.deepEqual(await versions.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.version)), ['v3.0.0']);
    await page.getByLabel('Show').selectOption('');
    await page.getByText('3 versions', { exact: true }).waitFor();
    const history = page.getByRole('list', { name: 'State history, newest first' });
    await history.getByText('CVE-2026-1234 in the base image').waitFor();
    await screenshot(page, 'runtime-image-page');

    // A pre-release above the current version: the form says before adding that it becomes current,
    // the page says so after, and the admin chooses releases only under Details.
    await addForm.getByLabel('Docker image of the new version').fill('docker.io/myorg/scorer:3.1.0-rc.1');
    await addForm.getByTestId('version-impact')
      .filter({ hasText: 'v3.1.0-rc.1 is a pre-release, and it becomes the current version' }).waitFor();
    await addForm.getByTestId('version-impact').scrollIntoViewIfNeeded();
    await screenshotView(page, 'rough-edge-prerelease-before-adding');
    await addForm.getByRole('button', { name: 'Add version' }).click();
    await page.getByRole('status').filter({ hasText: 'v3.1.0-rc.1 is a pre-release, and it is now the current version.' }).waitFor();
    await explanation.filter({ hasText: 'v3.1.0-rc.1 is a pre-release: runtimes that follow the current version get it.' }).waitFor();
    assert.match(await versions.locator('tr[data-version="v3.1.0-rc.1"]').innerText(), /Current[\s\S]*Pre-release/);
    const details = page.getByRole('region', { name: 'Details' });
    await details.getByRole('radio', { name: /^Releases only/ }).check();
    const save = details.getByRole('button', { name: 'Save details' });
    const [saveBox, formBox] = [await save.boundingBox(), await details.locator('form').boundingBox()];
    assert.ok(saveBox.width < formBox.width / 2, `"Save details" keeps its own width (${saveBox.width} of ${formBox.width} px)`);
    await save.click();
    await page.getByRole('status').filter({ hasText: 'Saved the details.' }).waitFor();
    await explanation.filter({ hasText: 'v2.1.0 is current: it is the highest release that is not disabled' }).waitFor();
    assert.match(await explanation.innerText(), /v3\.1\.0-rc\.1 is a pre-release, and is passed over/);
    await history.getByText('let only releases be the current version').waitFor();
    await screenshot(page, 'rough-edge-prerelease-releases-only');

    // The platform disabled its scorer: the console can't enable it, and the page says why in words.
    await page.goto(`${url}/admin/runtime-images/default/h2oai-h2o3mojo-scorer`);
    await page.getByRole('heading', { name: 'H2O-3 MOJO Scorer', level: 1 }).waitFor();
    const sides = page.getByTestId('state-sides');
    assert.match(await sides.innerText(), /Platform \(bootstrap file\)\s+DISABLED/);
    assert.match(await sides.innerText(), /Console\s+ACTIVE/);
    assert.match(await page.locator('#details-locked').innerText(), /bootstrap file/);
    assert.equal(await page.getByLabel('Name', { exact: true }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Delete image' }).isDisabled(), true);
    await page.getByTestId('delete-blocker').filter({ hasText: 'bootstrap file manages this image' }).waitFor();
    await page.getByRole('button', { name: 'Enable image' }).click();
    const enable = page.getByRole('dialog', { name: 'Enable image H2O-3 MOJO Scorer?' });
    await enable.waitFor();
    // The page knows the server would refuse: it says why and offers no change to confirm.
    const refusal = enable.getByRole('alert');
    const refusalText = await refusal.innerText();
    assert.match(refusalText, /DISABLED/);
    assert.match(refusalText, /bootstrap file/);
    assert.equal(await enable.getByRole('button', { name: 'Enable image' }).count(), 0, 'no button for a refused change');
    assert.equal(await enable.getByLabel('Reason (optional)').count(), 0);
    await screenshotView(page, 'runtime-image-ceiling-refusal');
    await enable.getByRole('button', { name: 'Close' }).click();
    await enable.waitFor({ state: 'detached' });

    // A runtime follows REST Scorer's current version; now the image can't be deleted, and its page names why.
    await page.goto(`${url}/admin/runtime-images?ws=default`);
    await page.getByRole('link', { name: 'Runtimes of this workspace' }).click();
    await page.waitForURL(/\/admin\/runtimes\?ws=default$/);
    await page.getByRole('heading', { name: 'Runtimes', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New runtime' }).click();
    const newRuntime = page.getByRole('dialog', { name: 'New runtime' });
    await newRuntime.getByLabel('Name', { exact: true }).fill('DAI MOJO');
    await newRuntime.getByLabel('Runtime image').selectOption('rest-scorer');
    await newRuntime.getByLabel('Version').locator('option', { hasText: 'Pin v2.1.0 (current)' }).waitFor({ state: 'attached' });
    await newRuntime.getByLabel('Model type').fill('dai_mojo');
    await newRuntime.getByLabel('ID (optional)').fill('dai-mojo');
    await newRuntime.getByRole('button', { name: 'Add variable' }).click();
    await newRuntime.getByLabel('Variable name').fill('SCORER_THREADS');
    await newRuntime.getByLabel('Value').fill('4');
    await screenshotView(page, 'runtime-create');
    await newRuntime.getByRole('button', { name: 'Create runtime' }).click();
    await newRuntime.waitFor({ state: 'detached' });
    const runtimeRow = page.locator('tr[data-runtime="dai-mojo"]');
    await runtimeRow.waitFor();
    assert.match(await runtimeRow.innerText(), /follows the current version/);
    assert.match(await runtimeRow.innerText(), /v2\.1\.0/);
    assert.match(await runtimeRow.innerText(), /SCORER_THREADS/);
    await screenshot(page, 'runtimes');

    // On a phone the image list's wide table scrolls on its own; the page does not scroll sideways.
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${url}/admin/runtime-images?ws=default`);
    await phone.locator('table.images-table').waitFor();
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
    await screenshot(phone, 'runtime-images-phone');
    await phone.close();

    await page.goto(`${url}/admin/runtime-images/default/rest-scorer`);
    await page.getByTestId('delete-blocker').filter({ hasText: 'DAI MOJO (dai-mojo)' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete image' }).isDisabled(), true);
    const usedBy = page.getByRole('table', { name: 'Runtimes that use this image' });
    assert.match(await usedBy.locator('tr[data-runtime="dai-mojo"]').innerText(), /follows the current version[\s\S]*v2\.1\.0/);

    // An unreferenced image is deleted after a confirmation.
    const created = await api(page, 'POST', '/workspaces/default/runtime-images', { uid: 'old-scorer', name: 'Old Scorer', docker_image: 'docker.io/myorg/old:1.0.0' });
    assert.equal(created.status, 201, created.body);
    await page.goto(`${url}/admin/runtime-images/default/old-scorer`);
    await page.getByRole('heading', { name: 'Old Scorer', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete image' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Old Scorer?' });
    await confirm.getByRole('button', { name: 'Delete image' }).click();
    await page.waitForURL(/\/admin\/runtime-images\?ws=default$/);
    await table.locator('tr[data-uid="rest-scorer"]').waitFor();
    assert.equal(await table.locator('tr[data-uid="old-scorer"]').count(), 0);

    // Filters and paging live in the URL.
    await page.getByRole('searchbox').fill('rest');
    await page.waitForURL(/name=rest/);
    await page.getByTestId('image-count').filter({ hasText: /^1 image$/ }).waitFor();
    await page.getByRole('searchbox').fill('');
    await page.waitForURL(/\?ws=default$/);
    await page.getByLabel('State').selectOption('DISABLED');
    await page.waitForURL(/state=DISABLED/);
    await page.getByTestId('image-count').filter({ hasText: /^1 image$/ }).waitFor();
    assert.equal(await table.locator('tr[data-uid="h2oai-h2o3mojo-scorer"]').count(), 1);
    // The platform's image opens through this workspace (there is no workspace `global` to open it in).
    await table.locator('tr[data-uid="h2oai-h2o3mojo-scorer"]').getByRole('link').click();
    await page.waitForURL(/\/admin\/runtime-images\/default\/h2oai-h2o3mojo-scorer$/);
    await page.getByText('never past what the platform sets', { exact: false }).waitFor();
    await page.goBack();
    await page.getByTestId('image-count').filter({ hasText: /^1 image$/ }).waitFor();
    await page.getByLabel('Per page').selectOption('10');
    await page.waitForURL(/state=DISABLED&page_size=10/);
    await page.reload();
    assert.equal(await page.getByLabel('State').inputValue(), 'DISABLED', 'the view is a link');
    assert.equal(await page.getByLabel('Per page').inputValue(), '10');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await screenshot(page, 'runtime-images-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await context.close();
  });

  test('a member sees the images but cannot change them; someone in no workspace is told why the page is empty', async () => {
    const { url } = live.server;
    const adminContext = await live.browser.newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, url, 'admin', ADMIN_PASSWORD);
    await admin.getByTestId('account').waitFor();
    for (const username of ['mia', 'nina']) {
      const made = await api(admin, 'POST', '/users', { username, password: `${username}-password`, roles: ['user'] });
      assert.equal(made.status, 201, made.body);
    }
    // The admin adds mia to the workspace through the members panel.
    await admin.goto(`${url}/admin/runtime-images?ws=default`);
    await admin.getByRole('button', { name: 'Members' }).click();
    const members = admin.getByRole('region', { name: 'Members' });
    await members.getByLabel('Add or change a member').fill('mia');
    await members.getByRole('button', { name: 'Save member' }).click();
    await members.locator('tr[data-username="mia"]').waitFor();
    await screenshot(admin, 'runtime-images-members');

    // A platform admin opens a new workspace; the platform's images show there too.
    await admin.getByRole('button', { name: 'New workspace' }).click();
    const newWorkspace = admin.getByRole('dialog', { name: 'New workspace' });
    await newWorkspace.getByLabel('Name').fill('Fraud team');
    await newWorkspace.getByLabel('ID').fill('global');
    await newWorkspace.getByRole('button', { name: 'Create workspace' }).click();
    await newWorkspace.getByText('is where the platform\'s own images live').waitFor();
    await newWorkspace.getByLabel('ID').fill('fraud');
    await newWorkspace.getByRole('button', { name: 'Create workspace' }).click();
    await admin.waitForURL(/\?ws=fraud$/);
    assert.equal(await admin.getByLabel('Workspace').inputValue(), 'fraud');
    await admin.getByTestId('image-count').filter({ hasText: /^1 image$/ }).waitFor();
    await admin.locator('tr[data-uid="h2oai-h2o3mojo-scorer"]').waitFor();

    // Runtimes are deleted after a confirmation; then their image can go too.
    await admin.goto(`${url}/admin/runtimes?ws=default`);
    await admin.getByRole('button', { name: 'Delete DAI MOJO' }).click();
    await admin.getByRole('dialog', { name: 'Delete the runtime DAI MOJO?' }).getByRole('button', { name: 'Delete runtime' }).click();
    await admin.getByRole('status').filter({ hasText: 'Deleted the runtime DAI MOJO.' }).waitFor();
    await admin.getByTestId('runtime-count').filter({ hasText: /^0 runtimes$/ }).waitFor();
    await admin.goto(`${url}/admin/runtime-images/default/rest-scorer`);
    await admin.getByRole('heading', { name: 'REST Scorer', level: 1 }).waitFor();
    assert.equal(await admin.getByRole('button', { name: 'Delete image' }).isDisabled(), false);
    await adminContext.close();

    const miaContext = await live.browser.newContext();
    const mia = await miaContext.newPage();
    await signIn(mia, url, 'mia', 'mia-password');
    await mia.getByTestId('account').waitFor();
    await mia.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runtime images' }).click();
    await mia.waitForURL(/ws=default/);
    await mia.getByText('You can see this workspace\'s images.').waitFor();
    await mia.getByRole('table', { name: 'Runtime images' }).locator('tr[data-uid="rest-scorer"]').waitFor();
    assert.deepEqual(await mia.getByLabel('Workspace').locator('option').allInnerTexts(), ['Default (default)'], 'only her workspaces');
    assert.equal(await mia.getByRole('button', { name: 'New runtime image' }).count(), 0);
    assert.equal(await mia.getByRole('button', { name: 'New workspace' }).count(), 0);
    await mia.getByRole('link', { name: 'REST Scorer' }).click();
    await mia.getByRole('heading', { name: 'REST Scorer', level: 1 }).waitFor();
    await mia.getByTestId('current-explanation').filter({ hasText: 'v2.1.0 is current' }).waitFor();
    assert.equal(await mia.getByRole('button', { name: /^(Deprecate|Disable|Enable|Activate)/ }).count(), 0);
    assert.equal(await mia.getByText('Add a version').count(), 0);
    assert.equal(await mia.getByLabel('Name', { exact: true }).isDisabled(), true);
    assert.equal(await mia.getByRole('button', { name: 'Delete image' }).count(), 0);
    await screenshot(mia, 'runtime-image-member');
    // The server refuses what the page does not offer.
    const refused = await api(mia, 'POST', '/workspaces/default/runtime-images/rest-scorer/deprecate', { reason: 'try' });
    assert.equal(refused.status, 403);
    await miaContext.close();

    const ninaContext = await live.browser.newContext();
    const nina = await ninaContext.newPage();
    await signIn(nina, url, 'nina', 'nina-password');
    await nina.getByTestId('account').waitFor();
    await nina.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runtimes', exact: true }).click();
    await nina.getByText('You are not in any workspace yet.').waitFor();
    await screenshot(nina, 'runtimes-no-workspace');
    await ninaContext.close();
  });
});
