// End-to-end: private blobs (Seal-encrypted under an access policy, docs/private-blobs.md) read
// and decrypted by the demo page (bindings-wasm/web/, section 5) in headless Chromium and by
// js/private.js in Node, on a Morsa devnet of 4 storage nodes, 10 shards and 3 key servers
// (threshold 2). The blobs are encrypted and stored by the Python package:
//
//  1. the page's own account (kept in localStorage), not a member of the allowlist: the panel
//     shows access denied with the reason NOT_A_MEMBER (the same from Node: AccessDeniedError);
//  2. the test adds the page's account to the allowlist: the page decrypts, and the plaintext
//     is the one stored;
//  3. Node: a chunked blob (Morsa's "MSCH" framing, encrypted by Python with 1000-byte chunks)
//     decrypts to Python's plaintext;
//  4. Node: key-server answers with a byte of c1 flipped are rejected, no key accepted;
//  5. with one key server stopped, the page still decrypts (2 of 3), and a tampered answer of
//     one of the two left leaves too few keys (PrivateBlobError, nothing decrypted).
//
// Loopback only. Screenshots go to bindings-wasm/test-artifacts/ (with MORSA_DOCS_IMG=1 the two
// of the docs also to docs/img/). Installs nothing: skipped without the project's virtualenv
// (.venv, scripts/setup.sh); the page's tests also without Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { init, sealOpenKeyResponse, sealReaderPublicKey, sealReaderSecretKey } from '../js/index.js';
import { Account } from '../js/store.js';
import { AccessDeniedError, PrivateBlobError, decryptPrivateBlob, fetchKeys, keyServers, privateBlobInfo, readPrivateBlob } from '../js/private.js';
import { serve } from '../web/serve.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = join(process.env.VIRTUAL_ENV ?? join(ROOT, '.venv'), 'bin/python');
const CHROMIUM = process.env.MORSA_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const DOCS_IMG = join(ROOT, 'docs/img');
const N_SHARDS = 10;
const PLAINTEXT = 'Quarterly numbers, for the team only.\nRevenue: 1.2 M FROST; storage used: 3.4 TiB.\n';

const noDevnet = !existsSync(PYTHON) ? 'no .venv (run scripts/setup.sh)' : false;
const noBrowser = noDevnet || (!existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false);

const morsaCli = (...args) => execFileSync(PYTHON, ['-m', 'morsa', ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000 });
const python = (code, ...args) => execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000 });

let dir, devnet, stored, chunked, web, browser, page;

before(async () => {
  if (noDevnet) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'morsa-private-e2e-'));
  morsaCli('devnet', 'up', '--nodes', '4', '--n-shards', String(N_SHARDS), '--dir', dir, '--epoch-duration', '0');
  const state = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8'));
  devnet = { chain: state.chain.url, daemon: state.daemon.url, seed: readFileSync(state.account_key, 'utf8').trim() };

  // A private text blob under the devnet account's allowlist "team" (created with no members).
  const file = join(dir, 'team-notes.txt');
  writeFileSync(file, PLAINTEXT);
  stored = JSON.parse(morsaCli('store', file, '--encrypt', '--policy', 'allowlist:team', '--devnet', dir, '--json', '--no-progress'));

  // A chunked private blob (1000-byte chunks) under the same policy, encrypted by the Python
  // binding itself and stored as an ordinary blob.
  chunked = JSON.parse(
    python(
      `
import json, os, sys
from morsa import _native
from morsa.devnet import Devnet
from morsa.net.keyservers import policy_identity
client = Devnet.load(sys.argv[1]).client()
servers = client.private.key_servers()
data = os.urandom(5000) + b"the end"
identity = policy_identity(bytes.fromhex(sys.argv[2][2:]), os.urandom(16))
blob = _native.seal_encrypt_blob(os.urandom(32), [(k.object_id, k.public_key) for k in servers.key_servers],
                                 servers.threshold, servers.package_id, identity, data, 1000)
open(sys.argv[3], "wb").write(blob)
print(json.dumps({"blob_id": client.store(blob).blob_id, "plaintext": data.hex(), "chunks": _native.seal_parse_blob(blob)[6]}))
`,
      dir,
      stored.policy_id,
      join(dir, 'chunked.bin'),
    ),
  );

  if (noBrowser) return;
  web = await serve(0);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(`${web.url}/web/?chain=${encodeURIComponent(devnet.chain)}&aggregator=${encodeURIComponent(devnet.daemon)}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  web?.server.close();
  if (dir) {
    try {
      morsaCli('devnet', 'down', '--dir', dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

async function shot(name, { docs = false } = {}) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.locator('#private-section').screenshot({ path });
  if (docs && process.env.MORSA_DOCS_IMG === '1') copyFileSync(path, join(DOCS_IMG, `${name}.png`));
}

/** Clicks "Read and decrypt" for `blobId`; `{ text, details }` or `{ code, reason, message }`. */
async function readInPage(blobId, source = 'nodes') {
  await page.fill('#private-blob-id', blobId);
  await page.selectOption('#private-source', source);
  await page.click('#private-go');
  await page.waitForSelector('#private-ok:not([hidden]), #private-error:not([hidden])', { timeout: 60_000 });
  if (await page.isVisible('#private-ok')) {
    return { text: await page.textContent('#private-text'), details: await page.textContent('#private-details') };
  }
  return {
    code: await page.getAttribute('#private-error', 'data-code'),
    reason: await page.getAttribute('#private-error', 'data-reason'),
    message: await page.textContent('#private-error'),
  };
}

/** A fetch that changes each key server answer's `encrypted_key` with `tamper(c0, c1, url)`. */
function tamperingFetch(tamper) {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!String(url).endsWith('/v1/fetch_key') || !response.ok) return response;
    const json = await response.json();
    for (const entry of json.decryption_keys) {
      const [c0, c1] = entry.encrypted_key.map((p) => Buffer.from(p, 'base64'));
      entry.encrypted_key = tamper(c0, c1, String(url)).map((p) => p.toString('base64'));
    }
    return new Response(JSON.stringify(json), { status: response.status, headers: { 'content-type': 'application/json' } });
  };
}

const flipC1 = (c0, c1) => {
  const bad = Buffer.from(c1);
  bad[47] ^= 1;
  return [c0, bad];
};

test('the page\'s account, not a member of the allowlist, is refused with NOT_A_MEMBER', { skip: noBrowser }, async () => {
  const address = await page.getAttribute('#private-address', 'data-address');
  assert.match(address, /^0x[0-9a-f]{64}$/);
  const result = await readInPage(stored.blob_id);
  await shot('private-blob-browser-denied', { docs: true });
  assert.equal(result.code, 'ACCESS_DENIED', result.message);
  assert.equal(result.reason, 'NOT_A_MEMBER');
  assert.match(result.message, /Access denied: NOT_A_MEMBER/);
  assert.match(result.message, /access denied by [23] of 3 key servers/);
  assert.ok(result.message.includes(`${address} is not a member`), result.message);
  assert.ok(result.message.includes(`morsa policy add ${stored.policy_id} ${address}`), result.message);
  // The account is kept in localStorage: a reload reads as the same account.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  assert.equal(await page.getAttribute('#private-address', 'data-address'), address);
});

test('added to the allowlist, the page decrypts the blob to the stored plaintext', { skip: noBrowser }, async () => {
  const address = await page.getAttribute('#private-address', 'data-address');
  morsaCli('policy', 'add', 'allowlist:team', address, '--devnet', dir);
  const result = await readInPage(stored.blob_id);
  await shot('private-blob-browser', { docs: true });
  assert.equal(result.code, undefined, result.message);
  assert.equal(result.text, PLAINTEXT);
  assert.match(result.details, /2 of 3 key servers needed, each key verified/);
  assert.ok(result.details.includes(stored.policy_id));
  // The downloadable file is the plaintext, byte for byte.
  const saved = await page.evaluate(async () => new TextDecoder().decode(await (await fetch(document.getElementById('private-save').href)).arrayBuffer()));
  assert.equal(saved, PLAINTEXT);
  // Through the aggregator too (the blob ID recomputed for the devnet's 10 shards).
  const viaAggregator = await readInPage(stored.blob_id, 'aggregator');
  assert.equal(viaAggregator.text, PLAINTEXT, viaAggregator.message);
  assert.match(viaAggregator.details, /blob ID recomputed/);
});

test('Node: a stranger is refused (AccessDeniedError NOT_A_MEMBER), the owner decrypts', { skip: noDevnet }, async () => {
  await init();
  const stranger = await Account.generate();
  await assert.rejects(readPrivateBlob(stored.blob_id, { chainUrl: devnet.chain, account: stranger, worker: false }), (err) => {
    assert.ok(err instanceof AccessDeniedError, err.stack);
    assert.equal(err.name, 'MorsaError');
    assert.equal(err.code, 'ACCESS_DENIED');
    assert.equal(err.reason, 'NOT_A_MEMBER');
    assert.ok(err.denials.length >= 2, `${err.denials.length} refusals`); // it stops once the threshold is out of reach
    assert.match(err.message, new RegExp(`^access denied by [23] of 3 key servers: ${stranger.address} is not a member`));
    return true;
  });
  const owner = await Account.fromSeed(devnet.seed);
  const read = await readPrivateBlob(stored.blob_id, { chainUrl: devnet.chain, account: owner, worker: false });
  assert.equal(new TextDecoder().decode(read.data), PLAINTEXT);
  assert.equal(read.info.policyId, stored.policy_id);
  assert.equal(read.keys.length, 2);
});

test('Node: a chunked blob encrypted by Python decrypts to its plaintext', { skip: noDevnet }, async () => {
  const owner = await Account.fromSeed(devnet.seed);
  assert.ok(chunked.chunks >= 5, `chunks: ${chunked.chunks}`);
  const read = await readPrivateBlob(chunked.blob_id, { chainUrl: devnet.chain, account: owner, worker: false });
  assert.equal(read.info.chunks, chunked.chunks);
  assert.equal(Buffer.from(read.data).toString('hex'), chunked.plaintext);
  // The same from the bytes, with the key servers given.
  const blob = readFileSync(join(dir, 'chunked.bin'));
  const data = await decryptPrivateBlob(blob, { keyServers: await keyServers(devnet.chain), account: owner });
  assert.equal(Buffer.from(data).toString('hex'), chunked.plaintext);
  const info = privateBlobInfo(blob);
  assert.equal(info.dem, 'aes256gcm');
  assert.equal(info.services.length, 3);
  assert.equal(info.policyId, stored.policy_id);
  // Chunks are bound to their places: the first two (both 1000 bytes of plaintext) swapped are
  // refused before any key is asked for.
  assert.equal(blob.subarray(0, 4).toString(), 'MSCH');
  const len0 = blob.readUInt32LE(9);
  const len1 = blob.readUInt32LE(13 + len0);
  assert.equal(len0, len1);
  const first = blob.subarray(9, 13 + len0);
  const second = blob.subarray(13 + len0, 17 + len0 + len1);
  const swapped = Buffer.concat([blob.subarray(0, 9), second, first, blob.subarray(17 + len0 + len1)]);
  assert.equal(swapped.length, blob.length);
  await assert.rejects(decryptPrivateBlob(swapped, { keyServers: await keyServers(devnet.chain), account: owner }), (err) => {
    assert.ok(err instanceof PrivateBlobError, err.stack);
    assert.match(err.message, /^not a private blob: /);
    return true;
  });
});

test('Node: key-server answers with a flipped byte of c1 are rejected and no key is accepted', { skip: noDevnet }, async () => {
  const owner = await Account.fromSeed(devnet.seed);
  const servers = await keyServers(devnet.chain);
  const info = privateBlobInfo(readFileSync(join(dir, 'chunked.bin')));
  await assert.rejects(fetchKeys({ info, account: owner, keyServers: servers, fetch: tamperingFetch(flipC1) }), (err) => {
    assert.ok(err instanceof PrivateBlobError, err.stack);
    assert.ok(!(err instanceof AccessDeniedError));
    assert.equal(err.code, 'PRIVATE_BLOB');
    assert.match(err.message, /^0 of the 2 key servers needed answered with a key that verifies/);
    assert.equal(err.failures.length, 3);
    for (const f of err.failures) assert.match(f, /^keyserver-\d answered a key that does not verify \((INVALID_ARGUMENT|VERIFICATION): .*\): rejected$/);
    return true;
  });
  // A valid point that is not the key (c1 := c0) is caught by the pairing check: VERIFICATION.
  await assert.rejects(fetchKeys({ info, account: owner, keyServers: servers, fetch: tamperingFetch((c0) => [c0, c0]) }), (err) => {
    assert.equal(err.failures.length, 3);
    for (const f of err.failures) assert.match(f, /does not verify \(VERIFICATION: a user secret key does not belong to this identity/);
    return true;
  });
  // The core's check directly: the honest answer opens, the altered one does not.
  const secret = sealReaderSecretKey(crypto.getRandomValues(new Uint8Array(32)));
  const body = JSON.stringify({ ids: [Buffer.from(info.id).toString('hex')], enc_key: Buffer.from(sealReaderPublicKey(secret)).toString('base64') });
  const server = servers.keyServers.find((k) => Buffer.from(k.objectId).equals(Buffer.from(info.services[0].objectId)));
  const answer = await (await fetch(`${server.url}/v1/fetch_key`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...owner.signRequest('POST', '/v1/fetch_key', new TextEncoder().encode(body)) } })).json();
  const [c0, c1] = answer.decryption_keys[0].encrypted_key.map((p) => Buffer.from(p, 'base64'));
  assert.equal(sealOpenKeyResponse(secret, c0, c1, info.fullId, server.publicKey).length, 48);
  assert.throws(() => sealOpenKeyResponse(secret, c0, c0, info.fullId, server.publicKey), { name: 'MorsaError', code: 'VERIFICATION' });
  const other = servers.keyServers.find((k) => k !== server);
  assert.throws(() => sealOpenKeyResponse(secret, c0, c1, info.fullId, other.publicKey), { code: 'VERIFICATION' });
});

test('with one key server stopped the page still decrypts (2 of 3); a tampered answer then leaves too few keys', { skip: noDevnet }, async () => {
  morsaCli('devnet', 'node', 'stop', 'keyserver-1', '--dir', dir);
  if (!noBrowser) {
    const result = await readInPage(stored.blob_id);
    await shot('private-blob-browser-one-key-server-down');
    assert.equal(result.code, undefined, result.message);
    assert.equal(result.text, PLAINTEXT);
    assert.match(result.details, /keys from\s*keyserver-0, keyserver-2 \(2 of 3/);
  }
  const owner = await Account.fromSeed(devnet.seed);
  const servers = await keyServers(devnet.chain);
  const blob = readFileSync(join(dir, 'chunked.bin'));
  const data = await decryptPrivateBlob(blob, { keyServers: servers, account: owner });
  assert.equal(Buffer.from(data).toString('hex'), chunked.plaintext);
  // keyserver-0 tampered, keyserver-1 down: one key verifies, two are needed.
  const tampered = servers.keyServers.find((k) => k.name === 'keyserver-0').url;
  const fetchFn = tamperingFetch((c0, c1, url) => (url.startsWith(tampered) ? flipC1(c0, c1) : [c0, c1]));
  await assert.rejects(decryptPrivateBlob(blob, { keyServers: servers, account: owner, fetch: fetchFn }), (err) => {
    assert.ok(err instanceof PrivateBlobError, err.stack);
    assert.match(err.message, /^1 of the 2 key servers needed answered with a key that verifies/);
    assert.ok(err.failures.some((f) => /^keyserver-0 answered a key that does not verify/.test(f)), err.message);
    assert.ok(err.failures.some((f) => /^keyserver-1: cannot reach/.test(f)), err.message);
    return true;
  });
});
