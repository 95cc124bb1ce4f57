// Private blobs from the browser (or Node): blobs encrypted with Seal to a Morsa network's key
// servers under an access policy (docs/private-blobs.md), decrypted here.
//
// To read one, the account asks the blob's key servers (all at once) for the user secret key of
// the blob's identity with `POST /v1/fetch_key`, signed by the account (the `Account` of
// store.js: X-Morsa-Account, X-Morsa-Nonce, X-Morsa-Signature), with a fresh ElGamal reader key
// per read; each answer is opened and kept only if it is the identity's key under that server's
// public key (the core's `seal::open_key_response`); at the blob's threshold the other requests
// are cancelled and the blob is decrypted with every share checked against all the servers'
// public keys. The rules are the core's (WebAssembly); this module is the wire protocol only
// (the Python package's morsa.net.keyservers and morsa.private mirror it).
import {
  init,
  sealDecryptBlob,
  sealOpenKeyResponse,
  sealParseBlob,
  sealReaderPublicKey,
  sealReaderSecretKey,
  abortError,
  morsaError,
} from './index.js';
import { fetchCommittee, readFromAggregator, readFromNodes } from './client.js';

/** Bytes of a policy object's ID, the first part of a blob's inner identity. */
export const POLICY_ID_LEN = 32;
/** Random bytes after the policy ID in a blob's inner identity. */
export const IDENTITY_NONCE_LEN = 16;
/** Why a policy refuses an account (the `reason` of an `AccessDeniedError`). */
export const ACCESS_REASONS = Object.freeze(['NOT_OWNER', 'NOT_A_MEMBER', 'TIME_LOCKED', 'NO_SUBSCRIPTION', 'SUBSCRIPTION_EXPIRED', 'UNKNOWN_POLICY']);
/** How long one key server is waited for by default (ms). */
export const DEFAULT_KEY_SERVER_TIMEOUT_MS = 10_000;

const FETCH_KEY_PATH = '/v1/fetch_key';

/**
 * A private blob that cannot be read: no key servers on the network, a blob that is not a
 * private blob of this network, too few key servers answering with a key that verifies.
 * `name === "MorsaError"`, `code === "PRIVATE_BLOB"`; `failures` lists what each key server that
 * did not give a key did instead (strings), `denials` the refusals (see `AccessDeniedError`).
 */
export class PrivateBlobError extends Error {
  constructor(message, { code = 'PRIVATE_BLOB', denials = [], failures = [], cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MorsaError';
    this.code = code;
    this.denials = denials;
    this.failures = failures;
  }
}

/**
 * The blob's policy refuses this account: more than `n − threshold` key servers said so.
 * `code === "ACCESS_DENIED"`; `reason` is the key servers' (`NOT_OWNER`, `NOT_A_MEMBER`,
 * `TIME_LOCKED`, `NO_SUBSCRIPTION`, `SUBSCRIPTION_EXPIRED`, `UNKNOWN_POLICY`), the message says
 * why in words ("access denied by 3 of 3 key servers: 0x… is not a member of the allowlist …").
 */
export class AccessDeniedError extends PrivateBlobError {
  constructor(message, reason, details = {}) {
    super(message, { ...details, code: 'ACCESS_DENIED' });
    this.reason = reason;
  }
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function fromHexId(text, length, what) {
  if (typeof text !== 'string' || !new RegExp(`^0x[0-9a-fA-F]{${2 * length}}$`).test(text)) {
    throw new PrivateBlobError(`${what} is not 0x and ${2 * length} hex digits: ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(text.slice(2).match(/../g), (h) => parseInt(h, 16));
}

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text, length, what) {
  let bytes;
  try {
    bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new Error(`${what} is not base64`);
  }
  if (length !== undefined && bytes.length !== length) throw new Error(`${what} is ${length} bytes, not ${bytes.length}`);
  return bytes;
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function unwrap(json) {
  return json && typeof json === 'object' && 'success' in json ? json.success.data : json;
}

/** A signal that fires on `signals`' first abort (AbortSignal.any where it exists). */
function anySignal(signals) {
  const list = signals.filter(Boolean);
  if (list.length === 1) return list[0];
  if (AbortSignal.any) return AbortSignal.any(list);
  const controller = new AbortController();
  for (const s of list) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/**
 * The network's key servers (`GET {chainUrl}/v1/key-servers` of a Morsa control plane):
 * `{ packageId, threshold, keyServers: [{ name, url, objectId, publicKey }] }` with the IDs and
 * keys as bytes (package and object IDs 32 bytes, public keys 96). Throws `PrivateBlobError`
 * when the network lists none, `NETWORK`/`HTTP`/`NOT_FOUND` `MorsaError`s when it cannot be asked.
 */
export async function keyServers(chainUrl, { signal, fetch: fetchFn = globalThis.fetch } = {}) {
  if (!chainUrl) throw morsaError('INVALID_ARGUMENT', 'give `chainUrl`, the control plane of the network');
  const url = `${chainUrl.replace(/\/+$/, '')}/v1/key-servers`;
  let response;
  try {
    response = await fetchFn(url, { signal });
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw morsaError('NETWORK', `key servers: cannot reach ${url}: ${err.message}`, err);
  }
  const text = await response.text();
  if (!response.ok) {
    throw morsaError(response.status === 404 ? 'NOT_FOUND' : 'HTTP', `key servers: ${url} answered ${response.status} ${text.slice(0, 200)}`.trim());
  }
  let data;
  try {
    data = unwrap(JSON.parse(text));
    const set = {
      packageId: fromHexId(data.package_id, 32, 'package_id'),
      threshold: Number(data.threshold),
      keyServers: data.key_servers.map((k) => ({
        name: String(k.name),
        url: String(k.url).replace(/\/+$/, ''),
        objectId: fromHexId(k.object_id, 32, `the object ID of ${k.name}`),
        publicKey: fromBase64(k.public_key, 96, `the public key of ${k.name}`),
      })),
    };
    if (!set.keyServers.length) {
      throw new PrivateBlobError('this network has no key servers: private blobs need them (a devnet created before they existed: start a new one)');
    }
    if (!Number.isInteger(set.threshold) || set.threshold < 1 || set.threshold > set.keyServers.length) {
      throw new PrivateBlobError(`the network's threshold ${data.threshold} is not between 1 and its ${set.keyServers.length} key servers`);
    }
    return set;
  } catch (err) {
    if (err instanceof PrivateBlobError) throw err;
    throw new PrivateBlobError(`key servers: ${url} answered something else than the key servers (${err.message})`, { cause: err });
  }
}

/**
 * What a private blob says of itself (`sealParseBlob`, bytes as they are), with `fullId`
 * (`packageId ‖ id`, what the keys are for) and `policyId` (`0x…`, or null when the identity is
 * not Morsa's `policy ID ‖ nonce`). Throws `PrivateBlobError` for bytes that are not a private
 * blob.
 */
export function privateBlobInfo(blob) {
  let info;
  try {
    info = sealParseBlob(blob);
  } catch (err) {
    throw new PrivateBlobError(`not a private blob: ${err.message}`, { cause: err });
  }
  const fullId = new Uint8Array(info.packageId.length + info.id.length);
  fullId.set(info.packageId);
  fullId.set(info.id, info.packageId.length);
  const policyId = info.id.length === POLICY_ID_LEN + IDENTITY_NONCE_LEN ? `0x${hex(info.id.subarray(0, POLICY_ID_LEN))}` : null;
  return { ...info, fullId, policyId };
}

/** One key server's answer: `{ key }` or `{ denial: { reason, message } }` or `{ failure }`. */
async function askKeyServer(server, { account, info, readerKey, fetchFn, signal }) {
  const body = new TextEncoder().encode(JSON.stringify({ ids: [hex(info.id)], enc_key: base64(readerKey) }));
  const url = `${server.url}${FETCH_KEY_PATH}`;
  const headers = { 'content-type': 'application/json', ...account.signRequest('POST', FETCH_KEY_PATH, body) };
  let response, text;
  try {
    response = await fetchFn(url, { method: 'POST', body, headers, signal });
    text = await response.text();
  } catch (err) {
    return { failure: `${server.name}: cannot reach ${url}: ${err.name === 'TimeoutError' ? 'no answer in time' : err.message}` };
  }
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the status and text say what happened
  }
  if (!response.ok) {
    const error = json?.error;
    const detail = Array.isArray(error?.details) ? error.details.find((d) => d?.reason) : undefined;
    if (response.status === 403 && detail?.reason === 'ACCESS_DENIED') {
      const reason = String(detail.metadata?.reason ?? 'DENIED');
      return { denial: { server: server.name, reason, message: String(error.message ?? reason) } };
    }
    const why = `${response.status} ${detail?.reason ?? error?.status ?? ''} ${error?.message ?? text.slice(0, 200)}`.replace(/\s+/g, ' ').trim();
    return { failure: `${server.name}: ${url} answered ${why}` };
  }
  let c0, c1;
  try {
    const entry = json.decryption_keys.find((k) => k.id === hex(info.id));
    if (!entry) return { failure: `${server.name} answered no key for the blob's identity` };
    if (!Array.isArray(entry.encrypted_key) || entry.encrypted_key.length !== 2) throw new Error('encrypted_key is two base64 G1 points');
    c0 = fromBase64(entry.encrypted_key[0], 48, 'c0');
    c1 = fromBase64(entry.encrypted_key[1], 48, 'c1');
  } catch (err) {
    return { failure: `${server.name} answered something else than key server keys (${err.message})` };
  }
  return { encrypted: [c0, c1] };
}

/**
 * The user secret keys of a private blob's identity from at least its threshold of key servers,
 * asked all at once, each answer opened with a fresh ElGamal reader key and verified against
 * the server's public key; resolves, as soon as `info.threshold` keys verified (the requests
 * still running are cancelled), to `[{ index, server, key }]` sorted by `index` (the position
 * of the server in `info.services`; `key`: 48 bytes).
 *
 * Options: `info` (`privateBlobInfo(blob)` or `sealParseBlob(blob)`), `account` (an `Account`
 * of store.js: it signs the requests), `keyServers` (`await keyServers(chainUrl)`), `fetch`
 * (default `globalThis.fetch`), `signal`, `timeoutMs` (per key server, default 10 s).
 *
 * Rejects with `AccessDeniedError` (`reason`) when too few keys came and key servers refused,
 * `PrivateBlobError` when too few key servers answered with a key that verifies (`failures`
 * says why each did not), `AbortError` on abort.
 */
export async function fetchKeys({ info, account, keyServers: servers, fetch: fetchFn = globalThis.fetch, signal, timeoutMs = DEFAULT_KEY_SERVER_TIMEOUT_MS } = {}) {
  await init();
  if (!info?.services || !info.packageId || !info.id) throw morsaError('INVALID_ARGUMENT', 'give `info`: privateBlobInfo(blob)');
  if (typeof account?.signRequest !== 'function') throw morsaError('INVALID_ARGUMENT', 'give `account` (an Account of store.js: Account.generate() or new Account(seed))');
  if (!servers?.keyServers) throw morsaError('INVALID_ARGUMENT', 'give `keyServers`: await keyServers(chainUrl)');
  if (signal?.aborted) throw abortError(signal);
  if (!equal(info.packageId, servers.packageId)) {
    throw new PrivateBlobError(`the blob is encrypted for package 0x${hex(info.packageId)}, not this network's policies (0x${hex(servers.packageId)})`);
  }
  const fullId = info.fullId ?? new Uint8Array([...info.packageId, ...info.id]);
  const secret = sealReaderSecretKey(crypto.getRandomValues(new Uint8Array(32)));
  const readerKey = sealReaderPublicKey(secret);
  const threshold = info.threshold;
  const n = info.services.length;
  const keys = [];
  const denials = [];
  const failures = [];
  const enough = new AbortController();
  const requestSignal = anySignal([signal, enough.signal]);
  try {
    await new Promise((resolve) => {
      let pending = n;
      const settle = () => {
        // Enough keys, or so many refusals that the threshold cannot be reached.
        if (--pending === 0 || keys.length >= threshold || denials.length > n - threshold) resolve();
      };
      if (n === 0) resolve();
      info.services.forEach(({ objectId }, index) => {
        const server = servers.keyServers.find((k) => equal(k.objectId, objectId));
        if (!server) {
          failures.push(`key server 0x${hex(objectId)} is not one of this network's`);
          settle();
          return;
        }
        const timeout = AbortSignal.timeout ? AbortSignal.timeout(timeoutMs) : undefined;
        askKeyServer(server, { account, info, readerKey, fetchFn, signal: anySignal([requestSignal, timeout]) })
          .then((answer) => {
            if (enough.signal.aborted) return;
            if (answer.denial) denials.push(answer.denial);
            else if (answer.failure) failures.push(answer.failure);
            else {
              try {
                const key = sealOpenKeyResponse(secret, answer.encrypted[0], answer.encrypted[1], fullId, server.publicKey);
                keys.push({ index, server: server.name, key });
              } catch (err) {
                failures.push(`${server.name} answered a key that does not verify (${err.code}: ${err.message}): rejected`);
              }
            }
          })
          .finally(settle);
      });
    });
  } finally {
    enough.abort();
    secret.fill(0);
  }
  if (signal?.aborted) throw abortError(signal);
  if (keys.length >= threshold) return keys.slice(0, threshold).sort((a, b) => a.index - b.index);
  if (denials.length > n - threshold) {
    const { reason, message } = denials[0];
    throw new AccessDeniedError(`access denied by ${denials.length} of ${n} key servers: ${message}`, reason, { denials, failures });
  }
  const said = [...denials.map((d) => `refused: ${d.message}`), ...failures];
  throw new PrivateBlobError(`${keys.length} of the ${threshold} key servers needed answered with a key that verifies: ${said.join('; ') || 'no answer'}`, { denials, failures });
}

/**
 * The plaintext of a private blob (its bytes, as read and verified against the blob ID):
 * the blob's keys fetched as `account` from the network's key servers (`fetchKeys`), then the
 * blob decrypted with every share checked against all its key servers' public keys.
 *
 * Options: `chainUrl` (the control plane that lists the key servers) or `keyServers`,
 * `account`, `fetch`, `signal`, `timeoutMs`, `onKeys(keys)` (called with `fetchKeys`' result).
 * Decryption runs in the calling thread (about 1 s per 100 MiB).
 *
 * Rejects with `AccessDeniedError`, `PrivateBlobError`, `VERIFICATION` (an altered ciphertext or
 * inconsistent shares), `AbortError`.
 */
export async function decryptPrivateBlob(blob, options = {}) {
  await init();
  const info = privateBlobInfo(blob);
  const servers = options.keyServers ?? (await keyServers(options.chainUrl, { signal: options.signal, fetch: options.fetch }));
  return (await decryptWith(blob, info, servers, options)).data;
}

/** `{ data, keys }`: `blob` (whose `info` is given) decrypted with keys from `servers`. */
async function decryptWith(blob, info, servers, { account, signal, fetch: fetchFn, timeoutMs, onKeys }) {
  const keys = await fetchKeys({ info, account, keyServers: servers, fetch: fetchFn, signal, timeoutMs });
  onKeys?.(keys);
  const publicKeys = info.services.map(({ objectId }) => {
    const server = servers.keyServers.find((k) => equal(k.objectId, objectId));
    if (!server) throw new PrivateBlobError(`the blob is encrypted to key server 0x${hex(objectId)}, which this network does not list`);
    return server.publicKey;
  });
  if (signal?.aborted) throw abortError(signal);
  const data = sealDecryptBlob(blob, Uint32Array.from(keys, (k) => k.index), keys.map((k) => k.key), publicKeys);
  return { data, keys };
}

/**
 * Reads a private blob by its blob ID (the ciphertext's), verified, and decrypts it:
 * from the network's storage nodes (every sliver verified), or through `aggregatorUrl` (the
 * blob ID recomputed for the network's shard count).
 *
 * Options: `chainUrl` (required: the committee and the key servers), `account`,
 * `aggregatorUrl`, `onProgress` (the read's), `signal`, `fetch` and `timeoutMs` (key servers),
 * `worker` (the read's).
 *
 * Resolves to `{ data, blobId, info, keys, ciphertextLength }` (`info`: `privateBlobInfo`;
 * `keys`: `[{ index, server }]`, which key servers' keys decrypted it). Rejects as the read
 * (`NOT_FOUND`, `VERIFICATION`, …) and `decryptPrivateBlob` do.
 */
export async function readPrivateBlob(blobId, options = {}) {
  const { chainUrl, aggregatorUrl, signal, onProgress, worker } = options;
  if (!chainUrl) throw morsaError('INVALID_ARGUMENT', 'give `chainUrl`, the control plane of the network');
  const servers = await keyServers(chainUrl, { signal, fetch: options.fetch });
  let read;
  if (aggregatorUrl) {
    const { nShards } = await fetchCommittee(chainUrl, { signal });
    read = await readFromAggregator(blobId, aggregatorUrl, { nShards, signal, onProgress, worker });
  } else {
    read = await readFromNodes(blobId, { chainUrl, signal, onProgress, worker });
  }
  const info = privateBlobInfo(read.data);
  const { data, keys } = await decryptWith(read.data, info, servers, options);
  return { data, blobId, info, keys: keys.map(({ index, server }) => ({ index, server })), ciphertextLength: read.data.length };
}
