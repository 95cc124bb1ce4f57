// Types of walrus.js: Walrus's BLS12-381 certificates verified offline, from JSON.

export interface CommitteeSnapshot {
  epoch: number;
  /** In committee order (the order the signer bitmap indexes). */
  members: { public_key: string | number[]; weight?: number; shard_ids?: number[]; name?: string }[];
}

export interface WalrusCertificateJson {
  signature: string | number[];
  /** The bitmap (hex or base64), or member indices. */
  signers: string | number[];
  serialized_message?: string | number[];
  message?: string | number[];
}

export type CertificateVerdict =
  | { accepted: true; kind: 'confirmation' | 'invalid_blob'; epoch: number; blobId: string; objectId?: Uint8Array; signerWeight: number; nSigners: number; nShards: number }
  | { accepted: false; reason: string; code: 'CERTIFICATE' | 'SIGNATURE' | 'WIRE_FORMAT' };

export function decodeBytes(value: string | number[] | Uint8Array, what: string, length?: number): Uint8Array;
export function parseCommittee(json: CommitteeSnapshot): { epoch: number; publicKeys: Uint8Array[]; weights: Uint16Array; names: string[]; nShards: number };
export function checkWalrusCertificate(
  certificate: WalrusCertificateJson,
  committee: CommitteeSnapshot,
  kind?: 'confirmation' | 'invalid_blob',
): Promise<CertificateVerdict>;
