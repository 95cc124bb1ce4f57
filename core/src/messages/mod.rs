//! Walrus protocol messages: `Intent ‖ epoch ‖ body`, with exact BCS bytes (SPEC §10.1,
//! `walrus: crates/walrus-core/src/messages.rs`, `contracts/walrus/docs/msg_formats.txt`).
//!
//! Storage nodes sign these bytes. A message never needs an allocator: every message Morsa
//! uses fits in [`MAX_MESSAGE_LEN`] bytes.
//!
//! ```
//! use morsa_core::messages::{StorageConfirmation, BlobPersistenceType};
//! use morsa_core::wire::{BcsDecode, BcsEncode};
//! use morsa_core::BlobId;
//!
//! let msg = StorageConfirmation::new(7, BlobId([0xAB; 32]), BlobPersistenceType::Permanent);
//! let mut buf = [0u8; 72];
//! let len = msg.to_bcs_slice(&mut buf).unwrap();
//! assert_eq!(len, 40);
//! assert_eq!(&buf[..7], &[0x01, 0x00, 0x03, 7, 0, 0, 0]);
//! assert_eq!(StorageConfirmation::from_bcs(&buf[..len]).unwrap(), msg);
//! ```

use core::fmt;

use crate::metadata::BlobId;
use crate::wire::{BcsDecode, BcsEncode, BcsWrite, Reader, WireError};

/// The intent version of every Walrus message (SPEC §10.1).
pub const INTENT_VERSION: u8 = 0;

/// The application ID of Walrus in intents (SPEC §10.1).
pub const WALRUS_APP_ID: u8 = 3;

/// The longest message Morsa builds or parses: a deletable storage confirmation, 72 bytes.
pub const MAX_MESSAGE_LEN: usize = 72;

/// Intent types (SPEC §10.1 table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntentType {
    /// 0: proof of possession of a key.
    ProofOfPossession,
    /// 1: storage confirmation (`BLOB_CERT`).
    BlobCertification,
    /// 2: invalid blob ID attestation.
    InvalidBlobId,
    /// 3: shard sync request (node to node).
    SyncShard,
    /// 4: deny-list update.
    DenyListUpdate,
    /// 5: deny-listed blob deleted.
    DenyListBlobDeleted,
    /// 6: protocol version.
    ProtocolVersion,
}

impl IntentType {
    /// The `u8` value on the wire.
    pub const fn as_u8(self) -> u8 {
        match self {
            IntentType::ProofOfPossession => 0,
            IntentType::BlobCertification => 1,
            IntentType::InvalidBlobId => 2,
            IntentType::SyncShard => 3,
            IntentType::DenyListUpdate => 4,
            IntentType::DenyListBlobDeleted => 5,
            IntentType::ProtocolVersion => 6,
        }
    }
}

/// The 3-byte intent that starts every message: `type ‖ version (0) ‖ app_id (3)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Intent {
    /// The message type.
    pub intent_type: IntentType,
}

impl Intent {
    /// The three bytes.
    pub const fn bytes(self) -> [u8; 3] {
        [self.intent_type.as_u8(), INTENT_VERSION, WALRUS_APP_ID]
    }
}

/// The body of a protocol message: its intent type and BCS form.
pub trait MessageBody: BcsEncode + for<'a> BcsDecode<'a> + Clone + fmt::Debug + PartialEq {
    /// The intent type of messages with this body.
    const INTENT_TYPE: IntentType;
}

/// A protocol message: `Intent ‖ epoch u32 LE ‖ BCS(body)`; the body has no length prefix
/// (SPEC §10.1).
///
/// Decoding fails unless the intent is exactly `(T::INTENT_TYPE, 0, 3)`, and on truncated or
/// trailing bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolMessage<T> {
    /// The epoch the message is for.
    pub epoch: u32,
    /// The body.
    pub body: T,
}

impl<T: MessageBody> ProtocolMessage<T> {
    /// The intent of this message type.
    pub const fn intent() -> Intent {
        Intent { intent_type: T::INTENT_TYPE }
    }

    /// The serialized bytes in a fixed-capacity buffer (no allocator needed).
    pub fn to_message_bytes(&self) -> MessageBytes {
        let mut bytes = MessageBytes { buf: [0; MAX_MESSAGE_LEN], len: 0 };
        // Every message type here is at most MAX_MESSAGE_LEN bytes.
        bytes.len = self.to_bcs_slice(&mut bytes.buf).unwrap_or(0);
        bytes
    }
}

impl<T: MessageBody> BcsEncode for ProtocolMessage<T> {
    fn bcs_len(&self) -> usize {
        3 + 4 + self.body.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        w.put(&Self::intent().bytes());
        w.put(&self.epoch.to_le_bytes());
        self.body.write_bcs(w);
    }
}

impl<'a, T: MessageBody> BcsDecode<'a> for ProtocolMessage<T> {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let intent: [u8; 3] = r.array("Intent")?;
        if intent != Self::intent().bytes() {
            return Err(WireError::InvalidValue { what: "the message intent is not the one expected" });
        }
        let epoch = r.u32("ProtocolMessage epoch")?;
        Ok(ProtocolMessage { epoch, body: T::read_bcs(r)? })
    }
}

/// Serialized message bytes in a fixed buffer of [`MAX_MESSAGE_LEN`] bytes.
#[derive(Clone, Copy)]
pub struct MessageBytes {
    buf: [u8; MAX_MESSAGE_LEN],
    len: usize,
}

impl MessageBytes {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::ops::Deref for MessageBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl fmt::Debug for MessageBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageBytes(")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// Whether a blob is permanent or deletable (SPEC §10.1 `BlobPersistenceType`: Permanent =
/// `0x00`, Deletable = `0x01 ‖ object_id[32]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlobPersistenceType {
    /// A permanent blob.
    Permanent,
    /// A deletable blob, identified by its Sui object ID.
    Deletable {
        /// The Sui object ID of the blob object.
        object_id: [u8; 32],
    },
}

impl BcsEncode for BlobPersistenceType {
    fn bcs_len(&self) -> usize {
        match self {
            BlobPersistenceType::Permanent => 1,
            BlobPersistenceType::Deletable { .. } => 33,
        }
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        match self {
            BlobPersistenceType::Permanent => w.put(&[0]),
            BlobPersistenceType::Deletable { object_id } => {
                w.put(&[1]);
                w.put(object_id);
            }
        }
    }
}

impl<'a> BcsDecode<'a> for BlobPersistenceType {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        match r.uleb128("BlobPersistenceType tag")? {
            0 => Ok(BlobPersistenceType::Permanent),
            1 => Ok(BlobPersistenceType::Deletable { object_id: r.array("BlobPersistenceType object_id")? }),
            tag => Err(WireError::InvalidTag { type_name: "BlobPersistenceType", tag }),
        }
    }
}

/// The body of a storage confirmation: a node holds its slivers of `blob_id` (SPEC §10.1
/// `StorageConfirmationBody`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StorageConfirmationBody {
    /// The blob confirmed.
    pub blob_id: BlobId,
    /// Permanent, or deletable with its object ID.
    pub blob_type: BlobPersistenceType,
}

impl BcsEncode for StorageConfirmationBody {
    fn bcs_len(&self) -> usize {
        32 + self.blob_type.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.blob_id.write_bcs(w);
        self.blob_type.write_bcs(w);
    }
}

impl<'a> BcsDecode<'a> for StorageConfirmationBody {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(StorageConfirmationBody { blob_id: BlobId::read_bcs(r)?, blob_type: BlobPersistenceType::read_bcs(r)? })
    }
}

impl MessageBody for StorageConfirmationBody {
    const INTENT_TYPE: IntentType = IntentType::BlobCertification;
}

/// The body of an invalid-blob-ID attestation (SPEC §10.1 `InvalidBlobIdMsg`): the blob ID alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvalidBlobIdBody {
    /// The blob attested to be inconsistently encoded.
    pub blob_id: BlobId,
}

impl BcsEncode for InvalidBlobIdBody {
    fn bcs_len(&self) -> usize {
        32
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.blob_id.write_bcs(w);
    }
}

impl<'a> BcsDecode<'a> for InvalidBlobIdBody {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(InvalidBlobIdBody { blob_id: BlobId::read_bcs(r)? })
    }
}

impl MessageBody for InvalidBlobIdBody {
    const INTENT_TYPE: IntentType = IntentType::InvalidBlobId;
}

/// A storage confirmation: `01 00 03 ‖ epoch ‖ blob_id ‖ 00` (40 bytes) for a permanent blob,
/// `… ‖ 01 ‖ object_id` (72 bytes) for a deletable one (SPEC §10.1).
pub type StorageConfirmation = ProtocolMessage<StorageConfirmationBody>;

/// An invalid-blob-ID attestation: `02 00 03 ‖ epoch ‖ blob_id` (39 bytes) (SPEC §10.1).
pub type InvalidBlobIdMsg = ProtocolMessage<InvalidBlobIdBody>;

impl StorageConfirmation {
    /// The confirmation of `blob_id` in `epoch`.
    pub const fn new(epoch: u32, blob_id: BlobId, blob_type: BlobPersistenceType) -> Self {
        ProtocolMessage { epoch, body: StorageConfirmationBody { blob_id, blob_type } }
    }
}

impl InvalidBlobIdMsg {
    /// The attestation that `blob_id` is invalid, in `epoch`.
    pub const fn new(epoch: u32, blob_id: BlobId) -> Self {
        ProtocolMessage { epoch, body: InvalidBlobIdBody { blob_id } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let id = BlobId([0x11; 32]);
        let permanent = StorageConfirmation::new(0x0403_0201, id, BlobPersistenceType::Permanent).to_message_bytes();
        assert_eq!(permanent.len(), 40);
        assert_eq!(&permanent[..7], &[1, 0, 3, 1, 2, 3, 4]);
        assert_eq!(&permanent[7..39], &[0x11; 32]);
        assert_eq!(permanent[39], 0);
        let deletable = StorageConfirmation::new(5, id, BlobPersistenceType::Deletable { object_id: [0x22; 32] })
            .to_message_bytes();
        assert_eq!(deletable.len(), 72);
        assert_eq!(deletable[39], 1);
        assert_eq!(&deletable[40..], &[0x22; 32]);
        let invalid = InvalidBlobIdMsg::new(5, id).to_message_bytes();
        assert_eq!(invalid.len(), 39);
        assert_eq!(&invalid[..3], &[2, 0, 3]);
    }

    #[test]
    fn wrong_intent_truncation_and_trailing_bytes_are_rejected() {
        let msg = StorageConfirmation::new(9, BlobId([3; 32]), BlobPersistenceType::Permanent).to_message_bytes();
        assert!(StorageConfirmation::from_bcs(&msg).is_ok());
        assert!(InvalidBlobIdMsg::from_bcs(&msg).is_err());
        for i in 0..3 {
            let mut bad = [0u8; 40];
            bad.copy_from_slice(&msg);
            bad[i] ^= 1;
            assert!(StorageConfirmation::from_bcs(&bad).is_err(), "intent byte {i}");
        }
        for len in 0..msg.len() {
            assert!(StorageConfirmation::from_bcs(&msg[..len]).is_err(), "prefix {len}");
        }
        let mut long = [0u8; 41];
        long[..40].copy_from_slice(&msg);
        assert_eq!(StorageConfirmation::from_bcs(&long), Err(WireError::TrailingBytes { count: 1 }));
        let mut bad_tag = [0u8; 40];
        bad_tag.copy_from_slice(&msg);
        bad_tag[39] = 2;
        assert!(matches!(StorageConfirmation::from_bcs(&bad_tag), Err(WireError::InvalidTag { .. })));
    }
}
