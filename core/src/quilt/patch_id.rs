//! Quilt patch IDs: a blob ID and the columns of one patch, as 37 bytes or 50 characters (SPEC §13).

use super::{QuiltError, QUILT_PATCH_ID_LEN, QUILT_PATCH_ID_TEXT_LEN, QUILT_VERSION_V1};
use crate::metadata::BlobId;
use crate::metadata::BLOB_ID_LEN;
use base64::Engine as _;
use core::fmt;
use core::str::FromStr;

/// The ID of one patch of a quilt (SPEC §13): `quilt_id[32] ‖ 0x01 ‖ start_index u16 LE ‖
/// end_index u16 LE`, as 50 base64url characters without padding.
///
/// # Example
///
/// ```
/// use morsa_core::quilt::QuiltPatchId;
/// let id: QuiltPatchId = "uIiEbhP2qgZYygEGxJX1GeB-rQATo2yufC2DCp7B4iABAQANAA".parse()?;
/// assert_eq!((id.start_index, id.end_index), (1, 13));
/// assert_eq!(id.to_string(), "uIiEbhP2qgZYygEGxJX1GeB-rQATo2yufC2DCp7B4iABAQANAA");
/// # Ok::<(), morsa_core::quilt::QuiltError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QuiltPatchId {
    /// The blob ID of the quilt.
    pub quilt_id: BlobId,
    /// The first column (secondary sliver) of the patch.
    pub start_index: u16,
    /// One past the last column of the patch.
    pub end_index: u16,
}

impl QuiltPatchId {
    /// The 37 bytes.
    pub fn to_bytes(&self) -> [u8; QUILT_PATCH_ID_LEN] {
        let mut out = [0u8; QUILT_PATCH_ID_LEN];
        out[..BLOB_ID_LEN].copy_from_slice(self.quilt_id.as_bytes());
        out[BLOB_ID_LEN] = QUILT_VERSION_V1;
        out[BLOB_ID_LEN + 1..BLOB_ID_LEN + 3].copy_from_slice(&self.start_index.to_le_bytes());
        out[BLOB_ID_LEN + 3..].copy_from_slice(&self.end_index.to_le_bytes());
        out
    }

    /// Parses the 37 bytes.
    ///
    /// # Errors
    ///
    /// [`QuiltError::InvalidPatchId`] for another length; [`QuiltError::UnsupportedVersion`]
    /// for a version other than 1.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, QuiltError> {
        if bytes.len() != QUILT_PATCH_ID_LEN {
            return Err(QuiltError::InvalidPatchId);
        }
        if bytes[BLOB_ID_LEN] != QUILT_VERSION_V1 {
            return Err(QuiltError::UnsupportedVersion { what: "quilt patch ID", version: bytes[BLOB_ID_LEN] });
        }
        let mut id = [0u8; BLOB_ID_LEN];
        id.copy_from_slice(&bytes[..BLOB_ID_LEN]);
        Ok(Self {
            quilt_id: BlobId(id),
            start_index: u16::from_le_bytes([bytes[BLOB_ID_LEN + 1], bytes[BLOB_ID_LEN + 2]]),
            end_index: u16::from_le_bytes([bytes[BLOB_ID_LEN + 3], bytes[BLOB_ID_LEN + 4]]),
        })
    }
}

impl fmt::Display for QuiltPatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; QUILT_PATCH_ID_TEXT_LEN];
        // 37 bytes always encode to exactly 50 characters.
        let _ = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(self.to_bytes(), &mut out);
        f.write_str(core::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for QuiltPatchId {
    type Err = QuiltError;

    /// Parses 50 base64url characters without padding (SPEC §13).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != QUILT_PATCH_ID_TEXT_LEN {
            return Err(QuiltError::InvalidPatchId);
        }
        let mut out = [0u8; QUILT_PATCH_ID_LEN + 3];
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode_slice(s.as_bytes(), &mut out)
            .map_err(|_| QuiltError::InvalidPatchId)?;
        Self::from_bytes(&out[..n])
    }
}
