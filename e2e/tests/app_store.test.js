// The App Store's first journey, through the real pages and server: an author brings an app folder
// to the upload page, reads a validation error with its line, fixes it, uploads it PRIVATE; a plain
// user cannot see it; the author shares it; the user finds it by search and opens its page and
// screenshots. The app's LongDescription is hostile and must render inert.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { dragFromDisk, screenshot, signIn, useServerAndBrowser } from './harness.js';

const DEMO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo', 'apps');
const DEMO_PASSWORD = 'wavehub-demo';
const NAME = 'ai.wavehub.e2e.journey';

const HOSTILE_ABOUT = `### Journey app

* plain **bold** text
* <script>window.__pwned = 'script'</script>
* <img src="x" onerror="window.__pwned = 'onerror'">
* [click me](javascript:window.__pwned='link')
* [docs](https://wave.h2o.ai/)

![The first screen](static/screenshot-1.png)

Read [the notes](docs/notes.txt).

<details><summary>Internals</summary>

Runs on H<sub>2</sub>O Wave.

</details>
`;

function appToml(version) {
  return `[App]
Name = "${NAME}"
Version = "${version}"
Title = "E2E Journey"
Description = "An app made by the end-to-end test."
LongDescription = "about.md"
Category = "Other"
Keywords = ["journey"]
Tags = ["DEMO"]

[Runtime]
Module = "app"
MemoryLimit = "1Gi"
`;
}

/** An app folder on disk, with a real icon and screenshot from the demo apps. */
function makeAppFolder(version) {
  const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-app-'));
  const dir = join(root, 'journey-app');
  mkdirSync(join(dir, 'static'), { recursive: true });
  writeFileSync(join(dir, 'app.toml'), appToml(version));
  writeFileSync(join(dir, 'app.py'), "print('hello from the journey app')\n");
  writeFileSync(join(dir, 'about.md'), HOSTILE_ABOUT);
  writeFileSync(join(dir, 'notes.log'), 'left out by .appignore\n');
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs', 'notes.txt'), 'Notes that ship with the app.\n');
  writeFileSync(join(dir, '.appignore'), '*.log\n');
  // Left out by default: Git metadata (never walked into), bytecode, and a secret file.
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(dir, '__pycache__'));
  writeFileSync(join(dir, '__pycache__', 'app.cpython-312.pyc'), 'bytecode');
  writeFileSync(join(dir, '.env'), 'API_KEY=not-for-the-bundle\n');
  copyFileSync(join(DEMO, 'hello-wave', 'static', 'icon.png'), join(dir, 'static', 'icon.png'));
  copyFileSync(join(DEMO, 'hello-wave', 'static', 'screenshot-1.png'), join(dir, 'static', 'screenshot-1.png'));
  return { root, dir };
}

describe('app store journey', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });
  const folders = [];
  after(() => folders.forEach((f) => rmSync(f.root, { recursive: true, force: true })));

  test('author uploads, fixes, shares; a user finds the app and its screenshots; hostile Markdown is inert', async () => {
    const { url } = live.server;
    const authorContext = await live.browser.newContext();
    const author = await authorContext.newPage();
    await signIn(author, url, 'alice', DEMO_PASSWORD);
    await author.getByTestId('account').waitFor();
    await author.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).click();
    await author.getByRole('heading', { name: 'Upload an app' }).waitFor();

    // A folder with a broken Version, dragged from disk onto the page: the page finds the error
    // before anything is sent, with its line.
    const broken = makeAppFolder('v1.0');
    folders.push(broken);
    await dragFromDisk(author, author.getByTestId('drop-zone'), [broken.dir]);
    const findings = author.getByRole('list', { name: 'Findings' });
    const versionError = findings.locator('li[data-code="manifest.version.semver"]');
    await versionError.waitFor();
    assert.match(await versionError.innerText(), /^app\.toml:3:\d+/);
    assert.match(await versionError.innerText(), /not a semantic version/);
    assert.equal(await author.getByRole('button', { name: 'Upload' }).isDisabled(), true);
    // .appignore leaves the log out, and the tree says so.
    await author.getByRole('list', { name: 'Files' }).getByText('notes.log').waitFor();
    const draggedCount = await author.locator('.file-count').innerText();
    await screenshot(author, 'upload-invalid');
    // Not offered as a .wave either: `wavehub bundle` writes none for an invalid folder.
    assert.equal(await author.getByRole('link', { name: 'Download .wave' }).count(), 0);

    // Fixed on disk and picked again with the folder picker: valid, previewed, uploaded PRIVATE.
    const fixed = makeAppFolder('1.0.0');
    folders.push(fixed);
    await author.getByLabel('Choose a folder').setInputFiles(fixed.dir);
    await author.getByRole('status').filter({ hasText: 'ready to upload' }).waitFor();
    await author.getByRole('heading', { name: 'Catalog card preview' }).waitFor();
    await author.getByRole('heading', { name: 'App page preview' }).waitFor();
    assert.equal(await author.getByLabel('Visibility').inputValue(), 'PRIVATE');
    await author.getByRole('link', { name: 'Download .wave' }).waitFor();
    await screenshot(author, 'upload-valid-preview');
    // The page and `wavehub bundle` count the same folder alike, dragged (the browser never walks
    // into .git) or picked (the browser lists every file in it).
    const pickedCount = await author.locator('.file-count').innerText();
    const cli = execFileSync(process.env.WAVEHUB_BIN, ['bundle', fixed.dir, '-o', join(fixed.root, 'journey.wave')], { encoding: 'utf8' });
    const [, cliFiles, cliLeftOut] = cli.match(/\((\d+) files, (\d+) left out, \d+ bytes\)/);
    assert.equal(pickedCount, `${cliFiles} files, ${cliLeftOut} left out`, `the CLI said: ${cli}`);
    assert.equal(draggedCount, pickedCount);
    assert.equal(cliLeftOut, '4', '.appignore\'s log, .git/, __pycache__/ and .env');
    // The page's workers packaged the folder into exactly the CLI's bytes.
    const [pageBundle] = await Promise.all([
      author.waitForEvent('download'),
      author.getByRole('link', { name: 'Download .wave' }).click(),
    ]);
    assert.ok(readFileSync(await pageBundle.path()).equals(readFileSync(join(fixed.root, 'journey.wave'))),
      'the .wave the page made is byte for byte the one `wavehub bundle` wrote');

    // Cancel stops an upload in flight (the link is slowed so it is still sending), and the server
    // keeps nothing of it: the same version then uploads without a conflict.
    const sendRegion = author.getByRole('region', { name: 'Upload', exact: true });
    const cdp = await author.context().newCDPSession(author);
    const throttle = (bytesPerSecond) =>
      cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
    await throttle(4 * 1024);
    await author.getByRole('button', { name: 'Upload' }).click();
    await sendRegion.getByRole('button', { name: 'Cancel upload' }).click();
    await sendRegion.getByRole('status').filter({ hasText: 'Upload cancelled' }).waitFor();
    await throttle(-1);

    // The outcome shows beside the button, not only in the status line at the top of the page.
    await author.getByRole('button', { name: 'Upload' }).click();
    const uploaded = sendRegion.getByRole('status').filter({ hasText: `Uploaded ${NAME} 1.0.0 as Private` });
    await uploaded.waitFor();
    await screenshot(author, 'upload-done');
    await uploaded.getByRole('link', { name: 'Open the app page' }).click();
    await author.getByRole('heading', { name: 'E2E Journey', level: 1 }).waitFor();
    const appPath = new URL(author.url()).pathname;
    const appId = Number(appPath.split('/').pop());
    assert.ok(appId > 0, appPath);

    // The same version again is caught before upload.
    await author.goto(`${url}/upload`);
    await author.getByLabel('Choose a folder').setInputFiles(fixed.dir);
    await author.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    assert.equal(await author.getByRole('button', { name: 'Upload' }).isDisabled(), true);
    // So is the CLI's .wave of it, checked as it is (in the engine's worker), with its file list.
    await author.getByRole('button', { name: 'Start over' }).click();
    await author.getByLabel('Choose files').setInputFiles(join(fixed.root, 'journey.wave'));
    await author.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    assert.match(await author.locator('.file-count').innerText(), /^\d+ files in the bundle$/);

    // A plain user cannot see the PRIVATE app: not in search, a 404 page, a 404 from the API.
    const userContext = await live.browser.newContext();
    const user = await userContext.newPage();
    await signIn(user, url, 'bob', DEMO_PASSWORD);
    await user.getByTestId('account').waitFor();
    await user.getByRole('searchbox').fill('journey');
    await user.getByTestId('result-count').filter({ hasText: 'No apps' }).waitFor();
    await user.goto(`${url}${appPath}`);
    await user.getByRole('heading', { name: 'App not available' }).waitFor();
    assert.equal(await user.evaluate(async (id) => (await fetch(`/api/v1/apps/${id}`)).status, appId), 404);
    // Nor may he share it through the API.
    const patchStatus = await user.evaluate(async (id) => (await fetch(`/api/v1/apps/${id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'ALL_USERS' }),
    })).status, appId);
    assert.equal(patchStatus, 404);

    // The author shares it.
    await author.goto(`${url}${appPath}`);
    await author.getByRole('button', { name: 'Share with all users' }).click();
    await author.getByRole('alertdialog', { name: 'Confirm the change' }).getByRole('button', { name: 'Yes, share it with all users' }).click();
    await author.getByText('Visibility: All users').waitFor();

    // The user finds it by searching as he types, and opens its page and screenshots.
    await user.goto(url);
    await user.getByRole('searchbox').fill('journ');
    await user.waitForURL(/q=journ/); // the search lives in the URL
    await user.getByTestId('result-count').filter({ hasText: /^1 app$/ }).waitFor();
    const card = user.getByRole('list', { name: 'Apps' }).locator(`article[data-app-name="${NAME}"]`);
    await card.waitFor();
    await card.getByRole('link', { name: 'E2E Journey' }).click();
    await user.getByRole('heading', { name: 'E2E Journey', level: 1 }).waitFor();
    assert.equal(await user.getByRole('button', { name: 'Share with all users' }).count(), 0);
    assert.equal(await user.getByRole('button', { name: 'Make private' }).count(), 0);
    await user.getByRole('button', { name: /Screenshot 1 of 1/ }).click();
    const dialog = user.getByRole('dialog');
    await dialog.waitFor();
    const shown = await dialog.locator('img').evaluate((img) => img.complete && img.naturalWidth);
    assert.ok(shown > 0, 'the full-size screenshot loaded');
    await screenshot(user, 'app-page-screenshot');
    // A modal: the page behind is inert, so Tab never reaches it (past the last button, focus may
    // go to the browser's own controls, where the document has none).
    for (let i = 0; i < 4; i++) {
      await user.keyboard.press('Tab');
      const where = await dialog.evaluate((element) => {
        const active = document.activeElement;
        return !active || active === document.body || element.contains(active) ? 'ok' : active.outerHTML.slice(0, 80);
      });
      assert.equal(where, 'ok', 'focus went behind the viewer');
    }
    await user.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Focus is back on the thumbnail that opened it.
    assert.equal(await user.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Screenshot 1 of 1: open full size');

    // The hostile LongDescription: shown as text, nothing ran, no handler or javascript: link.
    const about = user.getByRole('region', { name: 'About this app' });
    await about.getByText('plain').waitFor();
    assert.match(await about.innerText(), /<script>window.__pwned = 'script'<\/script>/);
    assert.equal(await about.locator('script, [onerror]').count(), 0);
    assert.equal(await about.locator('a[href^="javascript"]').count(), 0);
    assert.equal(await about.getByRole('link', { name: 'docs' }).getAttribute('rel'), 'noopener noreferrer nofollow');
    // `### Journey app` is an h5 under the page's own headings, yet not smaller than the text.
    const px = (locator) => locator.evaluate((element) => parseFloat(getComputedStyle(element).fontSize));
    const heading = about.getByRole('heading', { name: 'Journey app' });
    assert.equal(await heading.evaluate((element) => element.tagName), 'H5');
    assert.ok(await px(heading) >= await px(about.locator('li').first()), 'the heading is at least as large as the text');
    await about.getByRole('link', { name: 'click me' }).click();
    assert.equal(await user.evaluate(() => window.__pwned), undefined);

    // The bundle's own picture shows inline (the only image: the hostile one loads nothing), and a
    // relative link downloads the bundle's file.
    const picture = about.getByRole('img', { name: 'The first screen' });
    await picture.scrollIntoViewIfNeeded();
    await user.waitForFunction((img) => img.complete && img.naturalWidth > 0, await picture.elementHandle());
    assert.match(await picture.getAttribute('src'), /^\/api\/v1\/apps\/\d+\/files\/static\/screenshot-1\.png$/);
    assert.equal(await about.locator('img').count(), 1);
    const [download] = await Promise.all([
      user.waitForEvent('download'),
      about.getByRole('link', { name: 'the notes' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    assert.equal(readFileSync(await download.path(), 'utf8'), 'Notes that ship with the app.\n');
    // The author's <details> works as one.
    await about.getByText('Internals').click();
    await about.getByText('Runs on H2O Wave.').waitFor();
    await screenshot(user, 'app-page');

    await authorContext.close();
    await userContext.close();
  });

  test('the catalog lists the demo apps with facets, sorting and paging in the URL', async () => {
    const { url } = live.server;
    const context = await live.browser.newContext();
    const page = await context.newPage();
    await signIn(page, url, 'bob', DEMO_PASSWORD);
    await page.getByTestId('account').waitFor();
    const apps = page.getByRole('list', { name: 'Apps' });
    await apps.locator('article').first().waitFor();
    // One card per name: sales-forecast shows its newest version only.
    const forecast = apps.locator('article[data-app-name="ai.wavehub.demo.sales-forecast"]');
    assert.equal(await forecast.count(), 1);
    assert.equal(await forecast.getAttribute('data-app-version'), '2.0.0');
    assert.equal(await apps.locator('article[data-app-name="ai.wavehub.demo.text-summarizer"]').count(), 0, 'private to alice');

    await page.getByRole('list', { name: 'Filter by tags' }).getByRole('link', { name: /FORECASTING/ }).click();
    await page.waitForURL(/tag=FORECASTING/);
    await page.getByTestId('result-count').filter({ hasText: '1 app' }).waitFor();
    await page.getByLabel('Sort').selectOption('newest');
    await page.waitForURL(/sort=newest/);
    await screenshot(page, 'catalog-filtered');

    // On a phone the filters fold into one line that says what is chosen, so the first app is in
    // sight without scrolling.
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${url}/?tag=FORECASTING`);
    const fold = phone.locator('details.facets-fold');
    await fold.locator('summary').filter({ hasText: 'Filters: FORECASTING' }).waitFor();
    assert.equal(await fold.getAttribute('open'), null);
    const firstCard = await phone.getByRole('list', { name: 'Apps' }).locator('article').first().boundingBox();
    assert.ok(firstCard.y + 40 < 844, `the first card starts at ${firstCard.y} px`);
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
    await screenshot(phone, 'catalog-phone');
    await phone.close();

    // The version picker on the app page reaches the older version, which says a newer one exists.
    await forecast.getByRole('link').click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const picker = page.getByLabel('Version');
    assert.deepEqual(await picker.locator('option').allInnerTexts(), ['2.0.0', '1.4.1']);
    await picker.selectOption({ label: '1.4.1' });
    await page.getByRole('note').filter({ hasText: 'a newer version, 2.0.0, exists' }).waitFor();
    await context.close();
  });
});
