// Shared by every e2e test: a real `wavehub serve` on a free loopback port with a fresh data dir,
// and Debian's Chromium driven by playwright-core.
//
// `cargo xtask test` sets WAVEHUB_BIN (the server binary) and WAVEHUB_STATIC_DIR (the built web app).

import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ADMIN_PASSWORD = 'e2e-admin-password';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the e2e suite through \`cargo xtask test\``);
  return value;
}

/** Starts a server; resolves once it prints the line saying it listens. */
export async function startServer({ extraArgs = [], env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wavehub-e2e-'));
  const child = spawn(
    required('WAVEHUB_BIN'),
    ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--static-dir', required('WAVEHUB_STATIC_DIR'), ...extraArgs],
    { env: { ...process.env, WAVEHUB_ADMIN_PASSWORD: ADMIN_PASSWORD, WAVEHUB_LOG: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/Wavehub is listening on (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
  });
  return {
    url,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with the flags this sandbox needs (no network beyond loopback). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a screenshot under e2e/artifacts/ and returns its path. */
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
    await live.browser?.close();
    await live.server?.stop();
  });
  return live;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
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
