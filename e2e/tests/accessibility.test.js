// Every page of the console passes axe-core with no serious or critical violation, the way people
// meet it: an admin on a fresh server where nothing exists yet (every empty state), then on a demo
// server filled with apps, an instance, runtime images, tags, secrets, tokens and users, each in the
// light and the dark theme (the browser's color scheme, which the app follows), plus the sign-in
// page, the not-found page and a few open dialogs. A failure lists each violation with its rule,
// impact, the elements' selectors and axe's help text.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, DEMO_APPS, api, screenshot, signIn, useServerAndBrowser } from './harness.js';

const require = createRequire(import.meta.url);
// Evaluated in the page rather than added as a <script> tag: the console's Content-Security-Policy
// (rightly) refuses inline scripts, and the harness fails a test on any refusal.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const THEMES = ['light', 'dark'];
const SERIOUS = ['serious', 'critical'];
/** The admin and account pages both states check, after the pages each state checks its own way. */
const ADMIN_PAGES = [
  ['/admin/runtimes', 'runtimes'],
  ['/admin/tags', 'tags'],
  ['/admin/secrets', 'secrets'],
  ['/admin/users', 'users'],
  ['/admin/audit', 'audit log'],
  ['/account/tokens', 'API tokens'],
];

/** Runs axe on the page as it is now; returns readable lines, one per serious or critical violation. */
async function axe(page, label) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (serious) => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    // A page axe could not read (blank, or still loading) would pass with nothing checked.
    if (results.passes.length < 10) return [{ id: 'too-few-checks', impact: 'critical', help: `axe passed only ${results.passes.length} rules`, nodes: [] }];
    return results.violations
      .filter((v) => serious.includes(v.impact))
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: (v.nodes ?? []).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`),
      }));
  }, SERIOUS);
  return violations.map((v) => `${label}: ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n}`).join('\n')}`);
}

/** Waits until the page has drawn its content: its heading is there and nothing still says it loads. */
async function settle(page) {
  await page.locator('main#main h1').first().waitFor();
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return main && !document.querySelector('[aria-busy="true"]') && !/Loading[^\n…]*…/.test(main.innerText)
      && [...document.images].every((image) => image.complete);
  });
}

/** Opens `path`, waits for it, checks the theme in force and runs axe. */
async function check(page, url, path, label, theme, findings, ready) {
  await page.goto(`${url}${path}`);
  await settle(page);
  if (ready) await ready(page);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme, `${path} is in the ${theme} theme`);
  findings.push(...await axe(page, `${label} [${theme}]`));
}

/** A context in `theme` (the system's color scheme, which the app follows) signed in as admin. */
async function adminContext(live, theme) {
  const context = await live.browser.newContext({ colorScheme: theme, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, live.server.url, 'admin', ADMIN_PASSWORD);
  await page.getByTestId('account').waitFor();
  return { context, page };
}

/** Creates through the API, failing loudly when the server refuses. */
async function create(page, path, body) {
  const reply = await api(page, 'POST', path, body);
  assert.ok(reply.status === 201 || reply.status === 200, `POST ${path}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body);
}

/** Fails with every violation found, one block each. */
function assertNone(findings) {
  assert.equal(findings.length, 0, `axe found ${findings.length} serious or critical violations:\n${findings.join('\n')}`);
}

/** The signed-out pages: sign-in (also after a refused password), the sign-in guard, not found. */
async function visitorPages(live, theme, findings) {
  const { url } = live.server;
  const context = await live.browser.newContext({ colorScheme: theme });
  const page = await context.newPage();
  await check(page, url, '/login', 'sign in', theme, findings);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  findings.push(...await axe(page, `sign in, refused [${theme}]`));
  await check(page, url, '/admin/users', 'sign-in guard', theme, findings);
  await check(page, url, '/no/such/page', 'not found (signed out)', theme, findings);
  await context.close();
}

describe('accessibility of every page on an empty server', () => {
  const live = useServerAndBrowser();

  for (const theme of THEMES) {
    test(`empty states, ${theme} theme`, async () => {
      const { url } = live.server;
      const findings = [];
      const { context, page } = await adminContext(live, theme);
      const pages = [
        ['/', 'catalog'],
        ['/?mine=1', 'my apps'],
        ['/apps/1', 'app page (no such app)'],
        ['/apps/by-name/ai.wavehub.e2e.none/rollout', 'rollout'],
        ['/apps/by-name/ai.wavehub.e2e.none/history', 'history'],
        ['/upload', 'upload'],
        ['/instances', 'instances'],
        ['/admin/runtime-images', 'runtime images'],
        ['/admin/runtime-images/all', 'runtime images, all workspaces'],
        ['/admin/runtime-images/default/no-such-image', 'runtime image (no such image)'],
        ...ADMIN_PAGES,
        ['/no/such/page', 'not found'],
      ];
      for (const [path, label] of pages) {
        await check(page, url, path, `empty ${label}`, theme, findings);
      }
      await screenshot(page, `a11y-empty-not-found-${theme}`);
      await check(page, url, '/admin/runtime-images', 'empty runtime images', theme, []);
      await screenshot(page, `a11y-empty-runtime-images-${theme}`);
      await context.close();
      await visitorPages(live, theme, findings);
      assertNone(findings);
    });
  }
});

// A tiny app that starts at once, so /instances has a running instance with its log.
const APP_PY = `import http.server, os
print("a11y app listening", flush=True)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Type", "text/plain"); self.end_headers(); self.wfile.write(b"ok")
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
`;

/** A .wave of the tiny app, packed with the real CLI. */
function tinyBundle(root) {
  const dir = join(root, 'a11y-app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.toml'), '[App]\nName = "ai.wavehub.e2e.a11y"\nVersion = "1.0.0"\nTitle = "Accessibility Check"\nDescription = "Runs so My instances has something to show."\n\n[Runtime]\nModule = "app"\n');
  writeFileSync(join(dir, 'app.py'), APP_PY);
  const out = join(root, 'a11y.wave');
  execFileSync(process.env.WAVEHUB_BIN, ['bundle', dir, '-o', out]);
  return out;
}

describe('accessibility of every page on a filled server', () => {
  const live = useServerAndBrowser({ extraArgs: ['--demo'] });
  const root = mkdtempSync(join(tmpdir(), 'wavehub-e2e-a11y-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const data = {};

  before(async () => {
    const { context, page } = await adminContext(live, 'light');
    for (const [name, title, color] of [['FORECASTING', 'Forecasting', '#ffcc00'], ['RETAIL', 'Retail', '#1f77b4'], ['DATA_SCIENCE', 'Data science', '#2ca02c'], ['DEMO', 'Demo', '#111111']]) {
      await create(page, '/tags', { name, title, color, description: `Apps about ${title.toLowerCase()}.` });
    }
    await create(page, '/secrets', { name: 'warehouse-db', keys: { user: 'reader', password: 's3cret' }, grants: { users: ['alice'], roles: [] } });
    await create(page, '/tokens', { name: 'laptop CLI' });
    await create(page, '/users', { username: 'carol', password: 'carol-password', roles: ['author'] });
    await create(page, '/workspaces/default/runtime-images', { uid: 'batch-scorer', name: 'Batch Scorer', docker_image: 'docker.io/myorg/batch:1.0.0' });
    const apps = JSON.parse((await api(page, 'GET', '/apps?name=ai.wavehub.demo.sales-forecast')).body).items;
    data.app = apps.find((a) => a.version === '2.0.0').id;
    await api(page, 'PUT', `/apps/${data.app}/tags/FORECASTING`);
    const platform = JSON.parse((await api(page, 'GET', '/runtime-images')).body).items.find((i) => i.managed_by_bootstrap);
    data.platformImage = `${platform.workspace}/${platform.uid}`;
    // One running instance, with its log.
    const bytes = [...readFileSync(tinyBundle(root))];
    const imported = await page.evaluate(async (body) => {
      const response = await fetch('/api/v1/apps?visibility=ALL_USERS', { method: 'POST', body: new Uint8Array(body) });
      return response.json();
    }, bytes);
    data.instance = (await create(page, `/apps/${imported.id}/instances`, {})).id;
    await page.waitForFunction(async (id) => (await (await fetch(`/api/v1/instances/${id}`)).json()).status === 'running', data.instance, { timeout: 60_000, polling: 500 });
    await context.close();
  });

  for (const theme of THEMES) {
    test(`filled states and open dialogs, ${theme} theme`, async () => {
      const { url } = live.server;
      const findings = [];
      const { context, page } = await adminContext(live, theme);
      const pages = [
        ['/', 'catalog', (p) => p.getByRole('list', { name: 'Apps' }).locator('article').first().waitFor()],
        ['/?q=forecast', 'catalog search'],
        [`/apps/${data.app}`, 'app page'],
        ['/apps/by-name/ai.wavehub.demo.sales-forecast/rollout', 'rollout'],
        ['/apps/by-name/ai.wavehub.demo.sales-forecast/history', 'history'],
        [`/instances?focus=${data.instance}`, 'instances', (p) => p.locator('pre.log').filter({ hasText: 'a11y app listening' }).waitFor()],
        ['/admin/runtime-images', 'runtime images'],
        ['/admin/runtime-images/all', 'runtime images, all workspaces'],
        ['/admin/runtime-images/default/rest-scorer', 'runtime image'],
        [`/admin/runtime-images/${data.platformImage}`, 'platform runtime image'],
        ...ADMIN_PAGES,
      ];
      for (const [path, label, ready] of pages) {
        await check(page, url, path, `filled ${label}`, theme, findings, ready);
        if (['catalog', 'app page', 'runtime image', 'instances'].includes(label)) {
          await screenshot(page, `a11y-${label.replace(/ /g, '-')}-${theme}`);
        }
      }

      // The upload page with a folder chosen: files, findings, previews.
      await check(page, url, '/upload', 'filled upload', theme, []);
      await page.locator('input[type="file"][webkitdirectory]').setInputFiles(join(DEMO_APPS, 'image-styler'));
      await page.locator('section.upload-findings').waitFor();
      await page.locator('.preview-page h1').waitFor();
      await settle(page);
      findings.push(...await axe(page, `filled upload, folder checked [${theme}]`));
      await screenshot(page, `a11y-upload-${theme}`);

      // Dialogs: a screenshot in the lightbox, a new runtime image, an image's state change, a
      // version's retirement on the rollout page.
      await check(page, url, `/apps/${data.app}`, 'filled app page', theme, []);
      await page.locator('.gallery-thumb').first().click();
      await page.locator('dialog.lightbox[open]').waitFor();
      findings.push(...await axe(page, `screenshot viewer [${theme}]`));
      await screenshot(page, `a11y-lightbox-${theme}`);
      await page.keyboard.press('Escape');

      await check(page, url, '/admin/runtime-images', 'filled runtime images', theme, []);
      await page.getByRole('button', { name: 'New runtime image' }).click();
      await page.getByRole('dialog', { name: 'New runtime image' }).waitFor();
      findings.push(...await axe(page, `new runtime image dialog [${theme}]`));
      await screenshot(page, `a11y-new-image-dialog-${theme}`);

      await check(page, url, '/admin/runtime-images/default/rest-scorer', 'filled runtime image', theme, []);
      await page.getByRole('button', { name: 'Deprecate image' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByRole('button', { name: /Deprecate/ }).click();
      await dialog.getByRole('alert').waitFor();
      findings.push(...await axe(page, `deprecate image dialog, reason refused [${theme}]`));

      await check(page, url, '/apps/by-name/ai.wavehub.demo.sales-forecast/rollout', 'filled rollout', theme, []);
      await page.getByRole('button', { name: /^Make .* private…$/ }).first().click();
      await page.getByRole('alertdialog', { name: 'Confirm the change' }).waitFor();
      findings.push(...await axe(page, `rollout confirm [${theme}]`));

      await context.close();
      await visitorPages(live, theme, findings);
      assertNone(findings);
    });
  }
});
