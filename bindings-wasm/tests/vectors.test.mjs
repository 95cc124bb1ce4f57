// The shared test vectors (tests/vectors/, the one copy the Rust and Python suites read too),
// run in Node against the built package (bindings-wasm/pkg/, made by build.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import * as morsa from '../js/index.js';

const VECTORS = new URL('../../tests/vectors/', import.meta.url);
const rs2 = JSON.parse(readFileSync(new URL('walrus-rs2.json', VECTORS), 'utf8'));
const tables = JSON.parse(readFileSync(new URL('spec-tables.json', VECTORS), 'utf8'));
const rewards = JSON.parse(readFileSync(new URL('rewards.json', VECTORS), 'utf8'));

await morsa.init();

// The input generator of walrus-rs2.json (its _comment): SplitMix64, 8 little-endian bytes a word.
function splitmix64(seed, length) {
  const out = new Uint8Array(Math.ceil(length / 8) * 8);
  const view = new DataView(out.buffer);
  const M = (1n << 64n) - 1n;
  let state = BigInt(seed);
  for (let i = 0; i < out.length; i += 8) {
    state = (state + 0x9e3779b97f4a7c15n) & M;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    z ^= z >> 31n;
    view.setBigUint64(i, z, true);
  }
  return out.subarray(0, length);
}

// The generator of spec-tables.json lcg_blob_ids.
function lcg(length) {
  const out = new Uint8Array(length);
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const unhex = (text) => new Uint8Array(Buffer.from(text, 'hex'));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('upstream blob IDs (walrus-core tests and the HTTP API docs)', () => {
  for (const c of rs2.upstream) {
    const data = c.ascii !== undefined ? new TextEncoder().encode(c.ascii) : unhex(c.hex);
    const id = morsa.blobId(data, c.n_shards);
    if (c.blob_id) assert.equal(id, c.blob_id);
    if (c.blob_id_hex) assert.equal(hex(morsa.parseBlobId(id)), c.blob_id_hex);
    if (c.encoded_length) assert.equal(new morsa.EncodingConfig(c.n_shards).encodedBlobLength(data.length), c.encoded_length);
  }
});

test('RS2 conformance cases: blob ID, root hash, symbol size; slivers verify and decode', () => {
  for (const c of rs2.cases) {
    const data = splitmix64(c.seed, c.length);
    assert.equal(sha256(data), c.input_sha256, `generator, case n=${c.n_shards} len=${c.length}`);
    const m = morsa.computeMetadata(data, c.n_shards);
    assert.equal(m.blobId, c.blob_id);
    assert.equal(hex(m.blobIdBytes), c.blob_id_hex);
    assert.equal(hex(m.rootHash), c.root_hash_hex);
    assert.equal(m.symbolSize, c.symbol_size);
    assert.equal(m.unencodedLength, c.length);
    assert.equal(morsa.deriveBlobId(m.rootHash, c.length), c.blob_id);
    // The metadata survives BCS and verification against its blob ID.
    const again = morsa.BlobMetadata.fromBytes(m.toBytes(), c.n_shards, c.blob_id);
    assert.equal(again.blobId, c.blob_id);
    if (!c.primary_slivers_bcs) continue;
    const n = c.n_shards;
    const p = m.config.nPrimarySourceSymbols;
    const s = m.config.nSecondarySourceSymbols;
    const primary = c.primary_slivers_bcs.map((h) => morsa.Sliver.fromBytes(unhex(h), 'primary'));
    const secondary = c.secondary_slivers_bcs.map((h) => morsa.Sliver.fromBytes(unhex(h), 'secondary'));
    primary.forEach((sl, i) => {
      assert.equal(sl.index, i);
      sl.verify(m);
    });
    secondary.forEach((sl, i) => {
      assert.equal(sl.index, n - 1 - i);
      sl.verify(m);
    });
    // Decode from the last p primary slivers and from the last s secondary ones.
    for (const [axis, slivers, k] of [['primary', primary, p], ['secondary', secondary, s]]) {
      const d = new morsa.BlobDecoder(m, axis);
      assert.equal(d.needed, k);
      for (const sl of slivers.slice(n - k)) assert.equal(d.addSliverBytes(sl.toBytes()), true);
      assert.equal(d.isReady, true);
      assert.deepEqual(d.decode('strict'), data);
      d.free();
    }
    // A flipped byte is a verification error with a stable code.
    const bad = primary[0].toBytes();
    bad[bad.length - 5] ^= 1;
    assert.throws(() => morsa.Sliver.fromBytes(bad, 'primary').verify(m), { name: 'MorsaError', code: 'VERIFICATION' });
  }
});

test('spec tables: LCG blob IDs, source symbols, encoded lengths', () => {
  for (const c of tables.lcg_blob_ids) {
    const m = morsa.computeMetadata(lcg(c.length), c.n_shards);
    assert.equal(m.blobId, c.blob_id, `n=${c.n_shards} len=${c.length}`);
    assert.equal(m.symbolSize, c.symbol_size);
  }
  for (const c of tables.source_symbols) {
    const config = new morsa.EncodingConfig(c.n_shards);
    assert.deepEqual([config.maxFaulty, config.nPrimarySourceSymbols, config.nSecondarySourceSymbols], [c.f, c.p, c.s]);
  }
  for (const c of tables.encoded_lengths) {
    assert.equal(new morsa.EncodingConfig(c.n_shards).encodedBlobLength(c.blob_size), c.encoded_length);
    assert.equal(morsa.encodedBlobLength(BigInt(c.blob_size), c.n_shards), BigInt(c.encoded_length));
  }
});

test('BlobIdBuilder and blobIdOfFile read in chunks give the one-shot blob ID', async () => {
  const c = rs2.cases.find((x) => x.n_shards === 1000 && x.length === 1048576);
  const data = splitmix64(c.seed, c.length);
  const b = new morsa.BlobIdBuilder(data.length, 1000);
  for (let i = 0; i < data.length; i += 100_000) b.update(data.subarray(i, i + 100_000));
  assert.equal(b.received, data.length);
  assert.equal(b.finish().blobId, c.blob_id);
  const events = [];
  const m = await morsa.blobIdOfFile(new Blob([data]), {
    nShards: 1000,
    chunkBytes: 300_000,
    onProgress: (e) => events.push(e),
  });
  assert.equal(m.blobId, c.blob_id);
  const reads = events.filter((e) => e.phase === 'read').map((e) => e.loaded);
  assert.deepEqual(reads, [300_000, 600_000, 900_000, 1048576]);
  assert.deepEqual(events.at(-1), { phase: 'hash', loaded: 1048576, total: 1048576 });
  // Too many or too few bytes are errors, not wrong IDs.
  const short = new morsa.BlobIdBuilder(10, 10);
  assert.throws(() => short.update(new Uint8Array(11)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => short.finish(), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new morsa.BlobIdBuilder(1_834_953, 10), { code: 'BLOB_TOO_LARGE' });
});

test('errors carry stable codes', () => {
  assert.throws(() => new morsa.EncodingConfig(3), { name: 'MorsaError', code: 'ENCODING' });
  assert.throws(() => new morsa.EncodingConfig(70000), { code: 'ENCODING' });
  assert.throws(() => morsa.parseBlobId('not a blob id'), { code: 'INVALID_BLOB_ID' });
  assert.throws(() => morsa.BlobMetadata.fromBytes(new Uint8Array([1, 2, 3]), 10), { code: 'WIRE_FORMAT' });
  const m = morsa.computeMetadata(new Uint8Array(100), 10);
  const other = morsa.computeMetadata(new Uint8Array(101), 10);
  assert.throws(() => morsa.BlobMetadata.fromBytes(m.toBytes(), 10, other.blobId), { code: 'VERIFICATION' });
  const d = new morsa.BlobDecoder(m, 'primary');
  assert.throws(() => d.decode(), { code: 'DECODING' });
  assert.throws(() => d.decode('paranoid'), { code: 'INVALID_ARGUMENT' });
});

test('encode, then recover a lost sliver from recovery symbols of the other axis', () => {
  const data = splitmix64(7, 3000);
  const enc = morsa.encode(data, 10);
  const m = enc.metadata;
  // Primary sliver 3 from symbols of s = 7 secondary slivers (SPEC §8).
  const parts = [];
  for (let j = 0; j < 7; j++) parts.push(enc.sliver('secondary', j).recoverySymbols(Uint16Array.of(3), 10));
  // Concatenate BCS vectors of one symbol each: ULEB count 7, then the bodies.
  const bodies = parts.map((p) => p.subarray(1));
  const symbols = new Uint8Array(1 + bodies.reduce((a, b) => a + b.length, 0));
  symbols[0] = 7;
  let off = 1;
  for (const b of bodies) {
    symbols.set(b, off);
    off += b.length;
  }
  const sliver = morsa.recoverSliver(m, 'primary', 3, symbols);
  assert.deepEqual(sliver.data, enc.sliver('primary', 3).data);
  assert.throws(() => morsa.recoverSliver(m, 'primary', 3, parts[0]), { code: 'DECODING' });
});

test('reward functions reproduce the REWARDS.md vectors', () => {
  for (const c of rewards.encoded_length.cases) {
    assert.equal(morsa.encodedBlobLength(BigInt(c.size), c.n_shards), BigInt(c.encoded_length));
  }
  for (const c of rewards.dhondt.cases) {
    assert.deepEqual([...morsa.dhondt(BigUint64Array.from(c.stakes.map(BigInt)), c.n_shards)], c.expected);
  }
  assert.throws(() => morsa.dhondt(BigUint64Array.of(0n, 0n, 0n), 10), { code: 'REWARDS' });
  for (const c of rewards.commission.cases) {
    assert.deepEqual([...morsa.commissionSplit(BigInt(c.reward), c.rate_bp)], [BigInt(c.commission), BigInt(c.pool_part)]);
  }
  for (const [nodes, cap] of rewards.shard_caps.cases) assert.equal(morsa.maxShardsPerNode(nodes, 1000), BigInt(cap));
  const q = rewards.is_quorum;
  assert.equal(morsa.isQuorum(BigInt(q.min_quorum_weight), BigInt(q.n_shards)), true);
  assert.equal(morsa.isQuorum(BigInt(q.min_quorum_weight - 1), BigInt(q.n_shards)), false);
  for (const u of rewards.storage_payments.units) {
    assert.equal(morsa.storageUnits(BigInt(u.size)), BigInt(u.units));
    assert.equal(morsa.storageCostPerEpoch(BigInt(rewards.storage_payments.storage_price), BigInt(u.size)), BigInt(u.per_epoch));
  }
});

// Certificates are made by the Python package (Ed25519 signing stays out of the browser build)
// and verified here; skipped where the project's virtualenv is missing.
const python = process.env.VIRTUAL_ENV
  ? `${process.env.VIRTUAL_ENV}/bin/python`
  : new URL('../../.venv/bin/python', import.meta.url).pathname;
test('certificates made by the Python package verify here', { skip: !existsSync(python) && 'no .venv' }, () => {
  const script = `
import base64, json, morsa
keys = [morsa.SigningKey(bytes([i + 1]) * 32) for i in range(4)]
committee = morsa.Committee(5, [(k.public_key, [i]) for i, k in enumerate(keys)])
blob_id = morsa.blob_id(b"certified", n_shards=4)
message = morsa.StorageConfirmation(5, blob_id).to_bytes()
builder = morsa.CertificateBuilder(committee, morsa.StorageConfirmation(5, blob_id))
for i, k in enumerate(keys[:3]):
    builder.add(i, message, k.sign(message))
print(json.dumps({"committee": base64.b64encode(committee.to_bytes()).decode(),
                  "certificate": base64.b64encode(builder.finish().to_bytes()).decode(), "blob_id": blob_id}))
`;
  const out = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' }));
  const committee = morsa.Committee.fromBytes(Buffer.from(out.committee, 'base64'));
  assert.equal(committee.nShards, 4);
  const cert = Buffer.from(out.certificate, 'base64');
  const v = morsa.verifyCertificate(cert, committee, 'confirmation');
  assert.deepEqual([v.kind, v.epoch, v.blobId, v.signerWeight, v.nSigners], ['confirmation', 5, out.blob_id, 3, 3]);
  const tampered = Uint8Array.from(cert);
  tampered[tampered.length - 1] ^= 1;
  assert.throws(() => morsa.verifyCertificate(tampered, committee, 'confirmation'), { code: 'SIGNATURE' });
  // Asked for as an invalid-blob attestation, its message (a confirmation) does not parse.
  assert.throws(() => morsa.verifyCertificate(cert, committee, 'invalid_blob'), { code: 'WIRE_FORMAT' });
  // Without a kind, the message's intent decides; unknown kinds are refused with the names taken.
  assert.equal(morsa.verifyCertificate(cert, committee).kind, 'confirmation');
  assert.throws(() => morsa.verifyCertificate(cert, committee, 'invalid'), {
    code: 'INVALID_ARGUMENT',
    message: /'confirmation' or 'invalid_blob'/,
  });
});

test('blob IDs as Move u256 values (SPEC §5.4, little-endian)', () => {
  // The walrus-docs example (num_to_blob_id).
  const decimal = 46269954626831698189342469164469112511517843773769981308926739591706762839432n;
  const blobId = 'iIWkkUTzPZx-d1E_A7LqUynnYFD-ztk39_tP8MLdS2Y';
  assert.equal(morsa.blobIdFromU256(decimal), blobId);
  assert.equal(morsa.blobIdFromU256(decimal.toString()), blobId);
  assert.equal(morsa.blobIdFromU256('0x' + decimal.toString(16)), blobId);
  assert.equal(morsa.blobIdToU256(blobId), decimal);
  const bytes = morsa.parseBlobId(blobId);
  let le = 0n;
  for (let i = 31; i >= 0; i--) le = (le << 8n) | BigInt(bytes[i]);
  assert.equal(le, decimal);
  for (const bad of [-1n, 1n << 256n, '12a', '', '0x']) {
    assert.throws(() => morsa.blobIdFromU256(bad), (e) => e.code === 'INVALID_BLOB_ID');
  }
});
