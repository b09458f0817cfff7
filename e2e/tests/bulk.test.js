// Bulk actions and the view over every workspace, through the real pages and server. An admin
// selects an image's three versions (the header box goes indeterminate, then all), deprecates them
// with one reason, reads the summary, and the audit log holds one entry per version with that
// reason. In the image list, a bulk deprecate of a workspace image and a platform image the
// bootstrap file disabled does one and shows the server's refusal of the other, which stays
// selected. The admin opens "All workspaces", sees images of two workspaces with their workspace,
// filters, and opens one image of each kind; a workspace member gets neither the choice nor the API.
// Runtimes and tags are disabled and deleted in bulk with a reason that each row's audit entry keeps.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_PASSWORD, ARTIFACTS, api, platformBootstrap, screenshot, signIn, useServerAndBrowser } from './harness.js';

const bootstrap = platformBootstrap();

/** Creates what a test needs through the API, failing loudly when the server refuses. */
async function create(page, path, body) {
  const reply = await api(page, 'POST', path, body);
  assert.ok(reply.status === 201 || reply.status === 200, `POST ${path}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body);
}

async function adminPage(live) {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  await signIn(page, live.server.url, 'admin', ADMIN_PASSWORD);
  await page.getByTestId('account').waitFor();
  return { context, page };
}

describe('bulk actions and every workspace', () => {
  const live = useServerAndBrowser({ extraArgs: ['--bootstrap', bootstrap.path] });
  after(bootstrap.remove);

  test('an admin deprecates three versions with one reason, and a bulk change reports the row the server refused', async () => {
    const { url } = live.server;
    const { context, page } = await adminPage(live);
    await create(page, '/workspaces/default/runtime-images', { uid: 'rest-scorer', name: 'REST Scorer', docker_image: 'docker.io/myorg/scorer:2.0.0' });
    for (const tag of ['2.1.0', '3.0.0']) {
      await create(page, '/workspaces/default/runtime-images/rest-scorer/versions', { docker_image: `docker.io/myorg/scorer:${tag}` });
    }

    await page.goto(`${url}/admin/runtime-images/default/rest-scorer`);
    await page.getByRole('heading', { name: 'REST Scorer', level: 1 }).waitFor();
    const versions = page.getByRole('table', { name: 'Versions, newest first' });
    const bar = page.getByRole('region', { name: 'Bulk actions on versions' });
    const selectAll = versions.getByRole('checkbox', { name: 'Select all on this page' });
    await versions.getByRole('checkbox', { name: 'Select v3.0.0' }).check();
    await bar.getByText('1 selected').waitFor();
    assert.equal(await selectAll.evaluate((box) => box.indeterminate), true, 'some rows chosen: the header box is indeterminate');
    await selectAll.check();
    await bar.getByText('3 selected').waitFor();
    assert.equal(await selectAll.evaluate((box) => box.indeterminate), false);
    await screenshot(page, 'bulk-versions-selected');

    await bar.getByRole('button', { name: 'Deprecate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deprecate 3 versions?' });
    await dialog.waitFor();
    for (const version of ['v3.0.0', 'v2.1.0', 'v2.0.0']) {
      await dialog.getByRole('listitem').filter({ hasText: version }).waitFor();
    }
    // The reason is required to deprecate, by the same rule as the server's.
    await dialog.getByRole('button', { name: 'Deprecate 3 versions' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Say why you deprecate it' }).waitFor();
    const reason = 'The base image reaches its end of life in March';
    await dialog.getByLabel('Reason (required)').fill(reason);
    await page.screenshot({ path: join(ARTIFACTS, 'bulk-versions-dialog.png') });
    await dialog.getByRole('button', { name: 'Deprecate 3 versions' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('bulk-summary').filter({ hasText: '3 deprecated.' }).waitFor();
    assert.equal(await bar.getByText('selected').isVisible(), false, 'the selection is cleared');
    for (const version of ['v3.0.0', 'v2.1.0', 'v2.0.0']) {
      await versions.locator(`tr[data-version="${version}"]`, { hasText: 'DEPRECATED' }).waitFor();
    }
    assert.equal(await versions.getByRole('checkbox', { name: 'Select v2.0.0' }).isChecked(), false);
    await screenshot(page, 'bulk-versions-done');

    // One audit entry per version, each with the reason; the image's history shows them too.
    const audit = await api(page, 'GET', '/audit?resource=workspaces/default/runtime-images/rest-scorer&action=deprecate');
    assert.equal(audit.status, 200, audit.body);
    const entries = JSON.parse(audit.body).items;
    assert.deepEqual(
      entries.map((e) => e.resource).sort(),
      ['v2.0.0', 'v2.1.0', 'v3.0.0'].map((v) => `workspaces/default/runtime-images/rest-scorer/versions/${v}`),
    );
    assert.ok(entries.every((e) => e.reason === reason && e.actor === 'admin'), JSON.stringify(entries));
    assert.equal(await page.getByRole('list', { name: 'State history, newest first' }).getByText(reason).count(), 3);

    // In the image list: the workspace's image is deprecated; the platform's (DISABLED by the
    // bootstrap file) is refused, with the server's sentence, and stays selected for a retry.
    await page.goto(`${url}/admin/runtime-images?ws=default`);
    const images = page.getByRole('table', { name: 'Runtime images' });
    await images.getByRole('checkbox', { name: 'Select REST Scorer' }).check();
    await images.getByRole('checkbox', { name: 'Select H2O-3 MOJO Scorer' }).check();
    const imagesBar = page.getByRole('region', { name: 'Bulk actions on images' });
    await imagesBar.getByText('2 selected').waitFor();
    await imagesBar.getByRole('button', { name: 'Deprecate' }).click();
    const deprecate = page.getByRole('dialog', { name: 'Deprecate 2 images?' });
    await deprecate.getByLabel('Reason (required)').fill('Superseded by the v4 scorers');
    await deprecate.getByRole('button', { name: 'Deprecate 2 images' }).click();
    await deprecate.waitFor({ state: 'detached' });
    const summary = page.getByTestId('bulk-summary');
    await summary.filter({ hasText: '1 deprecated; 1 refused:' }).waitFor();
    const refusal = await summary.getByRole('listitem').innerText();
    assert.match(refusal, /^H2O-3 MOJO Scorer — .*DISABLED.*bootstrap/s, refusal);
    await images.locator('tr[data-uid="rest-scorer"]', { hasText: 'DEPRECATED' }).waitFor();
    await imagesBar.getByText('1 selected').waitFor();
    assert.equal(await images.getByRole('checkbox', { name: 'Select H2O-3 MOJO Scorer' }).isChecked(), true);
    assert.equal(await images.getByRole('checkbox', { name: 'Select REST Scorer' }).isChecked(), false);
    await screenshot(page, 'bulk-images-refused');
    await imagesBar.getByRole('button', { name: 'Clear' }).click();
    await imagesBar.getByText('selected').waitFor({ state: 'hidden' });
    await context.close();
  });

  test('an admin disables and deletes runtimes, and deletes tags, in bulk with a reason each row keeps', async () => {
    const { url } = live.server;
    const { context, page } = await adminPage(live);
    await create(page, '/workspaces/default/runtime-images', { uid: 'mojo-scorer', name: 'MOJO Scorer', docker_image: 'docker.io/myorg/mojo:1.0.0' });
    for (const [uid, name] of [['dai-mojo', 'DAI MOJO'], ['h2o3-mojo', 'H2O-3 MOJO']]) {
      await create(page, '/workspaces/default/runtimes', { uid, name, runtime_image_uid: 'mojo-scorer', model_type: uid.replace('-', '_') });
    }
    await page.goto(`${url}/admin/runtimes?ws=default`);
    const runtimes = page.getByRole('table', { name: 'Runtimes' });
    await runtimes.getByRole('checkbox', { name: 'Select all on this page' }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions on runtimes' });
    await bar.getByText('2 selected').waitFor();
    await bar.getByRole('button', { name: 'Disable' }).click();
    const disable = page.getByRole('dialog', { name: 'Disable 2 runtimes?' });
    await disable.getByLabel('Reason (required)').fill('Scorer moves to the GPU pool');
    await disable.getByRole('button', { name: 'Disable 2 runtimes' }).click();
    await page.getByTestId('bulk-summary').filter({ hasText: '2 disabled.' }).waitFor();
    await runtimes.locator('tr[data-runtime="dai-mojo"]', { hasText: 'DISABLED' }).waitFor();
    await runtimes.getByRole('checkbox', { name: 'Select DAI MOJO' }).check();
    await bar.getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: 'Delete 1 runtime?' });
    await remove.getByLabel('Reason (optional)').fill('Nobody deploys DAI models here any more');
    await remove.getByRole('button', { name: 'Delete 1 runtime' }).click();
    await page.getByTestId('bulk-summary').filter({ hasText: '1 deleted.' }).waitFor();
    await runtimes.locator('tr[data-runtime="dai-mojo"]').waitFor({ state: 'detached' });
    await screenshot(page, 'bulk-runtimes');
    const runtimeAudit = JSON.parse((await api(page, 'GET', '/audit?resource=workspaces/default/runtimes')).body).items;
    const reasons = runtimeAudit.filter((e) => e.action !== 'create').map((e) => `${e.action} ${e.resource.split('/').pop()}: ${e.reason}`).sort();
    assert.deepEqual(reasons, [
      'delete dai-mojo: Nobody deploys DAI models here any more',
      'disable dai-mojo: Scorer moves to the GPU pool',
      'disable h2o3-mojo: Scorer moves to the GPU pool',
    ]);

    for (const name of ['OLD_FORECASTS', 'OLD_SALES']) {
      await create(page, '/tags', { name });
    }
    await page.goto(`${url}/admin/tags`);
    const tags = page.getByRole('table', { name: 'Tags' });
    await tags.getByRole('checkbox', { name: 'Select OLD_FORECASTS' }).check();
    await tags.getByRole('checkbox', { name: 'Select OLD_SALES' }).check();
    await page.getByRole('region', { name: 'Bulk actions on tags' }).getByRole('button', { name: 'Delete' }).click();
    const deleteTags = page.getByRole('dialog', { name: 'Delete 2 tags?' });
    await deleteTags.getByLabel('Reason (optional)').fill('Merged into FORECASTING');
    await deleteTags.getByRole('button', { name: 'Delete 2 tags' }).click();
    await page.getByTestId('bulk-summary').filter({ hasText: '2 deleted.' }).waitFor();
    await tags.locator('tr[data-tag="OLD_SALES"]').waitFor({ state: 'detached' });
    const tagAudit = JSON.parse((await api(page, 'GET', '/audit?resource=tags&action=delete')).body).items;
    assert.deepEqual(tagAudit.map((e) => `${e.resource}: ${e.reason}`).sort(), ['tags/OLD_FORECASTS: Merged into FORECASTING', 'tags/OLD_SALES: Merged into FORECASTING']);
    await context.close();
  });

  test('an admin lists images of every workspace and opens them; a member gets neither the choice nor the API', async () => {
    const { url } = live.server;
    const { context, page } = await adminPage(live);
    await create(page, '/workspaces', { id: 'research', name: 'Research' });
    await create(page, '/workspaces/research/runtime-images', { uid: 'forecaster', name: 'Forecaster', docker_image: 'docker.io/research/forecaster:1.2.0' });
    await create(page, '/workspaces/default/runtime-images', { uid: 'batch-scorer', name: 'Batch Scorer', docker_image: 'docker.io/myorg/batch:1.0.0' });

    await page.goto(`${url}/admin/runtime-images?ws=default`);
    await page.getByRole('table', { name: 'Runtime images' }).waitFor();
    await page.getByLabel('Workspace').selectOption({ label: 'All workspaces' });
    await page.waitForURL(/\/admin\/runtime-images\/all$/);
    const table = page.getByRole('table', { name: 'Runtime images' });
    await table.getByRole('columnheader', { name: 'Workspace' }).waitFor();
    const workspaceOf = async (uid) => table.locator(`tr[data-uid="${uid}"]`).getByTestId('image-workspace').innerText();
    await table.locator('tr[data-uid="forecaster"]').waitFor();
    assert.equal(await workspaceOf('forecaster'), 'Research');
    assert.equal(await workspaceOf('batch-scorer'), 'Default');
    assert.equal(await workspaceOf('h2oai-h2o3mojo-scorer'), 'Platform');
    assert.equal(await table.locator('tr[data-uid="h2oai-h2o3mojo-scorer"]').count(), 1, 'the platform image is listed once');
    await screenshot(page, 'runtime-images-all-workspaces');

    // The filters and paging are the per-workspace list's, in the URL.
    await page.getByLabel('Name').fill('fore');
    await page.waitForURL(/\/admin\/runtime-images\/all\?name=fore$/);
    await page.getByTestId('image-count').filter({ hasText: /^1 image$/ }).waitFor();
    await page.getByLabel('Name').fill('');
    await page.waitForURL(/\/admin\/runtime-images\/all$/);
    await page.getByLabel('State').selectOption('DISABLED');
    await page.waitForURL(/\/admin\/runtime-images\/all\?state=DISABLED$/);
    await page.getByTestId('image-count').filter({ hasText: /^1 image$/ }).waitFor();
    await table.locator('tr[data-uid="h2oai-h2o3mojo-scorer"]').waitFor();
    await page.goto(`${url}/admin/runtime-images/all?page_size=10&sort=name`);
    await table.locator('tr[data-uid="forecaster"]').waitFor();

    // Each row opens its image in its own workspace; the platform's through the admin's workspace.
    await table.getByRole('link', { name: 'Forecaster' }).click();
    await page.waitForURL(/\/admin\/runtime-images\/research\/forecaster$/);
    await page.getByRole('heading', { name: 'Forecaster', level: 1 }).waitFor();
    await page.goBack();
    await table.getByRole('link', { name: 'H2O-3 MOJO Scorer' }).click();
    await page.waitForURL(/\/admin\/runtime-images\/default\/h2oai-h2o3mojo-scorer$/);
    await page.getByRole('heading', { name: 'H2O-3 MOJO Scorer', level: 1 }).waitFor();

    // A workspace member: no "All workspaces" choice, the page says why, the server refuses.
    const made = await api(page, 'POST', '/users', { username: 'wendy', password: 'wendy-password', roles: ['user'] });
    assert.equal(made.status, 201, made.body);
    assert.equal((await api(page, 'PUT', '/workspaces/default/members/wendy', { role: 'admin' })).status, 200);
    const wendyContext = await live.browser.newContext();
    const wendy = await wendyContext.newPage();
    await signIn(wendy, url, 'wendy', 'wendy-password');
    await wendy.getByTestId('account').waitFor();
    await wendy.goto(`${url}/admin/runtime-images?ws=default`);
    await wendy.getByRole('table', { name: 'Runtime images' }).waitFor();
    assert.equal(await wendy.getByLabel('Workspace').locator('option', { hasText: 'All workspaces' }).count(), 0);
    await wendy.goto(`${url}/admin/runtime-images/all`);
    await wendy.getByText('Only platform admins see every workspace\'s images at once.').waitFor();
    assert.equal(await wendy.getByRole('table').count(), 0);
    assert.equal((await api(wendy, 'GET', '/runtime-images')).status, 403);
    await wendyContext.close();
    await context.close();
  });
  test('an admin retires two versions on the rollout page with one reason, and deletes one', async () => {
    const { url } = live.server;
    const { context, page } = await adminPage(live);
    const name = 'ai.wavehub.e2e.bulk-rollout';
    const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-bulk-'));
    try {
      for (const version of ['1.0.0', '1.1.0', '2.0.0']) {
        const dir = join(root, version);
        mkdirSync(dir);
        writeFileSync(join(dir, 'app.toml'), `[App]\nName = "${name}"\nVersion = "${version}"\nTitle = "Bulk Rollout"\nDescription = "Three versions."\n\n[Runtime]\nModule = "app"\n`);
        writeFileSync(join(dir, 'app.py'), 'print("hi")\n');
        const wave = join(root, `${version}.wave`);
        execFileSync(process.env.WAVEHUB_BIN, ['bundle', dir, '-o', wave]);
        const bytes = [...readFileSync(wave)];
        const status = await page.evaluate(async (body) => (await fetch('/api/v1/apps?visibility=ALL_USERS', {
          method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(body),
        })).status, bytes);
        assert.equal(status, 201, `import ${version}`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    await page.goto(`${url}/apps/by-name/${name}/rollout`);
    const table = page.getByRole('table', { name: 'Versions, newest first' });
    await table.locator('tr[data-version="1.0.0"]').waitFor();
    await table.getByRole('checkbox', { name: 'Select 1.0.0' }).check();
    await table.getByRole('checkbox', { name: 'Select 1.1.0' }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions on versions' });
    await bar.getByTestId('bulk-count').filter({ hasText: '2 selected' }).waitFor();
    await bar.getByRole('button', { name: 'Retire' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel(/Reason/).fill('Superseded by 2.0.0');
    await screenshot(page, 'rollout-bulk-make-private');
    await dialog.getByRole('button', { name: 'Retire 2 versions' }).click();
    await bar.getByTestId('bulk-summary').filter({ hasText: '2 retired (made private).' }).waitFor();
    await table.locator('tr[data-version="1.0.0"]').filter({ hasText: 'Private' }).waitFor();
    assert.match(await table.locator('tr[data-version="2.0.0"]').innerText(), /All users/);
    // One history entry per version, each with the one reason.
    const history = JSON.parse((await api(page, 'GET', `/app-names/${name}/history`)).body);
    const retired = history.items.filter((item) => item.reason === 'Superseded by 2.0.0').map((item) => item.version).sort();
    assert.deepEqual(retired, ['1.0.0', '1.1.0']);
    // Delete the oldest, from the same bar.
    await table.getByRole('checkbox', { name: 'Select 1.0.0' }).check();
    await bar.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete 1 version' }).click();
    await bar.getByTestId('bulk-summary').filter({ hasText: '1 deleted.' }).waitFor();
    await table.locator('tr[data-version="1.0.0"]').waitFor({ state: 'detached' });
    await context.close();
  });
});
