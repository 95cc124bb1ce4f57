//! Committee selection: capped D'Hondt apportionment of shards by stake, the active set, and
//! shard-ID assignment with minimal movement (REWARDS.md §5).

use super::RewardsError;

/// With at least this many nodes the shard cap is `n_shards / 10` (REWARDS.md §0.3,
/// `MIN_NODES_FOR_SHARDS_LIMIT`).
pub const MIN_NODES_FOR_SHARDS_LIMIT: u64 = 20;

/// The cap denominator (REWARDS.md §0.3, `SHARDS_LIMIT_DENOMINATOR`).
pub const SHARDS_LIMIT_DENOMINATOR: u64 = 10;

/// The most shards one node may hold, `max_shards_per_node` (REWARDS.md §5.2):
/// `n_shards / 10` with at least 20 nodes, else `ceil(n_shards * 20 / (n_nodes * 10))`.
/// For 1000 shards: 100 (≥ 20 nodes), 106 (19), 200 (10), 667 (3), 2000 (1).
///
/// # Errors
///
/// [`RewardsError::DivisionByZero`] for `n_nodes = 0`.
pub fn max_shards_per_node(n_nodes: usize, n_shards: u16) -> Result<u64, RewardsError> {
    let n = u64::from(n_shards);
    let nodes = n_nodes as u64;
    if nodes == 0 {
        return Err(RewardsError::DivisionByZero { operation: "n_shards * 20 / (n_nodes * 10)" });
    }
    if nodes >= MIN_NODES_FOR_SHARDS_LIMIT {
        Ok(n / SHARDS_LIMIT_DENOMINATOR)
    } else {
        Ok((n * MIN_NODES_FOR_SHARDS_LIMIT).div_ceil(nodes * SHARDS_LIMIT_DENOMINATOR))
    }
}

/// `floor(stake * 2^64 / (shards + 1))`, Move `uq64_64::from_quotient` (REWARDS.md §5.2).
fn quotient(stake: u64, shards: u16) -> u128 {
    (u128::from(stake) << 64) / (u128::from(shards) + 1)
}

/// Capped D'Hondt apportionment of `n_shards` over nodes with `stakes` in active-set order,
/// `staking_inner::dhondt` (REWARDS.md §5.2), written into `out` (one count per node; nodes with
/// 0 shards are not in the next committee).
///
/// ```text
/// cap  = max_shards_per_node(n, N);  dist = total / (N + 1) + 1
/// s_i  = min(stake_i / dist, cap)
/// while Σ s != N: give one shard to the node with the largest (floor(stake_i·2^64/(s_i+1)), -i)
///                 among those below the cap
/// ```
///
/// Ties go to the earlier index. The result equals the Move heap's for every input, because
/// the keys are unique. No allocation; `O(n · N)` time.
///
/// # Errors
///
/// [`RewardsError::LengthMismatch`] unless `out.len() == stakes.len()`;
/// [`RewardsError::NoStake`] if the total stake is 0 (or there are no nodes);
/// [`RewardsError::ShardCapTooLow`] if every node reaches the cap before all shards are placed;
/// [`RewardsError::Overflow`] if the total stake overflows u64.
pub fn dhondt(stakes: &[u64], n_shards: u16, out: &mut [u16]) -> Result<(), RewardsError> {
    if out.len() != stakes.len() {
        return Err(RewardsError::LengthMismatch { expected: stakes.len(), got: out.len() });
    }
    let mut total: u64 = 0;
    for s in stakes {
        total = total.checked_add(*s).ok_or(RewardsError::Overflow { operation: "total stake" })?;
    }
    if total == 0 {
        return Err(RewardsError::NoStake);
    }
    let cap = max_shards_per_node(stakes.len(), n_shards)?;
    let n = u64::from(n_shards);
    // Move aborts when `total / (N + 1) + 1` overflows (all stake in u64::MAX, N = 0).
    let dist =
        (total / (n + 1)).checked_add(1).ok_or(RewardsError::Overflow { operation: "total / (n_shards + 1) + 1" })?;
    let mut assigned: u64 = 0;
    for (s, o) in stakes.iter().zip(out.iter_mut()) {
        // s / dist <= n, so it fits u16.
        *o = crate::rewards::cast((s / dist).min(cap), "stake / dist")?;
        assigned += u64::from(*o);
    }
    while assigned != n {
        let mut best: Option<(u128, usize)> = None;
        for (i, (s, o)) in stakes.iter().zip(out.iter()).enumerate() {
            if u64::from(*o) == cap {
                continue;
            }
            let q = quotient(*s, *o);
            // Larger quotient first; equal quotients: the earlier index (higher priority).
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, i));
            }
        }
        let Some((_, i)) = best else {
            return Err(RewardsError::ShardCapTooLow { n_shards, cap, n_nodes: stakes.len() });
        };
        out[i] += 1;
        assigned += 1;
    }
    Ok(())
}

/// A storage node ID: 32 bytes, ordered as the big-endian u256 Move compares
/// (REWARDS.md §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub [u8; 32]);

impl serde::Serialize for NodeId {
    /// `"0x"` and 64 lower-case hex digits in human-readable formats (JSON, Python, JS), the
    /// 32 bytes otherwise (postcard).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        hex32::serialize(&self.0, serializer)
    }
}

impl<'de> serde::Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        hex32::deserialize(deserializer).map(NodeId)
    }
}

impl core::str::FromStr for NodeId {
    type Err = crate::error::UnknownName;

    /// `"0x"` (optional) and 64 hex digits.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        hex32::parse(text)
            .map(NodeId)
            .ok_or(crate::error::UnknownName { what: "node ID", expected: "0x and 64 hex digits" })
    }
}

impl core::fmt::Display for NodeId {
    /// `"0x"` and 64 lower-case hex digits.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        hex32::write(&self.0, f)
    }
}

/// 32-byte identifiers as `0x`-prefixed hex in human-readable formats, raw bytes otherwise.
pub(crate) mod hex32 {
    use core::fmt;

    /// Parses `"0x"` (optional) and exactly 64 hex digits.
    pub(crate) fn parse(text: &str) -> Option<[u8; 32]> {
        let digits = text.strip_prefix("0x").unwrap_or(text).as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            *byte = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(out)
    }

    pub(crate) fn write(bytes: &[u8; 32], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }

    struct Hex<'a>(&'a [u8; 32]);

    impl fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write(self.0, f)
        }
    }

    pub(crate) fn serialize<S: serde::Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(&Hex(bytes))
        } else {
            serde::Serialize::serialize(bytes, serializer)
        }
    }

    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = [u8; 32];

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("0x and 64 hex digits")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            parse(text).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(text), &self))
        }
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(Visitor)
        } else {
            <[u8; 32] as serde::Deserialize>::deserialize(deserializer)
        }
    }
}

impl From<u64> for NodeId {
    /// The ID whose u256 value is `value`.
    fn from(value: u64) -> Self {
        let mut b = [0u8; 32];
        b[24..].copy_from_slice(&value.to_be_bytes());
        NodeId(b)
    }
}

#[cfg(feature = "alloc")]
pub use with_alloc::{committee_initialize, committee_transition, ActiveSet, ShardAssignment};

#[cfg(feature = "alloc")]
mod with_alloc {
    use alloc::vec::Vec;

    use super::NodeId;
    use crate::rewards::RewardsError;

    /// The active set, `active_set.move` (REWARDS.md §5.1): `(node, stake)` entries in a
    /// significant order (the D'Hondt tie-break order), at most `max_size` of them.
    #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    pub struct ActiveSet {
        max_size: u16,
        threshold_stake: u64,
        nodes: Vec<(NodeId, u64)>,
    }

    impl ActiveSet {
        /// An empty set of at most `max_size` nodes with a minimum stake of `threshold_stake`
        /// (0 on Walrus, REWARDS.md §0.3 `MIN_STAKE`).
        pub fn new(max_size: u16, threshold_stake: u64) -> Self {
            Self { max_size, threshold_stake, nodes: Vec::new() }
        }

        /// `insert_or_update(node, stake)` (REWARDS.md §5.1); returns whether the node is in the
        /// set afterwards. A stake of 0 or below the threshold removes the node (swap-remove,
        /// which changes the order); a known node is updated in place; a new node is appended if
        /// there is room, else it replaces the first entry with the strictly smallest stake
        /// below its own, or is not inserted.
        pub fn insert_or_update(&mut self, node: NodeId, stake: u64) -> bool {
            let pos = self.nodes.iter().position(|(id, _)| *id == node);
            if stake == 0 || stake < self.threshold_stake {
                if let Some(i) = pos {
                    self.nodes.swap_remove(i);
                }
                return false;
            }
            if let Some(i) = pos {
                self.nodes[i].1 = stake;
                return true;
            }
            if self.nodes.len() < usize::from(self.max_size) {
                self.nodes.push((node, stake));
                return true;
            }
            let mut min: Option<(usize, u64)> = None;
            for (i, (_, s)) in self.nodes.iter().enumerate() {
                if min.is_none_or(|(_, m)| *s < m) {
                    min = Some((i, *s));
                }
            }
            match min {
                Some((i, m)) if m < stake => {
                    self.nodes[i] = (node, stake);
                    true
                }
                _ => false,
            }
        }

        /// The entries in set order.
        pub fn nodes(&self) -> &[(NodeId, u64)] {
            &self.nodes
        }

        /// The smallest stake in the set, or the threshold when the set is empty
        /// (`cur_min_stake`).
        pub fn min_stake(&self) -> u64 {
            self.nodes.iter().map(|(_, s)| *s).min().unwrap_or(self.threshold_stake)
        }

        /// The number of nodes in the set.
        pub fn len(&self) -> usize {
            self.nodes.len()
        }

        /// Whether the set is empty.
        pub fn is_empty(&self) -> bool {
            self.nodes.is_empty()
        }

        /// Whether `node` is in the set.
        pub fn contains(&self, node: &NodeId) -> bool {
            self.nodes.iter().any(|(id, _)| id == node)
        }

        /// The sum of the stakes.
        pub fn total_stake(&self) -> u128 {
            self.nodes.iter().map(|(_, s)| u128::from(*s)).sum()
        }
    }

    /// A committee's shard assignment: node IDs in ascending order with their shard IDs.
    pub type ShardAssignment = Vec<(NodeId, Vec<u16>)>;

    /// The first committee, `committee::initialize` (REWARDS.md §5.3): nodes sorted by ID get
    /// shards `0, 1, 2, …` consecutively. Nodes with 0 shards are left out.
    ///
    /// # Errors
    ///
    /// [`RewardsError::Overflow`] if the shard count exceeds u16.
    pub fn committee_initialize(counts: &[(NodeId, u16)]) -> Result<ShardAssignment, RewardsError> {
        let mut sorted: Vec<(NodeId, u16)> = counts.iter().copied().filter(|(_, c)| *c > 0).collect();
        sorted.sort_by_key(|(id, _)| *id);
        let mut next: u32 = 0;
        let mut out = Vec::with_capacity(sorted.len());
        for (id, c) in sorted {
            let end = next + u32::from(c);
            if end > u32::from(u16::MAX) + 1 {
                return Err(RewardsError::Overflow { operation: "shard id" });
            }
            let shards = (next..end).map(|s| crate::rewards::cast(s, "shard id")).collect::<Result<_, _>>()?;
            out.push((id, shards));
            next = end;
        }
        Ok(out)
    }

    /// The next committee's shard IDs with minimal movement, `committee::transition`
    /// (REWARDS.md §5.3). `new_counts` is in apportionment order; the algorithm (walk the old
    /// committee, free surplus shards LIFO, re-append growing nodes, hand out freed shards LIFO)
    /// follows the Move code step by step, so the shard IDs match exactly.
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidShardAssignment`] if the totals differ.
    pub fn committee_transition(
        old: &[(NodeId, Vec<u16>)],
        new_counts: &[(NodeId, u16)],
    ) -> Result<ShardAssignment, RewardsError> {
        let old_total: u64 = old.iter().map(|(_, s)| s.len() as u64).sum();
        let new_total: u64 = new_counts.iter().map(|(_, c)| u64::from(*c)).sum();
        if old_total != new_total {
            return Err(RewardsError::InvalidShardAssignment { old_shards: old_total, new_shards: new_total });
        }
        let mut counts: Vec<(NodeId, u16)> = new_counts.to_vec();
        let mut to_move: Vec<u16> = Vec::new();
        let mut result: Vec<(NodeId, Vec<u16>)> = Vec::new();
        let mut old_sorted: Vec<&(NodeId, Vec<u16>)> = old.iter().collect();
        old_sorted.sort_by_key(|(id, _)| *id);
        for (id, shards) in old_sorted {
            let pos = counts.iter().position(|(n, _)| n == id);
            let new_count = match pos {
                Some(i) => counts.remove(i).1 as usize,
                None => 0,
            };
            let mut mine = shards.clone();
            if new_count == 0 {
                to_move.extend_from_slice(&mine);
                continue;
            }
            if new_count < mine.len() {
                while mine.len() > new_count {
                    if let Some(s) = mine.pop() {
                        to_move.push(s);
                    }
                }
            } else if new_count > mine.len() {
                counts.push((*id, crate::rewards::cast(new_count, "shard count")?));
            }
            result.push((*id, mine));
        }
        for (id, c) in counts {
            if c == 0 {
                continue;
            }
            let i = match result.iter().position(|(n, _)| *n == id) {
                Some(i) => i,
                None => {
                    result.push((id, Vec::new()));
                    result.len() - 1
                }
            };
            while result[i].1.len() < usize::from(c) {
                let shard = to_move
                    .pop()
                    .ok_or(RewardsError::InvalidShardAssignment { old_shards: old_total, new_shards: new_total })?;
                result[i].1.push(shard);
            }
        }
        result.sort_by_key(|(id, _)| *id);
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps() {
        for (nodes, cap) in [(20, 100), (19, 106), (10, 200), (3, 667), (1, 2000), (100, 100)] {
            assert_eq!(max_shards_per_node(nodes, 1000), Ok(cap), "{nodes} nodes");
        }
        assert!(max_shards_per_node(0, 1000).is_err());
    }

    #[test]
    fn dhondt_errors() {
        assert_eq!(dhondt(&[0, 0, 0], 10, &mut [0; 3]), Err(RewardsError::NoStake));
        assert_eq!(dhondt(&[], 10, &mut []), Err(RewardsError::NoStake));
        assert!(matches!(dhondt(&[1; 20], 5, &mut [0; 20]), Err(RewardsError::ShardCapTooLow { .. })));
        assert!(dhondt(&[u64::MAX, 1], 5, &mut [0; 2]).is_err());
    }
}
