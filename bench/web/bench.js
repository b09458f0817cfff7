// The in-page half of `cargo xtask bench bundle`: each function does one timed run and returns its
// time (performance.now()) and what it made; run.mjs repeats the runs and keeps the numbers.
//
// Files are loaded as ArrayBuffers first (not timed), so our packager, fflate and JSZip all start
// from the same bytes in memory. Validation reads the bundle the way the upload page will: slices
// of a Blob, awaited one range or chunk at a time.

import * as fflate from '/node_modules/fflate/esm/browser.js';

const STORED = /\.(png|jpe?g|gif|webp|avif|heic|zip|whl|egg|jar|wave|npz|docx|xlsx|pptx|gz|tgz|bz2|xz|zst|7z|rar|lz4|br|mp3|mp4|m4a|aac|ogg|opus|flac|mov|mkv|webm|woff2?|parquet)$/i;

const state = { engines: {}, paths: [], datas: [], blobs: [], blob: null, bytes: null, validators: [] };

/** The engine worker's loader (run.mjs serves the build under /engine/, as trunk's dist has it). */
const ENGINE_WORKER = '/engine/wavehub-engine_loader.js';

/** Main-thread tasks over 50 ms (PerformanceObserver 'longtask') while `f` runs. */
async function withLongTasks(f) {
  const tasks = [];
  const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  // Start from a task of the page's own: work run straight from the driver's evaluate() is not
  // counted as a task, so a long synchronous call would go unseen.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const start = performance.now();
  let out;
  try {
    out = await new Promise((resolve, reject) => setTimeout(() => f().then(resolve, reject), 0));
  } finally {
    // Entries arrive after their task ends: give the event loop a turn, then take what is left.
    await new Promise((resolve) => setTimeout(resolve, 0));
    tasks.push(...observer.takeRecords());
    observer.disconnect();
  }
  const during = tasks.filter((t) => t.startTime + t.duration >= start);
  const longTasks = {
    count: during.length,
    max_ms: Math.max(0, ...during.map((t) => t.duration)),
    // When each began (ms from the start of the run) and how long it took, for finding them.
    at: during.map((t) => [Math.round(t.startTime - start), Math.round(t.duration)]),
    run_ms: Math.round(performance.now() - start),
  };
  return { out, longTasks };
}

async function sha256(blobOrBytes) {
  const bytes = blobOrBytes instanceof Blob ? await blobOrBytes.arrayBuffer() : blobOrBytes;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Loads our wasm builds (name → URL of the wasm-bindgen glue). */
async function init(builds) {
  for (const [name, url] of Object.entries(builds)) {
    const module = await import(url);
    await module.default();
    state.engines[name] = module;
  }
  return Object.keys(state.engines);
}

/** Fetches the app's files into memory: [{path, size}] under `base`. */
async function loadApp(base, files) {
  state.paths = files.map((f) => f.path);
  state.datas = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const response = await fetch(`${base}/${files[i].path}`);
      if (!response.ok) throw new Error(`${files[i].path}: HTTP ${response.status}`);
      state.datas[i] = new Uint8Array(await response.arrayBuffer());
      if (state.datas[i].length !== files[i].size) throw new Error(`${files[i].path}: size ${state.datas[i].length}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  // The worker pool takes Blobs, as the upload page hands it the Files a folder holds.
  state.blobs = state.datas.map((d) => new Blob([d]));
  return state.datas.reduce((sum, d) => sum + d.length, 0);
}

function unloadApp() {
  state.paths = [];
  state.datas = [];
  state.blobs = [];
}

const timed = async (f) => {
  const start = performance.now();
  const out = await f();
  return { secs: (performance.now() - start) / 1000, out };
};

/** One packaging run; returns {secs, outputBytes, crc32?, sha256?, longTasks}. */
async function pack(tool) {
  const { paths, datas } = state;
  let crc;
  // Each run starts from a collected heap (run.mjs exposes gc()), so one packager's garbage is not
  // collected during the next one's run and counted against it (time, long tasks).
  if (window.gc) window.gc();
  const { out: { secs, out }, longTasks } = await withLongTasks(() => timed(async () => {
    // The upload page's pool, given the Blobs (as the page reads Files) or the bytes in memory.
    if (tool.startsWith('pool-blobs:') || tool.startsWith('pool-memory:')) {
      const [kind, name] = tool.split(':');
      return state.engines[name].pool_package(ENGINE_WORKER, paths.join('\n'), kind === 'pool-blobs' ? state.blobs : datas);
    }
    if (tool === 'fflate-sync-stored-blobs') {
      // Like the pool given Blobs: every file read first, as a page holding Files would.
      const bytes = await Promise.all(state.blobs.map(async (b) => new Uint8Array(await b.arrayBuffer())));
      const input = {};
      paths.forEach((p, i) => { input[p] = STORED.test(p) ? [bytes[i], { level: 0 }] : bytes[i]; });
      return fflate.zipSync(input, { level: 6 });
    }
    if (tool.startsWith('ours:')) {
      const engine = state.engines[tool.slice(5)];
      const sizes = Float64Array.from(datas, (d) => d.length);
      const order = engine.plan_order(paths.join('\n'), sizes);
      const total = sizes.reduce((a, b) => a + b, 0);
      const packager = new engine.BenchPackager(total);
      for (const i of order) packager.add_file(paths[i], datas[i]);
      const bundle = packager.finish();
      packager.free();
      return bundle;
    }
    if (tool === 'fflate-sync' || tool === 'fflate-sync-stored') {
      const input = {};
      paths.forEach((p, i) => {
        input[p] = tool === 'fflate-sync-stored' && STORED.test(p) ? [datas[i], { level: 0 }] : datas[i];
      });
      return fflate.zipSync(input, { level: 6 });
    }
    if (tool === 'fflate-async') {
      const input = {};
      paths.forEach((p, i) => { input[p] = datas[i]; });
      return new Promise((resolve, reject) => {
        fflate.zip(input, { level: 6 }, (error, data) => (error ? reject(error) : resolve(data)));
      });
    }
    if (tool === 'jszip') {
      const zip = new window.JSZip();
      paths.forEach((p, i) => zip.file(p, datas[i]));
      return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE', compressionOptions: { level: 6 } });
    }
    throw new Error(`unknown packager ${tool}`);
  }));
  if (tool.startsWith('ours:')) crc = state.engines[tool.slice(5)].crc32(out);
  const hash = tool.startsWith('ours:') || tool.startsWith('pool') ? await sha256(out) : undefined;
  const outputBytes = out instanceof Blob ? out.size : out.length;
  return { secs, outputBytes, crc32: crc, sha256: hash, longTasks, workers: navigator.hardwareConcurrency };
}

/** Fetches a bundle as a Blob (what a File from a file input is), not timed. */
async function loadBundle(url) {
  freeValidators();
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  state.blob = await response.blob();
  state.bytes = null;
  return state.blob.size;
}

function freeValidators() {
  for (const v of state.validators) v.validator.free();
  state.validators = [];
}

/** The source to read: the Blob (sliced, async) or the whole bundle as a Uint8Array in memory. */
function source(inMemory) {
  if (!inMemory) {
    const blob = state.blob;
    return { size: blob.size, read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()) };
  }
  const bytes = state.bytes;
  return { size: bytes.length, read: async (start, end) => bytes.subarray(start, end) };
}

/** The whole bundle as one Uint8Array, for the peers (they need it all in memory); not timed. */
async function bundleInMemory() {
  state.bytes = new Uint8Array(await state.blob.arrayBuffer());
  return state.bytes.length;
}

/** One structural pass; keeps the validator for the integrity runs. */
async function structural(engineName, inMemory) {
  const engine = state.engines[engineName];
  const src = source(inMemory);
  let reads = 0;
  let readBytes = 0;
  let validator;
  let errors;
  const { secs } = await timed(async () => {
    validator = new engine.BenchValidator(src.size);
    for (;;) {
      const start = validator.next_start();
      if (start < 0) break;
      const bytes = await src.read(start, validator.next_end());
      validator.provide(bytes);
      reads += 1;
      readBytes += bytes.length;
    }
    errors = validator.finish_structural();
  });
  state.validators.push({ engineName, validator });
  return { secs, reads, readBytes, errors };
}

/** One integrity pass over the whole bundle in chunks of `chunkMiB` MiB; the next chunk is read
 * while the current one is checked, as the upload page should. */
async function integrity(engineName, inMemory, chunkMiB = 1) {
  const chunkLen = chunkMiB * 1024 * 1024;
  const entry = state.validators.find((v) => v.engineName === engineName);
  if (!entry) throw new Error('run the structural pass first');
  const { validator } = entry;
  const src = source(inMemory);
  const { secs } = await timed(async () => {
    validator.start_integrity();
    let position = 0;
    let next = src.read(0, Math.min(chunkLen, src.size));
    while (position < src.size) {
      const chunk = await next;
      const end = position + chunk.length;
      if (end < src.size) next = src.read(end, Math.min(end + chunkLen, src.size));
      validator.feed(chunk);
      position = end;
    }
    validator.finish_integrity();
  });
  return { secs };
}

/** A peer reading every entry of the in-memory bundle. */
async function unpack(tool) {
  const bytes = state.bytes;
  let files = 0;
  const { secs } = await timed(async () => {
    if (tool === 'fflate-unzip') {
      files = Object.keys(fflate.unzipSync(bytes)).length;
    } else if (tool === 'jszip-load') {
      const zip = await window.JSZip.loadAsync(bytes, { checkCRC32: true });
      files = Object.keys(zip.files).length;
    } else {
      throw new Error(`unknown unpacker ${tool}`);
    }
  });
  return { secs, files };
}

function unloadBundle() {
  freeValidators();
  state.blob = null;
  state.bytes = null;
}

window.bench = { init, loadApp, unloadApp, pack, loadBundle, bundleInMemory, structural, integrity, unpack, unloadBundle };
window.benchReady = true;
