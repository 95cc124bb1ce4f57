//! The signing thresholds of certificates (SPEC §10.3).

use crate::bft;
use crate::messages::{InvalidBlobIdBody, MessageBody, StorageConfirmationBody};

/// The signer weight a certificate needs (SPEC §10.3, `contracts/walrus/sources/system/bls_aggregate.move`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Threshold {
    /// Certify a blob: `3w ≥ 2n + 1`.
    Quorum,
    /// Invalidate a blob ("one correct node"): `3w ≥ n + 1`.
    Validity,
}

impl Threshold {
    /// Whether weight `w` out of `n` shards meets the threshold.
    pub const fn is_met(self, w: u32, n: u32) -> bool {
        match self {
            Threshold::Quorum => bft::meets_quorum_threshold(w, n),
            Threshold::Validity => bft::meets_validity_threshold(w, n),
        }
    }

    /// The smallest weight that meets the threshold for `n` shards.
    pub const fn required_weight(self, n: u32) -> u32 {
        let numerator = match self {
            Threshold::Quorum => 2 * n as u64 + 1,
            Threshold::Validity => n as u64 + 1,
        };
        numerator.div_ceil(3) as u32
    }
}

/// A message body that certificates attest, with the threshold it needs.
pub trait CertifiedBody: MessageBody {
    /// The signer weight a certificate of this body needs.
    const THRESHOLD: Threshold;
}

impl CertifiedBody for StorageConfirmationBody {
    const THRESHOLD: Threshold = Threshold::Quorum;
}

impl CertifiedBody for InvalidBlobIdBody {
    const THRESHOLD: Threshold = Threshold::Validity;
}
