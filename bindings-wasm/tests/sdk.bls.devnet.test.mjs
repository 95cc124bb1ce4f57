// A devnet in BLS mode (`morsa devnet up --signatures bls`) against the official Walrus TypeScript
// SDK: the SDK's StorageNodeClient asks Morsa's storage nodes for storage confirmations, the SDK's
// check (bls12381_min_pk_verify of @mysten/walrus-wasm under each member's BLS key, as
// WalrusClient.certificateFromConfirmations does) accepts every one, the SDK's aggregation
// (bls12381_min_pk_aggregate, as its combineSignatures) makes the certificate, and Morsa's control
// plane certifies the blob with it; then the blob reads back through Morsa's aggregator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import * as official from '@mysten/walrus-wasm';
import { Account, storeFile } from '../js/store.js';

// The SDK exports StorageNodeClient's types only: its module is imported by path.
const sdkClientUrl = new URL('../node_modules/@mysten/walrus/dist/storage-node/client.mjs', import.meta.url);
const { StorageNodeClient } = await import(sdkClientUrl.href);

const python = process.env.VIRTUAL_ENV
  ? `${process.env.VIRTUAL_ENV}/bin/python`
  : new URL('../../.venv/bin/python', import.meta.url).pathname;
const skip = !existsSync(python) && 'no .venv';

const dir = mkdtempSync(join(tmpdir(), 'morsa-bls-devnet-'));
const devnet = join(dir, 'devnet');
const morsa = (...args) => execFileSync(python, ['-m', 'morsa', ...args], { encoding: 'utf8', timeout: 120_000 });
const py = (script, ...args) => JSON.parse(execFileSync(python, ['-c', script, ...args], { encoding: 'utf8', timeout: 120_000 }));

// Registers (and pays for) a deletable blob of the file and uploads its slivers to every node
// (Client.arelay, without certifying): the blob waits for a certificate.
const REGISTER_AND_UPLOAD = `
import json, sys
import morsa
from morsa.devnet import Devnet
from morsa.net.sync import run_sync
net = Devnet.load(sys.argv[1])
client = net.client()
view = client.committee()
metadata = morsa.compute_metadata(sys.argv[2], view.n_shards)
registration = run_sync(client.control.register_blob(metadata, epochs_ahead=2, deletable=True, account=client.account))
object_id = bytes.fromhex(registration.blob_object["id"][2:])
run_sync(client.arelay(sys.argv[2], metadata.blob_id, object_id))
print(json.dumps({"blob_id": metadata.blob_id, "object_id": registration.blob_object["id"], "chain": net.chain_url, "daemon": net.daemon_url}))
`;

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const fromB64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

// Walrus's BCS ProtocolMessageCertificate: signers (ULEB128 count, u16 LE each), the message
// (ULEB128 length, bytes), the 96-byte signature.
function certificateBcs({ signers, serializedMessage, signature }) {
  const uleb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const bytes = [...uleb(signers.length)];
  for (const s of signers) bytes.push(s & 0xff, s >> 8);
  bytes.push(...uleb(serializedMessage.length), ...serializedMessage, ...signature);
  return new Uint8Array(bytes);
}

let blob;
let committee;

before(async () => {
  if (skip) return;
  morsa('devnet', 'up', '--dir', devnet, '--nodes', '4', '--n-shards', '10', '--epoch-duration', '0', '--signatures', 'bls');
  const file = join(dir, 'data.bin');
  writeFileSync(file, randomBytes(300_000));
  blob = py(REGISTER_AND_UPLOAD, devnet, file);
  blob.file = file;
  committee = (await (await fetch(`${blob.chain}/v1/committee`)).json()).success.data;
});

after(() => {
  if (skip) return;
  try { morsa('devnet', 'down', '--dir', devnet); } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the official SDK verifies the nodes\' confirmations, aggregates them, and the control plane certifies with that', { skip }, async () => {
  assert.equal(committee.signature_scheme, 'bls12381');
  const sdk = new StorageNodeClient({ timeout: 30_000 });
  const confirmations = await Promise.all(committee.members.map(async (m) => {
    const answer = await sdk.getDeletableBlobConfirmation({ blobId: blob.blob_id, objectId: blob.object_id }, { nodeUrl: m.url });
    return answer?.success?.data?.signed ?? null;
  }));
  // The SDK's check, member by member: the message, then the signature under the member's BLS key.
  const expectedMessage = confirmations[0].serializedMessage;
  let verified = 0;
  const valid = confirmations.map((c, index) => {
    const key = fromB64(committee.members[index].bls_public_key);
    const ok = c.serializedMessage === expectedMessage
      && official.bls12381_min_pk_verify(fromB64(c.signature), key, fromB64(c.serializedMessage));
    verified += ok ? 1 : 0;
    // Presented as another member's, the same confirmation is refused.
    const other = fromB64(committee.members[(index + 1) % committee.members.length].bls_public_key);
    assert.equal(official.bls12381_min_pk_verify(fromB64(c.signature), other, fromB64(c.serializedMessage)), false);
    return ok ? { index, ...c } : null;
  }).filter(Boolean);
  assert.equal(verified, committee.members.length, 'every node\'s confirmation verifies with the official code');
  const message = fromB64(expectedMessage);
  assert.deepEqual([...message.slice(0, 3)], [1, 0, 3]); // a storage confirmation (SPEC 10.1)

  // The SDK's combineSignatures: the official aggregate over the confirming members.
  const certificate = {
    signers: valid.map((c) => c.index),
    serializedMessage: message,
    signature: official.bls12381_min_pk_aggregate(valid.map((c) => fromB64(c.signature))),
  };
  const keys = valid.map((c) => fromB64(committee.members[c.index].bls_public_key));
  assert.equal(official.bls12381_min_pk_verify_aggregate(keys, message, certificate.signature), true);

  // Without the largest member the aggregate weighs less than a quorum (7 of 10 shards needed):
  // the control plane refuses it, and the blob stays uncertified.
  const byWeight = [...valid].sort((a, b) => committee.members[b.index].shards.length - committee.members[a.index].shards.length);
  const weak = byWeight.slice(1).filter((_, i, all) => all.slice(0, i + 1).reduce((w, c) => w + committee.members[c.index].shards.length, 0) < 7).sort((a, b) => a.index - b.index);
  const weakCert = {
    signers: weak.map((c) => c.index),
    serializedMessage: message,
    signature: official.bls12381_min_pk_aggregate(weak.map((c) => fromB64(c.signature))),
  };
  const refused = await fetch(`${blob.chain}/v1/blobs/${blob.blob_id}/certificate`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ certificate: b64(certificateBcs(weakCert)) }),
  });
  assert.equal(refused.status, 400);
  const why = (await refused.json()).error;
  assert.equal(why.details[0].reason, 'INVALID_CERTIFICATE');
  assert.match(why.message, /shards, 7 are needed/);

  const answer = await fetch(`${blob.chain}/v1/blobs/${blob.blob_id}/certificate`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ certificate: b64(certificateBcs(certificate)) }),
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const certified = (await answer.json()).success.data.blob_object;
  assert.equal(certified.id, blob.object_id);
  assert.notEqual(certified.certifiedEpoch, null);

  // The blob reads back, verified, through Morsa's aggregator.
  const read = await fetch(`${blob.daemon}/v1/blobs/${blob.blob_id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(new Uint8Array(await read.arrayBuffer()), new Uint8Array(readFileSync(blob.file)));
  console.log(`official SDK: ${verified} of ${committee.members.length} confirmations verified, aggregate of ${certificate.signers.length} accepted by the control plane`);
});

test('morsa-wasm stores on a BLS network through the relay (the aggregate verified by Walrus\'s rules) and directly (confirmations aggregated in the page)', { skip }, async () => {
  const account = await Account.generate();
  morsa('devnet', 'fund', account.address, '--dir', devnet);
  for (const relayUrl of [blob.daemon, undefined]) {
    const file = new Blob([randomBytes(50_000)]);
    const stored = await storeFile(file, { account, chainUrl: blob.chain, worker: false, relayUrl, deletable: true });
    assert.equal(stored.mode, relayUrl ? 'relay' : 'direct');
    assert.ok(stored.weight >= 7, `weight ${stored.weight}`);
    assert.notEqual(stored.blobObject.certifiedEpoch, null);
    const read = await fetch(`${blob.daemon}/v1/blobs/${stored.blobId}`);
    assert.deepEqual(new Uint8Array(await read.arrayBuffer()), new Uint8Array(await file.arrayBuffer()));
  }
});
