//! Helpers shared by the integration suites (seeded randomness, subsets, tampering).
#![allow(dead_code)]

use morsa_core::encoding::{Axis, EncodedBlob, Sliver};
use morsa_core::metadata::VerifiedBlobMetadataWithId;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// A deterministic RNG for `seed`.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// `len` random bytes.
pub fn random_bytes(rng: &mut impl RngCore, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    rng.fill_bytes(&mut out);
    out
}

/// `k` distinct indices below `n`, in random order.
pub fn subset(rng: &mut impl Rng, n: u16, k: u16) -> Vec<u16> {
    rand::seq::index::sample(rng, usize::from(n), usize::from(k)).into_iter().map(|i| i as u16).collect()
}

/// `k` distinct indices below `n` that avoid `excluded`, in random order.
pub fn subset_without(rng: &mut impl Rng, n: u16, k: u16, excluded: u16) -> Vec<u16> {
    let pool: Vec<u16> = (0..n).filter(|&i| i != excluded).collect();
    assert!(pool.len() >= usize::from(k));
    let picked = rand::seq::index::sample(rng, pool.len(), usize::from(k));
    picked.into_iter().map(|i| pool[i]).collect()
}

/// An owned copy of sliver `index` of `axis`.
pub fn owned(encoded: &EncodedBlob, axis: Axis, index: u16) -> Sliver<Vec<u8>> {
    encoded.sliver(axis, index).expect("sliver index in range").to_owned_sliver()
}

/// A copy of `sliver` with one byte flipped (XOR with a non-zero mask) at `pos`.
pub fn flipped(sliver: &Sliver<Vec<u8>>, pos: usize, mask: u8) -> Sliver<Vec<u8>> {
    assert_ne!(mask, 0);
    let mut out = sliver.clone();
    out.data[pos] ^= mask;
    out
}

/// Metadata for an *inconsistent* encoding: `encoded`'s metadata with the hash of `tampered`'s
/// pair (on `tampered`'s axis) replaced by the Merkle root of `tampered`'s expansion, and the
/// blob ID recomputed; then verified like any metadata received from the network.
pub fn metadata_with_tampered_sliver(encoded: &EncodedBlob, tampered: &Sliver<Vec<u8>>) -> VerifiedBlobMetadataWithId {
    let config = *encoded.metadata().config();
    let mut unverified = encoded.metadata().as_unverified().clone();
    let pair = usize::from(tampered.pair_index(&config).expect("index in range"));
    let root = tampered.merkle_root(&config).expect("tampered sliver has the right shape");
    match tampered.axis {
        Axis::Primary => unverified.metadata.hashes[pair].primary_hash = root,
        Axis::Secondary => unverified.metadata.hashes[pair].secondary_hash = root,
    }
    unverified.blob_id = unverified.metadata.compute_blob_id();
    assert_ne!(&unverified.blob_id, encoded.blob_id(), "tampering must change the blob ID");
    unverified.verify(&config).expect("recomputed metadata verifies")
}
