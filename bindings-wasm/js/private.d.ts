// Types of private blobs from the browser (private.js): Seal-encrypted blobs decrypted with keys
// that a Morsa network's key servers release to approved accounts (docs/private-blobs.md).
import type { SealBlobInfo } from '../pkg/morsa_wasm.js';
import type { CommonOptions } from './client.js';
import type { Account } from './store.js';
import type { Progress } from './index.js';

/** Bytes of a policy object's ID, the first part of a blob's inner identity (32). */
export const POLICY_ID_LEN: number;
/** Random bytes after the policy ID in a blob's inner identity (16). */
export const IDENTITY_NONCE_LEN: number;
/** How long one key server is waited for by default: 10 000 ms. */
export const DEFAULT_KEY_SERVER_TIMEOUT_MS: number;

/** Why a policy refuses an account: the `reason` of a key server's 403 `ACCESS_DENIED`. */
export type AccessReason = 'NOT_OWNER' | 'NOT_A_MEMBER' | 'TIME_LOCKED' | 'NO_SUBSCRIPTION' | 'SUBSCRIPTION_EXPIRED' | 'UNKNOWN_POLICY';
export const ACCESS_REASONS: readonly AccessReason[];

/** A key server's refusal. */
export interface Denial {
  /** The key server's name. */
  server: string;
  /** An `AccessReason` (or `"DENIED"` when the server gave none). */
  reason: AccessReason | string;
  /** The policy's words, e.g. "0x… is not a member of the allowlist 'team' of 0x…". */
  message: string;
}

/**
 * A private blob that cannot be read: no key servers on the network, bytes that are not a
 * private blob of this network, too few key servers answering with a key that verifies.
 * `name === "MorsaError"`.
 */
export class PrivateBlobError extends Error {
  name: 'MorsaError';
  code: 'PRIVATE_BLOB' | 'ACCESS_DENIED';
  /** Refusals of key servers (also when other servers failed). */
  denials: Denial[];
  /** What each key server that gave no key did instead, in words ("keyserver-1: cannot reach …",
   * "keyserver-0 answered a key that does not verify (…): rejected"). */
  failures: string[];
}

/**
 * The blob's policy refuses this account: too few keys came and key servers refused.
 * Message: "access denied by 3 of 3 key servers: <the policy's words>".
 */
export class AccessDeniedError extends PrivateBlobError {
  code: 'ACCESS_DENIED';
  /** The first refusing server's reason. */
  reason: AccessReason | string;
}

/** A key server as the control plane lists it. */
export interface KeyServerInfo {
  name: string;
  /** Base URL, without a trailing slash. */
  url: string;
  /** 32 bytes. */
  objectId: Uint8Array;
  /** The master public key, 96 bytes (G2, compressed). */
  publicKey: Uint8Array;
}

/** The network's key servers (`GET /v1/key-servers`). */
export interface KeyServerSet {
  /** The policy package of the network's identities, 32 bytes. */
  packageId: Uint8Array;
  /** Keys needed by default to decrypt. */
  threshold: number;
  keyServers: KeyServerInfo[];
}

/**
 * The key servers listed by the control plane at `chainUrl`. Throws `PrivateBlobError` when it
 * lists none or answers something else; `NETWORK`, `HTTP`, `NOT_FOUND` `MorsaError`s when it
 * cannot be asked.
 */
export function keyServers(chainUrl: string, options?: { signal?: AbortSignal; fetch?: typeof fetch }): Promise<KeyServerSet>;

/** What a private blob says of itself, with its full ID and policy. */
export interface PrivateBlobInfo extends SealBlobInfo {
  /** `packageId ‖ id`: the identity the keys are for. */
  fullId: Uint8Array;
  /** `0x` and 64 hex digits: the policy (the first 32 bytes of a `policy ID ‖ nonce` identity),
   * or null for another identity. */
  policyId: string | null;
}

/** Parses a private blob (one Seal object, or Morsa's chunks). Throws `PrivateBlobError`. */
export function privateBlobInfo(blob: Uint8Array): PrivateBlobInfo;

/** A user secret key a key server released, verified. */
export interface FetchedKey {
  /** The server's position in `info.services` (what `sealDecryptBlob` takes). */
  index: number;
  /** The key server's name. */
  server: string;
  /** The identity's user secret key under that server, 48 bytes (G1). */
  key: Uint8Array;
}

/** Something that signs control-plane requests as an account (an `Account` of store.js). */
export type RequestSigner = Pick<Account, 'address' | 'signRequest'>;

export interface FetchKeysOptions {
  /** `privateBlobInfo(blob)` (or `sealParseBlob(blob)`). */
  info: PrivateBlobInfo | SealBlobInfo;
  /** The reading account: it signs every `POST /v1/fetch_key`. */
  account: RequestSigner;
  /** `await keyServers(chainUrl)`. */
  keyServers: KeyServerSet;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Per key server, ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * The identity's user secret keys from `info.threshold` key servers, asked all at once with a
 * fresh ElGamal reader key, each answer verified against its server's public key (the core's
 * `seal::open_key_response`); the remaining requests are cancelled once enough verified.
 * Sorted by `index`. Rejects with `AccessDeniedError`, `PrivateBlobError`, `AbortError`.
 */
export function fetchKeys(options: FetchKeysOptions): Promise<FetchedKey[]>;

export interface DecryptOptions {
  /** The control plane listing the key servers (or give `keyServers`). */
  chainUrl?: string;
  keyServers?: KeyServerSet;
  account: RequestSigner;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called with the keys before decryption. */
  onKeys?: (keys: FetchedKey[]) => void;
}

/**
 * The plaintext of a private blob's bytes (read and verified against its blob ID beforehand):
 * keys fetched as `account`, every share checked against all the blob's key servers' public
 * keys, each chunk authenticated. Runs in the calling thread. Rejects with `AccessDeniedError`,
 * `PrivateBlobError`, a `MorsaError` `VERIFICATION` (altered ciphertext, inconsistent shares),
 * `AbortError`.
 */
export function decryptPrivateBlob(blob: Uint8Array, options: DecryptOptions): Promise<Uint8Array>;

export interface ReadPrivateOptions extends Omit<DecryptOptions, 'keyServers' | 'onKeys' | 'chainUrl'>, Pick<CommonOptions, 'worker'> {
  /** The network's control plane: its committee and key servers. */
  chainUrl: string;
  /** Read through this aggregator (blob ID recomputed) instead of the storage nodes. */
  aggregatorUrl?: string;
  /** The read's progress, bytes. */
  onProgress?: (p: Progress) => void;
}

export interface PrivateReadResult {
  /** The plaintext. */
  data: Uint8Array;
  blobId: string;
  info: PrivateBlobInfo;
  /** Which key servers' keys decrypted it. */
  keys: Pick<FetchedKey, 'index' | 'server'>[];
  /** Bytes of the encrypted blob that was read. */
  ciphertextLength: number;
}

/**
 * Reads a private blob by blob ID (the ciphertext's), verified (`readFromNodes`, or
 * `readFromAggregator` with `aggregatorUrl`), and decrypts it. Rejects as the read and
 * `decryptPrivateBlob` do.
 */
export function readPrivateBlob(blobId: string, options: ReadPrivateOptions): Promise<PrivateReadResult>;
