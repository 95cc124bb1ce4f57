//! Walrus Merkle trees and proofs (SPEC §5.1, `walrus: crates/walrus-core/src/merkle.rs`).
//!
//! * Hash: BLAKE2b with a 32-byte digest (RFC 7693 `nn = 32`).
//! * Leaf: `H(0x00 ‖ data)`; inner node: `H(0x01 ‖ left ‖ right)`.
//! * A level with an odd number (> 1) of nodes gets an [`Node::Empty`] sibling (32 zero bytes)
//!   appended before the next level is built.
//! * The root of 0 leaves is `Empty`; the root of 1 leaf is that leaf's hash.
//!
//! [`MerkleRootBuilder`] computes a root from a stream of leaves in `O(log n)` memory without
//! an allocator; [`MerkleTree`] (feature `alloc`) keeps every level to produce proofs;
//! [`MerkleProof`] is a fixed-capacity path of at most [`MAX_PROOF_LEN`] siblings that
//! verifies without an allocator.

use blake2::{Blake2b256, Digest as _};
use subtle::ConstantTimeEq;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// Length in bytes of a digest (BLAKE2b-256).
pub const DIGEST_LEN: usize = 32;

/// Domain-separation prefix of a leaf hash (SPEC §5.1).
pub const LEAF_PREFIX: u8 = 0x00;

/// Domain-separation prefix of an inner-node hash (SPEC §5.1).
pub const INNER_PREFIX: u8 = 0x01;

/// The most siblings a proof can have: a tree over at most 65 536 leaves (every Walrus tree has
/// at most `n ≤ 65 535` leaves) has depth 16.
pub const MAX_PROOF_LEN: usize = 16;

/// The all-zero digest that stands for [`Node::Empty`].
pub const EMPTY_DIGEST: [u8; DIGEST_LEN] = [0; DIGEST_LEN];

/// A Merkle-tree node as Walrus serializes it: `enum Node { Empty, Digest([u8; 32]) }`
/// (SPEC §5.1; BCS tags `Empty = 0x00`, `Digest = 0x01 ‖ 32 bytes`).
///
/// Equality compares the 32-byte values in constant time, with `Empty` equal to 32 zero bytes,
/// which is how Walrus compares nodes during verification.
#[derive(Clone, Copy, Debug, Eq)]
pub enum Node {
    /// Padding; its bytes are 32 zeros.
    Empty,
    /// A BLAKE2b-256 digest.
    Digest([u8; DIGEST_LEN]),
}

impl Node {
    /// The 32 bytes of this node (zeros for [`Node::Empty`]).
    pub const fn bytes(&self) -> [u8; DIGEST_LEN] {
        match self {
            Node::Empty => EMPTY_DIGEST,
            Node::Digest(d) => *d,
        }
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.bytes().ct_eq(&other.bytes()).into()
    }
}

impl From<[u8; DIGEST_LEN]> for Node {
    fn from(bytes: [u8; DIGEST_LEN]) -> Self {
        Node::Digest(bytes)
    }
}

/// BLAKE2b-256 of the concatenation of `parts` (SPEC conventions: `H`).
pub fn hash(parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    let mut hasher = Blake2b256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The leaf hash `H(0x00 ‖ data)` (SPEC §5.1).
pub fn leaf_hash(data: &[u8]) -> [u8; DIGEST_LEN] {
    hash(&[&[LEAF_PREFIX], data])
}

/// The inner-node hash `H(0x01 ‖ left ‖ right)` (SPEC §5.1).
pub fn inner_hash(left: &[u8; DIGEST_LEN], right: &[u8; DIGEST_LEN]) -> [u8; DIGEST_LEN] {
    hash(&[&[INNER_PREFIX], left, right])
}

/// The number of siblings in a proof for a tree of `n_leaves` leaves:
/// `0` for at most one leaf, else `floor(log2(n_leaves - 1)) + 1` (SPEC §5.1).
pub const fn path_length(n_leaves: usize) -> usize {
    if n_leaves <= 1 {
        0
    } else {
        (usize::BITS - (n_leaves - 1).leading_zeros()) as usize
    }
}

/// Levels kept by [`MerkleRootBuilder`]: enough for 2^33 - 1 leaves, more than any BCS
/// sequence (at most 2^31 - 1 elements) can hold.
const BUILDER_LEVELS: usize = 34;
const MAX_BUILDER_LEAVES: u64 = (1 << (BUILDER_LEVELS - 1)) - 1;

/// Computes a Merkle root from leaf hashes pushed in order, in `O(log n)` memory and without an
/// allocator. The result equals [`MerkleTree`]'s root over the same leaves.
#[derive(Clone, Debug)]
pub struct MerkleRootBuilder {
    /// `pending[l]` is the completed, not yet paired subtree of `2^l` leaves, if any.
    pending: [Option<[u8; DIGEST_LEN]>; BUILDER_LEVELS],
    count: u64,
}

impl Default for MerkleRootBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl MerkleRootBuilder {
    /// An empty builder.
    pub const fn new() -> Self {
        Self { pending: [None; BUILDER_LEVELS], count: 0 }
    }

    /// The number of leaves pushed so far.
    pub const fn len(&self) -> u64 {
        self.count
    }

    /// Whether no leaf has been pushed.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Pushes the leaf hash of `data` (that is, `H(0x00 ‖ data)`).
    pub fn push_leaf_data(&mut self, data: &[u8]) {
        self.push_leaf_hash(leaf_hash(data));
    }

    /// Pushes an already computed leaf hash. Up to 2^33 - 1 leaves are supported (any
    /// sequence BCS can express; Walrus trees have at most 65 535); further leaves are ignored.
    pub fn push_leaf_hash(&mut self, leaf: [u8; DIGEST_LEN]) {
        if self.count >= MAX_BUILDER_LEAVES {
            return;
        }
        let mut node = leaf;
        let mut level = 0;
        while let Some(left) = self.pending[level].take() {
            node = inner_hash(&left, &node);
            level += 1;
        }
        self.pending[level] = Some(node);
        self.count += 1;
    }

    /// The root over the leaves pushed so far (SPEC §5.1 padding rules).
    pub fn root(&self) -> Node {
        match self.count {
            0 => return Node::Empty,
            1 => return Node::Digest(self.pending[0].unwrap_or(EMPTY_DIGEST)),
            _ => {}
        }
        let depth = (u64::BITS - (self.count - 1).leading_zeros()) as usize;
        if let Some(full) = self.pending[depth] {
            // The leaf count is exactly 2^depth.
            return Node::Digest(full);
        }
        let mut carry: Option<[u8; DIGEST_LEN]> = None;
        for level in 0..depth {
            carry = match (self.pending[level], carry) {
                (Some(left), Some(right)) => Some(inner_hash(&left, &right)),
                (Some(last), None) | (None, Some(last)) => Some(inner_hash(&last, &EMPTY_DIGEST)),
                (None, None) => None,
            };
        }
        Node::Digest(carry.unwrap_or(EMPTY_DIGEST))
    }
}

/// The Merkle root over the leaf hashes of `leaves` (each item is a leaf's data).
pub fn root_of<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Node {
    let mut builder = MerkleRootBuilder::new();
    for leaf in leaves {
        builder.push_leaf_data(leaf);
    }
    builder.root()
}

/// Errors of Merkle-proof verification and parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MerkleError {
    /// The proof has more siblings than a tree of `leaf_count` leaves allows.
    ProofTooLong {
        /// Siblings allowed by the tree size (SPEC §5.1 `path_length`).
        max_siblings: usize,
        /// Siblings in the proof.
        got_siblings: usize,
    },
    /// The leaf index does not fit the proof's path (`index >> path.len() != 0`).
    LeafIndexOutOfRange {
        /// The leaf index.
        leaf_index: usize,
        /// Siblings in the proof.
        path_siblings: usize,
    },
    /// The recomputed root differs from the expected root.
    RootMismatch,
}

impl core::fmt::Display for MerkleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MerkleError::ProofTooLong { max_siblings, got_siblings } => {
                write!(f, "Merkle proof has {got_siblings} siblings, the tree allows at most {max_siblings}")
            }
            MerkleError::LeafIndexOutOfRange { leaf_index, path_siblings } => {
                write!(f, "leaf index {leaf_index} does not fit a Merkle path of {path_siblings} siblings")
            }
            MerkleError::RootMismatch => f.write_str("Merkle proof does not lead to the expected root"),
        }
    }
}

impl core::error::Error for MerkleError {}

/// A Merkle proof: the sibling nodes from the leaf upward (SPEC §5.1 `MerkleProof { path }`).
/// Padding siblings are [`Node::Empty`]. Holds at most [`MAX_PROOF_LEN`] siblings; needs no
/// allocator.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MerkleProof {
    path: heapless::Vec<Node, MAX_PROOF_LEN>,
}

impl MerkleProof {
    /// A proof from its siblings, leaf level first. Returns `None` if there are more than
    /// [`MAX_PROOF_LEN`].
    pub fn from_path(path: &[Node]) -> Option<Self> {
        heapless::Vec::from_slice(path).ok().map(|path| Self { path })
    }

    /// The siblings, leaf level first.
    pub fn path(&self) -> &[Node] {
        &self.path
    }

    /// Appends a sibling. Returns `false` (and changes nothing) when the proof is full.
    pub fn push(&mut self, node: Node) -> bool {
        self.path.push(node).is_ok()
    }

    /// The root this proof leads to from the leaf hash `leaf` at `leaf_index`.
    pub fn compute_root(&self, leaf: [u8; DIGEST_LEN], leaf_index: usize) -> [u8; DIGEST_LEN] {
        let mut h = leaf;
        let mut idx = leaf_index;
        for sibling in &self.path {
            let s = sibling.bytes();
            h = if idx.is_multiple_of(2) { inner_hash(&h, &s) } else { inner_hash(&s, &h) };
            idx /= 2;
        }
        h
    }

    /// Verifies that `leaf_data` is leaf `leaf_index` of a tree of `leaf_count` leaves with
    /// root `root` (SPEC §5.1 `MerkleAuth::verify_proof`).
    ///
    /// # Errors
    ///
    /// [`MerkleError::ProofTooLong`] if the path is longer than `path_length(leaf_count)`;
    /// [`MerkleError::LeafIndexOutOfRange`] if `leaf_index >> path.len() != 0`;
    /// [`MerkleError::RootMismatch`] if the recomputed root differs.
    pub fn verify(
        &self,
        root: &Node,
        leaf_count: usize,
        leaf_data: &[u8],
        leaf_index: usize,
    ) -> Result<(), MerkleError> {
        let max_siblings = path_length(leaf_count);
        let got_siblings = self.path.len();
        if got_siblings > max_siblings {
            return Err(MerkleError::ProofTooLong { max_siblings, got_siblings });
        }
        if leaf_index.checked_shr(got_siblings as u32).unwrap_or(0) != 0 {
            return Err(MerkleError::LeafIndexOutOfRange { leaf_index, path_siblings: got_siblings });
        }
        let computed = Node::Digest(self.compute_root(leaf_hash(leaf_data), leaf_index));
        if computed == *root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        }
    }
}

/// A Merkle tree that keeps every level, to produce proofs (feature `alloc`).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// `levels[0]` are the leaf hashes; the last level holds the root.
    levels: Vec<Vec<[u8; DIGEST_LEN]>>,
}

#[cfg(feature = "alloc")]
impl MerkleTree {
    /// Builds the tree over the leaf hashes of `leaves` (each item is a leaf's data).
    pub fn build<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Self {
        Self::from_leaf_hashes(leaves.into_iter().map(leaf_hash).collect())
    }

    /// Builds the tree over precomputed leaf hashes.
    pub fn from_leaf_hashes(leaves: Vec<[u8; DIGEST_LEN]>) -> Self {
        let mut levels = alloc::vec![leaves];
        while levels.last().map_or(0, Vec::len) > 1 {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let above =
                below.chunks(2).map(|pair| inner_hash(&pair[0], pair.get(1).unwrap_or(&EMPTY_DIGEST))).collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// The number of leaves.
    pub fn leaf_count(&self) -> usize {
        self.levels[0].len()
    }

    /// The root (SPEC §5.1: `Empty` for no leaves, the leaf hash for one leaf).
    pub fn root(&self) -> Node {
        match self.levels.last().and_then(|top| top.first()) {
            Some(root) => Node::Digest(*root),
            None => Node::Empty,
        }
    }

    /// The proof for leaf `leaf_index`, or `None` if it is out of range.
    pub fn proof(&self, leaf_index: usize) -> Option<MerkleProof> {
        if leaf_index >= self.leaf_count() {
            return None;
        }
        let mut proof = MerkleProof::default();
        let mut idx = leaf_index;
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = level.get(idx ^ 1).map_or(Node::Empty, |d| Node::Digest(*d));
            if !proof.push(sibling) {
                return None;
            }
            idx /= 2;
        }
        Some(proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_lengths_match_spec() {
        let expected = [0, 0, 1, 2, 2, 3, 3, 3, 3, 4];
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(path_length(n), *want, "n = {n}");
        }
        assert_eq!(path_length(65_535), 16);
        assert_eq!(path_length(65_536), 16);
    }

    #[test]
    fn roots_of_zero_and_one_leaf() {
        assert_eq!(MerkleRootBuilder::new().root(), Node::Empty);
        assert_eq!(root_of([&b"Test"[..]]), Node::Digest(leaf_hash(b"Test")));
        assert_eq!(leaf_hash(b"Test"), hash(&[&[0], b"Test"]));
    }

    #[test]
    fn root_of_three_leaves_pads_with_zeros() {
        let (a, b, c) = (leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c"));
        let want = inner_hash(&inner_hash(&a, &b), &inner_hash(&c, &EMPTY_DIGEST));
        assert_eq!(root_of([&b"a"[..], b"b", b"c"]), Node::Digest(want));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn builder_tree_and_proofs_agree() {
        for n in 0..70usize {
            let data: Vec<[u8; 2]> = (0..n).map(|i| (i as u16).to_le_bytes()).collect();
            let tree = MerkleTree::build(data.iter().map(|d| &d[..]));
            let streamed = root_of(data.iter().map(|d| &d[..]));
            assert_eq!(tree.root(), streamed, "n = {n}");
            for (i, leaf) in data.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert_eq!(proof.path().len(), path_length(n));
                assert_eq!(proof.verify(&tree.root(), n, leaf, i), Ok(()));
                // A different leaf or index must fail.
                assert!(proof.verify(&tree.root(), n, b"x", i).is_err());
                if n > 1 {
                    assert!(proof.verify(&tree.root(), n, leaf, i ^ 1).is_err());
                }
            }
            assert!(tree.proof(n).is_none());
        }
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn padding_siblings_are_empty() {
        let tree = MerkleTree::build([&b"a"[..], b"b", b"c"]);
        assert_eq!(tree.proof(2).unwrap().path()[0], Node::Empty);
        assert!(matches!(tree.proof(2).unwrap().path()[0], Node::Empty));
    }

    #[test]
    fn overlong_proof_and_out_of_range_index_are_rejected() {
        let proof = MerkleProof::from_path(&[Node::Empty; 3]).unwrap();
        assert_eq!(
            proof.verify(&Node::Empty, 4, b"x", 0),
            Err(MerkleError::ProofTooLong { max_siblings: 2, got_siblings: 3 })
        );
        let proof = MerkleProof::from_path(&[Node::Empty; 2]).unwrap();
        assert_eq!(
            proof.verify(&Node::Empty, 4, b"x", 4),
            Err(MerkleError::LeafIndexOutOfRange { leaf_index: 4, path_siblings: 2 })
        );
        assert!(MerkleProof::from_path(&[Node::Empty; 17]).is_none());
    }
}
