// Seal encryption and decryption throughput: Morsa's WebAssembly (sealEncrypt/sealDecrypt) and
// the official @mysten/seal (WebCrypto AES-GCM, noble-curves pairings) in the same run, for a
// blob of N MiB (default 100), two-of-three key servers, AES-256-GCM and HMAC-CTR.
//   node bindings-wasm/bench/seal.mjs [MiB]
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { init, SealMasterKey, sealDecrypt, sealEncrypt } from '../js/index.js';

const dist = (file) => new URL(`../node_modules/@mysten/seal/dist/${file}`, import.meta.url).href;
const { encrypt: officialEncrypt, KemType } = await import(dist('encrypt.mjs'));
const { decrypt: officialDecrypt } = await import(dist('decrypt.mjs'));
const { AesGcm256, Hmac256Ctr } = await import(dist('dem.mjs'));
const { EncryptedObject } = await import(dist('bcs.mjs'));
const { G1Element } = await import(dist('bls12381.mjs'));

await init();
const mib = Number(process.argv[2] ?? 100);
const data = new Uint8Array(mib << 20);
for (let i = 0; i < data.length; i += 65536) data.set(randomBytes(Math.min(65536, data.length - i)), i);
const hex = (b) => Buffer.from(b).toString('hex');
const masters = [0, 1, 2].map(() => SealMasterKey.fromSeed(randomBytes(32)));
const servers = masters.map((m) => ({ objectId: '0x' + hex(randomBytes(32)), pk: m.publicKey }));
const packageId = '0x' + hex(randomBytes(32));
const id = randomBytes(40);
const fullId = new Uint8Array([...Buffer.from(packageId.slice(2), 'hex'), ...id]);
const usks = masters.map((m) => m.userSecretKey(fullId));
const time = async (fn) => { const t = performance.now(); const r = await fn(); return [r, (performance.now() - t) / 1000]; };
const rate = (s) => `${s.toFixed(2)} s (${(mib / s).toFixed(0)} MiB/s)`;

console.log(`Seal, ${mib} MiB, 2 of 3 key servers, Node ${process.version}`);
for (const [dem, Official] of [['aes256gcm', AesGcm256], ['hmac256ctr', Hmac256Ctr]]) {
  const [ours, encMorsa] = await time(() => sealEncrypt(randomBytes(32), servers.map((s) => Buffer.from(s.objectId.slice(2), 'hex')),
    servers.map((s) => s.pk), 2, Buffer.from(packageId.slice(2), 'hex'), id, data, new Uint8Array(0), dem));
  const object = ours.object;
  const [plain, decMorsa] = await time(() => sealDecrypt(object, Uint32Array.from([0, 1]), [usks[0], usks[1]]));
  if (plain.length !== data.length) throw new Error('Morsa round trip');
  const [theirs, encOfficial] = await time(() => officialEncrypt({ keyServers: servers, kemType: KemType.BonehFranklinBLS12381DemCCA,
    threshold: 2, packageId, id: hex(id), encryptionInput: new Official(data, new Uint8Array(0)) }));
  const keys = new Map([0, 1].map((i) => [`${hex(fullId)}:${servers[i].objectId}`, G1Element.fromBytes(usks[i])]));
  const [plain2, decOfficial] = await time(() => officialDecrypt({ encryptedObject: EncryptedObject.parse(theirs.encryptedObject), keys }));
  if (plain2.length !== data.length) throw new Error('official round trip');
  console.log(`${dem.padEnd(10)} encrypt: Morsa WASM ${rate(encMorsa)}, official ${rate(encOfficial)}; decrypt: Morsa WASM ${rate(decMorsa)}, official ${rate(decOfficial)}`);
}
