//! Committees: members, their shards and weights (SPEC §10.3).

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};
#[cfg(feature = "alloc")]
use serde::{Deserialize, Serialize};

use super::PublicKey;

/// What certificate verification needs to know of a committee: its epoch and, in member order,
/// each member's public key and weight (number of shards).
pub trait CommitteeWeights {
    /// The committee's epoch.
    fn epoch(&self) -> u32;
    /// The number of members.
    fn n_members(&self) -> usize;
    /// Member `index`'s public key and weight, or `None` if out of range.
    fn member(&self, index: usize) -> Option<(PublicKey, u16)>;
    /// The total number of shards `n` (the sum of the weights).
    fn n_shards(&self) -> u32;
}

/// A committee given as a slice of `(public key, weight)` in member order; needs no allocator.
/// The caller vouches that it is a valid committee (see [`Committee`] for the checks).
#[derive(Clone, Copy, Debug)]
pub struct WeightedMembers<'a> {
    /// The epoch.
    pub epoch: u32,
    /// Members in order, with their weights.
    pub members: &'a [(PublicKey, u16)],
}

impl CommitteeWeights for WeightedMembers<'_> {
    fn epoch(&self) -> u32 {
        self.epoch
    }

    fn n_members(&self) -> usize {
        self.members.len()
    }

    fn member(&self, index: usize) -> Option<(PublicKey, u16)> {
        self.members.get(index).copied()
    }

    fn n_shards(&self) -> u32 {
        self.members.iter().map(|(_, w)| u32::from(*w)).sum()
    }
}

/// Why a committee is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommitteeError {
    /// Fewer than 4 shards in total (SPEC §1.2).
    TooFewShards {
        /// The total number of shards.
        n_shards: u32,
    },
    /// More shards in total than a `u16` shard index can name.
    TooManyShards {
        /// The total number of shards.
        n_shards: u32,
    },
    /// A member holds no shard.
    MemberWithoutShards {
        /// The member's index.
        member: usize,
    },
    /// Two members have the same public key.
    DuplicatePublicKey {
        /// The second member with that key.
        member: usize,
    },
    /// A shard index is not below the total number of shards.
    ShardOutOfRange {
        /// The shard.
        shard: u16,
        /// The total number of shards.
        n_shards: u32,
    },
    /// A shard is held twice.
    DuplicateShard {
        /// The shard.
        shard: u16,
    },
    /// The bytes are not a postcard-serialized committee, or not in canonical form.
    Malformed,
}

impl fmt::Display for CommitteeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommitteeError::TooFewShards { n_shards } => {
                write!(f, "the committee holds {n_shards} shards, at least 4 are needed")
            }
            CommitteeError::TooManyShards { n_shards } => {
                write!(f, "the committee holds {n_shards} shards, at most 65535 are possible")
            }
            CommitteeError::MemberWithoutShards { member } => write!(f, "committee member {member} holds no shard"),
            CommitteeError::DuplicatePublicKey { member } => {
                write!(f, "committee member {member} has the public key of an earlier member")
            }
            CommitteeError::ShardOutOfRange { shard, n_shards } => {
                write!(f, "shard {shard} is out of range for a committee of {n_shards} shards")
            }
            CommitteeError::DuplicateShard { shard } => write!(f, "shard {shard} is held by two members"),
            CommitteeError::Malformed => f.write_str("malformed committee bytes"),
        }
    }
}

impl core::error::Error for CommitteeError {}

/// A committee member: its Ed25519 public key and the shards it holds.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's public key.
    pub public_key: PublicKey,
    /// The shards it holds; its weight is their number.
    pub shards: Vec<u16>,
}

/// A validated committee for one epoch: members in a fixed order, each with a public key and
/// its shards; every shard `0..n` held by exactly one member, `n ≥ 4` (SPEC §10.3: weights are
/// shard counts and `n` is their sum). Serialized with postcard.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committee {
    epoch: u32,
    members: Vec<Member>,
    shard_owner: Vec<u16>,
}

#[cfg(feature = "alloc")]
#[derive(Serialize, Deserialize)]
struct CommitteeWire {
    epoch: u32,
    members: Vec<Member>,
}

#[cfg(feature = "alloc")]
impl Committee {
    /// Validates and builds a committee.
    ///
    /// # Errors
    ///
    /// [`CommitteeError`] when a member holds no shard, a public key or shard repeats, a shard
    /// is out of range, or the total is below 4 or above 65 535 shards.
    pub fn new(epoch: u32, members: Vec<Member>) -> Result<Self, CommitteeError> {
        let n_shards: u32 = members.iter().map(|m| m.shards.len() as u32).sum();
        if n_shards < u32::from(crate::encoding::MIN_SHARDS) {
            return Err(CommitteeError::TooFewShards { n_shards });
        }
        if n_shards > u32::from(u16::MAX) {
            return Err(CommitteeError::TooManyShards { n_shards });
        }
        let mut shard_owner = vec![u16::MAX; n_shards as usize];
        for (index, member) in members.iter().enumerate() {
            if member.shards.is_empty() {
                return Err(CommitteeError::MemberWithoutShards { member: index });
            }
            if members[..index].iter().any(|m| m.public_key == member.public_key) {
                return Err(CommitteeError::DuplicatePublicKey { member: index });
            }
            for &shard in &member.shards {
                let slot = shard_owner
                    .get_mut(usize::from(shard))
                    .ok_or(CommitteeError::ShardOutOfRange { shard, n_shards })?;
                if *slot != u16::MAX {
                    return Err(CommitteeError::DuplicateShard { shard });
                }
                // At most n_shards ≤ 65 535 members, each holding a shard.
                *slot = index as u16;
            }
        }
        // n distinct shards below n: every shard is held.
        Ok(Self { epoch, members, shard_owner })
    }

    /// The epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The members in order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The total number of shards.
    pub fn n_shards(&self) -> u16 {
        self.shard_owner.len() as u16
    }

    /// The index of the member holding `shard`, or `None` if out of range.
    pub fn shard_owner(&self, shard: u16) -> Option<usize> {
        self.shard_owner.get(usize::from(shard)).map(|&i| usize::from(i))
    }

    /// The index of the member with `public_key`, if any.
    pub fn member_index(&self, public_key: &PublicKey) -> Option<usize> {
        self.members.iter().position(|m| m.public_key == *public_key)
    }

    /// The postcard bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = CommitteeWire { epoch: self.epoch, members: self.members.clone() };
        postcard::to_allocvec(&wire).unwrap_or_default()
    }

    /// Parses and validates postcard bytes; they must be exactly what [`Committee::to_bytes`]
    /// writes.
    ///
    /// # Errors
    ///
    /// [`CommitteeError::Malformed`] for bytes that are not a canonical committee, or the
    /// validation errors of [`Committee::new`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CommitteeError> {
        let (wire, rest): (CommitteeWire, _) =
            postcard::take_from_bytes(bytes).map_err(|_| CommitteeError::Malformed)?;
        if !rest.is_empty() {
            return Err(CommitteeError::Malformed);
        }
        let committee = Self::new(wire.epoch, wire.members)?;
        if committee.to_bytes() != bytes {
            return Err(CommitteeError::Malformed);
        }
        Ok(committee)
    }
}

#[cfg(feature = "alloc")]
impl CommitteeWeights for Committee {
    fn epoch(&self) -> u32 {
        self.epoch
    }

    fn n_members(&self) -> usize {
        self.members.len()
    }

    fn member(&self, index: usize) -> Option<(PublicKey, u16)> {
        self.members.get(index).map(|m| (m.public_key, m.shards.len() as u16))
    }

    fn n_shards(&self) -> u32 {
        self.shard_owner.len() as u32
    }
}
