// Seal-compatible encryption against the official @mysten/seal (npm): objects the official code
// encrypts (to Morsa key servers' public keys) decrypt with Morsa, and objects Morsa encrypts
// decrypt with the official code (which also checks every share against the public keys), for
// both DEMs, every threshold of three key servers, and messages of many lengths. The user secret
// keys Morsa derives pass the official verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { init, SealMasterKey, sealDecrypt, sealEncrypt, sealVerifyUserSecretKey } from '../js/index.js';

// The SDK exports SealClient (which needs Sui) but not its primitives: they are imported by path.
const dist = (file) => new URL(`../node_modules/@mysten/seal/dist/${file}`, import.meta.url).href;
const { encrypt: officialEncrypt, KemType } = await import(dist('encrypt.mjs'));
const { decrypt: officialDecrypt } = await import(dist('decrypt.mjs'));
const { AesGcm256, Hmac256Ctr } = await import(dist('dem.mjs'));
const { EncryptedObject } = await import(dist('bcs.mjs'));
const { G1Element, G2Element } = await import(dist('bls12381.mjs'));
const { BonehFranklinBLS12381Services } = await import(dist('ibe.mjs'));

await init();

const hex = (b) => Buffer.from(b).toString('hex');
const masters = [0, 1, 2].map(() => SealMasterKey.fromSeed(randomBytes(32)));
const servers = masters.map((m) => ({ objectId: '0x' + hex(randomBytes(32)), pk: m.publicKey }));
const packageId = '0x' + hex(randomBytes(32));
const innerId = randomBytes(40); // a policy object's ID and a nonce, as Morsa's policies make them
const fullId = new Uint8Array([...Buffer.from(packageId.slice(2), 'hex'), ...innerId]);
const usks = masters.map((m) => m.userSecretKey(fullId));
const lengths = [0, 1, 31, 32, 33, 1000, 70_000];

test('Morsa\'s user secret keys pass the official verification, and the official ones Morsa\'s', () => {
  for (const [i, usk] of usks.entries()) {
    assert.equal(usk.length, 48);
    assert.equal(BonehFranklinBLS12381Services.verifyUserSecretKey(G1Element.fromBytes(usk), hex(fullId), G2Element.fromBytes(servers[i].pk)), true);
    assert.equal(BonehFranklinBLS12381Services.verifyUserSecretKey(G1Element.fromBytes(usk), hex(fullId), G2Element.fromBytes(servers[(i + 1) % 3].pk)), false);
    assert.equal(sealVerifyUserSecretKey(usk, fullId, servers[i].pk), true);
    assert.equal(sealVerifyUserSecretKey(usk, fullId.slice(1), servers[i].pk), false);
  }
});

test('objects the official code encrypts decrypt with Morsa', async () => {
  let checked = 0;
  for (const threshold of [1, 2, 3]) {
    for (const length of lengths) {
      for (const Dem of [AesGcm256, Hmac256Ctr]) {
        const plaintext = randomBytes(length);
        const aad = randomBytes(length % 7);
        const { encryptedObject, key } = await officialEncrypt({
          keyServers: servers, kemType: KemType.BonehFranklinBLS12381DemCCA, threshold, packageId, id: hex(innerId),
          encryptionInput: new Dem(plaintext, aad),
        });
        // Any `threshold` of the servers' keys (here the last ones), shares checked against the public keys.
        const indices = Uint32Array.from([2, 1, 0].slice(0, threshold));
        const decrypted = sealDecrypt(encryptedObject, indices, [...indices].map((i) => usks[i]), servers.map((s) => s.pk));
        assert.deepEqual(Buffer.from(decrypted), plaintext);
        assert.equal(key.length, 32);
        if (threshold > 1) {
          assert.throws(() => sealDecrypt(encryptedObject, indices.slice(1), [...indices.slice(1)].map((i) => usks[i])), { code: 'VERIFICATION' });
        }
        checked++;
      }
    }
  }
  console.log(`official -> Morsa: ${checked} objects decrypted`);
});

test('objects Morsa encrypts decrypt with the official code', async () => {
  let checked = 0;
  for (const threshold of [1, 2, 3]) {
    for (const length of lengths) {
      for (const dem of ['aes256gcm', 'hmac256ctr']) {
        const plaintext = randomBytes(length);
        const aad = randomBytes(length % 5);
        const encrypted = sealEncrypt(randomBytes(32), servers.map((s) => Buffer.from(s.objectId.slice(2), 'hex')), servers.map((s) => s.pk),
          threshold, Buffer.from(packageId.slice(2), 'hex'), innerId, plaintext, aad, dem);
        const parsed = EncryptedObject.parse(encrypted.object);
        assert.equal(parsed.threshold, threshold);
        assert.equal(parsed.packageId, packageId);
        const keys = new Map();
        for (const i of [0, 1, 2].slice(3 - threshold)) keys.set(`${hex(fullId)}:${servers[i].objectId}`, G1Element.fromBytes(usks[i]));
        const decrypted = await officialDecrypt({ encryptedObject: parsed, keys, publicKeys: servers.map((s) => G2Element.fromBytes(s.pk)) });
        assert.deepEqual(Buffer.from(decrypted), plaintext);
        checked++;
      }
    }
  }
  console.log(`Morsa -> official: ${checked} objects decrypted`);
});

test('a tampered object is refused by both', async () => {
  const encrypted = sealEncrypt(randomBytes(32), servers.map((s) => Buffer.from(s.objectId.slice(2), 'hex')), servers.map((s) => s.pk),
    2, Buffer.from(packageId.slice(2), 'hex'), innerId, randomBytes(100), new Uint8Array(0), 'aes256gcm');
  const bytes = new Uint8Array(encrypted.object);
  bytes[bytes.length - 20] ^= 1; // inside the AES-GCM ciphertext
  assert.throws(() => sealDecrypt(bytes, Uint32Array.from([0, 1]), [usks[0], usks[1]]), { code: 'VERIFICATION' });
  const keys = new Map([0, 1].map((i) => [`${hex(fullId)}:${servers[i].objectId}`, G1Element.fromBytes(usks[i])]));
  await assert.rejects(officialDecrypt({ encryptedObject: EncryptedObject.parse(bytes), keys }));
});
