//! Byzantine fault-tolerance arithmetic over shard counts (SPEC §1.1, §10.3).
//!
//! One definition of each threshold, shared by the encoding configuration and (later) the
//! certificate layer. All functions take the total number of shards `n` (the committee's
//! total weight) and never panic.

/// The maximum number of faulty shards tolerated: `f = floor((n - 1) / 3)`, and 0 for `n = 0`
/// (SPEC §1.1, `walrus: crates/walrus-core/src/bft.rs`).
pub const fn max_faulty(n: u16) -> u16 {
    if n == 0 {
        0
    } else {
        (n - 1) / 3
    }
}

/// The minimum number of correct shards: `n - f` (SPEC §1.1). Equals `2f + 1` when `n = 3f + 1`.
pub const fn min_correct(n: u16) -> u16 {
    n - max_faulty(n)
}

/// Whether a weight `w` out of `n` is a Rust-side quorum: `w > 2f` (SPEC §10.3,
/// `Committee::is_quorum`).
pub const fn is_quorum(w: u32, n: u16) -> bool {
    w > 2 * max_faulty(n) as u32
}

/// Whether a weight `w` out of `n` contains at least one correct shard: `w > f` (SPEC §10.3,
/// `Committee::is_above_validity`).
pub const fn is_above_validity(w: u32, n: u16) -> bool {
    w > max_faulty(n) as u32
}

/// The chain's certification quorum over weights: `3w ≥ 2n + 1` (SPEC §10.3, Move
/// `certify_blob`). Equals [`is_quorum`] when `n = 3f + 1`.
#[allow(clippy::int_plus_one)] // written as the contract writes it
pub const fn meets_quorum_threshold(w: u32, n: u32) -> bool {
    3 * w as u64 >= 2 * n as u64 + 1
}

/// The chain's "one correct node" threshold over weights: `3w ≥ n + 1` (SPEC §10.3, Move
/// `invalidate_blob_id`). Equals [`is_above_validity`] when `n = 3f + 1`.
#[allow(clippy::int_plus_one)] // written as the contract writes it
pub const fn meets_validity_threshold(w: u32, n: u32) -> bool {
    3 * w as u64 >= n as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_table() {
        // (n, f) from SPEC §1.2.
        for (n, f) in [(4, 1), (7, 2), (9, 2), (10, 3), (31, 10), (51, 16), (100, 33), (1000, 333)] {
            assert_eq!(max_faulty(n), f, "n = {n}");
            assert_eq!(min_correct(n), n - f);
        }
        assert_eq!(max_faulty(0), 0);
        assert_eq!(max_faulty(1), 0);
        assert_eq!(max_faulty(u16::MAX), 21844);
    }

    #[test]
    fn quorum_boundaries() {
        assert!(!is_quorum(2, 4));
        assert!(is_quorum(3, 4));
        assert!(!is_above_validity(1, 4));
        assert!(is_above_validity(2, 4));
        assert!(!is_quorum(666, 1000));
        assert!(is_quorum(667, 1000));
    }

    #[test]
    fn chain_thresholds_agree_with_the_rust_ones_when_n_is_3f_plus_1() {
        for f in 1u16..200 {
            let n = 3 * f + 1;
            for w in 0..=u32::from(n) {
                assert_eq!(meets_quorum_threshold(w, n.into()), is_quorum(w, n), "n = {n}, w = {w}");
                assert_eq!(meets_validity_threshold(w, n.into()), is_above_validity(w, n), "n = {n}, w = {w}");
            }
        }
        // They differ for other n (SPEC §18): n = 6 has f = 1, Rust quorum 3, chain quorum 5.
        assert!(is_quorum(3, 6) && !meets_quorum_threshold(3, 6) && meets_quorum_threshold(5, 6));
        assert!(!meets_quorum_threshold(u32::MAX / 3, u32::MAX));
    }
}
