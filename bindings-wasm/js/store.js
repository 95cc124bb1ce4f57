// Storing a File from the browser (or Node): the blob's metadata is computed here, in a Web
// Worker, the account registers and pays on a Morsa control plane with a signed request, and
// the slivers reach the storage nodes either
//
//  * through an upload relay (`relayUrl`, Walrus's `POST /v1/blob-upload-relay`, SPEC §12.2):
//    the worker only computes the blob ID, reading the file in byte stripes in bounded memory
//    (about `budgetBytes` plus 72 MiB of hash states at 1000 shards, whatever the file size),
//    and the file's bytes go to the relay as they are read from disk; the certificate the relay
//    returns is verified against the committee before it is certified; or
//  * directly to the nodes: the worker encodes the whole file (about 4.5× its size in
//    WebAssembly memory, hence `directLimitBytes`), every node gets the metadata and its slivers
//    (SPEC §11) and signs a storage confirmation; a quorum of them is the certificate.
//
// Progress is reported in bytes per phase; an AbortSignal cancels requests and stops the worker
// at once. Nothing is certified unless the certificate verifies.
import { init, wasmMemory, BlsCertificateBuilder, Committee, CertificateBuilder, SigningKey, blobIdFromBytes, pairIndexForShard, requestMessage, signerBitmap, storageConfirmationEpoch, verifyCertificate, verifyWalrusCertificate, walrusCertificateBytes, abortError, morsaError } from './index.js';
import { fetchCommittee, withEngine } from './client.js';

const HEADER_ACCOUNT = 'X-Morsa-Account';
const HEADER_NONCE = 'X-Morsa-Nonce';
const HEADER_SIGNATURE = 'X-Morsa-Signature';
/** How long a node that has not seen the current epoch yet is asked again (ms). */
const EPOCH_CATCH_UP_MS = 5000;
/** The largest file stored directly to the nodes by default: it is encoded whole in memory
 * (about 4.5× the file, plus the file: 394 MiB of WebAssembly memory for 32 MiB). */
export const DEFAULT_DIRECT_LIMIT = 32 << 20;
/** The size of a batch of slivers uploaded in one request. */
const BATCH_BYTES = 2 << 20;

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function fromHex(text) {
  const clean = text.trim().replace(/^0x/, '');
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2) throw morsaError('INVALID_ARGUMENT', 'not hex digits');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * An account of a Morsa control plane: an Ed25519 key pair whose address is `0x` and the hex of
 * its public key (the key file of `morsa account new` holds the seed as 64 hex digits).
 */
export class Account {
  /** The account of a 32-byte seed (bytes, or 64 hex digits), once `init()` resolved (else
   * use `Account.fromSeed`). Throws `INVALID_ARGUMENT` for anything else. */
  constructor(seed) {
    wasmMemory(); // INVALID_ARGUMENT before init()
    this.key = new SigningKey(typeof seed === 'string' ? fromHex(seed) : seed);
    this.address = `0x${hex(this.key.publicKey)}`;
  }

  /** The account of a seed, after loading the module. */
  static async fromSeed(seed) {
    await init();
    return new Account(seed);
  }

  /** A new random account; its seed is `account.seedHex` (keep it to use the account again). */
  static async generate() {
    await init();
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const account = new Account(seed);
    account.seedHex = hex(seed);
    return account;
  }

  /** The headers that authenticate a request as this account's (core `auth`). */
  signRequest(method, path, body) {
    const nonce = `${Date.now()}.${hex(crypto.getRandomValues(new Uint8Array(8)))}`;
    const signature = this.key.sign(requestMessage(method, path, nonce, body));
    return { [HEADER_ACCOUNT]: this.address, [HEADER_NONCE]: nonce, [HEADER_SIGNATURE]: base64(signature) };
  }
}

async function call(url, init, signal, what) {
  let response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw morsaError('NETWORK', `${what}: cannot reach ${url}: ${err.message}`, err);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the status and text say what happened
  }
  return { status: response.status, ok: response.ok, json, text };
}

/** The `{ error: { code, message, status } }` of a Walrus-shaped error, as one line. */
function reasonOf(answer) {
  const e = answer.json?.error;
  const reason = e?.details?.find?.((d) => d.reason)?.reason ?? e?.status ?? '';
  return `${answer.status} ${reason} ${e?.message ?? answer.text.slice(0, 200)}`.replace(/\s+/g, ' ').trim();
}

function data(answer, url, what) {
  if (!answer.ok) throw morsaError(answer.status === 404 ? 'NOT_FOUND' : 'HTTP', `${what}: ${url} answered ${reasonOf(answer)}`);
  const json = answer.json;
  return json && typeof json === 'object' && 'success' in json ? json.success.data : json;
}

/** Registers (and pays for) the blob of `info` as `account`: `{ blobObject, cost, newlyRegistered }`. */
async function register(chainUrl, account, info, { epochs, deletable, signal }) {
  const path = '/v1/blobs';
  const body = new TextEncoder().encode(
    JSON.stringify({
      force: false,
      attributes: {},
      owner: null,
      reuse_resources: true,
      blob_id: info.blobId,
      root_hash: info.rootHash,
      size: info.unencodedLength,
      encoding_type: info.encodingType,
      epochs_ahead: epochs,
      deletable,
    }),
  );
  const url = `${chainUrl}${path}`;
  const answer = await call(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...account.signRequest('POST', path, body) } }, signal, 'register');
  if (answer.status === 409 && answer.json?.success) return { blobObject: answer.json.success.data.blob_object, cost: 0, newlyRegistered: false };
  if (answer.status === 402 || reasonOf(answer).includes('INSUFFICIENT')) {
    throw morsaError('INSUFFICIENT_FUNDS', `account ${account.address} cannot pay: ${reasonOf(answer)} (on a devnet: morsa devnet fund ${account.address})`);
  }
  const d = data(answer, url, 'register');
  return { blobObject: d.blob_object, cost: Number(d.cost), newlyRegistered: d.newly_registered ?? true };
}

/** Sends `file` to `url` with POST, reporting bytes sent (XMLHttpRequest where it exists). */
function postFile(url, file, signal, onSent) {
  if (typeof XMLHttpRequest === 'undefined') {
    return call(url, { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' }, signal, 'upload relay').then((a) => {
      onSent?.(file.size);
      return a;
    });
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.open('POST', url);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onSent?.(e.loaded);
    xhr.onload = () => {
      signal?.removeEventListener('abort', onAbort);
      let json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300, json, text: xhr.responseText });
    };
    xhr.onerror = () => {
      signal?.removeEventListener('abort', onAbort);
      reject(morsaError('NETWORK', `upload relay: cannot reach ${url}`));
    };
    xhr.onabort = () => reject(abortError(signal));
    xhr.send(file);
  });
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(abortError(signal));
    }, { once: true });
  });

/**
 * Uploads the encoded blob held by `engine` to every member of `committee` and collects their
 * confirmations into `builder`; returns `{ failed: { [node]: reason } }`.
 */
async function uploadToNodes(engine, view, committee, info, objectId, builder, { signal, concurrency, onSent }) {
  const { blobId } = info;
  const failed = {};
  let sent = 0;
  const confirmationPath = objectId ? `confirmation/deletable/0x${hex(objectId)}` : 'confirmation/permanent';
  const member = async (node, index) => {
    const base = `${node.url}/v1/blobs/${blobId}`;
    const put = async (url, body) => {
      const answer = await call(url, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } }, signal, 'upload');
      if (!answer.ok) throw morsaError('HTTP', `${url} answered ${reasonOf(answer)}`);
    };
    const deadline = Date.now() + EPOCH_CATCH_UP_MS;
    for (;;) {
      try {
        await put(`${base}/metadata`, info.metadataBytes);
        const pairs = committee.memberShards(index).map((shard) => view.pairOf(shard));
        // Batches of about BATCH_BYTES (PUT /v1/blobs/{id}/slivers, a Morsa extension); one
        // sliver per request for nodes without it (404 or 405), as on Walrus.
        const perBatch = Math.max(1, Math.floor(BATCH_BYTES / (info.primarySliverSize + info.secondarySliverSize)));
        const batches = [];
        for (let i = 0; i < pairs.length; i += perBatch) batches.push(pairs.slice(i, i + perBatch));
        let next = 0;
        let unbatched = false;
        const worker = async () => {
          while (next < batches.length) {
            const batch = batches[next++];
            if (!unbatched) {
              const body = await engine.sliverBatch(batch);
              const url = `${base}/slivers`;
              const answer = await call(url, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } }, signal, 'upload');
              if (answer.ok) {
                sent += body.length;
                onSent(sent);
                continue;
              }
              if (answer.status !== 404 && answer.status !== 405) throw morsaError('HTTP', `${url} answered ${reasonOf(answer)}`);
              unbatched = true;
            }
            for (const pair of batch) {
              const slivers = await engine.sliverPair(pair);
              for (const axis of ['primary', 'secondary']) {
                await put(`${base}/slivers/${pair}/${axis}`, slivers[axis]);
                sent += slivers[axis].length;
                onSent(sent);
              }
            }
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
        for (;;) {
          const url = `${base}/${confirmationPath}`;
          const signed = data(await call(url, {}, signal, 'confirmation'), url, 'confirmation').signed;
          const message = fromBase64(signed.serializedMessage);
          if (storageConfirmationEpoch(message) < committee.epoch && Date.now() < deadline) {
            await sleep(250, signal); // the node has not seen the epoch change yet
            continue;
          }
          builder.add(index, message, fromBase64(signed.signature));
          return;
        }
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        const reason = err.message ?? String(err);
        if (Date.now() < deadline && /SHARD_NOT_ASSIGNED|MISSING_SLIVERS/.test(reason)) {
          await sleep(250, signal);
          continue;
        }
        failed[node.name ?? node.url] = reason;
        return;
      }
    }
  };
  await Promise.all(view.nodes.map((node, index) => member(node, index)));
  return { failed };
}

/**
 * Stores a File or Blob on a Morsa network (a devnet's control plane at `chainUrl`) as
 * `account` (an {@link Account}, which pays), and resolves once the blob is certified.
 *
 * Options:
 *  - `relayUrl`: an upload relay (`morsa daemon`'s, or any Walrus upload relay without a tip);
 *    without it the slivers go directly to the storage nodes;
 *  - `epochs` (default 1), `deletable` (default false);
 *  - `onProgress({ phase, loaded, total })`: phases `"hash"` (relay: the blob ID, bytes of the
 *    file) or `"encode"` (direct), `"register"`, `"upload"` (bytes sent: the file to the relay,
 *    or sliver bytes to the nodes), `"certify"`, `"done"`;
 *  - `signal` (AbortSignal): stops everything at once (rejects with `AbortError`, code
 *    `ABORTED`); a blob registered before the abort stays registered, uncertified;
 *  - `budgetBytes` (relay: the blob ID's working memory, default 128 MiB), `directLimitBytes`
 *    (default 32 MiB: larger files need a relay), `concurrency` (requests per node, default 2),
 *    `worker` (as the readers').
 *
 * Resolves to `{ blobId, blobObject, cost, newlyRegistered, certified, mode, weight,
 * metadata, wasmMemoryBytes, failed }` (`wasmMemoryBytes`: the worker's WebAssembly memory
 * at its largest, in bytes). Rejects with a `MorsaError`: `BLOB_TOO_LARGE`,
 * `INSUFFICIENT_FUNDS`, `TIP_REQUIRED` (a relay that asks a tip; checked before paying), `VERIFICATION` (a relay's certificate of anything else), `CERTIFICATE`
 * (too few confirmations), `HTTP`, `NETWORK`.
 */
export async function storeFile(file, options = {}) {
  await init();
  const { account, relayUrl, epochs = 1, deletable = false, onProgress, signal, concurrency = 2 } = options;
  const directLimit = options.directLimitBytes ?? DEFAULT_DIRECT_LIMIT;
  if (!(account instanceof Account)) throw morsaError('INVALID_ARGUMENT', 'give `account` (an Account: Account.generate() or new Account(seed))');
  if (!options.chainUrl) throw morsaError('INVALID_ARGUMENT', 'give `chainUrl`, the control plane of the network');
  if (!Number.isInteger(epochs) || epochs < 1) throw morsaError('INVALID_ARGUMENT', `epochs must be a positive integer, not ${epochs}`);
  if (!relayUrl && file.size > directLimit) {
    throw morsaError('BLOB_TOO_LARGE', `${file.size} bytes exceed the direct upload's limit of ${directLimit} (it encodes the whole file in memory): store it through an upload relay (relayUrl)`);
  }
  const chainUrl = options.chainUrl.replace(/\/+$/, '');
  const committeeInfo = await fetchCommittee(chainUrl, { signal });
  const bls = committeeInfo.signatureScheme === 'bls12381';
  const committee = Committee.fromBytes(fromBase64(committeeInfo.committee));
  try {
    return await withEngine(options, async (engine) => {
      const total = file.size;
      // 1. The blob ID (relay) or the whole encoding (direct), in the worker.
      const info = relayUrl
        ? await engine.blobIdOfFile(file, committeeInfo.nShards, options.budgetBytes, onProgress)
        : await engine.encodeFile(file, committeeInfo.nShards, onProgress);
      const wasmMemoryBytes = await engine.memoryBytes();
      // 2. Register and pay (not before a relay said it relays for free: Morsa pays no tips).
      if (relayUrl) {
        const url = `${relayUrl.replace(/\/+$/, '')}/v1/tip-config`;
        const tip = data(await call(url, {}, signal, 'upload relay'), url, 'upload relay');
        if (tip !== 'no_tip') throw morsaError('TIP_REQUIRED', `the upload relay asks a tip (${JSON.stringify(tip)}); Morsa pays no relay tips`);
      }
      onProgress?.({ phase: 'register', loaded: 0, total: 1 });
      const registration = await register(chainUrl, account, info, { epochs, deletable, signal });
      const { metadataBytes: _sent, ...metadata } = info;
      const result = { blobId: info.blobId, cost: registration.cost, newlyRegistered: registration.newlyRegistered, mode: relayUrl ? 'relay' : 'direct', metadata, wasmMemoryBytes, failed: {} };
      if (registration.blobObject.certifiedEpoch != null) {
        onProgress?.({ phase: 'done', loaded: total, total });
        return { ...result, blobObject: registration.blobObject, certified: false, weight: 0 };
      }
      const objectId = deletable ? fromHex(registration.blobObject.id) : undefined;
      // 3. The slivers to the nodes, and a certificate back.
      let certificate;
      let weight;
      if (relayUrl) {
        const params = new URLSearchParams({ blob_id: info.blobId });
        if (objectId) params.set('deletable_blob_object', registration.blobObject.id);
        const url = `${relayUrl.replace(/\/+$/, '')}/v1/blob-upload-relay?${params}`;
        const answer = await postFile(url, file, signal, (n) => onProgress?.({ phase: 'upload', loaded: n, total }));
        // Walrus's ResponseType (blob_id as 32 numbers), with Morsa's certificate beside.
        const body = data(answer, url, 'upload relay');
        const answered = Array.isArray(body?.blob_id) ? blobIdFromBytes(Uint8Array.from(body.blob_id)) : body?.blob_id;
        if (answered !== info.blobId) throw morsaError('VERIFICATION', `the upload relay answered for blob ${answered}, not ${info.blobId}: rejected`);
        const relayed = body.confirmation_certificate;
        if (!bls && typeof relayed?.certificate !== 'string') {
          throw morsaError('CERTIFICATE', 'the upload relay answered with a Walrus BLS12-381 certificate, but this network\'s committee signs with Ed25519');
        }
        let verified;
        try {
          if (bls) {
            // Walrus's ResponseType: the aggregate (URL-safe base64), the signers, the message;
            // verified by Walrus's rules against the members' BLS keys, certified as its BCS form.
            const signature = fromBase64(String(relayed.signature).replace(/-/g, '+').replace(/_/g, '/'));
            const signers = signerBitmap(Uint32Array.from(relayed.signers), committeeInfo.nodes.length);
            const message = Uint8Array.from(relayed.serialized_message);
            const keys = committeeInfo.nodes.map((n) => n.blsPublicKey);
            verified = verifyWalrusCertificate(signature, signers, message, committee.epoch, keys, Uint16Array.from(committeeInfo.nodes.map((n) => n.shards.length)), 'confirmation');
            certificate = walrusCertificateBytes(signature, signers, message);
          } else {
            certificate = fromBase64(relayed.certificate);
            verified = verifyCertificate(certificate, committee, 'confirmation');
          }
        } catch (err) {
          throw morsaError(err.code ?? 'CERTIFICATE', `the upload relay's certificate does not verify against epoch ${committee.epoch}'s committee (${err.message}): rejected, nothing certified`);
        }
        const sameObject = objectId ? verified.objectId && hex(verified.objectId) === hex(objectId) : verified.objectId === undefined;
        if (verified.blobId !== info.blobId || !sameObject) {
          throw morsaError('VERIFICATION', "the upload relay's certificate is for another blob or object: rejected");
        }
        weight = verified.signerWeight;
        verified.free();
      } else {
        // A BLS committee's confirmations are aggregated into Walrus's certificate as they arrive.
        const builder = bls
          ? new BlsCertificateBuilder(committee.epoch, committeeInfo.nodes.map((n) => n.blsPublicKey), Uint16Array.from(committeeInfo.nodes.map((n) => n.shards.length)), info.blobId, objectId)
          : new CertificateBuilder(committee, info.blobId, objectId);
        try {
          const encodedTotal = info.nShards * (info.primarySliverSize + info.secondarySliverSize);
          const view = {
            nodes: committeeInfo.nodes,
            pairOf: (shard) => pairIndexForShard(info.blobId, committeeInfo.nShards, shard),
          };
          const { failed } = await uploadToNodes(engine, view, committee, info, objectId, builder, {
            signal,
            concurrency,
            onSent: (n) => onProgress?.({ phase: 'upload', loaded: Math.min(n, encodedTotal), total: encodedTotal }),
          });
          result.failed = failed;
          if (!builder.isComplete) {
            const details = Object.entries(failed).map(([k, v]) => `${k}: ${v}`).join('; ');
            throw morsaError('CERTIFICATE', `only ${builder.weight} of ${info.nShards} shards confirmed blob ${info.blobId}, ${builder.requiredWeight} are needed (${details})`);
          }
          certificate = builder.finish();
          weight = builder.weight;
        } finally {
          builder.free();
        }
      }
      // 4. Certify.
      onProgress?.({ phase: 'certify', loaded: 0, total: 1 });
      const url = `${chainUrl}/v1/blobs/${info.blobId}/certificate`;
      const certified = data(
        await call(url, { method: 'POST', body: JSON.stringify({ certificate: base64(certificate) }), headers: { 'content-type': 'application/json' } }, signal, 'certify'),
        url,
        'certify',
      );
      onProgress?.({ phase: 'done', loaded: total, total });
      return { ...result, blobObject: certified.blob_object, certified: true, weight };
    });
  } finally {
    committee.free();
  }
}
