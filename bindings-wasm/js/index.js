// morsa-wasm: Walrus-compatible blob IDs, encoding, verified decoding and recovery in the
// browser and in Node. The exports of the WebAssembly module (conversion and error mapping over
// morsa-core) plus `init()` and `blobIdOfFile()`, which reads a File/Blob in slices.
//
// Every error thrown by the module is an `Error` with `name === "MorsaError"` and a stable
// `code` (one per error kind of the Rust core: ENCODING, BLOB_TOO_LARGE, INVALID_BLOB_ID,
// WIRE_FORMAT, VERIFICATION, DECODING, INCONSISTENT_ENCODING, RANGE, COMMITTEE, CERTIFICATE,
// SIGNATURE, QUILT, INVALID_ARGUMENT, REWARDS).
import initWasm, { initSync as initWasmSync, BlobIdBuilder, EncodingConfig, computeMetadataFromReader } from '../pkg/morsa_wasm.js';

export * from '../pkg/morsa_wasm.js';

let ready = null;
let exports = null;

/** The URL of the .wasm file next to the generated glue. */
export const wasmUrl = new URL('../pkg/morsa_wasm_bg.wasm', import.meta.url);

/**
 * Loads and instantiates the WebAssembly module once. `source` may be a URL, a Response,
 * bytes or a WebAssembly.Module; by default the .wasm next to the package is fetched (in Node,
 * read from disk).
 */
export function init(source) {
  if (!ready) {
    ready = (async () => {
      let module = source;
      if (module === undefined && typeof process !== 'undefined' && process.versions?.node) {
        const { readFile } = await import('node:fs/promises');
        module = await readFile(wasmUrl);
      }
      exports = await initWasm({ module_or_path: module ?? wasmUrl });
    })();
  }
  return ready;
}

/** Instantiates the module synchronously from bytes or a WebAssembly.Module. */
export function initSync(module) {
  exports = initWasmSync({ module });
  ready = Promise.resolve();
}

/** The WebAssembly memory of the instance (after `init`), to watch its size. */
export function wasmMemory() {
  if (!exports) throw morsaError('INVALID_ARGUMENT', 'the module is not initialized: await init() first');
  return exports.memory;
}

/** An `Error` with a stable `code`, like the module's own. */
export function morsaError(code, message, cause) {
  const err = new Error(message, cause === undefined ? undefined : { cause });
  err.name = 'MorsaError';
  err.code = code;
  return err;
}

export function abortError(signal) {
  if (signal?.reason instanceof Error) return signal.reason;
  const err = new Error('the operation was aborted');
  err.name = 'AbortError';
  err.code = 'ABORTED';
  return err;
}

const DEFAULT_CHUNK_BYTES = 8 << 20;

/** The default working memory of `blobIdOfFileSync` (see there). */
export const DEFAULT_STREAM_BUDGET = 128 << 20;

/**
 * The verified metadata of a `File` or `Blob`, read synchronously with `FileReaderSync` (only
 * in Web Workers): the file is never held whole, so WebAssembly memory stays about
 * `budgetBytes` plus 72 MiB of hash states at 1000 shards, whatever the file size (a 1 GiB
 * file in about 210 MiB). The file is read in byte stripes, each byte once per stripe (13
 * stripes for 1 GiB at the default budget): a larger budget reads less often.
 *
 * `onProgress({ phase: "hash", loaded, total })` reports bytes (the steps scaled to bytes).
 *
 * @returns {import('../pkg/morsa_wasm.js').BlobMetadata}
 */
export function blobIdOfFileSync(file, { nShards = 1000, budgetBytes = DEFAULT_STREAM_BUDGET, onProgress } = {}) {
  if (typeof FileReaderSync === 'undefined') throw morsaError('INVALID_ARGUMENT', 'blobIdOfFileSync needs FileReaderSync (a Web Worker)');
  const reader = new FileReaderSync();
  const total = file.size;
  const read = (offset, length) => new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + length)));
  const report = onProgress
    ? (done, steps) => onProgress({ phase: 'hash', loaded: Math.round((total * done) / steps), total })
    : undefined;
  return computeMetadataFromReader(total, nShards, read, budgetBytes, report);
}

/**
 * The verified metadata (blob ID, length, symbol size) of a `File` or `Blob`. In a Web Worker
 * it is read with `FileReaderSync` in bounded memory (`blobIdOfFileSync`); elsewhere with
 * `Blob.slice()` in chunks of `chunkBytes` into one buffer inside WebAssembly memory: JS never
 * holds the whole file.
 *
 * `onProgress({ phase, loaded, total })` reports bytes: phase `"read"` while reading, then
 * `"hash"` while the RedStuff expansion is hashed (its steps scaled to bytes; in a worker, only
 * `"hash"`, reading and hashing being interleaved). Aborting `signal` stops between chunks (the
 * hashing itself runs to its end; run it in a Worker to cancel it at once, as the client does).
 *
 * @returns {Promise<import('../pkg/morsa_wasm.js').BlobMetadata>}
 */
export async function blobIdOfFile(file, { nShards = 1000, chunkBytes = DEFAULT_CHUNK_BYTES, onProgress, signal, budgetBytes } = {}) {
  await init();
  if (typeof FileReaderSync !== 'undefined') {
    if (signal?.aborted) throw abortError(signal);
    return blobIdOfFileSync(file, { nShards, budgetBytes, onProgress });
  }
  const total = file.size;
  const builder = new BlobIdBuilder(total, nShards);
  try {
    for (let offset = 0; offset < total; offset += chunkBytes) {
      if (signal?.aborted) throw abortError(signal);
      const end = Math.min(total, offset + chunkBytes);
      const chunk = new Uint8Array(await file.slice(offset, end).arrayBuffer());
      builder.update(chunk);
      onProgress?.({ phase: 'read', loaded: end, total });
    }
    if (signal?.aborted) throw abortError(signal);
    const report = onProgress
      ? (done, steps) => onProgress({ phase: 'hash', loaded: Math.round((total * done) / steps), total })
      : undefined;
    return builder.finish(report);
  } finally {
    builder.free();
  }
}

/** The encoding geometry of a blob of `size` bytes for `nShards` shards, as plain numbers. */
export async function geometry(size, nShards = 1000) {
  await init();
  const c = new EncodingConfig(nShards);
  try {
    return {
      nShards: c.nShards,
      maxFaulty: c.maxFaulty,
      primarySourceSymbols: c.nPrimarySourceSymbols,
      secondarySourceSymbols: c.nSecondarySourceSymbols,
      symbolSize: c.symbolSize(size),
      primarySliverSize: c.sliverSize('primary', size),
      secondarySliverSize: c.sliverSize('secondary', size),
      encodedLength: c.encodedBlobLength(size),
      maxBlobSize: c.maxBlobSize,
    };
  } finally {
    c.free();
  }
}
