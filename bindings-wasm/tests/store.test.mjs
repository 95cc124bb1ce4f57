// The browser store's parts that need no network: accounts sign what the Python package signs,
// and bad arguments are refused before any request (the control plane's URL is unreachable, so
// a request would fail with NETWORK instead). The stores themselves: browser.store.e2e.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { init, requestMessage } from '../js/index.js';
import { Account, storeFile } from '../js/store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = join(process.env.VIRTUAL_ENV ?? join(ROOT, '.venv'), 'bin/python');
const UNREACHABLE = 'http://127.0.0.1:9';

test('an account signs the message the Python package signs, and its address is its key', async () => {
  await init();
  const account = await Account.fromSeed('11'.repeat(32));
  const body = new TextEncoder().encode('{"blob_id":"x"}');
  const headers = account.signRequest('POST', '/v1/blobs', body);
  assert.match(headers['X-Morsa-Nonce'], /^\d{13}\.[0-9a-f]{16}$/);
  const message = requestMessage('POST', '/v1/blobs', headers['X-Morsa-Nonce'], body);
  assert.equal(account.address, `0x${Buffer.from(account.key.publicKey).toString('hex')}`);
  if (!existsSync(PYTHON)) return;
  const script = `
import base64, sys
from morsa.net.accounts import Account, request_message
from morsa import _native
nonce, sig = sys.argv[1], base64.b64decode(sys.argv[2])
acct = Account.from_seed(bytes.fromhex("11" * 32))
msg = request_message("POST", "/v1/blobs", nonce, b'{"blob_id":"x"}')
print(acct.address, msg.hex(), _native.verify_signature(acct.public_key, msg, sig))`;
  const [address, hex, ok] = execFileSync(PYTHON, ['-c', script, headers['X-Morsa-Nonce'], headers['X-Morsa-Signature']], { encoding: 'utf8' }).trim().split(' ');
  assert.equal(address, account.address);
  assert.equal(hex, Buffer.from(message).toString('hex'));
  assert.equal(ok, 'True');
});

test('two generated accounts differ and keep their seeds', async () => {
  const [a, b] = [await Account.generate(), await Account.generate()];
  assert.notEqual(a.address, b.address);
  assert.equal((await Account.fromSeed(a.seedHex)).address, a.address);
  await assert.rejects(Account.fromSeed('abc'), { code: 'INVALID_ARGUMENT' });
});

test('bad arguments are refused before any request', async () => {
  const account = await Account.generate();
  const file = new Blob([new Uint8Array(10)]);
  await assert.rejects(storeFile(file, { chainUrl: UNREACHABLE }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(storeFile(file, { account }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(storeFile(file, { account, chainUrl: UNREACHABLE, epochs: 0 }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(storeFile(file, { account, chainUrl: UNREACHABLE, directLimitBytes: 5 }), { code: 'BLOB_TOO_LARGE' });
  await assert.rejects(storeFile(file, { account, chainUrl: UNREACHABLE }), { code: 'NETWORK' });
});
