// The browser half of `cargo xtask bench bundle`: serves this folder, our wasm builds and the
// generated data on a free loopback port, drives headless Chromium (Debian's, through playwright-core,
// with the e2e suite's flags) and writes the measurements as JSON for `wavehub-bench report`.
//
//   node run.mjs --data DIR --wasm NAME=DIR=LABEL [--wasm ...] --engine DIR --cli WAVEHUB_BIN
//                --native NATIVE.json --out BROWSER.json
//
// --engine is the engine worker's build (what trunk puts in dist/: wavehub-engine_loader.js,
// wavehub-engine.js, wavehub-engine_bg.wasm); --cli the `wavehub` binary, whose `wavehub bundle` of the
// app folder the pool's bundle must equal byte for byte.
// The first --wasm build is the one compared with the peers; others add rows of their own (e.g. the
// web app's size-optimized profile).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const MIME = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json',
};

function parseArgs(argv) {
  const args = { wasm: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--wasm') {
      // NAME=DIR=LABEL: the build's name, its wasm-bindgen output, and what it is ("short: details";
      // the rows show the short part, the notes the rest).
      const [name, dir, ...rest] = value.split('=');
      const label = rest.join('=') || name;
      args.wasm.push({ name, dir: resolve(dir), label, short: label.split(':')[0] });
    } else {
      args[flag.replace(/^--/, '')] = resolve(value);
    }
  }
  for (const required of ['data', 'native', 'out', 'engine', 'cli']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  if (args.wasm.length === 0) throw new Error('at least one --wasm NAME=DIR=LABEL is required');
  return args;
}

const log = (message) => process.stderr.write(`bench (browser): ${message}\n`);

/** Serves `/` from this folder, `/wasm/NAME/` from the wasm builds and `/data/` from the data folder. */
function serve(args) {
  const mounts = [['/data/', args.data], ['/engine/', args.engine], ...args.wasm.map((w) => [`/wasm/${w.name}/`, w.dir]), ['/', HERE]];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const [prefix, root] = mounts.find(([p]) => path.startsWith(p));
    const file = normalize(join(root, path.slice(prefix.length)));
    let size;
    try {
      if (!file.startsWith(root)) throw new Error('outside');
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': MIME[extname(file)] || 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolveServer) => {
    server.listen(0, '127.0.0.1', () => resolveServer({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** Headless Chromium with the flags of e2e/tests/harness.js, and gc() for bench.js. */
function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // bench.js collects the heap before each packaging run.
      '--js-flags=--expose-gc'],
  });
}

const measurement = (task, subject, tool, ours, bytes) => ({
  env: 'browser', task, subject, tool, ours, runs: [], bytes, output_bytes: null, note: null, error: null,
  long_tasks: null, sha256: null,
});

/** Runs `once` `runs` times into `m.runs`; the first error stops it and is kept on the row. */
async function repeat(m, runs, once) {
  let last;
  for (let i = 0; i < runs; i += 1) {
    try {
      last = await once();
      m.runs.push(last.secs);
    } catch (error) {
      m.error = String(error.message || error).split('\n')[0];
      log(`${m.tool}: ${m.error}`);
      return undefined;
    }
  }
  return last;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const data = JSON.parse(readFileSync(join(args.data, 'data.json'), 'utf8'));
  const native = JSON.parse(readFileSync(args.native, 'utf8'));
  const { server, url } = await serve(args);
  const browser = await launchBrowser();
  const cliPath = join(args.data, 'app-cli.wave');
  execFileSync(args.cli, ['bundle', join(args.data, data.app.dir), '-o', cliPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cliBundle = readFileSync(cliPath);
  const cli = { sha256: createHash('sha256').update(cliBundle).digest('hex'), bytes: cliBundle.length };
  const result = {
    browser: `Chromium ${browser.version()}`, node: process.version, measurements: [], identical_to_native: null, notes: [],
    cli_sha256: cli.sha256, pool_identical_to_cli: null, workers: null,
  };
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    page.on('console', (message) => { if (message.type() === 'error') log(`console: ${message.text()}`); });
    await page.goto(`${url}/index.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const builds = Object.fromEntries(args.wasm.map((w) => [w.name, `/wasm/${w.name}/wavehub_bench.js`]));
    await page.evaluate((b) => window.bench.init(b), builds);

    // Packaging: the app folder, from memory, every packager on the same bytes.
    const app = data.app;
    const subject = `app ${Math.round(app.bytes / 1e6)} MB`;
    log(`loading the app folder into the page (${app.files.length} files)`);
    await page.evaluate(([base, files]) => window.bench.loadApp(base, files), [`/data/${app.dir}`, app.files]);
    // The rows the targets compare get five runs; fflate's async zip is slow here (a worker per file
    // of 160 KB or more), so two.
    // The worker pool comes first: the ratios compare the peers with it.
    const packagers = [
      { tool: `pool-memory:${args.wasm[0].name}`, label: 'ours: upload page worker pool, files in memory', ours: true, runs: 5 },
      { tool: `pool-blobs:${args.wasm[0].name}`, label: 'ours: upload page worker pool, reading Blobs (as the page reads Files)', ours: true, runs: 5 },
      ...args.wasm.map((w, i) => ({ tool: `ours:${w.name}`, label: `ours: wasm Packager (${w.short}), files in memory`, ours: true, runs: i === 0 ? 5 : 3 })),
      { tool: 'fflate-sync', label: 'fflate zipSync level 6', runs: 5 },
      { tool: 'fflate-sync-stored', label: 'fflate zipSync level 6, level 0 for the extensions ours stores', runs: 5 },
      { tool: 'fflate-sync-stored-blobs', label: 'fflate zipSync as above, reading the Blobs first', runs: 3 },
      { tool: 'fflate-async', label: 'fflate zip (async, workers) level 6', runs: 2 },
      { tool: 'jszip', label: 'JSZip generateAsync DEFLATE level 6', runs: 3 },
    ];
    for (const p of packagers) p.m = measurement('package', subject, p.label, Boolean(p.ours), app.bytes);
    // Round robin (one run of each packager per round), so load that comes and goes on the machine
    // falls on all of them alike.
    const rounds = Math.max(...packagers.map((p) => p.runs));
    for (let round = 0; round < rounds; round += 1) {
      log(`packaging, round ${round + 1} of ${rounds}`);
      for (const p of packagers.filter((q) => q.runs > round && !q.m.error)) {
        const last = await repeat(p.m, 1, () => page.evaluate((tool) => window.bench.pack(tool), p.tool));
        if (!last) continue;
        p.m.output_bytes = last.outputBytes;
        // The worst run's long tasks are the ones that count.
        if (!p.m.long_tasks || last.longTasks.max_ms > p.m.long_tasks.max_ms) p.m.long_tasks = last.longTasks;
        if (last.sha256) p.m.sha256 = last.sha256;
        if (p.tool.startsWith('pool')) {
          result.workers = last.workers;
          const same = last.sha256 === cli.sha256 && last.outputBytes === cli.bytes;
          result.pool_identical_to_cli = result.pool_identical_to_cli !== false && same;
          p.m.note = `${last.workers} workers (navigator.hardwareConcurrency)${same ? '' : '; differs from wavehub bundle'}`;
        }
        if (last.crc32 !== undefined) {
          const same = last.crc32 === native.bundle_crc32 && last.outputBytes === native.bundle_len;
          if (p.tool === `ours:${args.wasm[0].name}`) result.identical_to_native = same;
          if (!same) p.m.note = 'differs from the native bundle';
        }
      }
    }
    result.measurements.push(...packagers.map((p) => p.m));
    await page.evaluate(() => window.bench.unloadApp());

    // Validation: each bundle as a Blob, read in slices; the peers (and ours once more) from memory.
    const [primary, ...extras] = args.wasm;
    for (const bundle of data.bundles) {
      const small = bundle.bytes < 500e6;
      const runs = small ? 3 : 2;
      log(`validating the ${bundle.label} bundle`);
      await page.evaluate((u) => window.bench.loadBundle(u), `/data/${bundle.file}`);

      const s = measurement('structural', bundle.label, 'ours: structural pass, Blob.slice() per range', true, bundle.bytes);
      const last = await repeat(s, 5, () => page.evaluate((e) => window.bench.structural(e, false), primary.name));
      if (last) {
        s.note = `${last.reads} reads, ${(last.readBytes / 1e6).toFixed(2)} MB read`;
        if (last.errors) s.error = `the bundle is reported invalid: ${last.errors}`;
      }
      result.measurements.push(s);

      const integrity = async (label, engine, inMemory, chunkMiB, note) => {
        const m = measurement('integrity', bundle.label, label, true, bundle.bytes);
        m.note = note || null;
        await repeat(m, runs, () => page.evaluate(([e, mem, c]) => window.bench.integrity(e, mem, c), [engine, inMemory, chunkMiB]));
        result.measurements.push(m);
      };
      if (small) {
        // The peers need the whole bundle in memory; ours gets the same bytes, and comes first so
        // the peers' ratios compare like with like.
        await page.evaluate(() => window.bench.bundleInMemory());
        await integrity('ours: integrity pass, 1 MiB subarrays of the in-memory bundle', primary.name, true, 1);
        for (const [tool, label, note] of [
          ['fflate-unzip', 'fflate unzipSync (in memory)', 'inflates every entry; checks no CRC'],
          ['jszip-load', 'JSZip loadAsync, checkCRC32 (in memory)', 'inflates every entry and checks its CRC'],
        ]) {
          const m = measurement('integrity', bundle.label, label, false, bundle.bytes);
          m.note = note;
          await repeat(m, runs, () => page.evaluate((t) => window.bench.unpack(t), tool));
          result.measurements.push(m);
        }
      }
      await integrity('ours: integrity pass, Blob.slice() per 1 MiB chunk', primary.name, false, 1, 'how the upload page reads a File');
      await integrity('ours: integrity pass, Blob.slice() per 16 MiB chunk', primary.name, false, 16);
      for (const extra of extras) {
        await page.evaluate((e) => window.bench.structural(e, false), extra.name);
        await integrity(`ours (${extra.short}): integrity pass, Blob.slice() per 1 MiB chunk`, extra.name, false, 1);
      }
      await page.evaluate(() => window.bench.unloadBundle());
    }
    for (const w of args.wasm) result.notes.push(`browser: ${w.label}`);
    result.notes.push('browser: ours and the peers package the same files, loaded into the page as ArrayBuffers before timing; '
      + 'validation reads the bundle as a Blob (from fetch(), as a File from a file input), and the 1 GB bundle is left to ours '
      + '(the peers need the whole bundle in memory)');
  } finally {
    await browser.close();
    server.close();
  }
  writeFileSync(args.out, JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
