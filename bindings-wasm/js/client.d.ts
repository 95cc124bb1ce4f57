// Types of the fetch() client (client.js).
import type { Progress } from './index.js';

/** What the client reports about verified metadata. */
export interface MetadataInfo {
  blobId: string;
  /** The Merkle root of the sliver pairs' hashes, standard base64. */
  rootHash: string;
  encodingType: string;
  unencodedLength: number;
  nShards: number;
  symbolSize: number;
  primarySourceSymbols: number;
  secondarySourceSymbols: number;
  primarySliverSize: number;
  secondarySliverSize: number;
  encodedLength: number;
}

export interface StorageNode {
  url: string;
  shards: number[];
  name?: string;
  /** The member's BLS12-381 public key (48 bytes) in a committee that certifies with BLS. */
  blsPublicKey?: Uint8Array;
}

export interface CommonOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** `false`: verify and decode in this thread; a Worker running worker.js; default: a new Worker where `Worker` exists. */
  worker?: boolean | Worker;
}

export interface ReadFromNodesOptions extends CommonOptions {
  nodes?: StorageNode[];
  nShards?: number;
  /** A Morsa control plane; its `GET /v1/committee` gives the nodes and shards. */
  chainUrl?: string;
  consistencyCheck?: 'default' | 'strict' | 'skip';
  concurrency?: number;
}

export interface ReadResult {
  data: Uint8Array;
  blobId: string;
  metadata: MetadataInfo;
}

export function fetchCommittee(
  chainUrl: string,
  options?: { signal?: AbortSignal },
): Promise<{ epoch: number; nShards: number; committee: string; signatureScheme: 'ed25519' | 'bls12381'; nodes: StorageNode[] }>;

export function readFromNodes(
  blobId: string,
  options: ReadFromNodesOptions,
): Promise<ReadResult & { axis: 'primary' | 'secondary'; invalidSlivers: { url: string; reason: string; code?: string }[] }>;

export function readFromAggregator(
  blobId: string,
  aggregatorUrl: string,
  options?: CommonOptions & { nShards?: number },
): Promise<ReadResult>;

export function blobIdOfFileOffThread(
  file: Blob,
  options?: CommonOptions & { nShards?: number; budgetBytes?: number },
): Promise<MetadataInfo>;
