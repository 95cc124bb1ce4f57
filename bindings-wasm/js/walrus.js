// Walrus's BLS12-381 certificates verified offline, from JSON: a committee snapshot and the
// arguments of a certify_blob call (or Walrus's ConfirmationCertificate). The formats are those
// of the Python package's morsa.walrus_certificates (README, "Walrus's certificates, verified
// offline"); the rules are the core's (verifyWalrusCertificate).
import { init, verifyWalrusCertificate, signerBitmap, morsaError } from './index.js';

/** Bytes from `0x` hex, standard or URL-safe base64, or an array of numbers. */
export function decodeBytes(value, what, length) {
  let bytes = null;
  if (value instanceof Uint8Array) bytes = value;
  else if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) bytes = Uint8Array.from(value);
  else if (typeof value === 'string') {
    const text = value.trim();
    if (/^0x([0-9a-fA-F]{2})*$/.test(text)) bytes = Uint8Array.from(text.slice(2).match(/../g) ?? [], (h) => parseInt(h, 16));
    else if (/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) {
      try {
        const b64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
        bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
      } catch {
        bytes = null;
      }
    }
  }
  if (!bytes) throw morsaError('INVALID_ARGUMENT', `${what}: give 0x-prefixed hex, base64 or an array of byte values`);
  if (length !== undefined && bytes.length !== length) throw morsaError('INVALID_ARGUMENT', `${what} is ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * A committee snapshot (`{ epoch, members: [{ public_key, weight | shard_ids, name? }] }`, in
 * committee order) as `{ epoch, publicKeys, weights, names, nShards }`.
 */
export function parseCommittee(json) {
  if (!json || !Number.isInteger(json.epoch) || !Array.isArray(json.members) || json.members.length === 0) {
    throw morsaError('INVALID_ARGUMENT', 'a committee snapshot is {"epoch": N, "members": [...]}');
  }
  const publicKeys = [];
  const weights = [];
  const names = [];
  json.members.forEach((m, i) => {
    const weight = m?.weight ?? (Array.isArray(m?.shard_ids) ? m.shard_ids.length : undefined);
    if (!Number.isInteger(weight) || weight < 0 || weight > 0xffff) throw morsaError('INVALID_ARGUMENT', `member ${i}: give weight or shard_ids`);
    publicKeys.push(decodeBytes(m.public_key, `member ${i}'s public key`, 48));
    weights.push(weight);
    names.push(String(m.name ?? ''));
  });
  return { epoch: json.epoch, publicKeys, weights: Uint16Array.from(weights), names, nShards: weights.reduce((a, b) => a + b, 0) };
}

/**
 * Whether Walrus accepts `certificate` (`{ signature, signers, serialized_message | message }`;
 * `signers` a bitmap, or an array of member indices as in Walrus's ConfirmationCertificate) for
 * `committee` (a snapshot). Resolves to `{ accepted: true, kind, epoch, blobId, objectId,
 * signerWeight, nSigners, nShards }` or `{ accepted: false, reason, code }`; throws
 * `INVALID_ARGUMENT` for unusable input.
 */
export async function checkWalrusCertificate(certificate, committee, kind) {
  await init();
  const c = parseCommittee(committee);
  const signature = decodeBytes(certificate?.signature, 'the signature', 96);
  const message = decodeBytes(certificate?.serialized_message ?? certificate?.message, 'the message');
  // An array is member indices (Walrus's ConfirmationCertificate); text is the bitmap itself.
  const signers = Array.isArray(certificate?.signers)
    ? signerBitmap(Uint32Array.from(certificate.signers), c.publicKeys.length)
    : decodeBytes(certificate?.signers, 'the signer bitmap');
  try {
    const v = verifyWalrusCertificate(signature, signers, message, c.epoch, c.publicKeys, c.weights, kind);
    const out = { accepted: true, kind: v.kind, epoch: v.epoch, blobId: v.blobId, objectId: v.objectId, signerWeight: v.signerWeight, nSigners: v.nSigners, nShards: c.nShards };
    v.free();
    return out;
  } catch (err) {
    if (['CERTIFICATE', 'SIGNATURE', 'WIRE_FORMAT'].includes(err.code)) return { accepted: false, reason: err.message, code: err.code };
    throw err;
  }
}
