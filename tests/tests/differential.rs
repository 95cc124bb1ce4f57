//! Differential tests: the core's Reed-Solomon code (reed-solomon-simd) against an independent
//! encoder built on reed-solomon-novelpoly's low-level FFTs, and the core's Merkle trees against
//! a slow recursive reference (SPEC §2, §5.1).

use morsa_conformance::reference;
use morsa_core::hazmat;
use morsa_core::merkle::{MerkleRootBuilder, MerkleTree, Node};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn random_symbols(rng: &mut impl Rng, k: usize, symbol_size: usize) -> Vec<Vec<u8>> {
    (0..k).map(|_| (0..symbol_size).map(|_| rng.random()).collect()).collect()
}

fn check_encode(k: usize, n: usize, symbol_size: usize, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let sources = random_symbols(&mut rng, k, symbol_size);
    let refs: Vec<&[u8]> = sources.iter().map(Vec::as_slice).collect();
    let core = hazmat::rs_encode(k, n, symbol_size, &refs).expect("supported code");
    let reference = reference::rs_encode(n, symbol_size, &refs).concat();
    assert_eq!(core, reference, "k = {k}, n = {n}, S = {symbol_size}");
}

/// Every code RedStuff uses for small n (both rates, single and multiple chunks), and symbol
/// sizes across the 64-byte block layout: 2, 4, 62, 64, 66, 128, 130, 190.
#[test]
fn encoder_agrees_with_the_novelpoly_reference() {
    for n in [4usize, 5, 7, 10, 13, 16, 31, 40] {
        let f = (n - 1) / 3;
        for k in [n - 2 * f, n - f] {
            for symbol_size in [2usize, 4, 62, 64, 66, 128, 130, 190] {
                check_encode(k, n, symbol_size, (n * 1000 + k * 10 + symbol_size) as u64);
            }
        }
    }
}

/// The large codes of mainnet: n = 1000 (primary k = 334 low rate, secondary k = 667 high rate,
/// several chunks) and n = 301.
#[test]
fn encoder_agrees_for_mainnet_sized_codes() {
    for (k, n) in [(334usize, 1000usize), (667, 1000), (101, 301), (201, 301)] {
        check_encode(k, n, 6, k as u64);
    }
}

#[test]
fn decoder_agrees_with_the_gf2_reference() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for (k, n) in [(2usize, 4usize), (3, 4), (3, 7), (5, 7), (4, 10), (7, 10)] {
        for symbol_size in [2usize, 6, 66] {
            let sources = random_symbols(&mut rng, k, symbol_size);
            let refs: Vec<&[u8]> = sources.iter().map(Vec::as_slice).collect();
            let recovery = hazmat::rs_encode(k, n, symbol_size, &refs).unwrap();
            let codeword: Vec<&[u8]> = refs.iter().copied().chain(recovery.chunks(symbol_size)).collect();
            let mut positions: Vec<usize> = (0..n).collect();
            for _ in 0..5 {
                // A random choice of k positions.
                for i in (1..n).rev() {
                    positions.swap(i, rng.random_range(0..=i));
                }
                let chosen: Vec<(usize, &[u8])> = positions[..k].iter().map(|&p| (p, codeword[p])).collect();
                let core = hazmat::rs_decode(k, n, symbol_size, &chosen).unwrap();
                let slow = reference::rs_decode(k, n, symbol_size, &chosen).unwrap();
                assert_eq!(core, slow, "k = {k}, n = {n}");
                assert_eq!(core, sources.concat());
            }
        }
    }
}

#[test]
fn merkle_trees_agree_with_the_reference() {
    for n in 0..80usize {
        let leaves: Vec<Vec<u8>> = (0..n).map(|i| format!("leaf {i}").into_bytes()).collect();
        let refs: Vec<&[u8]> = leaves.iter().map(Vec::as_slice).collect();
        let expected = reference::merkle_root(&refs);
        let tree = MerkleTree::build(refs.iter().copied());
        assert_eq!(tree.root().bytes(), expected, "n = {n}");
        let mut builder = MerkleRootBuilder::new();
        for leaf in &refs {
            builder.push_leaf_data(leaf);
        }
        assert_eq!(builder.root().bytes(), expected, "n = {n}");
        for i in 0..n {
            let proof = tree.proof(i).unwrap();
            let want: Vec<Node> =
                reference::merkle_path(&refs, i).into_iter().map(|s| s.map_or(Node::Empty, Node::Digest)).collect();
            assert_eq!(proof.path(), &want[..], "n = {n}, leaf {i}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_codes_agree(n in 4usize..120, primary in any::<bool>(), half_size in 1usize..100, seed in any::<u64>()) {
        let f = (n - 1) / 3;
        let k = if primary { n - 2 * f } else { n - f };
        check_encode(k, n, 2 * half_size, seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The striped, bounded-memory blob ID, the streaming encoder and the in-memory encoder
    /// agree with the reference expansion (one symbol at a time) for any length and any stripe
    /// width (a budget of 0 forces 128-byte stripes, the most cuts through each symbol).
    #[test]
    fn streaming_metadata_and_slivers_agree_with_the_reference(n in 4u16..24, len_fraction in 0.0f64..=1.0, budget in prop_oneof![Just(0usize), 1usize..200_000, Just(1usize << 30)], seed in any::<u64>()) {
        let config = morsa_core::encoding::EncodingConfig::new(n).unwrap();
        let len = ((config.max_blob_size() as f64) * len_fraction * len_fraction * len_fraction) as usize;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let blob: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let reference = reference::encode_blob(n, &blob);
        let pairs = |m: &morsa_core::metadata::VerifiedBlobMetadataWithId| -> Vec<([u8; 32], [u8; 32])> {
            (0..n).map(|i| { let pair = m.pair(i).unwrap(); (pair.primary_hash.bytes(), pair.secondary_hash.bytes()) }).collect()
        };
        let streamed = config.compute_metadata_streaming(&blob[..], morsa_core::encoding::StreamOptions::default().budget(budget)).unwrap();
        prop_assert_eq!(pairs(&streamed), reference.pair_hashes.clone());
        let encoded = config.encode(&blob).unwrap();
        prop_assert_eq!(pairs(encoded.metadata()), reference.pair_hashes);
        for i in 0..n {
            let (primary, secondary) = (encoded.sliver(morsa_core::Axis::Primary, i).unwrap(), encoded.sliver(morsa_core::Axis::Secondary, i).unwrap());
            prop_assert_eq!(primary.bytes(), reference.primary[usize::from(i)].as_slice());
            prop_assert_eq!(secondary.bytes(), reference.secondary[usize::from(i)].as_slice());
        }
    }
}
