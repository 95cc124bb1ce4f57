// BLS12-381 (min_pk) against the official code: Morsa's keys, signatures and aggregates are
// checked by @mysten/walrus-wasm (npm, the Walrus TypeScript SDK's WebAssembly) and the official
// aggregates by Morsa, in both directions, over storage-confirmation-sized and other messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import * as official from '@mysten/walrus-wasm';
import { init, BlsSigningKey, blsAggregate, blsVerify, blsVerifyAggregate } from '../js/index.js';

await init();

const N_SIGNERS = 10;
const keys = Array.from({ length: N_SIGNERS }, () => BlsSigningKey.fromIkm(randomBytes(32)));
const publicKeys = keys.map((k) => k.publicKey);
// A storage confirmation is 3 + 4 + 32 + 1 (+ 32) bytes; also the empty and a long message.
const messages = [new Uint8Array(0), randomBytes(40), randomBytes(72), randomBytes(1000)];

test('the official code verifies what Morsa signs, and refuses it for another message or key', () => {
  let checked = 0;
  for (const message of messages) {
    for (const [i, key] of keys.entries()) {
      const signature = key.sign(message);
      assert.equal(signature.length, 96);
      assert.equal(official.bls12381_min_pk_verify(signature, publicKeys[i], message), true);
      assert.equal(official.bls12381_min_pk_verify(signature, publicKeys[(i + 1) % N_SIGNERS], message), false);
      assert.equal(official.bls12381_min_pk_verify(signature, publicKeys[i], randomBytes(8)), false);
      assert.equal(blsVerify(signature, publicKeys[i], message), true);
      checked++;
    }
  }
  console.log(`official verify of Morsa signatures: ${checked} accepted, ${2 * checked} forgeries refused`);
});

test('aggregates are byte-equal, and each side verifies the other side aggregate', () => {
  let checked = 0;
  for (const message of messages) {
    const signatures = keys.map((k) => k.sign(message));
    for (let n = 1; n <= N_SIGNERS; n++) {
      const ours = blsAggregate(signatures.slice(0, n));
      const theirs = official.bls12381_min_pk_aggregate(signatures.slice(0, n));
      assert.deepEqual(Uint8Array.from(ours), Uint8Array.from(theirs));
      assert.equal(blsVerifyAggregate(publicKeys.slice(0, n), message, theirs), true);
      assert.equal(official.bls12381_min_pk_verify_aggregate(publicKeys.slice(0, n), message, ours), true);
      // The aggregate of n signers does not verify for n + 1 keys, nor for another message.
      if (n < N_SIGNERS) assert.equal(blsVerifyAggregate(publicKeys.slice(0, n + 1), message, theirs), false);
      assert.equal(blsVerifyAggregate(publicKeys.slice(0, n), randomBytes(5), theirs), false);
      checked++;
    }
  }
  console.log(`aggregates: ${checked} byte-equal and verified both ways`);
});

test('malformed points are refused by both', () => {
  const bad = new Uint8Array(96).fill(0xab);
  assert.equal(blsVerify(bad, publicKeys[0], messages[1]), false);
  assert.throws(() => official.bls12381_min_pk_verify(bad, publicKeys[0], messages[1]));
  assert.throws(() => blsVerify(new Uint8Array(95), publicKeys[0], messages[1]), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => blsAggregate([bad]), { code: 'SIGNATURE' });
});

test('a Walrus certificate signed with Morsa keys and aggregated by the official code verifies by Walrus rules', async () => {
  const { verifyWalrusCertificate, storageConfirmationBytes, blobId: blobIdOf } = await import('../js/index.js');
  const weights = Uint16Array.from([30, 25, 20, 15, 10, 9, 8, 7, 6, 5]); // 135 shards, a quorum is 91
  const blobId = blobIdOf(randomBytes(100), 10);
  const message = storageConfirmationBytes(7, blobId);
  const signers = [0, 1, 2, 3]; // 90 shards: one short of a quorum
  const bitmap = (who) => {
    const b = new Uint8Array(2);
    for (const i of who) b[i >> 3] |= 1 << (i & 7);
    return b;
  };
  const aggregateOf = (who) => official.bls12381_min_pk_aggregate(who.map((i) => keys[i].sign(message)));
  assert.throws(() => verifyWalrusCertificate(aggregateOf(signers), bitmap(signers), message, 7, publicKeys, weights), {
    code: 'CERTIFICATE',
    message: /hold 90 of 135 shards, 91 are needed/,
  });
  const quorum = [...signers, 9];
  const verified = verifyWalrusCertificate(aggregateOf(quorum), bitmap(quorum), message, 7, publicKeys, weights);
  assert.equal(verified.blobId, blobId);
  assert.equal(verified.signerWeight, 95);
  assert.equal(verified.kind, 'confirmation');
  assert.throws(() => verifyWalrusCertificate(aggregateOf(signers), bitmap(quorum), message, 7, publicKeys, weights), { code: 'SIGNATURE', message: /signature/ });
  assert.throws(() => verifyWalrusCertificate(aggregateOf(quorum), bitmap(quorum), message, 8, publicKeys, weights), { code: 'CERTIFICATE', message: /epoch/ });
});
