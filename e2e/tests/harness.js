// Shared by every e2e test: a real `wavehub serve` on free loopback ports (the console and the apps
// origin) in a fresh working folder, with its data in the documented default, the relative
// `wavehub-data`, and Debian's Chromium driven by playwright-core.
//
// `cargo xtask test` sets WAVEHUB_BIN (the server binary) and WAVEHUB_STATIC_DIR (the built web app).

import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ADMIN_PASSWORD = 'e2e-admin-password';
export const DEMO_PASSWORD = 'wavehub-demo';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
export const DEMO_APPS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo', 'apps');
/** The data dir `wavehub serve` uses when none is given, relative to its working folder. */
export const DEFAULT_DATA_DIR = 'wavehub-data';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the e2e suite through \`cargo xtask test\``);
  return value;
}

/**
 * Starts a server in a fresh working folder with no `--data-dir` (so it uses the relative default)
 * and resolves once it prints the line saying it listens. `url` is the console, `appsUrl` the apps
 * origin (printed just before), `dataDir` the data folder inside `workDir`.
 */
export async function startServer({ extraArgs = [], env = {} } = {}) {
  const bin = resolve(required('WAVEHUB_BIN'));
  const staticDir = resolve(required('WAVEHUB_STATIC_DIR'));
  const workDir = mkdtempSync(join(tmpdir(), 'wavehub-e2e-'));
  // mkdtemp makes it 0700. A server running as root runs each instance as a user of its own,
  // whose sandbox must be able to reach its folders under the data dir: every folder above them
  // needs search permission for others.
  chmodSync(workDir, 0o755);
  // Settings the caller's shell may hold must not move the data dir or the listeners.
  const inherited = { ...process.env };
  for (const name of ['WAVEHUB_DATA_DIR', 'WAVEHUB_LISTEN', 'WAVEHUB_APPS_LISTEN', 'WAVEHUB_PUBLIC_URL', 'WAVEHUB_APPS_URL']) {
    delete inherited[name];
  }
  const child = spawn(
    bin,
    ['serve', '--listen', '127.0.0.1:0', '--static-dir', staticDir, ...extraArgs],
    {
      cwd: workDir,
      env: { ...inherited, WAVEHUB_ADMIN_PASSWORD: ADMIN_PASSWORD, WAVEHUB_LOG: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const started = new Promise((resolvePromise, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s; stdout: ${stdout}; stderr: ${stderr}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const listening = stdout.match(/Wavehub is listening on (http:\/\/\S+)/);
      if (!listening) return;
      clearTimeout(timer);
      const apps = stdout.match(/Apps open at (http:\/\/\S+)/);
      if (!apps) {
        reject(new Error(`the server did not say where apps open; stdout: ${stdout}`));
      } else {
        resolvePromise({ url: listening[1], appsUrl: apps[1] });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
  });
  let url;
  let appsUrl;
  try {
    ({ url, appsUrl } = await started);
  } catch (error) {
    // Nothing is left behind when it does not start.
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.on('exit', done));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    appsUrl,
    workDir,
    dataDir: join(workDir, DEFAULT_DATA_DIR),
    /** What the server wrote to stderr so far (for failure messages). */
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.on('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium with the flags this sandbox needs (no network beyond loopback). It records
 * what the console's Content-Security-Policy refused on any of its pages (Chromium says so on the
 * console); `assertNoPolicyViolations()` fails the test when there was anything: the policy must
 * never break a screen.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const violations = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) {
        violations.push(`${message.location().url}: ${message.text()}`);
      }
    });
    return context;
  };
  // Browser.newPage makes a context of its own without going through newContext.
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.on('close', () => context.close().catch(() => {}));
    return page;
  };
  browser.assertNoPolicyViolations = () => {
    if (violations.length > 0) {
      throw new Error(`the Content-Security-Policy refused something:\n${violations.join('\n')}`);
    }
  };
  return browser;
}

/**
 * A real server and a headless Chromium for the tests of one `describe` block: started before its
 * tests, stopped after them. Read `.server` and `.browser` inside the tests.
 */
export function useServerAndBrowser(serverOptions = {}) {
  const live = { server: undefined, browser: undefined };
  before(async () => {
    live.server = await startServer(serverOptions);
    live.browser = await launchBrowser();
  });
  after(async () => {
    try {
      live.browser?.assertNoPolicyViolations();
    } finally {
      await live.browser?.close();
      await live.server?.stop();
    }
  });
  return live;
}

/** Saves a screenshot under e2e/artifacts/ and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A bootstrap file (the platform's images, as administrators keep them in their Helm values) with
 * one platform image the platform DISABLED: `--bootstrap` gets `path`; `remove()` cleans up.
 */
export function platformBootstrap() {
  const yaml = `config:
  deployer:
    composition:
      runtimeImages:
        h2oai-h2o3mojo-scorer:
          displayName: "H2O-3 MOJO Scorer"
          description: "Scoring using H2O-3 MOJO models"
          state: DISABLED
          stateReason: "Retired: use the REST scorer"
          versions:
            - image: {registry: "", repository: "h2oai-h2o3mojo-scorer", tag: "v1.5.4"}
              state: ACTIVE
`;
  const dir = mkdtempSync(join(tmpdir(), 'wavehub-e2e-bootstrap-'));
  const path = join(dir, 'values.yaml');
  writeFileSync(path, yaml);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Calls the API from inside the page, with its session: `{status, body}` (the body as text). */
export async function api(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  }, [method, path, body]);
}

/** Signs in through the real form. */
export async function signIn(page, url, username, password) {
  await page.goto(`${url}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Drags files or folders from disk onto `target` the way a person does, through Chromium's own
 * drag-and-drop (DevTools `Input.dispatchDragEvent`): a folder arrives as a real directory entry
 * that the page walks with `webkitGetAsEntry`, which a synthetic DataTransfer cannot make.
 */
export async function dragFromDisk(page, target, paths) {
  const box = await target.boundingBox();
  if (!box) throw new Error('the drop target is not visible');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop']) {
    await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
  }
  await cdp.detach();
}
