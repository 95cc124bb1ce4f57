//! Property tests: nothing that parses, sizes or verifies untrusted input panics, and every
//! accepted encoding is canonical (re-encoding reproduces the input exactly).
//!
//! The runs are deterministic (fixed proptest seed) unless `PROPTEST_RNG_SEED` is set; case
//! counts keep the whole file well under a minute at the workspace's test profile.

#[path = "common/codecs.rs"]
mod codecs;

use std::sync::LazyLock;

use codecs::{codecs, samples, Kind, Sample};
use morsa_core::encoding::{
    Axis, BlobDecoder, EncodeError, EncodedBlob, EncodingConfig, GeneralRecoverySymbol, InconsistencyProof,
    RecoverySymbolSource, Sliver, MAX_SHARDS,
};
use morsa_core::merkle::{MerkleError, MerkleProof, MerkleTree, Node, MAX_PROOF_LEN};
use morsa_core::metadata::{verify_metadata_with_id_bcs, BlobMetadataRef, BlobMetadataWithId};
use morsa_core::wire::{BcsDecode, BcsEncode};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::RngSeed;

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(cases);
    config.failure_persistence = None;
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x004D_6F72_7361);
    }
    config
}

static SAMPLES: LazyLock<Vec<Sample>> = LazyLock::new(samples);

// ----- Mutations -----

#[derive(Clone, Debug)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    Append(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, m)| Mutation::Flip(i, m)),
        2 => (any::<Index>(), prop_oneof![Just(0u8), Just(1), Just(0x7f), Just(0x80), Just(0xff), any::<u8>()])
            .prop_map(|(i, v)| Mutation::Set(i, v)),
        2 => (any::<Index>(), vec(any::<u8>(), 1..6)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<Index>(), 1..10usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => vec(any::<u8>(), 1..6).prop_map(Mutation::Append),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match mutation {
        Mutation::Flip(i, mask) if len > 0 => bytes[i.index(len)] ^= mask,
        Mutation::Set(i, value) if len > 0 => bytes[i.index(len)] = *value,
        Mutation::Insert(i, data) => {
            let at = i.index(len + 1);
            bytes.splice(at..at, data.iter().copied());
        }
        Mutation::Delete(i, n) if len > 0 => {
            let at = i.index(len);
            bytes.drain(at..(at + n).min(len));
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(len + 1)),
        Mutation::Append(data) => bytes.extend_from_slice(data),
        _ => {}
    }
}

fn mutated(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for m in mutations {
        apply(&mut bytes, m);
    }
    bytes
}

/// Runs every codec on `bytes`: none may panic, and whatever parses must re-encode to `bytes`.
fn all_codecs_are_canonical(bytes: &[u8]) -> Result<(), TestCaseError> {
    for codec in codecs() {
        if let Ok(reencoded) = (codec.roundtrip)(bytes) {
            prop_assert_eq!(&reencoded[..], bytes, "{} accepted a non-canonical encoding", codec.name);
        }
    }
    Ok(())
}

/// Inputs with small byte values reach deeper into the parsers (tags, short lengths).
fn raw_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..400),
        vec(0u8..4, 0..120),
        vec(prop_oneof![Just(0u8), Just(1), Just(2), Just(0x80), any::<u8>()], 0..200),
    ]
}

proptest! {
    #![proptest_config(config(100_000))]

    #[test]
    fn random_bytes_never_panic_and_parse_only_canonically(bytes in raw_input()) {
        all_codecs_are_canonical(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(200_000))]

    #[test]
    fn mutated_encodings_never_panic_and_parse_only_canonically(
        which in any::<Index>(),
        mutations in vec(mutation(), 1..6),
    ) {
        let sample = &SAMPLES[which.index(SAMPLES.len())];
        let bytes = mutated(&sample.bytes, &mutations);
        all_codecs_are_canonical(&bytes)?;
        if bytes == sample.bytes {
            for codec in codecs().into_iter().filter(|c| c.kind == sample.kind) {
                prop_assert!((codec.roundtrip)(&bytes).is_ok(), "{} rejects {}", codec.name, sample.label);
            }
        }
    }
}

// ----- Encoding configuration and sizes -----

/// SPEC §2.4: whether reed-solomon-simd supports `k` originals and `r` recovery shards.
fn spec_rs_supported(k: u64, r: u64) -> bool {
    k > 0
        && r > 0
        && k <= 65_536
        && r <= 65_536
        && k.next_power_of_two().min(r.next_power_of_two()) + k.max(r) <= 65_536
}

#[test]
fn encoding_config_for_every_u16() {
    for n in 0..=u16::MAX {
        let result =
            std::panic::catch_unwind(|| EncodingConfig::new(n)).unwrap_or_else(|_| panic!("new({n}) panicked"));
        if n < 4 {
            assert_eq!(result, Err(EncodeError::TooFewShards { n_shards: n }));
            continue;
        }
        let f = (n - 1) / 3;
        let (p, s) = (n - 2 * f, n - f);
        let supported = spec_rs_supported(p.into(), (n - p).into()) && spec_rs_supported(s.into(), (n - s).into());
        assert_eq!(supported, n <= MAX_SHARDS, "n = {n}");
        if n > MAX_SHARDS {
            assert_eq!(result, Err(EncodeError::TooManyShards { n_shards: n }));
            continue;
        }
        let config = result.unwrap();
        assert_eq!((config.n_shards(), config.max_faulty()), (n, f));
        assert_eq!((config.n_primary_source_symbols(), config.n_secondary_source_symbols()), (p, s));
        let max = u64::from(p) * u64::from(s) * 65_534;
        assert_eq!(config.max_blob_size(), max);
        assert_eq!(config.symbol_size(max).unwrap().get(), 65_534, "n = {n}");
        assert_eq!(
            config.symbol_size(max + 1),
            Err(EncodeError::BlobTooLarge { blob_bytes: max + 1, max_bytes: max, n_shards: n })
        );
        assert_eq!(config.symbol_size(0).unwrap().get(), 2);
        assert_eq!(config.metadata_length(), u64::from(n) * 64 + 32);
        assert_eq!(
            config.encoded_blob_length(0),
            Ok(u64::from(n) * (u64::from(n) * 64 + 32) + u64::from(n) * u64::from(p + s) * 2)
        );
    }
}

/// SPEC §1.3 in 128-bit arithmetic: `ceil(max(L, 1) / (p * s))` rounded up to even.
fn spec_symbol_size(p: u16, s: u16, len: u64) -> u128 {
    let raw = u128::from(len.max(1)).div_ceil(u128::from(p) * u128::from(s));
    raw + raw % 2
}

fn blob_len() -> impl Strategy<Value = u64> {
    prop_oneof![any::<u64>(), 0..10_000_000u64, (0u64..=2).prop_map(|k| u64::MAX - k), 0..100_000_000_000_000u64]
}

proptest! {
    #![proptest_config(config(100_000))]

    #[test]
    fn sizes_never_panic_and_follow_the_spec(n in prop_oneof![any::<u16>(), 0u16..200, 49_150u16..49_160], len in blob_len()) {
        let Ok(config) = EncodingConfig::new(n) else {
            prop_assert!(!(4..=MAX_SHARDS).contains(&n));
            return Ok(());
        };
        let (p, s) = (config.n_primary_source_symbols(), config.n_secondary_source_symbols());
        let want = spec_symbol_size(p, s, len);
        let max_bytes = config.max_blob_size();
        match config.symbol_size(len) {
            Ok(size) => {
                prop_assert_eq!(u128::from(size.get()), want);
                prop_assert!(len <= max_bytes);
                let slivers = u128::from(n) * (u128::from(p) + u128::from(s)) * want;
                prop_assert_eq!(config.encoded_slivers_length(len).map(u128::from), Ok(slivers));
                let total = u128::from(n) * (u128::from(n) * 64 + 32) + slivers;
                prop_assert_eq!(config.encoded_blob_length(len).map(u128::from), Ok(total));
                prop_assert_eq!(config.sliver_len(Axis::Primary, size), usize::from(s) * usize::from(size.get()));
                prop_assert_eq!(config.sliver_len(Axis::Secondary, size), usize::from(p) * usize::from(size.get()));
            }
            Err(e) => {
                prop_assert!(want > 65_534);
                prop_assert!(len > max_bytes);
                let expected = EncodeError::BlobTooLarge { blob_bytes: len, max_bytes, n_shards: n };
                prop_assert_eq!(e, expected);
                prop_assert_eq!(config.encoded_blob_length(len), Err(expected));
                prop_assert_eq!(config.encoded_slivers_length(len), Err(expected));
            }
        }
        for axis in [Axis::Primary, Axis::Secondary] {
            let index = (len % 70_000) as u16;
            let pair = config.pair_index(axis, index);
            prop_assert_eq!(pair.is_some(), index < n);
            if let Some(pair) = pair {
                prop_assert_eq!(config.sliver_index(axis, pair), Some(index));
            }
        }
    }
}

// ----- Merkle proofs -----

/// SPEC §5.1.
fn spec_path_length(n_leaves: usize) -> usize {
    if n_leaves <= 1 {
        0
    } else {
        (n_leaves - 1).ilog2() as usize + 1
    }
}

fn node() -> impl Strategy<Value = Node> {
    prop_oneof![Just(Node::Empty), any::<[u8; 32]>().prop_map(Node::Digest)]
}

proptest! {
    #![proptest_config(config(50_000))]

    #[test]
    fn merkle_verification_never_panics(
        path in vec(node(), 0..=MAX_PROOF_LEN),
        root in node(),
        leaf_count in prop_oneof![any::<usize>(), 0usize..70_000],
        leaf_index in prop_oneof![any::<usize>(), 0usize..70_000],
        leaf in vec(any::<u8>(), 0..40),
    ) {
        let proof = MerkleProof::from_path(&path).unwrap();
        let result = proof.verify(&root, leaf_count, &leaf, leaf_index);
        let max_siblings = spec_path_length(leaf_count);
        if path.len() > max_siblings {
            prop_assert_eq!(result, Err(MerkleError::ProofTooLong { max_siblings, got_siblings: path.len() }));
        } else if path.len() < usize::BITS as usize && leaf_index >> path.len() != 0 {
            prop_assert_eq!(result, Err(MerkleError::LeafIndexOutOfRange { leaf_index, path_siblings: path.len() }));
        } else {
            prop_assert!(result == Ok(()) || result == Err(MerkleError::RootMismatch));
        }
        // The BCS of any proof of at most 16 siblings round-trips.
        prop_assert_eq!(MerkleProof::from_bcs(&proof.to_bcs()), Ok(proof));
    }
}

proptest! {
    #![proptest_config(config(8000))]

    #[test]
    fn merkle_proofs_of_real_trees_verify_only_for_their_leaf(
        leaves in vec(vec(any::<u8>(), 0..8), 1..200),
        which in any::<Index>(),
        other in any::<Index>(),
        tamper in any::<Index>(),
    ) {
        let tree = MerkleTree::build(leaves.iter().map(Vec::as_slice));
        let root = tree.root();
        let n = leaves.len();
        let i = which.index(n);
        let proof = tree.proof(i).unwrap();
        prop_assert_eq!(proof.path().len(), spec_path_length(n));
        prop_assert_eq!(proof.verify(&root, n, &leaves[i], i), Ok(()));
        let j = other.index(n);
        if leaves[j] != leaves[i] {
            prop_assert!(proof.verify(&root, n, &leaves[j], i).is_err());
        }
        if !proof.path().is_empty() {
            let mut path = proof.path().to_vec();
            let k = tamper.index(path.len());
            let mut bytes = path[k].bytes();
            bytes[0] ^= 1;
            path[k] = Node::Digest(bytes);
            prop_assert!(MerkleProof::from_path(&path).unwrap().verify(&root, n, &leaves[i], i).is_err());
        }
    }
}

// ----- Metadata and verification of parsed values -----

struct Blob {
    config: EncodingConfig,
    encoded: EncodedBlob,
    metadata_with_id: Vec<u8>,
    metadata: Vec<u8>,
    slivers: Vec<(Axis, Vec<u8>)>,
    symbols: Vec<Vec<u8>>,
    proofs: Vec<Vec<u8>>,
}

static BLOBS: LazyLock<Vec<Blob>> = LazyLock::new(|| {
    [(4u16, 0usize), (7, 100), (10, 33), (13, 1000)]
        .into_iter()
        .map(|(n, len)| {
            let config = EncodingConfig::new(n).unwrap();
            let encoded = config.encode(&morsa_conformance::splitmix64_bytes(u64::from(n), len)).unwrap();
            let metadata_with_id = encoded.metadata().to_bcs();
            let metadata = encoded.metadata().metadata().to_bcs();
            let mut slivers = Vec::new();
            let mut symbols = Vec::new();
            let mut proofs = Vec::new();
            for axis in [Axis::Primary, Axis::Secondary] {
                for index in [0, n / 2, n - 1] {
                    let sliver = encoded.sliver(axis, index).unwrap();
                    slivers.push((axis, sliver.to_bcs()));
                    let source = RecoverySymbolSource::new(&config, &sliver).unwrap();
                    symbols.push(source.general_recovery_symbol((index + 1) % n).unwrap().to_bcs());
                }
                let target = axis.orthogonal();
                let k = config.n_symbols_for_recovery(target);
                let recovery_symbols = (0..k)
                    .map(|i| {
                        RecoverySymbolSource::new(&config, &encoded.sliver(axis, i).unwrap())
                            .unwrap()
                            .recovery_symbol(n - 1)
                            .unwrap()
                    })
                    .collect();
                let proof = InconsistencyProof { target_axis: target, target_sliver_index: n - 1, recovery_symbols };
                proofs.push(proof.to_bcs_tagged());
            }
            Blob { config, encoded, metadata_with_id, metadata, slivers, symbols, proofs }
        })
        .collect()
});

proptest! {
    #![proptest_config(config(50_000))]

    #[test]
    fn mutated_metadata_never_verifies(which in any::<Index>(), mutations in vec(mutation(), 1..5)) {
        let blob = &BLOBS[which.index(BLOBS.len())];
        let config = &blob.config;
        let original_id = *blob.encoded.blob_id();

        let bytes = mutated(&blob.metadata_with_id, &mutations);
        let unchanged = bytes == blob.metadata_with_id;
        match verify_metadata_with_id_bcs(&bytes, config) {
            Ok(id) => {
                prop_assert!(unchanged, "mutated metadata verified");
                prop_assert_eq!(id, original_id);
            }
            Err(_) => prop_assert!(!unchanged),
        }
        if let Ok(parsed) = BlobMetadataWithId::from_bcs(&bytes) {
            prop_assert_eq!(parsed.verify(config).is_ok(), unchanged);
        }
        // Another shard count never accepts it.
        let other = EncodingConfig::new(config.n_shards() + 1).unwrap();
        prop_assert!(verify_metadata_with_id_bcs(&bytes, &other).is_err());

        // The metadata without its ID, against the original blob ID.
        let bytes = mutated(&blob.metadata, &mutations);
        let unchanged = bytes == blob.metadata;
        if let Ok(view) = BlobMetadataRef::from_bcs(&bytes) {
            prop_assert_eq!(view.verify(&original_id, config).is_ok(), unchanged);
            prop_assert_eq!(view.compute_blob_id() == original_id, unchanged);
        } else {
            prop_assert!(!unchanged);
        }
    }
}

proptest! {
    #![proptest_config(config(30_000))]

    #[test]
    fn verifying_parsed_untrusted_values_never_panics(
        which in any::<Index>(),
        part in any::<Index>(),
        target in any::<u16>(),
        mutations in vec(mutation(), 0..4),
    ) {
        let blob = &BLOBS[which.index(BLOBS.len())];
        let metadata = blob.encoded.metadata();
        let n = blob.config.n_shards();

        // Slivers: a parsed sliver verifies exactly when it is the blob's sliver of that index
        // (for the empty blob all slivers of an axis are equal, so a changed index may verify);
        // the decoder never panics on it.
        let (axis, original) = &blob.slivers[part.index(blob.slivers.len())];
        let bytes = mutated(original, &mutations);
        if let Ok(sliver) = Sliver::<&[u8]>::from_bcs(&bytes, *axis) {
            let verified = sliver.verify(metadata).is_ok();
            let genuine = blob.encoded.sliver(*axis, sliver.index).is_some_and(|honest| {
                honest.symbol_size == sliver.symbol_size && honest.bytes() == sliver.bytes()
            });
            prop_assert_eq!(verified, genuine);
            prop_assert!(verified || bytes != *original);
            let mut decoder = BlobDecoder::new(metadata, *axis);
            prop_assert_eq!(decoder.add_sliver(&sliver).is_ok(), verified);
            let _ = sliver.merkle_root(&blob.config);
            let _ = sliver.expand(&blob.config);
            let _ = RecoverySymbolSource::new(&blob.config, &sliver);
        }

        // Recovery symbols: a mutated symbol never verifies for its target.
        let original = &blob.symbols[part.index(blob.symbols.len())];
        let bytes = mutated(original, &mutations);
        if let Ok(general) = GeneralRecoverySymbol::<&[u8]>::from_bcs(&bytes) {
            let (target_axis, target_index) = (general.target_axis, general.target_index);
            let symbol = general.into_recovery_symbol();
            let verified = metadata.verify_recovery_symbol(&symbol, target_axis, target_index).is_ok();
            prop_assert!(verified || bytes != *original);
            if verified {
                // Only the genuine symbol M[row][col] verifies.
                let source = blob.encoded.sliver(target_axis.orthogonal(), symbol.symbol.index).unwrap();
                let honest = RecoverySymbolSource::new(&blob.config, &source).unwrap().recovery_symbol(target_index).unwrap();
                prop_assert_eq!(symbol.symbol.data, &honest.symbol.data[..]);
            }
            let _ = metadata.verify_recovery_symbol(&symbol, target_axis.orthogonal(), target);
            let _ = morsa_core::encoding::recover_sliver(metadata, target_axis, target % (n + 2), [symbol]);
        }

        // Inconsistency proofs: the blob is consistent, so no proof verifies.
        let original = &blob.proofs[part.index(blob.proofs.len())];
        let bytes = mutated(original, &mutations);
        if let Ok(proof) = InconsistencyProof::<&[u8]>::from_bcs_tagged(&bytes) {
            prop_assert!(proof.verify(metadata).is_err());
        }
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn sliver_operations_never_panic_on_any_shape(
        n in 4u16..=40,
        axis in prop_oneof![Just(Axis::Primary), Just(Axis::Secondary)],
        index in prop_oneof![0u16..45, any::<u16>()],
        symbol_size in 1u16..=12,
        exact in any::<bool>(),
        extra in 0usize..40,
        fill in any::<u8>(),
    ) {
        let config = EncodingConfig::new(n).unwrap();
        let expected = config.sliver_len(axis, symbol_size.try_into().unwrap());
        let len = if exact { expected } else { extra * usize::from(symbol_size) / 3 };
        let sliver = Sliver { axis, index, symbol_size: symbol_size.try_into().unwrap(), data: vec![fill; len] };
        let shape_ok = index < n && len == expected;
        prop_assert_eq!(sliver.check_shape(&config).is_ok(), shape_ok);
        let root = sliver.merkle_root(&config);
        // Reed-Solomon symbols must have an even size (SPEC §1.3, §2).
        prop_assert_eq!(root.is_ok(), shape_ok && symbol_size % 2 == 0);
        match sliver.expand(&config) {
            Ok(expanded) => {
                prop_assert!(root.is_ok());
                prop_assert_eq!(expanded.len(), usize::from(n) * usize::from(symbol_size));
                prop_assert_eq!(&expanded[..len], &sliver.data[..]);
            }
            Err(_) => prop_assert!(root.is_err()),
        }
        prop_assert_eq!(RecoverySymbolSource::new(&config, &sliver).is_ok(), root.is_ok());
    }
}

#[test]
fn samples_cover_every_kind() {
    // The mutation tests start from these; make sure none of the kinds is missing.
    for kind in
        [Kind::BlobMetadataWithId, Kind::InconsistencyProofTagged, Kind::GeneralRecoverySymbolVec, Kind::SliverTagged]
    {
        assert!(SAMPLES.iter().any(|s| s.kind == kind), "{kind:?}");
    }
}
