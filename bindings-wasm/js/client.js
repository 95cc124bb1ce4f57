// A browser (and Node) client that reads Walrus blobs and verifies them, with fetch():
//
//  * from storage nodes (`nodes` with their shards, or a Morsa control plane's committee at
//    `chainUrl`): metadata verified against the blob ID, every sliver verified against the
//    metadata, the blob decoded from p primary (or s secondary) slivers and checked (SPEC §7);
//  * from any Walrus aggregator (`aggregatorUrl`): the bytes are accepted only if their blob ID,
//    recomputed here for `nShards` shards, is the one asked for.
//
// Verification and decoding run in a Web Worker where `Worker` exists (browsers), else in the
// current thread. Progress is reported in bytes; an AbortSignal cancels fetches and stops the
// worker at once.
import { init, pairIndexForShard, parseBlobId, abortError, morsaError } from './index.js';
import { LocalEngine, WorkerEngine } from './engine.js';

const PROTOCOL_AXES = ['primary', 'secondary'];

async function fetchOk(url, signal, what) {
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw morsaError('NETWORK', `${what}: cannot reach ${url}: ${err.message}`, err);
  }
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.text()).slice(0, 200);
    } catch {
      // the status says enough
    }
    throw morsaError(response.status === 404 ? 'NOT_FOUND' : 'HTTP', `${what}: ${url} answered ${response.status} ${detail}`.trim());
  }
  return response;
}

/** Reads a response body, reporting bytes; preallocates when Content-Length is known. */
async function readBody(response, onBytes, signal) {
  const length = Number(response.headers.get('content-length'));
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onBytes?.(bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  let out = Number.isSafeInteger(length) && length > 0 ? new Uint8Array(length) : null;
  const chunks = [];
  let received = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const { done, value } = await reader.read();
      if (done) break;
      if (out && received + value.length <= out.length) out.set(value, received);
      else {
        if (out) {
          chunks.push(out.subarray(0, received));
          out = null;
        }
        chunks.push(value);
      }
      received += value.length;
      onBytes?.(received);
    }
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
  if (out) return received === out.length ? out : out.subarray(0, received);
  const all = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return all;
}

/**
 * Every URL the client requests, in one place: the Walrus storage-node REST API (SPEC §11), the
 * aggregator API (SPEC §12.1) and the Morsa control plane (docs/network.md). `pair` is a sliver
 * pair index, not a shard index.
 */
const paths = {
  committee: (chainUrl) => `${chainUrl.replace(/\/+$/, '')}/v1/committee`,
  metadata: (nodeUrl, blobId) => `${nodeUrl}/v1/blobs/${blobId}/metadata`,
  sliver: (nodeUrl, blobId, pair, axis) => `${nodeUrl}/v1/blobs/${blobId}/slivers/${pair}/${axis}`,
  aggregatorBlob: (aggregatorUrl, blobId) => `${aggregatorUrl.replace(/\/+$/, '')}/v1/blobs/${blobId}`,
};

function unwrap(json) {
  return json && typeof json === 'object' && 'success' in json ? json.success.data : json;
}

/**
 * The committee of a Morsa control plane (`GET {chainUrl}/v1/committee`, docs/network.md):
 * `{ epoch, nShards, committee, nodes: [{ name, url, shards }] }` (`committee`: the postcard
 * committee, base64, for `Committee.fromBytes`; `nodes` in the committee's member order).
 */
export async function fetchCommittee(chainUrl, { signal } = {}) {
  const data = unwrap(await (await fetchOk(paths.committee(chainUrl), signal, 'committee')).json());
  return {
    epoch: data.epoch,
    nShards: data.n_shards,
    committee: data.committee,
    // 'ed25519' (Morsa's certificates) or 'bls12381' (Walrus's aggregates; each member's BLS key).
    signatureScheme: data.signature_scheme ?? 'ed25519',
    nodes: data.members.map((m) => ({
      name: m.name,
      url: m.url.replace(/\/+$/, ''),
      shards: m.shards,
      blsPublicKey: m.bls_public_key ? Uint8Array.from(atob(m.bls_public_key), (c) => c.charCodeAt(0)) : undefined,
    })),
  };
}

function makeEngine(worker) {
  if (worker === false) return new LocalEngine();
  if (worker && typeof worker === 'object') return new WorkerEngine(worker);
  if (typeof Worker === 'function') return new WorkerEngine();
  return new LocalEngine();
}

/** Runs `fn(engine)` with a new engine (see `worker`), stopped at the end or on abort. */
export async function withEngine(options, fn) {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const engine = makeEngine(options.worker);
  const onAbort = () => engine.terminate(abortError(signal));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await engine.ready();
    return await fn(engine);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    engine.terminate();
  }
}

/**
 * Reads blob `blobId` from storage nodes and verifies it.
 *
 * Options: `nodes: [{ url, shards }]` and `nShards`, or `chainUrl` (a Morsa control plane);
 * `onProgress({ phase, loaded, total })` in bytes (`"slivers"`: verified sliver bytes of the
 * `needed` slivers; `"decode"` at the end); `signal`; `consistencyCheck` (`"default"`,
 * `"strict"`, `"skip"`); `concurrency` (parallel requests, default 8); `worker` (`false` to
 * decode in this thread, or a Worker running worker.js).
 *
 * Resolves to `{ data: Uint8Array, blobId, metadata, invalidSlivers, axis }`.
 */
export async function readFromNodes(blobId, options = {}) {
  await init();
  parseBlobId(blobId); // INVALID_BLOB_ID before any request
  const { signal, onProgress, consistencyCheck = 'default', concurrency = 8 } = options;
  let { nodes, nShards } = options;
  if (!nodes) {
    if (!options.chainUrl) throw morsaError('INVALID_ARGUMENT', 'give `nodes` and `nShards`, or `chainUrl`');
    const committee = await fetchCommittee(options.chainUrl, { signal });
    nodes = committee.nodes;
    nShards = committee.nShards;
  }
  nShards ??= nodes.reduce((n, node) => n + node.shards.length, 0);
  const ownerOfShard = new Map();
  for (const node of nodes) for (const shard of node.shards) ownerOfShard.set(shard, node);

  return withEngine(options, async (engine) => {
    // 1. Metadata from any node, verified against the blob ID (SPEC §5.5).
    let metadata;
    const problems = [];
    for (const node of nodes) {
      try {
        const r = await fetchOk(paths.metadata(node.url, blobId), signal, 'metadata');
        metadata = await engine.setMetadata(new Uint8Array(await r.arrayBuffer()), nShards, blobId);
        break;
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        problems.push(`${node.url}: ${err.message}`);
      }
    }
    if (!metadata) {
      const notFound = problems.length > 0 && problems.every((p) => p.includes(' 404'));
      throw morsaError(notFound ? 'NOT_FOUND' : 'VERIFICATION', `no storage node returned verified metadata for ${blobId}: ${problems.slice(0, 3).join('; ')}`);
    }

    // 2. Slivers of one axis (primary first), each verified as it arrives (SPEC §6).
    const invalidSlivers = [];
    for (const axis of PROTOCOL_AXES) {
      const needed = axis === 'primary' ? metadata.primarySourceSymbols : metadata.secondarySourceSymbols;
      const sliverSize = axis === 'primary' ? metadata.primarySliverSize : metadata.secondarySliverSize;
      const total = needed * sliverSize;
      let verified = 0;
      let ready = false;
      const pairs = [];
      for (let shard = 0; shard < nShards; shard++) {
        const node = ownerOfShard.get(shard);
        if (node) pairs.push({ pair: pairIndexForShard(blobId, nShards, shard), node });
      }
      let next = 0;
      // Requests still in flight once enough slivers verified are cancelled.
      const enough = new AbortController();
      const fetchSignal = signal && AbortSignal.any ? AbortSignal.any([signal, enough.signal]) : enough.signal;
      const worker = async () => {
        while (!ready && next < pairs.length) {
          const { pair, node } = pairs[next++];
          const url = paths.sliver(node.url, blobId, pair, axis);
          let bytes;
          try {
            bytes = new Uint8Array(await (await fetchOk(url, fetchSignal, 'sliver')).arrayBuffer());
          } catch (err) {
            if (signal?.aborted) throw abortError(signal);
            if (ready) return;
            invalidSlivers.push({ url, reason: err.message });
            continue;
          }
          if (ready) return;
          try {
            const state = await engine.addSliver(axis, bytes);
            if (state.added) {
              verified = state.count;
              onProgress?.({ phase: 'slivers', loaded: Math.min(total, verified * sliverSize), total });
            }
            if (state.ready) {
              ready = true;
              enough.abort();
            }
          } catch (err) {
            if (signal?.aborted || err.code === 'ABORTED' || err.name === 'AbortError') throw abortError(signal);
            invalidSlivers.push({ url, reason: err.message, code: err.code });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
      if (!ready) continue;
      // 3. Decode and check (SPEC §7), off the main thread.
      onProgress?.({ phase: 'decode', loaded: total, total });
      const data = await engine.decode(axis, consistencyCheck);
      onProgress?.({ phase: 'done', loaded: data.length, total: data.length });
      return { data, blobId, metadata, invalidSlivers, axis };
    }
    throw morsaError('DECODING', `not enough valid slivers of ${blobId} on the storage nodes (${invalidSlivers.length} failed: ${invalidSlivers.slice(0, 3).map((s) => s.reason).join('; ')})`);
  });
}

/**
 * Reads blob `blobId` through a Walrus aggregator (`GET {aggregatorUrl}/v1/blobs/{blobId}`)
 * and verifies it: its blob ID for `nShards` shards (default 1000, Walrus mainnet and testnet)
 * must be `blobId`, else the promise rejects with code `VERIFICATION`.
 *
 * Options: `nShards`, `onProgress({ phase, loaded, total })` in bytes (`"download"` then
 * `"verify"`), `signal`, `worker`. Resolves to `{ data, blobId, metadata }`.
 */
export async function readFromAggregator(blobId, aggregatorUrl, options = {}) {
  await init();
  parseBlobId(blobId);
  const { signal, onProgress, nShards = 1000 } = options;
  const response = await fetchOk(paths.aggregatorBlob(aggregatorUrl, blobId), signal, 'aggregator');
  const expected = Number(response.headers.get('content-length')) || 0;
  const data = await readBody(response, (n) => onProgress?.({ phase: 'download', loaded: n, total: Math.max(expected, n) }), signal);
  return withEngine(options, async (engine) => {
    const total = data.length;
    // A worker engine takes the bytes (transferred, not copied) and hands them back.
    const { metadata, data: checked } = await engine.blobIdOfBytes(data, nShards, (fraction) =>
      onProgress?.({ phase: 'verify', loaded: Math.round(total * fraction), total }),
    );
    if (metadata.blobId !== blobId) {
      throw morsaError('VERIFICATION', `the aggregator returned ${total} bytes whose blob ID (${nShards} shards) is ${metadata.blobId}, not ${blobId}: rejected`);
    }
    onProgress?.({ phase: 'done', loaded: total, total });
    return { data: checked, blobId, metadata };
  });
}

/**
 * The metadata (blob ID and geometry) of a File/Blob, computed in a Web Worker where one
 * exists; the file is read there with FileReaderSync in byte stripes, in bounded memory (about
 * `budgetBytes`, default 128 MiB, plus 72 MiB of hash states at 1000 shards, whatever the file
 * size). Options: `nShards`, `budgetBytes`, `onProgress({ phase, loaded, total })`, `signal`,
 * `worker`.
 */
export async function blobIdOfFileOffThread(file, options = {}) {
  const { nShards = 1000, budgetBytes, onProgress } = options;
  return withEngine(options, (engine) => engine.blobIdOfFile(file, nShards, budgetBytes, onProgress));
}
