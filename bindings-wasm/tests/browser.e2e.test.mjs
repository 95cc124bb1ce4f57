// End-to-end: the demo page (bindings-wasm/web/) in headless Chromium (Debian's chromium,
// driven by npm playwright-core) against a Morsa devnet of 4 storage nodes and 100 shards.
//
//  1. a dropped file's blob ID is the one the devnet's publisher assigned to the same bytes;
//  2. a stored dataset (palmerpenguins' penguins.csv) is read back from the storage nodes, every
//     sliver verified in a Web Worker, and through the aggregator: the same bytes;
//  3. a tampered aggregator answer (one byte flipped by a proxy) is rejected with VERIFICATION.
//
// The page is served from its own origin; the devnet's servers allow any origin (CORS), as
// Walrus's do. Screenshots go to bindings-wasm/test-artifacts/. Installs nothing: skipped when
// Chromium or the project's virtualenv (.venv, made by scripts/setup.sh) is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { serve } from '../web/serve.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The project's virtualenv: the active one (scripts/test.sh activates it), else .venv.
const PYTHON = join(process.env.VIRTUAL_ENV ?? join(ROOT, '.venv'), 'bin/python');
const CHROMIUM = process.env.MORSA_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const N_SHARDS = 100;

const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(PYTHON) ? 'no .venv (run scripts/setup.sh)' : false;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const morsaCli = (...args) => execFileSync(PYTHON, ['-m', 'morsa', ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000 });

let dir, devnet, web, proxy, browser, page, dataset, blobId;
let workersStarted = 0;

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'morsa-e2e-'));
  morsaCli('devnet', 'up', '--nodes', '4', '--n-shards', String(N_SHARDS), '--dir', dir);
  const state = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8'));
  devnet = { chain_url: state.chain_url ?? state.chain.url, daemon_url: state.daemon_url ?? state.daemon.url };

  // Store the dataset through the devnet's publisher.
  const csv = execFileSync(PYTHON, ['-c', 'import palmerpenguins, os; print(os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv"))'], { encoding: 'utf8' }).trim();
  dataset = { name: 'penguins.csv', bytes: readFileSync(csv) };
  const stored = await (await fetch(`${devnet.daemon_url}/v1/blobs?epochs=2`, { method: 'PUT', body: dataset.bytes })).json();
  blobId = (stored.newlyCreated?.blobObject ?? stored.alreadyCertified).blobId;
  assert.match(blobId, /^[A-Za-z0-9_-]{43}$/);

  // A dishonest aggregator: the devnet's answer with one byte flipped.
  proxy = createServer(async (req, res) => {
    const upstream = await fetch(`${devnet.daemon_url}${req.url}`);
    const body = new Uint8Array(await upstream.arrayBuffer());
    if (upstream.ok && body.length > 0) body[body.length >> 1] ^= 0x20;
    res.writeHead(upstream.status, { 'content-type': 'application/octet-stream', 'access-control-allow-origin': '*' });
    res.end(body);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));

  web = await serve(0);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  page.on('pageerror', (err) => console.error('page error:', err));
  page.on('worker', () => workersStarted++);
  await page.goto(`${web.url}/web/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  web?.server.close();
  proxy?.close();
  if (dir) {
    try {
      morsaCli('devnet', 'down', '--dir', dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The SHA-256 of the bytes behind the page's "Save" link. */
async function savedSha256() {
  return page.evaluate(async () => {
    const data = await (await fetch(document.getElementById('read-save').href)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  });
}

async function read(source, url, shards = N_SHARDS) {
  await page.fill('#read-blob-id', blobId);
  await page.selectOption('#read-source', source);
  await page.fill('#read-url', url);
  if (source === 'aggregator') await page.fill('#read-shards', String(shards));
  await page.click('#read-go');
  await page.waitForSelector('#read-ok:not([hidden]), #read-error:not([hidden])', { timeout: 60_000 });
}

test('a dropped file gets the blob ID the devnet assigned to it', { skip: missing }, async () => {
  await page.fill('#file-shards', String(N_SHARDS));
  await page.evaluate(
    ({ b64, name }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type: 'text/csv' }));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { b64: dataset.bytes.toString('base64'), name: dataset.name },
  );
  await page.waitForSelector('#file-result:not([hidden]), #file-error:not([hidden])', { timeout: 60_000 });
  await shot('1-blob-id-of-dropped-file');
  assert.equal(await page.isVisible('#file-error'), false, await page.textContent('#file-error'));
  assert.equal(await page.textContent('#file-blob-id'), blobId);
  assert.match(await page.textContent('#file-geometry'), /34 × 67/);
});

test('the stored dataset reads back from the storage nodes, every sliver verified', { skip: missing }, async () => {
  const before = workersStarted;
  await read('nodes', devnet.chain_url);
  assert.ok(workersStarted > before, 'decoding ran in a Web Worker');
  await shot('2-read-from-storage-nodes');
  assert.equal(await page.isVisible('#read-error'), false, await page.textContent('#read-error'));
  assert.match(await page.textContent('#read-ok'), /decoded from primary slivers/);
  assert.equal(await savedSha256(), sha256(dataset.bytes));
});

test('the stored dataset reads back through the aggregator, its blob ID recomputed', { skip: missing }, async () => {
  await read('aggregator', devnet.daemon_url);
  await shot('3-read-from-aggregator');
  assert.equal(await page.isVisible('#read-error'), false, await page.textContent('#read-error'));
  assert.equal(await savedSha256(), sha256(dataset.bytes));
});

test('a tampered aggregator answer is rejected', { skip: missing }, async () => {
  await read('aggregator', `http://127.0.0.1:${proxy.address().port}`);
  await shot('4-tampered-aggregator-rejected');
  assert.equal(await page.isVisible('#read-ok'), false);
  assert.equal(await page.getAttribute('#read-error', 'data-code'), 'VERIFICATION');
  assert.match(await page.textContent('#read-error'), /rejected/);
  assert.equal(await page.isVisible('#read-save'), false);
});
