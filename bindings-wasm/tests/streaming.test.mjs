// The streaming blob ID of the WebAssembly build: `computeMetadata`, `blobId` and
// `BlobIdBuilder` (bytes in memory) and `computeMetadataFromReader` (positioned reads through a
// callback, as a worker reads a File) against `encode`, which hashes every symbol one at a time
// with the `blake2` crate: so the batched, SIMD hashing is checked byte for byte across shard
// counts, symbol sizes (one or several BLAKE2b blocks, ragged last blocks) and stripe widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as morsa from '../js/index.js';

await morsa.init();

function bytes(length, seed) {
  const out = new Uint8Array(length);
  let x = (0x9e3779b9 ^ seed) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The blob ID of `encode` (the one-symbol-at-a-time path). */
function referenceId(data, nShards) {
  const e = morsa.encode(data, nShards);
  try {
    return e.blobId;
  } finally {
    e.free();
  }
}

function readerOver(data, calls) {
  return (offset, length) => {
    calls.count++;
    assert.ok(offset >= 0 && length >= 0 && offset + length <= data.length, `read(${offset}, ${length}) within the blob`);
    return data.slice(offset, offset + length);
  };
}

const CASES = [
  // [nShards, sizes]: symbol sizes from 2 bytes to several BLAKE2b blocks.
  [4, [0, 1, 17, 1000, 5000, 40_000]],
  [10, [3, 700, 9_999, 100_000]],
  [31, [12_345, 300_001]],
  [100, [1, 65_536, 1_000_000]],
];

test('computeMetadata, blobId and BlobIdBuilder equal the one-at-a-time encoder', () => {
  for (const [n, sizes] of CASES) {
    for (const size of sizes) {
      const data = bytes(size, size + n);
      const expected = referenceId(data, n);
      const m = morsa.computeMetadata(data, n);
      assert.equal(m.blobId, expected, `computeMetadata n ${n} size ${size}`);
      m.free();
      assert.equal(morsa.blobId(data, n), expected, `blobId n ${n} size ${size}`);
      const b = new morsa.BlobIdBuilder(size, n);
      b.update(data.subarray(0, size >> 1));
      b.update(data.subarray(size >> 1));
      const fromBuilder = b.finish();
      assert.equal(fromBuilder.blobId, expected, `BlobIdBuilder n ${n} size ${size}`);
      fromBuilder.free();
      b.free();
    }
  }
});

test('computeMetadataFromReader equals computeMetadata, in one stripe or many', () => {
  for (const [n, sizes] of CASES) {
    for (const size of sizes) {
      const data = bytes(size, 7 * size + n);
      const m = morsa.computeMetadata(data, n);
      const expected = m.toBytes();
      m.free();
      // No budget: one stripe for these sizes; budget 0: 128-byte stripes.
      for (const budget of [undefined, 0, 200_000]) {
        const calls = { count: 0 };
        const got = morsa.computeMetadataFromReader(size, n, readerOver(data, calls), budget);
        assert.deepEqual(got.toBytes(), expected, `n ${n} size ${size} budget ${budget}`);
        got.free();
      }
    }
  }
});

test('computeMetadataFromReader reports progress and bounds its reads', () => {
  const size = 3 << 20;
  const data = bytes(size, 1);
  const calls = { count: 0 };
  const seen = [];
  const m = morsa.computeMetadataFromReader(size, 100, readerOver(data, calls), 1 << 20, (done, total) => seen.push([done, total]));
  assert.equal(m.blobId, morsa.blobId(data, 100));
  m.free();
  assert.ok(seen.length >= 4, 'several stripes, two steps each');
  assert.deepEqual(seen.at(-1), [seen.at(-1)[1], seen.at(-1)[1]], 'progress ends at its total');
  // One read per source row and stripe (the pieces of a row in one span), not one per symbol.
  const stripes = seen.length / 2;
  assert.ok(calls.count <= stripes * 34 + 34, `${calls.count} reads for ${stripes} stripes`);
});

test('computeMetadataFromReader: reader errors and short reads', () => {
  const boom = new Error('disk on fire');
  assert.throws(() => morsa.computeMetadataFromReader(10_000, 10, () => {
    throw boom;
  }), (e) => e === boom);
  assert.throws(() => morsa.computeMetadataFromReader(10_000, 10, (o, l) => new Uint8Array(l - 1)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => morsa.computeMetadataFromReader(10_000, 10, () => 'nope'), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => morsa.computeMetadataFromReader(-1, 10, () => new Uint8Array(0)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => morsa.computeMetadataFromReader(1e15, 10, () => new Uint8Array(0)), { code: 'BLOB_TOO_LARGE' });
});
