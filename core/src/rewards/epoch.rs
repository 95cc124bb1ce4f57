//! Epoch timing and the epoch-change state machine (REWARDS.md §2, `staking_inner.move`
//! `EpochState`).
//!
//! A plain value ([`EpochClock`]) advanced by the three permissionless transitions:
//! `epoch_sync_done` (a committee member finished syncing), `voting_end` (the next committee is
//! selected) and `initiate_epoch_change`. Times are Sui clock milliseconds. Tracking which nodes
//! already signalled sync (`EDuplicateSyncDone`) is the caller's job.

use super::pricing::is_quorum;
use super::{Checked, RewardsError};

/// The epoch-change state (REWARDS.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EpochState {
    /// The epoch changed; the new committee is syncing. `weight` is the shards that signalled.
    EpochChangeSync {
        /// Shards of the committee members that signalled sync so far.
        weight: u16,
    },
    /// Sync reached a quorum at `at_ms` (or the system was created then).
    EpochChangeDone {
        /// When the state was entered, ms.
        at_ms: u64,
    },
    /// `voting_end` selected the next committee; `at_ms` is still the time sync completed.
    NextParamsSelected {
        /// When sync completed, ms.
        at_ms: u64,
    },
}

/// The epoch number, its state and the timing parameters (REWARDS.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EpochClock {
    epoch: u32,
    state: EpochState,
    epoch_duration_ms: u64,
    first_epoch_start_ms: u64,
}

impl EpochClock {
    /// The clock at creation (REWARDS.md §2): epoch 0 in `EpochChangeDone(now)`, with the first
    /// epoch starting at `now + epoch_zero_duration`.
    ///
    /// # Errors
    ///
    /// [`RewardsError::Overflow`] if the first epoch start overflows u64.
    pub fn new(now_ms: u64, epoch_zero_duration_ms: u64, epoch_duration_ms: u64) -> Result<Self, RewardsError> {
        let first_epoch_start_ms =
            now_ms.checked_add(epoch_zero_duration_ms).or_overflow("now + epoch_zero_duration")?;
        Ok(Self {
            epoch: 0,
            state: EpochState::EpochChangeDone { at_ms: now_ms },
            epoch_duration_ms,
            first_epoch_start_ms,
        })
    }

    /// The current epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The current state.
    pub fn state(&self) -> EpochState {
        self.state
    }

    /// Whether the next committee is selected (`NextParamsSelected`): stake made now activates
    /// at `E + 2` (REWARDS.md §4.1).
    pub fn committee_selected(&self) -> bool {
        matches!(self.state, EpochState::NextParamsSelected { .. })
    }

    /// When epoch 1 may start, ms.
    pub fn first_epoch_start_ms(&self) -> u64 {
        self.first_epoch_start_ms
    }

    /// A committee member holding `shards` of `n_shards` signals that it synced `epoch`
    /// (REWARDS.md §2): while syncing, `weight += shards` (u16), and the first time the weight
    /// is a quorum the state becomes `EpochChangeDone(now)`. Returns whether sync is done.
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidEpochState`] for a different epoch (`EInvalidSyncEpoch`);
    /// [`RewardsError::Overflow`] if the weight overflows u16.
    pub fn epoch_sync_done(
        &mut self,
        epoch: u32,
        shards: u16,
        n_shards: u16,
        now_ms: u64,
    ) -> Result<bool, RewardsError> {
        if epoch != self.epoch {
            return Err(RewardsError::InvalidEpochState { reason: "sync signalled for another epoch" });
        }
        if let EpochState::EpochChangeSync { weight } = self.state {
            let weight = weight.checked_add(shards).ok_or(RewardsError::Overflow { operation: "sync weight" })?;
            self.state = if is_quorum(weight.into(), n_shards.into())? {
                EpochState::EpochChangeDone { at_ms: now_ms }
            } else {
                EpochState::EpochChangeSync { weight }
            };
        }
        Ok(!matches!(self.state, EpochState::EpochChangeSync { .. }))
    }

    /// `voting_end` (REWARDS.md §2): requires `EpochChangeDone(t)` and `now >= t +
    /// epoch_duration / 2` (in epoch 0: `now >= first_epoch_start`); the state becomes
    /// `NextParamsSelected(t)`. The caller then selects the next committee (§5) and computes the
    /// capacity (§1.2), and unblocks the previous committee's commission (§3.5).
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidEpochState`] in another state; [`RewardsError::TooEarly`].
    pub fn voting_end(&mut self, now_ms: u64) -> Result<(), RewardsError> {
        let EpochState::EpochChangeDone { at_ms } = self.state else {
            return Err(RewardsError::InvalidEpochState { reason: "voting_end needs EpochChangeDone" });
        };
        let earliest = if self.epoch == 0 {
            self.first_epoch_start_ms
        } else {
            at_ms.checked_add(self.epoch_duration_ms / 2).or_overflow("t + epoch_duration / 2")?
        };
        if now_ms < earliest {
            return Err(RewardsError::TooEarly { now_ms, earliest_ms: earliest });
        }
        self.state = EpochState::NextParamsSelected { at_ms };
        Ok(())
    }

    /// `initiate_epoch_change` (REWARDS.md §2): requires `NextParamsSelected(t)` and `now >= t +
    /// epoch_duration` (in epoch 0: `now >= first_epoch_start`); the epoch advances and the
    /// state becomes `EpochChangeSync(0)`. Returns the new epoch. The caller then runs the burn,
    /// the distribution and the pool advances (§2 steps 1–4).
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidEpochState`] in another state; [`RewardsError::TooEarly`];
    /// [`RewardsError::Overflow`] past u32 epochs.
    pub fn initiate_epoch_change(&mut self, now_ms: u64) -> Result<u32, RewardsError> {
        let EpochState::NextParamsSelected { at_ms } = self.state else {
            return Err(RewardsError::InvalidEpochState { reason: "the next committee is not selected" });
        };
        let earliest = if self.epoch == 0 {
            self.first_epoch_start_ms
        } else {
            at_ms.checked_add(self.epoch_duration_ms).or_overflow("t + epoch_duration")?
        };
        if now_ms < earliest {
            return Err(RewardsError::TooEarly { now_ms, earliest_ms: earliest });
        }
        self.epoch = self.epoch.checked_add(1).ok_or(RewardsError::Overflow { operation: "epoch + 1" })?;
        self.state = EpochState::EpochChangeSync { weight: 0 };
        Ok(self.epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: u64 = 7 * 24 * 60 * 60 * 1000;

    #[test]
    fn a_full_cycle() {
        let mut clock = EpochClock::new(1_000, WEEK, WEEK).unwrap();
        assert_eq!(clock.state(), EpochState::EpochChangeDone { at_ms: 1_000 });
        assert!(matches!(clock.voting_end(1_000 + WEEK - 1), Err(RewardsError::TooEarly { .. })));
        clock.voting_end(1_000 + WEEK).unwrap();
        assert!(clock.committee_selected());
        assert_eq!(clock.initiate_epoch_change(1_000 + WEEK), Ok(1));
        assert_eq!(clock.state(), EpochState::EpochChangeSync { weight: 0 });
        assert!(clock.voting_end(u64::MAX).is_err(), "not before sync is done");
        // staking_inner_tests.move::test_epoch_sync_done: stakes 300k / 700k over 300 shards give
        // 90 / 210 shards; the first alone is no quorum, both are.
        let t = 1_000 + 2 * WEEK;
        assert!(clock.epoch_sync_done(0, 90, 300, t).is_err(), "wrong epoch");
        assert_eq!(clock.epoch_sync_done(1, 90, 300, t), Ok(false));
        assert_eq!(clock.epoch_sync_done(1, 210, 300, t + 5), Ok(true));
        assert_eq!(clock.state(), EpochState::EpochChangeDone { at_ms: t + 5 });
        // Half an epoch after sync for voting_end, a full epoch for the change.
        assert!(clock.voting_end(t + 5 + WEEK / 2 - 1).is_err());
        clock.voting_end(t + 5 + WEEK / 2).unwrap();
        assert!(clock.initiate_epoch_change(t + 5 + WEEK - 1).is_err());
        assert_eq!(clock.initiate_epoch_change(t + 5 + WEEK), Ok(2));
        assert!(clock.initiate_epoch_change(u64::MAX).is_err());
        assert!(EpochClock::new(u64::MAX, 1, 1).is_err());
    }
}
