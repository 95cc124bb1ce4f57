// End-to-end: storing files from the demo page (bindings-wasm/web/, section 3) in headless
// Chromium on a Morsa devnet of 4 storage nodes and 100 shards:
//
//  1. through the devnet's upload relay, as a deletable blob: the blob ID computed in the page's
//     worker is the CLI's, the blob is certified, and the CLI reads back the same bytes;
//  2. directly to the storage nodes, from a new account: refused with INSUFFICIENT_FUNDS until
//     the account is funded, then stored, and read back in the page from the nodes;
//  3. a relay whose certificate was tampered with is refused and nothing is certified;
//  4. Cancel during a store stops it (ABORTED) and certifies nothing.
//
// Screenshots go to bindings-wasm/test-artifacts/. Installs nothing: skipped when Chromium or
// the project's virtualenv (.venv, made by scripts/setup.sh) is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { serve } from '../web/serve.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = join(process.env.VIRTUAL_ENV ?? join(ROOT, '.venv'), 'bin/python');
const CHROMIUM = process.env.MORSA_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const N_SHARDS = 100;

const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(PYTHON) ? 'no .venv (run scripts/setup.sh)' : false;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const morsaCli = (...args) => execFileSync(PYTHON, ['-m', 'morsa', ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000 });

let dir, devnet, web, proxy, browser, page;

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'morsa-store-e2e-'));
  morsaCli('devnet', 'up', '--nodes', '4', '--n-shards', String(N_SHARDS), '--dir', dir, '--epoch-duration', '0');
  const state = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8'));
  devnet = { chain: state.chain.url, daemon: state.daemon.url, seed: readFileSync(state.account_key, 'utf8').trim() };

  // A dishonest relay: the devnet's, with one byte of the certificate's signatures flipped.
  proxy = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': '*' };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    const upstream = await fetch(`${devnet.daemon}${req.url}`, { method: req.method, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
    const answer = await upstream.json();
    if (answer?.confirmation_certificate) {
      const cert = Buffer.from(answer.confirmation_certificate.certificate, 'base64');
      cert[cert.length - 1] ^= 1; // the last byte of the aggregate of signatures
      answer.confirmation_certificate.certificate = cert.toString('base64');
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json', ...cors });
    res.end(JSON.stringify(answer));
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));

  web = await serve(0);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 1500 } });
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(`${web.url}/web/?chain=${encodeURIComponent(devnet.chain)}&relay=${encodeURIComponent(devnet.daemon)}`);
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
  await page.locator('#store-section').screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** A file of `size` random bytes on disk (what a user picks), with its path. */
function randomFile(name, size) {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

async function store({ path, mode, seed, deletable = false, relay = devnet.daemon }) {
  await page.setInputFiles('#store-file', path);
  await page.selectOption('#store-mode', mode);
  if (mode === 'relay') await page.fill('#store-relay', relay);
  await page.fill('#store-seed', seed);
  await page.setChecked('#store-deletable', deletable);
  await page.click('#store-go');
  await page.waitForSelector('#store-ok:not([hidden]), #store-error:not([hidden])', { timeout: 120_000 });
  if (await page.isVisible('#store-ok')) return { blobId: (await page.textContent('#store-blob-id')).trim() };
  return { code: await page.getAttribute('#store-error', 'data-code'), message: await page.textContent('#store-error') };
}

function blobStatus(blobId) {
  return JSON.parse(morsaCli('blob-status', blobId, '--devnet', dir, '--json'));
}

function readBack(blobId) {
  const out = join(dir, `${blobId}.out`);
  morsaCli('read', blobId, '--devnet', dir, '--out', out, '--no-progress');
  return readFileSync(out);
}

test('a file stored through the upload relay has the CLI blob ID and reads back', { skip: missing }, async () => {
  const file = randomFile('relay.bin', 3 * 1024 * 1024 + 17);
  const expected = morsaCli('blob-id', file.path, '--n-shards', String(N_SHARDS), '--no-progress').split(/\s+/)[0];
  const result = await store({ path: file.path, mode: 'relay', seed: devnet.seed, deletable: true });
  await shot('5-store-through-relay');
  assert.equal(result.code, undefined, result.message);
  assert.equal(result.blobId, expected);
  assert.match(await page.textContent('#store-details'), /through the upload relay/);
  assert.ok(Number(await page.getAttribute('#store-ok', 'data-wasm-memory')) <= 512 * 1024 * 1024);
  const status = blobStatus(result.blobId);
  assert.equal(status.status, 'certified');
  assert.equal(status.blob_object.deletable, true);
  assert.equal(sha256(readBack(result.blobId)), sha256(file.bytes));
});

test('a new account stores directly to the nodes once funded, and reads back in the page', { skip: missing }, async () => {
  const file = randomFile('direct.bin', 200_000);
  await page.click('#store-new-account');
  const seed = await page.inputValue('#store-seed');
  const address = (await page.textContent('#store-address')).match(/0x[0-9a-f]{64}/)[0];
  const refused = await store({ path: file.path, mode: 'direct', seed });
  await shot('6-store-unfunded-account');
  assert.equal(refused.code, 'INSUFFICIENT_FUNDS', refused.message);
  assert.match(refused.message, new RegExp(`morsa devnet fund ${address}`));

  morsaCli('devnet', 'fund', address, '--dir', dir);
  const result = await store({ path: file.path, mode: 'direct', seed });
  await shot('7-store-directly-to-nodes');
  assert.equal(result.code, undefined, result.message);
  assert.match(await page.textContent('#store-details'), /directly to the storage nodes/);
  assert.equal(blobStatus(result.blobId).status, 'certified');
  assert.equal(blobStatus(result.blobId).owner, address);

  await page.click('#store-read');
  await page.click('#read-go');
  await page.waitForSelector('#read-ok:not([hidden]), #read-error:not([hidden])', { timeout: 60_000 });
  assert.equal(await page.isVisible('#read-error'), false, await page.textContent('#read-error'));
  const digest = await page.evaluate(async () => {
    const data = await (await fetch(document.getElementById('read-save').href)).arrayBuffer();
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)), (b) => b.toString(16).padStart(2, '0')).join('');
  });
  assert.equal(digest, sha256(file.bytes));
});

test("a relay's tampered certificate is refused and nothing is certified", { skip: missing }, async () => {
  const file = randomFile('tampered.bin', 100_000);
  const blobId = morsaCli('blob-id', file.path, '--n-shards', String(N_SHARDS), '--no-progress').split(/\s+/)[0];
  const result = await store({ path: file.path, mode: 'relay', seed: devnet.seed, relay: `http://127.0.0.1:${proxy.address().port}` });
  await shot('8-store-tampered-relay-refused');
  assert.ok(['SIGNATURE', 'CERTIFICATE', 'WIRE_FORMAT'].includes(result.code), `${result.code}: ${result.message}`);
  assert.equal(blobStatus(blobId).status, 'registered');
});

test('Cancel stops a store and certifies nothing', { skip: missing }, async () => {
  // The registration is held (never answered) until Cancel is clicked: no race with the store.
  const file = randomFile('cancelled.bin', 200_000);
  const blobId = morsaCli('blob-id', file.path, '--n-shards', String(N_SHARDS), '--no-progress').split(/\s+/)[0];
  let held = null;
  await page.route(`${devnet.chain}/v1/blobs`, (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    held = route;
    return undefined;
  });
  try {
    await page.setInputFiles('#store-file', file.path);
    await page.selectOption('#store-mode', 'direct');
    await page.fill('#store-seed', devnet.seed);
    await page.click('#store-go');
    await page.waitForSelector('#store-status[data-phase="register"]', { timeout: 60_000 });
    await page.click('#store-cancel');
    await page.waitForSelector('#store-error:not([hidden])', { timeout: 30_000 });
    assert.equal(await page.textContent('#store-error'), 'Cancelled.');
    assert.equal(await page.isEnabled('#store-go'), true);
    assert.ok(held, 'the registration request was made and held');
  } finally {
    // Fail the held request first: unrouting could otherwise let it through to the network.
    await held?.abort().catch(() => {});
    await page.unroute(`${devnet.chain}/v1/blobs`);
  }
  let status = 'unknown';
  try {
    status = blobStatus(blobId).status;
  } catch {
    // never registered
  }
  assert.notEqual(status, 'certified');
});
