// The browser half of `cargo xtask bench launch`: from Launch to the first render of a Wave app in
// headless Chromium (Debian's, through playwright-core, with the e2e suite's flags).
//
//   node run.mjs wavehub --url URL --user NAME:PASSWORD --app ID [--cold N] [--warm N]
//   node run.mjs peer --venv DIR --app-dir DIR --work DIR [--runs N]
//   node run.mjs peer-cold --python PYTHON --venv DIR --app-dir DIR --work DIR [--runs N]
//
// wavehub: signs in with a fetch() from a console page (the session cookie is the browser's), then
// per run: POST /api/v1/apps/ID/instances, polls GET /api/v1/instances/{id} every 25 ms (noting
// when each launch step is first seen) until it is running, navigates a fresh tab to
// /api/v1/instances/{id}/open (ticket, apps origin, Wave's UI) and waits for the header card's
// title; then terminates it. The first `--cold` runs are reported as `cold` (the caller gives a
// fresh data dir), the rest as `warm` (same requirements, same server).
// peer: `<venv>/bin/wave run --no-reload app` in a copy of the app (it starts waved from the venv),
// on free ports; running = waved logs `app_add`; then the page at waved's address.
// peer-cold: the same after `python -m venv` and `pip install -r requirements.txt` into a fresh
// venv, timed from the start of the venv.
//
// The render time is taken in Node when the page reports it: a MutationObserver installed before
// any page script calls an exposed binding as soon as `[data-test="header"]` holds the title, so
// every time is on Node's one clock. Prints `result<TAB>ROW<TAB>MEASURE<TAB>ms,ms,...` and
// `info<TAB>KEY<TAB>VALUE` lines, and `group<TAB>PGID` for every process group it starts (killed
// here on exit, and again by the xtask whatever happens here); progress goes to stderr.

import { spawn } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { logger, printResults, runWithBrowser } from '../lib/browser.mjs';

const TITLE = 'Hello Wave';
const POLL_MS = 25;
const LAUNCH_TIMEOUT_MS = 600_000;
const RENDER_TIMEOUT_MS = 120_000;

function parseArgs(argv) {
  const args = { mode: argv[0], cold: 1, warm: 0, runs: 1 };
  for (let i = 1; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const key = flag.replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    args[key] = ['cold', 'warm', 'runs', 'app'].includes(key) ? Number(value) : value;
  }
  if (!['wavehub', 'peer', 'peer-cold'].includes(args.mode)) throw new Error('the mode is wavehub, peer or peer-cold');
  return args;
}

const log = logger('launch');
const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const results = {};
const record = (row, measure, ms) => ((results[row] ??= {})[measure] ??= []).push(ms);


/** Runs in every document before its own scripts: reports the header card's title once it is there. */
function watchForTitle(title) {
  const check = () => {
    const header = document.querySelector('[data-test="header"]');
    if (header && header.textContent.includes(title)) {
      observer.disconnect();
      window.wavehubRendered();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** A browser context whose pages report the title; `open(url)` resolves with the time it showed. */
async function renderWatcher(browser) {
  const context = await browser.newContext();
  const waiting = new Map();
  await context.exposeBinding('wavehubRendered', ({ page }) => waiting.get(page)?.(now()));
  await context.addInitScript(watchForTitle, TITLE);
  const open = async (url) => {
    const page = await context.newPage();
    let timer;
    try {
      const rendered = new Promise((resolve, reject) => {
        waiting.set(page, resolve);
        timer = setTimeout(() => reject(new Error(`${TITLE} did not show at ${url} within ${RENDER_TIMEOUT_MS / 1000} s`)), RENDER_TIMEOUT_MS);
      });
      await page.goto(url, { waitUntil: 'commit' });
      const committed = now();
      const at = await rendered;
      // Not timed: the title must be on screen, not only in the DOM.
      await page.locator('[data-test="header"]').getByText(TITLE, { exact: true }).waitFor({ state: 'visible' });
      return { committed, rendered: at };
    } finally {
      clearTimeout(timer);
      waiting.delete(page);
      await page.close();
    }
  };
  return { context, open };
}

// ---- through Wavehub ------------------------------------------------------------------------

async function wavehub(browser, args) {
  const { context, open } = await renderWatcher(browser);
  const consolePage = await context.newPage();
  await consolePage.goto(`${args.url}/api/v1/health`);
  const call = (method, path, body) => consolePage.evaluate(async ({ method, path, body }) => {
    const response = await fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body && JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text };
  }, { method, path, body });
  const [username, password] = [args.user.slice(0, args.user.indexOf(':')), args.user.slice(args.user.indexOf(':') + 1)];
  const login = await call('POST', '/api/v1/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`sign-in as ${username}: ${login.status} ${login.text}`);

  for (let run = 0; run < args.cold + args.warm; run += 1) {
    const row = run < args.cold ? 'cold' : 'warm';
    const started = now();
    const launched = await call('POST', `/api/v1/apps/${args.app}/instances`, {});
    if (launched.status !== 201) throw new Error(`launch: ${launched.status} ${launched.text}`);
    const id = JSON.parse(launched.text).id;
    // Each step lasts from when a poll first sees it until the next one is seen; the time before
    // the first report counts as preparing.
    const steps = { preparing: 0, installing_packages: 0, starting_wave: 0, waiting_for_app: 0 };
    let [step, since] = ['preparing', started];
    let running;
    while (running === undefined) {
      const answer = await call('GET', `/api/v1/instances/${id}`);
      const at = now();
      const instance = JSON.parse(answer.text);
      if (instance.status === 'failed' || instance.status === 'terminated') {
        const logText = (await call('GET', `/api/v1/instances/${id}/logs`)).text;
        throw new Error(`instance ${id} ${instance.status}: ${instance.status_reason}\n${logText.split('\n').slice(-30).join('\n')}`);
      }
      const seen = instance.status === 'running' ? 'running' : (instance.step ?? step);
      if (seen !== step) {
        steps[step] = (steps[step] ?? 0) + at - since;
        [step, since] = [seen, at];
      }
      if (seen === 'running') running = at;
      else if (at - started > LAUNCH_TIMEOUT_MS) throw new Error(`instance ${id} is not running after ${LAUNCH_TIMEOUT_MS / 1000} s`);
      else await sleep(POLL_MS);
    }
    const { committed, rendered } = await open(`${args.url}/api/v1/instances/${id}/open`);
    for (const [name, ms] of Object.entries(steps)) record(row, `step-${name}`, ms);
    record(row, 'committed', committed - running);
    record(row, 'running', running - started);
    record(row, 'render', rendered - started);
    record(row, 'after-running', rendered - running);
    log(`${row} launch ${run + 1}: running at ${((running - started) / 1000).toFixed(2)} s, "${TITLE}" at ${((rendered - started) / 1000).toFixed(2)} s`);
    const stopped = await call('POST', `/api/v1/instances/${id}/terminate`);
    if (stopped.status !== 200) throw new Error(`terminate ${id}: ${stopped.status} ${stopped.text}`);
  }
  await context.close();
}

// ---- by hand: wave run ----------------------------------------------------------------------

const groups = new Set();

/** Starts a command in a process group of its own (so all it starts can be killed at once). */
function start(command, argv, options) {
  const child = spawn(command, argv, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) {
    groups.add(child.pid);
    console.log(`group\t${child.pid}`);
  }
  child.output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => { child.output += chunk; });
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal));
    // A command that cannot start (not installed) ends the same way, with the reason as output.
    child.on('error', (error) => { child.output += String(error); resolve(error.code); });
  });
  child.exited.then(() => { child.ended = true; });
  return child;
}

function killGroup(pid) {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  groups.delete(pid);
}
process.on('exit', () => [...groups].forEach(killGroup));
// Ctrl-C or a kill: exit normally, so the groups above and Playwright's Chromium go too.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

async function runToEnd(command, argv, options) {
  const child = start(command, argv, options);
  const code = await child.exited;
  groups.delete(child.pid);
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${code}):\n${child.output.slice(-3000)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** `wave run --no-reload app` until waved logs `app_add`; returns the process and waved's port. */
async function waveRun(venv, appDir) {
  const [wavePort, appPort] = [await freePort(), await freePort()];
  const child = start(join(venv, 'bin/wave'), ['run', '--no-reload', 'app'], {
    cwd: appDir,
    env: {
      ...process.env,
      H2O_WAVE_LISTEN: `127.0.0.1:${wavePort}`,
      H2O_WAVE_ADDRESS: `http://127.0.0.1:${wavePort}`,
      H2O_WAVE_APP_ADDRESS: `http://127.0.0.1:${appPort}`,
    },
  });
  const deadline = now() + RENDER_TIMEOUT_MS;
  while (!child.output.includes('"t":"app_add"')) {
    if (child.ended) throw new Error(`wave run exited before the app registered:\n${child.output.slice(-3000)}`);
    if (now() > deadline) throw new Error(`the app did not register with waved within ${RENDER_TIMEOUT_MS / 1000} s:\n${child.output.slice(-3000)}`);
    await sleep(5);
  }
  return { child, wavePort, registered: now() };
}

async function peer(browser, args, cold) {
  const { context, open } = await renderWatcher(browser);
  // A copy of the app folder, as a developer's checkout: Wave writes nothing there, but the copy
  // keeps the repository's demo untouched whatever the app does.
  const appDir = join(args.work, 'app');
  rmSync(args.work, { recursive: true, force: true });
  cpSync(args.appDir, appDir, { recursive: true });
  const row = cold ? 'peer-cold' : 'peer-warm';
  for (let run = 0; run < args.runs; run += 1) {
    const started = now();
    if (cold) {
      rmSync(args.venv, { recursive: true, force: true });
      await runToEnd(args.python, ['-m', 'venv', args.venv], {});
      record(row, 'venv', now() - started);
      const pipStarted = now();
      // --no-cache-dir as Wavehub installs requirements: both download what they install.
      await runToEnd(join(args.venv, 'bin/pip'), ['install', '--disable-pip-version-check', '--no-input', '--no-cache-dir', '-r', 'requirements.txt'], { cwd: appDir });
      record(row, 'pip', now() - pipStarted);
    }
    const waveStarted = now();
    const { child, wavePort, registered } = await waveRun(args.venv, appDir);
    const { committed, rendered } = await open(`http://127.0.0.1:${wavePort}/`);
    killGroup(child.pid);
    await child.exited;
    record(row, 'wave-run', registered - waveStarted);
    record(row, 'committed', committed - registered);
    record(row, 'running', registered - started);
    record(row, 'render', rendered - started);
    record(row, 'after-running', rendered - registered);
    log(`${row} run ${run + 1}: app registered at ${((registered - started) / 1000).toFixed(2)} s, "${TITLE}" at ${((rendered - started) / 1000).toFixed(2)} s`);
  }
  await context.close();
}

const args = parseArgs(process.argv.slice(2));
runWithBrowser(chromium, log, async (browser) => {
  if (args.mode === 'wavehub') await wavehub(browser, args);
  else await peer(browser, args, args.mode === 'peer-cold');
}, {
  extraFlags: ['--headless'],
  after: () => {
    for (const [row, measures] of Object.entries(results)) printResults(row, measures, 1);
  },
});
