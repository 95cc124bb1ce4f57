//! The burn and the future-accounting ring buffer (REWARDS.md §1.5, §1.8, §3.3, §6.1).

use super::{check_range, Checked, RewardsError};

/// The share of the closing epoch's bucket that is burned, in percent: 3
/// (REWARDS.md §0.3, §3.3, `storage_accounting.move` `extract_burn_balance`).
pub const BURN_PERCENT: u64 = 3;

/// The burn of an epoch: `floor(bucket_value * 3 / 100)` in u64 (REWARDS.md §1.8, §3.3).
///
/// # Errors
///
/// [`RewardsError::Overflow`] if `bucket_value * 3` overflows u64 (Move aborts), i.e. for
/// values above `u64::MAX / 3`.
pub fn burn_amount(bucket_value: u64) -> Result<u64, RewardsError> {
    Ok(bucket_value.checked_mul(BURN_PERCENT).or_overflow("bucket_value * 3")? / 100)
}

/// How `add_subsidy(value, k)` splits a subsidy over buckets `0..k` (REWARDS.md §6.1):
/// `(per_epoch, remainder)` with `per_epoch = value / k` into every bucket and the remainder
/// `value % k` added to bucket 0.
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] unless `0 < k <= max_epochs_ahead`.
pub fn subsidy_split(value: u64, k: u32, max_epochs_ahead: u32) -> Result<(u64, u64), RewardsError> {
    check_range("epochs_ahead", k.into(), 1, max_epochs_ahead.into())?;
    Ok((value / u64::from(k), value % u64::from(k)))
}

/// One entry of the future-accounting ring (REWARDS.md §1.8, `FutureAccounting`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FutureAccounting {
    /// The epoch of the entry.
    pub epoch: u32,
    /// Bytes of storage reserved for this epoch.
    pub used_capacity: u64,
    /// FROST to distribute at the end of this epoch.
    pub rewards_to_distribute: u64,
}

#[cfg(feature = "alloc")]
pub use ring::FutureAccountingRingBuffer;

#[cfg(feature = "alloc")]
mod ring {
    use alloc::vec::Vec;

    use super::{burn_amount, subsidy_split, FutureAccounting};
    use crate::rewards::{check_range, Checked, RewardsError};

    /// The future-accounting ring buffer, `FutureAccountingRingBuffer` (REWARDS.md §1.8): one
    /// bucket per epoch from the current one, `max_epochs_ahead` long. Offset 0 is always the
    /// current epoch.
    ///
    /// Every mutating operation is all-or-nothing: on error the buffer is unchanged.
    #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    #[serde(try_from = "RingRepr")]
    pub struct FutureAccountingRingBuffer {
        current_index: u32,
        ring: Vec<FutureAccounting>,
    }

    /// The serialized form of a ring, checked on the way in: 1 to 1000 buckets, the current
    /// index inside the ring.
    #[derive(serde::Deserialize)]
    struct RingRepr {
        current_index: u32,
        ring: Vec<FutureAccounting>,
    }

    impl TryFrom<RingRepr> for FutureAccountingRingBuffer {
        type Error = RewardsError;

        fn try_from(repr: RingRepr) -> Result<Self, RewardsError> {
            check_range("max_epochs_ahead", repr.ring.len() as u64, 1, crate::rewards::MAX_MAX_EPOCHS_AHEAD.into())?;
            check_range("ring index", repr.current_index.into(), 0, repr.ring.len() as u64 - 1)?;
            Ok(Self { current_index: repr.current_index, ring: repr.ring })
        }
    }

    impl FutureAccountingRingBuffer {
        /// A ring of `length` empty buckets for epochs `first_epoch .. first_epoch + length`
        /// (the contract creates it with `first_epoch = 0`).
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] unless `1 <= length <= 1000`
        /// ([`MAX_MAX_EPOCHS_AHEAD`](crate::rewards::MAX_MAX_EPOCHS_AHEAD));
        /// [`RewardsError::Overflow`] if an epoch exceeds u32.
        pub fn new(first_epoch: u32, length: u32) -> Result<Self, RewardsError> {
            check_range("max_epochs_ahead", length.into(), 1, crate::rewards::MAX_MAX_EPOCHS_AHEAD.into())?;
            first_epoch.checked_add(length).ok_or(RewardsError::Overflow { operation: "epoch + length" })?;
            let ring = (0..length)
                .map(|i| FutureAccounting { epoch: first_epoch + i, used_capacity: 0, rewards_to_distribute: 0 })
                .collect();
            Ok(Self { current_index: 0, ring })
        }

        /// The ring length, `max_epochs_ahead`.
        pub fn len(&self) -> u32 {
            // The ring was built from a `u32` length.
            u32::try_from(self.ring.len()).unwrap_or(u32::MAX)
        }

        /// Always false: a ring has at least one bucket.
        pub fn is_empty(&self) -> bool {
            self.ring.is_empty()
        }

        fn index(&self, offset: u32) -> Result<usize, RewardsError> {
            check_range("ring offset", offset.into(), 0, u64::from(self.len()) - 1)?;
            Ok(((self.current_index as usize) + offset as usize) % self.ring.len())
        }

        /// The bucket `offset` epochs after the current one, `ring_lookup` (REWARDS.md §1.8).
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] unless `offset < len`.
        pub fn lookup(&self, offset: u32) -> Result<&FutureAccounting, RewardsError> {
            Ok(&self.ring[self.index(offset)?])
        }

        /// The buckets in offset order, from the current epoch.
        pub fn buckets(&self) -> impl Iterator<Item = &FutureAccounting> + '_ {
            let start = self.current_index as usize;
            self.ring[start..].iter().chain(self.ring[..start].iter())
        }

        /// `ring_pop_expand` (REWARDS.md §1.8): removes and returns the current bucket, and
        /// appends an empty bucket for epoch `current + length`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`] if the new epoch exceeds u32.
        pub fn pop_expand(&mut self) -> Result<FutureAccounting, RewardsError> {
            let i = self.current_index as usize;
            let popped = self.ring[i];
            let epoch =
                popped.epoch.checked_add(self.len()).ok_or(RewardsError::Overflow { operation: "epoch + length" })?;
            self.ring[i] = FutureAccounting { epoch, used_capacity: 0, rewards_to_distribute: 0 };
            self.current_index = crate::rewards::cast((i + 1) % self.ring.len(), "ring index")?;
            Ok(popped)
        }

        /// Takes the 3% burn out of the current bucket and returns it, `extract_burn_balance`
        /// (REWARDS.md §1.8, §3.3).
        ///
        /// # Errors
        ///
        /// As [`burn_amount`](super::burn_amount).
        pub fn extract_burn(&mut self) -> Result<u64, RewardsError> {
            let i = self.index(0)?;
            let burn = burn_amount(self.ring[i].rewards_to_distribute)?;
            self.ring[i].rewards_to_distribute -= burn;
            Ok(burn)
        }

        /// Adds `amount` FROST to the rewards of bucket `offset`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] for `offset >= len`; [`RewardsError::Overflow`] if the
        /// bucket overflows u64.
        pub fn add_rewards(&mut self, offset: u32, amount: u64) -> Result<(), RewardsError> {
            let i = self.index(offset)?;
            let b = &mut self.ring[i];
            b.rewards_to_distribute = b.rewards_to_distribute.checked_add(amount).or_overflow("bucket + amount")?;
            Ok(())
        }

        /// `process_storage_payments` with the capacity check (REWARDS.md §1.5): for every offset
        /// in `start_offset..end_offset`, adds `per_epoch` FROST to the bucket's rewards and
        /// `size_bytes` to its used capacity, which must stay `<= total_capacity`. Returns the
        /// total paid, `(end - start) * per_epoch`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] for an offset beyond the ring or `end <= start`;
        /// [`RewardsError::StorageExceeded`] when a bucket would exceed `total_capacity`;
        /// [`RewardsError::Overflow`] on u64 overflow. The ring is unchanged on error.
        pub fn reserve(
            &mut self,
            size_bytes: u64,
            start_offset: u32,
            end_offset: u32,
            per_epoch: u64,
            total_capacity: Option<u64>,
        ) -> Result<u64, RewardsError> {
            if end_offset <= start_offset {
                return Err(RewardsError::OutOfRange {
                    what: "end_offset",
                    value: end_offset.into(),
                    min: u64::from(start_offset) + 1,
                    max: self.len().into(),
                });
            }
            check_range("end_offset", end_offset.into(), 1, self.len().into())?;
            for offset in start_offset..end_offset {
                let b = self.lookup(offset)?;
                let used = b.used_capacity.checked_add(size_bytes).or_overflow("used_capacity + size")?;
                if let Some(capacity) = total_capacity {
                    if used > capacity {
                        return Err(RewardsError::StorageExceeded { used_bytes: used, capacity_bytes: capacity });
                    }
                }
                b.rewards_to_distribute.checked_add(per_epoch).or_overflow("bucket + per_epoch")?;
            }
            for offset in start_offset..end_offset {
                let i = self.index(offset)?;
                self.ring[i].used_capacity += size_bytes;
                self.ring[i].rewards_to_distribute += per_epoch;
            }
            u64::from(end_offset - start_offset).checked_mul(per_epoch).or_overflow("epochs * per_epoch")
        }

        /// `add_subsidy(value, k)` (REWARDS.md §6.1): `value / k` into buckets `0..k`, and the
        /// remainder into bucket 0.
        ///
        /// # Errors
        ///
        /// As [`subsidy_split`](super::subsidy_split) with `max_epochs_ahead = len`;
        /// [`RewardsError::Overflow`] if a bucket overflows. Unchanged on error.
        pub fn add_subsidy(&mut self, value: u64, k: u32) -> Result<(), RewardsError> {
            let (per, rem) = subsidy_split(value, k, self.len())?;
            let mut next = self.clone();
            next.add_rewards(0, rem)?;
            for offset in 0..k {
                next.add_rewards(offset, per)?;
            }
            *self = next;
            Ok(())
        }

        /// `add_per_epoch_subsidies(vec)` (REWARDS.md §6.1): `amounts[i]` into bucket `i`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] if `amounts` is longer than the ring;
        /// [`RewardsError::Overflow`] if a bucket overflows. Unchanged on error.
        pub fn add_per_epoch_subsidies(&mut self, amounts: &[u64]) -> Result<(), RewardsError> {
            check_range("subsidies length", amounts.len() as u64, 0, self.len().into())?;
            let mut next = self.clone();
            for (offset, a) in amounts.iter().enumerate() {
                next.add_rewards(crate::rewards::cast(offset, "subsidy offset")?, *a)?;
            }
            *self = next;
            Ok(())
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn ring_reserve_is_atomic() {
        let mut ring = FutureAccountingRingBuffer::new(0, 3).unwrap();
        ring.reserve(10, 0, 2, 5, Some(15)).unwrap();
        let before = ring.clone();
        assert_eq!(
            ring.reserve(10, 0, 3, 5, Some(15)),
            Err(RewardsError::StorageExceeded { used_bytes: 20, capacity_bytes: 15 })
        );
        assert_eq!(ring, before);
        assert!(ring.reserve(1, 0, 4, 5, None).is_err());
        assert!(ring.lookup(3).is_err());
    }

    #[test]
    fn burn_overflow() {
        assert_eq!(burn_amount(u64::MAX / 3), Ok((u64::MAX / 3) * 3 / 100));
        assert!(burn_amount(u64::MAX / 3 + 1).is_err());
    }
}
