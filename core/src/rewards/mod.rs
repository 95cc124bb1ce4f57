//! The Walrus reward math, integer-exact as the deployed Move contracts compute it
//! (`REWARDS.md`).
//!
//! Every function here uses integers only and checked arithmetic: where the Move code would
//! abort (overflow, underflow, division by zero, a failed `as uN` cast, a failed assertion),
//! the port returns a [`RewardsError`]. Where the contracts widen to `u128`, so does the port.
//! Nothing here panics.
//!
//! * [`pricing`]: prices from node votes (weighted 2/3 quantiles), the capacity vote, encoded
//!   size, storage units, storage cost and write fee (REWARDS.md §1.1–§1.6);
//! * [`accounting`]: the burn and the future-accounting ring buffer (§1.8, §3.3);
//! * [`epoch`]: epoch timing and the epoch-change state machine (§2);
//! * [`distribution`]: the per-node epoch reward with the deny-list deduction, the leftover, and
//!   the commission split (§3.1, §3.4);
//! * [`staking`]: exchange rates, the rewards of a stake, and the staking-pool state machine
//!   (§3.4–§4.6);
//! * [`committee`]: capped D'Hondt apportionment, the active set and shard-ID assignment (§5);
//! * [`subsidies`]: the system subsidy entry points and both subsidy packages (§6);
//! * [`network`]: all of the above as one state machine, stepped by simulations and by the
//!   devnet's control plane alike (with the `alloc` feature).
//!
//! The rules are those of `mainnet-contracts/` (the deployed code); the development head
//! (`contracts/`) differs in two places (REWARDS.md §0.1), selected with [`Rules`].
//!
//! State machines ([`accounting::FutureAccountingRingBuffer`], [`staking::StakingPool`],
//! [`committee::ActiveSet`]; with the `alloc` feature) are plain values: each operation either
//! succeeds and advances the value, or returns an error and leaves it unchanged, exactly as a
//! Move transaction commits or aborts.
//!
//! ## Example
//!
//! ```
//! use morsa_core::rewards::{accounting, distribution, pricing};
//!
//! // REWARDS.md §8, `epoch_change_with_rewards_and_commission`: 1e9 bytes for 10 epochs at
//! // price 5, ten nodes of 10 shards, node 0 with a deny list of 1e7 bytes.
//! let per_epoch = pricing::storage_cost_per_epoch(5, 1_000_000_000)?;
//! assert_eq!(per_epoch, 4_770);
//! let burn = accounting::burn_amount(per_epoch)?;
//! assert_eq!(burn, 143);
//! let mut nodes = [distribution::NodeService { shards: 10, deny_list_size: 0 }; 10];
//! nodes[0].deny_list_size = 10_000_000;
//! let mut rewards = [0u64; 10];
//! let leftover = distribution::distribute(per_epoch - burn, 1_000_000_000, &nodes, &mut rewards)?;
//! assert_eq!((rewards[0], rewards[1], leftover), (458, 463, 2));
//! # Ok::<(), morsa_core::rewards::RewardsError>(())
//! ```
// The reward arithmetic must be exact, as the Move contracts are: no lossy or sign-changing
// casts, no unwraps outside tests (REWARDS.md §0.2; each abort is a `RewardsError`).
#![deny(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_lossless,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod accounting;
pub mod committee;
pub mod distribution;
pub mod epoch;
#[cfg(feature = "alloc")]
pub mod network;
pub mod pricing;
pub mod staking;
pub mod subsidies;

use crate::encoding::EncodeError;

/// FROST per WAL: `10^9` (REWARDS.md §0.3, `wal.move` `DECIMALS = 9`).
pub const FROST_PER_WAL: u64 = 1_000_000_000;

/// The total WAL supply in FROST: `5 * 10^18` (REWARDS.md §0.3, `TOTAL_WAL_SUPPLY_TO_MINT`).
pub const TOTAL_FROST_SUPPLY: u64 = 5_000_000_000 * FROST_PER_WAL;

/// Basis points in 100%: 10 000 (REWARDS.md §0.3, `staking_pool.move` `N_BASIS_POINTS`).
pub const N_BASIS_POINTS: u64 = 10_000;

/// The upper bound of `max_epochs_ahead`, the ring-buffer length: 1000 (REWARDS.md §0.3,
/// `system_state_inner.move` `MAX_MAX_EPOCHS_AHEAD`).
pub const MAX_MAX_EPOCHS_AHEAD: u32 = 1000;

/// `max_epochs_ahead` of Walrus mainnet and testnet: 53 (REWARDS.md §0.3,
/// `setup/client_config_mainnet.yaml`).
pub const MAINNET_MAX_EPOCHS_AHEAD: u32 = 53;

/// Which version of the contracts to follow where they differ (REWARDS.md §0.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Rules {
    /// `mainnet-contracts/` (package version 3, the deployed code): active-set size 111; a
    /// pending commission rate applies only on an exact epoch match.
    #[default]
    Mainnet,
    /// `contracts/` (the development head, version 4): active-set size 150; the latest pending
    /// commission rate at or before the epoch applies and older entries are flushed.
    Development,
}

impl core::str::FromStr for Rules {
    type Err = crate::error::UnknownName;

    /// `"mainnet"`, or `"development"` (also `"contracts"`, the directory of those rules).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "mainnet" => Ok(Rules::Mainnet),
            "development" | "contracts" => Ok(Rules::Development),
            _ => Err(crate::error::UnknownName { what: "rules", expected: "'mainnet' or 'development'" }),
        }
    }
}

impl Rules {
    /// `"mainnet"` or `"development"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Rules::Mainnet => "mainnet",
            Rules::Development => "development",
        }
    }

    /// The active-set size limit, `TEMP_ACTIVE_SET_SIZE_LIMIT` (REWARDS.md §0.1 item 1, §0.3):
    /// 111 on mainnet, 150 in `contracts/`.
    pub const fn active_set_size_limit(self) -> u16 {
        match self {
            Rules::Mainnet => 111,
            Rules::Development => 150,
        }
    }
}

/// `value` as a `T`, or [`RewardsError::Overflow`] naming `operation`: Move's `as uN`, which
/// aborts when the value does not fit (REWARDS.md §0.2).
pub(crate) fn cast<T: TryFrom<U>, U>(value: U, operation: &'static str) -> Result<T, RewardsError> {
    T::try_from(value).map_err(|_| RewardsError::Overflow { operation })
}

/// Errors of the reward math: every case where the Move contracts abort (REWARDS.md §0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RewardsError {
    /// An arithmetic operation overflowed or underflowed its integer type, or a value did not
    /// fit an `as uN` cast (Move aborts with an arithmetic error, REWARDS.md §0.2).
    Overflow {
        /// The operation that overflowed, e.g. `"storage_price * storage_units"`.
        operation: &'static str,
    },
    /// A division by zero (Move aborts, REWARDS.md §0.2).
    DivisionByZero {
        /// The division, e.g. `"capacity / weight"`.
        operation: &'static str,
    },
    /// The encoded size cannot be computed: bad shard count or blob too large (REWARDS.md §1.3).
    Encoding(EncodeError),
    /// An encoding type other than RS2 (= 1) (REWARDS.md §1.3, `encoding.move`).
    UnsupportedEncodingType {
        /// The encoding type given.
        encoding_type: u8,
    },
    /// An argument outside the range the contract asserts, e.g. `epochs_ahead` outside
    /// `1..=max_epochs_ahead`, a rate above 10 000 bp, a percent above 100.
    OutOfRange {
        /// The argument.
        what: &'static str,
        /// The value given.
        value: u64,
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// A quantile over votes found no quorum: the vote weights do not reach
    /// `3w >= 2n + 1` (REWARDS.md §1.1–§1.2; Move pops an empty priority queue and aborts).
    NoQuorum,
    /// Storage would exceed the total capacity (REWARDS.md §1.5, `EStorageExceeded`).
    StorageExceeded {
        /// Used capacity in bytes after the purchase.
        used_bytes: u64,
        /// Total capacity in bytes.
        capacity_bytes: u64,
    },
    /// A payment or a pool balance is too small (Move `balance::split` aborts).
    InsufficientFunds {
        /// The amount needed in FROST.
        needed_frost: u64,
        /// The amount available in FROST.
        available_frost: u64,
    },
    /// A storage amount of 0 bytes, or an extraction that rounds to 0 (REWARDS.md §1.5, §1.7,
    /// `EZeroExtractSize`).
    ZeroAmount {
        /// What was zero.
        what: &'static str,
    },
    /// The total stake of the active set is 0 (REWARDS.md §5.2, `ENoStake`).
    NoStake,
    /// D'Hondt cannot place every shard: all nodes are at the cap (REWARDS.md §5.2; Move pops
    /// an empty queue).
    ShardCapTooLow {
        /// The number of shards to place.
        n_shards: u16,
        /// The per-node cap.
        cap: u64,
        /// The number of nodes.
        n_nodes: usize,
    },
    /// A caller-provided output buffer or parallel input has the wrong length.
    LengthMismatch {
        /// The length needed.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// The shard counts of a committee transition do not add up (REWARDS.md §5.3,
    /// `EInvalidShardAssignment`).
    InvalidShardAssignment {
        /// Shards of the old committee.
        old_shards: u64,
        /// Shards of the new assignment.
        new_shards: u64,
    },
    /// An exchange rate with more shares than WAL (REWARDS.md §4.3).
    InvalidExchangeRate,
    /// A staking-pool operation in the wrong state or epoch: advancing to an epoch not after the
    /// latest one, rewards for a pool without stake, withdrawing before the withdraw epoch,
    /// a direct withdrawal that is not allowed or a request that must be direct, zero shares
    /// (REWARDS.md §4).
    InvalidPoolState {
        /// Which rule was violated.
        reason: &'static str,
    },
    /// An epoch transition in the wrong state or for the wrong epoch (REWARDS.md §2).
    InvalidEpochState {
        /// Which rule was violated.
        reason: &'static str,
    },
    /// An epoch transition before its time (REWARDS.md §2).
    TooEarly {
        /// The time given, ms.
        now_ms: u64,
        /// The earliest allowed time, ms.
        earliest_ms: u64,
    },
    /// An unknown storage node or stake object ([`network::Network`]).
    NotFound {
        /// What was looked up: `"storage node"` or `"stake object"`.
        what: &'static str,
    },
    /// A stake object used by an account that does not own it ([`network::Network`]).
    NotOwner,
    /// A withdrawal requested for `due_epoch`, attempted in the earlier `epoch` (REWARDS.md §4.2).
    NotDue {
        /// The current epoch.
        epoch: u32,
        /// The epoch from which the stake can be withdrawn.
        due_epoch: u32,
    },
    /// A stake below the minimum of 1 WAL (REWARDS.md §4.1, `MIN_STAKING_THRESHOLD`).
    StakeTooSmall {
        /// The stake given in FROST.
        stake_frost: u64,
        /// The minimum in FROST.
        min_frost: u64,
    },
}

impl core::fmt::Display for RewardsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RewardsError::Overflow { operation } => write!(f, "arithmetic overflow in {operation}"),
            RewardsError::DivisionByZero { operation } => write!(f, "division by zero in {operation}"),
            RewardsError::Encoding(e) => write!(f, "encoded size: {e}"),
            RewardsError::UnsupportedEncodingType { encoding_type } => {
                write!(f, "encoding type {encoding_type} is not supported (only RS2 = 1)")
            }
            RewardsError::OutOfRange { what, value, min, max } => {
                write!(f, "{what} = {value} is out of range ({min}..={max})")
            }
            RewardsError::NoQuorum => f.write_str("the vote weights do not reach a quorum (3w >= 2n + 1)"),
            RewardsError::StorageExceeded { used_bytes, capacity_bytes } => {
                write!(f, "storage exceeded: {used_bytes} bytes used of a capacity of {capacity_bytes} bytes")
            }
            RewardsError::InsufficientFunds { needed_frost, available_frost } => {
                write!(f, "insufficient funds: {needed_frost} FROST needed, {available_frost} FROST available")
            }
            RewardsError::ZeroAmount { what } => write!(f, "{what} is zero"),
            RewardsError::NoStake => f.write_str("the total stake is zero (ENoStake)"),
            RewardsError::ShardCapTooLow { n_shards, cap, n_nodes } => {
                write!(f, "cannot place {n_shards} shards on {n_nodes} nodes with at most {cap} shards per node")
            }
            RewardsError::LengthMismatch { expected, got } => {
                write!(f, "length mismatch: expected {expected}, got {got}")
            }
            RewardsError::InvalidShardAssignment { old_shards, new_shards } => {
                write!(f, "invalid shard assignment: {old_shards} shards before, {new_shards} after")
            }
            RewardsError::InvalidExchangeRate => f.write_str("invalid exchange rate: more shares than WAL"),
            RewardsError::InvalidPoolState { reason } => write!(f, "invalid staking-pool operation: {reason}"),
            RewardsError::InvalidEpochState { reason } => write!(f, "invalid epoch transition: {reason}"),
            RewardsError::TooEarly { now_ms, earliest_ms } => {
                write!(f, "too early: now is {now_ms} ms, the transition is allowed from {earliest_ms} ms")
            }
            RewardsError::NotFound { what } => write!(f, "no such {what}"),
            RewardsError::NotOwner => f.write_str("the stake object belongs to another account"),
            RewardsError::NotDue { epoch, due_epoch } => {
                write!(f, "the withdrawal is due in epoch {due_epoch}; this is epoch {epoch}")
            }
            RewardsError::StakeTooSmall { stake_frost, min_frost } => {
                write!(f, "stake of {stake_frost} FROST is below the minimum of {min_frost} FROST")
            }
        }
    }
}

impl core::error::Error for RewardsError {}

impl RewardsError {
    /// A stable machine-readable name of the case, e.g. `"NOT_FOUND"`, `"STAKE_TOO_SMALL"`:
    /// what an API puts in its error reason.
    pub const fn code(&self) -> &'static str {
        match self {
            RewardsError::Overflow { .. } => "OVERFLOW",
            RewardsError::DivisionByZero { .. } => "DIVISION_BY_ZERO",
            RewardsError::Encoding(_) => "ENCODING",
            RewardsError::UnsupportedEncodingType { .. } => "UNSUPPORTED_ENCODING",
            RewardsError::OutOfRange { .. } => "OUT_OF_RANGE",
            RewardsError::NoQuorum => "NO_QUORUM",
            RewardsError::StorageExceeded { .. } => "STORAGE_EXCEEDED",
            RewardsError::InsufficientFunds { .. } => "INSUFFICIENT_FUNDS",
            RewardsError::ZeroAmount { .. } => "ZERO_AMOUNT",
            RewardsError::NoStake => "NO_STAKE",
            RewardsError::ShardCapTooLow { .. } => "SHARD_CAP_TOO_LOW",
            RewardsError::LengthMismatch { .. } => "LENGTH_MISMATCH",
            RewardsError::InvalidShardAssignment { .. } => "INVALID_SHARD_ASSIGNMENT",
            RewardsError::InvalidExchangeRate => "INVALID_EXCHANGE_RATE",
            RewardsError::InvalidPoolState { .. } => "INVALID_POOL_STATE",
            RewardsError::InvalidEpochState { .. } => "INVALID_EPOCH_STATE",
            RewardsError::TooEarly { .. } => "TOO_EARLY",
            RewardsError::NotFound { .. } => "NOT_FOUND",
            RewardsError::NotOwner => "NOT_OWNER",
            RewardsError::NotDue { .. } => "NOT_DUE",
            RewardsError::StakeTooSmall { .. } => "STAKE_TOO_SMALL",
        }
    }
}

impl From<EncodeError> for RewardsError {
    fn from(e: EncodeError) -> Self {
        RewardsError::Encoding(e)
    }
}

/// Shorthand for the crate's checked operations.
pub(crate) trait Checked: Sized {
    fn or_overflow(self, operation: &'static str) -> Result<u64, RewardsError>;
}

impl Checked for Option<u64> {
    fn or_overflow(self, operation: &'static str) -> Result<u64, RewardsError> {
        self.ok_or(RewardsError::Overflow { operation })
    }
}

/// `x as u64` for a u128, as Move's checked cast.
pub(crate) fn to_u64(x: u128, operation: &'static str) -> Result<u64, RewardsError> {
    u64::try_from(x).map_err(|_| RewardsError::Overflow { operation })
}

/// Checks `value <= max` for an argument.
pub(crate) fn check_range(what: &'static str, value: u64, min: u64, max: u64) -> Result<(), RewardsError> {
    if value < min || value > max {
        Err(RewardsError::OutOfRange { what, value, min, max })
    } else {
        Ok(())
    }
}
