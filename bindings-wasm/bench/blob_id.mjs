// Blob-ID throughput of the WebAssembly build in Node, at 1000 shards (Walrus mainnet), for
// 1 MiB and 100 MiB of pseudo-random bytes. Not a test: prints one line per size.
//
// With --file-mib M, also the blob ID of an M MiB temporary file read through positioned reads
// (computeMetadataFromReader, as a Web Worker reads a File): time, WebAssembly memory and RSS.
//
// Usage: bash bindings-wasm/build.sh && node bindings-wasm/bench/blob_id.mjs [--runs N] [--file-mib M]
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { init, computeMetadata, computeMetadataFromReader, BlobIdBuilder, DEFAULT_STREAM_BUDGET, wasmMemory } from '../js/index.js';

const N_SHARDS = 1000;
const SIZES = [1 << 20, 100 << 20];
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const fileArg = process.argv.indexOf('--file-mib');
const FILE_MIB = fileArg > 0 ? Number(process.argv[fileArg + 1]) : 0;

function bytes(length) {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

await init();
console.log(`morsa-wasm blob ID, ${N_SHARDS} shards, node ${process.version}, best of ${RUNS} runs`);
for (const size of SIZES) {
  const data = bytes(size);
  let best = Infinity;
  let id;
  for (let run = 0; run < RUNS; run++) {
    // As a browser does with a File: chunks into one pre-sized buffer inside WebAssembly memory.
    const t0 = performance.now();
    const builder = new BlobIdBuilder(size, N_SHARDS);
    for (let i = 0; i < size; i += 8 << 20) builder.update(data.subarray(i, i + (8 << 20)));
    const m = builder.finish();
    best = Math.min(best, performance.now() - t0);
    id = m.blobId;
    m.free();
    builder.free();
  }
  const mib = size / (1 << 20);
  const rss = process.memoryUsage().rss / (1 << 20);
  console.log(
    `${String(mib).padStart(4)} MiB: ${(best / 1000).toFixed(3)} s, ${(mib / (best / 1000)).toFixed(1)} MiB/s, RSS ${rss.toFixed(0)} MiB  ${id}`,
  );
}
// One-shot for comparison (a copy of the bytes into wasm memory instead of chunks).
const small = bytes(1 << 20);
const t0 = performance.now();
computeMetadata(small, N_SHARDS).free();
console.log(`   1 MiB one-shot computeMetadata: ${((performance.now() - t0) / 1000).toFixed(3)} s`);

if (FILE_MIB > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'morsa-bench-'));
  const path = join(dir, 'blob.bin');
  try {
    const size = FILE_MIB << 20;
    const fd = openSync(path, 'w+');
    const chunk = bytes(16 << 20);
    for (let i = 0; i < size; i += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, size - i), i);
    let reads = 0;
    let readBytes = 0;
    const read = (offset, length) => {
      reads++;
      readBytes += length;
      const buf = new Uint8Array(length);
      readSync(fd, buf, 0, length, offset);
      return buf;
    };
    const t1 = performance.now();
    const m = computeMetadataFromReader(size, N_SHARDS, read, DEFAULT_STREAM_BUDGET);
    const secs = (performance.now() - t1) / 1000;
    closeSync(fd);
    console.log(
      `${String(FILE_MIB).padStart(4)} MiB file, positioned reads: ${secs.toFixed(3)} s, ${(FILE_MIB / secs).toFixed(1)} MiB/s, ` +
        `WebAssembly memory ${(wasmMemory().buffer.byteLength / (1 << 20)).toFixed(0)} MiB, RSS ${(process.memoryUsage().rss / (1 << 20)).toFixed(0)} MiB, ` +
        `${reads} reads of ${(readBytes / (1 << 30)).toFixed(1)} GiB  ${m.blobId}`,
    );
    m.free();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
