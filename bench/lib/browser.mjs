// What the browser halves of `cargo xtask bench catalog`, `bench runtime-images` and `bench launch`
// share: Chromium with the e2e suite's flags, the page scripts' command line, signing in, the
// first-element watch, the raw fetch() peer and the `result`/`info` lines the bench crate reads.
//
// Each script keeps its own playwright-core (its folder's package.json) and passes `chromium` in,
// so this folder needs no packages of its own.

/** The flags of e2e/tests/harness.js. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** Headless Chromium (Debian's, or CHROMIUM_PATH) with the e2e suite's flags, then `extra`. */
export function launchBrowser(chromium, extra = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: [...extra, ...CHROMIUM_FLAGS] });
}

/** Progress on stderr, prefixed with the benchmark's name. */
export const logger = (name) => (message) => process.stderr.write(`bench (${name}): ${message}\n`);

/**
 * A page script's options: `--url URL --user NAME:PASSWORD [--user ...] [--loads N] [--warmup N]`,
 * plus the string options named in `defaults` (`{ ws: 'bench' }` takes `--ws`).
 */
export function parsePageArgs(argv, defaults = {}) {
  const args = { ...defaults, users: [], loads: 10, warmup: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const key = flag.replace(/^--/, '');
    if (key === 'url') args.url = value.replace(/\/$/, '');
    else if (key === 'user') {
      const split = value.indexOf(':');
      if (split < 1) throw new Error('--user takes NAME:PASSWORD');
      args.users.push({ username: value.slice(0, split), password: value.slice(split + 1) });
    } else if (key === 'loads' || key === 'warmup') args[key] = Number(value);
    else if (Object.hasOwn(defaults, key)) args[key] = value;
    else throw new Error(`unknown option ${flag}`);
  }
  if (!args.url) throw new Error('--url is required');
  if (args.users.length === 0) throw new Error('at least one --user NAME:PASSWORD is required');
  if (!(args.loads >= 1)) throw new Error('--loads must be at least 1');
  return args;
}

/** Signs `user` in through `request` (a page's or a context's), so the session cookie is the browser's. */
export async function signIn(request, url, user) {
  const login = await request.post(`${url}/api/v1/auth/login`, { data: { username: user.username, password: user.password } });
  if (!login.ok()) throw new Error(`sign-in as ${user.username} failed: ${login.status()} ${await login.text()}`);
}

/**
 * An init script (runs in every document before its own scripts): sets `window[key]` to
 * performance.now() when the first element matching `selector` enters the DOM. Pass it with its
 * argument: `context.addInitScript(watchForFirst, [selector, key])`.
 */
export function watchForFirst([selector, key]) {
  const check = () => {
    if (window[key] === undefined && document.querySelector(selector)) {
      window[key] = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
}

/** `count` fetch()es of `target` from `page`, each body read to the end: their times in ms. */
export function rawFetches(page, target, count) {
  return page.evaluate(async ({ target, count }) => {
    const times = [];
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      const response = await fetch(target, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`fetch ${target}: ${response.status}`);
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    return times;
  }, { target, count });
}

/** One `result<TAB>ROW<TAB>MEASURE<TAB>ms,ms,...` line per measure. */
export function printResults(row, measures, digits = 2) {
  for (const [name, values] of Object.entries(measures)) {
    console.log(`result\t${row}\t${name}\t${values.map((v) => v.toFixed(digits)).join(',')}`);
  }
}

/**
 * Runs `body(browser)` with a launched browser after the `info` lines for Chromium and Node; then
 * `after()` (results printed even when a run fails), and exits 1 with the error on stderr.
 */
export function runWithBrowser(chromium, log, body, { extraFlags = [], after = () => {} } = {}) {
  const main = async () => {
    const browser = await launchBrowser(chromium, extraFlags);
    try {
      console.log(`info\tchromium\t${browser.version()}`);
      console.log(`info\tnode\t${process.version}`);
      await body(browser);
    } finally {
      await browser.close();
      after();
    }
  };
  main().catch((error) => {
    log(error.stack || String(error));
    process.exit(1);
  });
}
