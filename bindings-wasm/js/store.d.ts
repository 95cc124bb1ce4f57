// Types of the browser store (store.js).
import type { SigningKey } from '../pkg/morsa_wasm.js';
import type { Progress } from './index.js';
import type { CommonOptions, MetadataInfo } from './client.js';

/** The largest file stored directly to the nodes by default (32 MiB). */
export const DEFAULT_DIRECT_LIMIT: number;

/** An account of a Morsa control plane: an Ed25519 key pair; address `0x` + public key hex. */
export class Account {
  /** After `init()`: the account of a 32-byte seed (bytes or 64 hex digits). */
  constructor(seed: Uint8Array | string);
  static fromSeed(seed: Uint8Array | string): Promise<Account>;
  /** A new random account; `seedHex` holds its seed. */
  static generate(): Promise<Account>;
  readonly key: SigningKey;
  readonly address: string;
  seedHex?: string;
  /** The X-Morsa-Account, X-Morsa-Nonce and X-Morsa-Signature headers of a request. */
  signRequest(method: string, path: string, body: Uint8Array): Record<string, string>;
}

export interface StoreOptions extends CommonOptions {
  /** The control plane of the network (its committee, registration and certification). */
  chainUrl: string;
  /** The paying account. */
  account: Account;
  /** An upload relay; without it the slivers go directly to the storage nodes. */
  relayUrl?: string;
  /** Epochs ahead to store for (default 1). */
  epochs?: number;
  /** A deletable blob (default: permanent). */
  deletable?: boolean;
  /** Working memory of the relay path's blob ID, bytes (default 128 MiB). */
  budgetBytes?: number;
  /** The largest file stored directly (default 32 MiB): it is encoded whole in memory. */
  directLimitBytes?: number;
  /** Parallel uploads (batches of about 2 MiB) per node (default 2). */
  concurrency?: number;
  onProgress?: (p: Progress) => void;
}

export interface StoreResult {
  blobId: string;
  /** The blob object as the control plane answers it (id, registeredEpoch, certifiedEpoch, …). */
  blobObject: Record<string, unknown> & { id: string; certifiedEpoch?: number | null };
  /** FROST paid (0 when the blob was already registered). */
  cost: number;
  newlyRegistered: boolean;
  /** False when the blob was certified already (nothing was uploaded). */
  certified: boolean;
  mode: 'relay' | 'direct';
  /** Shards whose confirmations make up the certificate. */
  weight: number;
  metadata: MetadataInfo;
  /** The worker's WebAssembly memory at its largest, bytes. */
  wasmMemoryBytes: number;
  /** Nodes that did not confirm (direct mode), with the reason. */
  failed: Record<string, string>;
}

/** Stores a File or Blob and resolves once it is certified (see store.js). */
export function storeFile(file: Blob, options: StoreOptions): Promise<StoreResult>;
