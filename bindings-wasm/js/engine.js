// The compute side of the client: metadata and sliver verification, decoding and blob IDs.
// `LocalEngine` calls the WebAssembly module in the current thread; `WorkerEngine` runs a
// LocalEngine in a module Web Worker (worker.js) and talks to it with postMessage, so that
// decoding never blocks the page. Both have the same async interface.
import { init, blobIdOfFile, BlobMetadata, BlobDecoder, computeMetadata, encode, wasmMemory, abortError, morsaError } from './index.js';

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function metadataInfo(m) {
  const c = m.config;
  try {
    return {
      blobId: m.blobId,
      rootHash: base64(m.rootHash),
      encodingType: m.encodingType,
      unencodedLength: m.unencodedLength,
      nShards: m.nShards,
      symbolSize: m.symbolSize,
      primarySourceSymbols: c.nPrimarySourceSymbols,
      secondarySourceSymbols: c.nSecondarySourceSymbols,
      primarySliverSize: c.sliverSize('primary', m.unencodedLength),
      secondarySliverSize: c.sliverSize('secondary', m.unencodedLength),
      encodedLength: c.encodedBlobLength(m.unencodedLength),
    };
  } finally {
    c.free();
  }
}

export class LocalEngine {
  constructor() {
    this.metadata = null;
    this.decoders = new Map();
    this.encoded = null;
    this.encodedMetadata = null;
  }

  async ready() {
    await init();
  }

  /** Verifies BCS BlobMetadataWithId for `nShards` against `blobId`; keeps it for decoding. */
  async setMetadata(bytes, nShards, blobId) {
    await init();
    const m = BlobMetadata.fromBytes(bytes, nShards, blobId);
    this.close();
    this.metadata = m;
    return metadataInfo(m);
  }

  /** Verifies one BCS sliver of `axis` and keeps it: `{ added, count, needed, ready }`. */
  async addSliver(axis, bytes) {
    if (!this.metadata) throw morsaError('INVALID_ARGUMENT', 'no metadata: call setMetadata first');
    let d = this.decoders.get(axis);
    if (!d) {
      d = new BlobDecoder(this.metadata, axis);
      this.decoders.set(axis, d);
    }
    const added = d.addSliverBytes(bytes);
    return { added, count: d.count, needed: d.needed, ready: d.isReady };
  }

  /** Decodes from the slivers of `axis` held (SPEC §7). */
  async decode(axis, check = 'default') {
    const d = this.decoders.get(axis);
    if (!d) throw morsaError('DECODING', `no ${axis} slivers were added`);
    return d.decode(check);
  }

  /** The metadata of `bytes` (for checking an aggregator's answer): `{ metadata, data }`. */
  async blobIdOfBytes(bytes, nShards, onProgress) {
    await init();
    const m = computeMetadata(bytes, nShards, onProgress ? (done, steps) => onProgress(done / steps) : undefined);
    try {
      return { metadata: metadataInfo(m), data: bytes };
    } finally {
      m.free();
    }
  }

  /**
   * The metadata of a File/Blob read in slices (in a worker, with FileReaderSync in byte
   * stripes of about `budgetBytes` of working memory).
   */
  async blobIdOfFile(file, nShards, budgetBytes, onProgress) {
    const m = await blobIdOfFile(file, { nShards, budgetBytes, onProgress });
    try {
      return metadataInfo(m);
    } finally {
      m.free();
    }
  }

  /**
   * Encodes a File/Blob (read whole: FileReaderSync in a worker) into its metadata and all `2n`
   * slivers, kept here for `sliverPair` (memory: about 4.5× the file plus the file).
   * Resolves to the metadata info with `metadataBytes` (BCS, what nodes take).
   */
  async encodeFile(file, nShards, onProgress) {
    await init();
    const bytes =
      typeof FileReaderSync !== 'undefined' ? new Uint8Array(new FileReaderSync().readAsArrayBuffer(file)) : new Uint8Array(await file.arrayBuffer());
    this.closeEncoded();
    const total = bytes.length;
    this.encoded = encode(bytes, nShards, onProgress ? (done, steps) => onProgress({ phase: 'encode', loaded: Math.round((total * done) / steps), total }) : undefined);
    this.encodedMetadata = this.encoded.metadata;
    return { ...metadataInfo(this.encodedMetadata), metadataBytes: this.encodedMetadata.metadataBytes() };
  }

  /** The BCS slivers of pair `pair` of the encoded file: `{ primary, secondary }`. */
  async sliverPair(pair) {
    if (!this.encoded) throw morsaError('INVALID_ARGUMENT', 'nothing encoded: call encodeFile first');
    const out = {};
    for (const axis of ['primary', 'secondary']) {
      const sliver = this.encoded.sliver(axis, this.encodedMetadata.sliverIndex(axis, pair));
      try {
        out[axis] = sliver.toBytes();
      } finally {
        sliver.free();
      }
    }
    return out;
  }

  /** Both slivers of each of `pairs`, as the BCS `Vec<Sliver>` of a batched upload. */
  async sliverBatch(pairs) {
    if (!this.encoded) throw morsaError('INVALID_ARGUMENT', 'nothing encoded: call encodeFile first');
    return this.encoded.sliverPairsBcs(Uint32Array.from(pairs));
  }

  /** The size of this engine's WebAssembly memory, in bytes (it only grows). */
  async memoryBytes() {
    await init();
    return wasmMemory().buffer.byteLength;
  }

  closeEncoded() {
    this.encoded?.free();
    this.encodedMetadata?.free();
    this.encoded = null;
    this.encodedMetadata = null;
  }

  close() {
    this.closeEncoded();
    for (const d of this.decoders.values()) d.free();
    this.decoders.clear();
    this.metadata?.free();
    this.metadata = null;
  }

  terminate() {
    this.close();
  }
}

/** Rebuilds an Error (with its name and code) from its structured-clone form. */
function reviveError(data) {
  const err = new Error(data.message);
  err.name = data.name;
  if (data.code) err.code = data.code;
  return err;
}

export class WorkerEngine {
  /** `worker`: a module Worker running worker.js (by default a new one). */
  constructor(worker) {
    this.worker = worker ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.next = 1;
    this.pending = new Map();
    this.dead = null;
    this.worker.onmessage = (e) => {
      const { id, ok, value, error, progress } = e.data;
      const p = this.pending.get(id);
      if (!p) return;
      if (progress !== undefined) {
        p.onProgress?.(progress);
        return;
      }
      this.pending.delete(id);
      if (ok) p.resolve(value);
      else p.reject(reviveError(error));
    };
    this.worker.onerror = (e) => {
      this.fail(morsaError('WORKER', `the decoding worker failed: ${e.message ?? e}`));
    };
  }

  call(op, args, transfer = [], onProgress) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args, progress: Boolean(onProgress) }, transfer);
    });
  }

  fail(err) {
    this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  ready() {
    return this.call('ready', []);
  }

  setMetadata(bytes, nShards, blobId) {
    return this.call('setMetadata', [bytes, nShards, blobId]);
  }

  addSliver(axis, bytes) {
    return this.call('addSliver', [axis, bytes], [bytes.buffer]);
  }

  decode(axis, check) {
    return this.call('decode', [axis, check]);
  }

  blobIdOfBytes(bytes, nShards, onProgress) {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return this.call('blobIdOfBytes', [bytes, nShards], whole ? [bytes.buffer] : [], onProgress);
  }

  blobIdOfFile(file, nShards, budgetBytes, onProgress) {
    return this.call('blobIdOfFile', [file, nShards, budgetBytes], [], onProgress);
  }

  encodeFile(file, nShards, onProgress) {
    return this.call('encodeFile', [file, nShards], [], onProgress);
  }

  sliverPair(pair) {
    return this.call('sliverPair', [pair]);
  }

  sliverBatch(pairs) {
    return this.call('sliverBatch', [pairs]);
  }

  memoryBytes() {
    return this.call('memoryBytes', []);
  }

  /** Stops the worker at once, even in the middle of decoding; pending calls reject. */
  terminate(reason) {
    this.worker.terminate();
    this.fail(reason ?? abortError());
  }
}
