//! BCS wire formats (SPEC §5.1, §5.5, §6, §8.3, §9, §16.10): exact bytes of pinned values,
//! round trips of every wire type, and rejection of truncated, trailing, non-canonical and
//! over-long input (the last without large allocations).

#[path = "common/codecs.rs"]
mod codecs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use codecs::{codecs, codecs_of, samples, Kind};
use morsa_core::encoding::{
    Axis, DecodingSymbol, EncodingConfig, EncodingType, GeneralRecoverySymbol, InconsistencyProof, RecoverySymbol,
    RecoverySymbolSource, Sliver,
};
use morsa_core::merkle::{self, MerkleProof, MerkleTree, Node};
use morsa_core::metadata::{
    verify_metadata_with_id_bcs, BlobMetadata, BlobMetadataRef, BlobMetadataWithId, BlobMetadataWithIdRef,
    SliverPairMetadata, VerifyBytesError,
};
use morsa_core::wire::{
    general_recovery_symbols_from_bcs, general_recovery_symbols_to_bcs, BcsDecode, BcsEncode, WireError,
};
use morsa_core::BlobId;

// ----- An allocator that records the largest single allocation of the current thread -----

struct PeakTracking;

thread_local! {
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = PEAK.try_with(|peak| {
        if size > peak.get() {
            peak.set(size);
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for PeakTracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract, forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract, forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: the caller's contract, forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PeakTracking = PeakTracking;

/// Runs `f` and returns its result with the largest single allocation it made on this thread.
fn peak_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    PEAK.with(|peak| peak.set(0));
    let out = f();
    (out, PEAK.with(Cell::get))
}

fn h(hex: &str) -> Vec<u8> {
    hex::decode(hex).unwrap()
}

fn h32(hex: &str) -> [u8; 32] {
    h(hex).try_into().unwrap()
}

// ----- Pinned values -----

/// SPEC §17.2: intermediate values of upstream vector 1 (n = 10, p = 4, s = 7, S = 2).
#[test]
fn spec_17_2_vector_1_bytes() {
    let config = EncodingConfig::new(10).unwrap();
    let blob = b"walrus blob id v1 regression test";
    let encoded = config.encode(blob).unwrap();
    assert_eq!(encoded.symbol_size().get(), 2);
    assert_eq!(encoded.blob_id().to_string(), "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY");
    assert_eq!(hex::encode(encoded.blob_id().0), "45c53cd8cc1ff82164bf52da23fdaa72900dc29194b86dd33309d5cd9c43da46");

    // Slivers and their BCS.
    let primary0 = encoded.sliver(Axis::Primary, 0).unwrap();
    assert_eq!(primary0.bytes(), b"walrus blob id");
    assert_eq!(hex::encode(primary0.to_bcs()), "0e77616c72757320626c6f6220696402000000");
    let secondary9 = encoded.sliver(Axis::Secondary, 9).unwrap();
    assert_eq!(hex::encode(secondary9.bytes()), "c2f80b0295ac0000");
    assert_eq!(hex::encode(secondary9.to_bcs()), "08c2f80b0295ac000002000900");
    let (p0, s0) = encoded.sliver_pair(0).unwrap();
    assert_eq!((p0.index, s0.index), (0, 9));
    let parsed =
        Sliver::<&[u8]>::from_bcs(&h("08c2f80b0295ac000002000900"), Axis::Secondary).unwrap().to_owned_sliver();
    assert_eq!(parsed, secondary9.to_owned_sliver());
    for (axis, index, want) in [
        (Axis::Primary, 3, "0000000000000000000000000000"),
        (Axis::Secondary, 6, "69646f6e00000000"),
        (Axis::Primary, 4, "cdab9372da2a311fb51600f68aec"),
        (Axis::Secondary, 5, "6220736900000000"),
        (Axis::Primary, 9, "f5922d0de94cd01282141b50fbb8"),
        (Axis::Secondary, 0, "7761207620740000"),
    ] {
        assert_eq!(hex::encode(encoded.sliver(axis, index).unwrap().bytes()), want, "{axis} sliver {index}");
    }

    // Pair hashes.
    let metadata = encoded.metadata();
    let pair0 = metadata.pair(0).unwrap();
    assert_eq!(
        pair0.primary_hash,
        Node::Digest(h32("e72fef473a7821fd33d556b2c2cee51481e6198fbccc8904232ae517c25b507f"))
    );
    assert_eq!(
        pair0.secondary_hash,
        Node::Digest(h32("3e97b1aacf9199e3d46a777da0c6026de6aede8aeb509e53a5df0b01a5beacd2"))
    );
    let pair9 = metadata.pair(9).unwrap();
    assert_eq!(
        pair9.primary_hash,
        Node::Digest(h32("25dfa6027b65405b4173b0a6e6c1cbe2178a4418bdf0175dc2c37dbd75df196d"))
    );
    assert_eq!(
        pair9.secondary_hash,
        Node::Digest(h32("8d78c10ebb5bccc04da95cfab8b0abdfd332f24c265a1a4d953355c99cecde7d"))
    );
    // Their BCS inside SliverPairMetadata: two `Digest` nodes.
    let pair_bcs = pair0.to_bcs();
    assert_eq!(pair_bcs.len(), 66);
    assert_eq!(pair_bcs[0], 1);
    assert_eq!(pair_bcs[33], 1);
    assert_eq!(hex::encode(&pair_bcs[1..33]), "e72fef473a7821fd33d556b2c2cee51481e6198fbccc8904232ae517c25b507f");
    assert_eq!(SliverPairMetadata::from_bcs(&pair_bcs).unwrap(), *pair0);

    // Expansions (SPEC §3.3) and the hashes over them (SPEC §5.2).
    let row0 = primary0.expand(&config).unwrap();
    assert_eq!(hex::encode(&row0), "77616c72757320626c6f6220696405f61a1ec2f8");
    let column9 = secondary9.expand(&config).unwrap();
    assert_eq!(hex::encode(&column9), "c2f80b0295ac0000cdcb37a6d773714876ba9d6d");
    assert_eq!(merkle::root_of(row0.chunks(2)), pair0.primary_hash);
    assert_eq!(merkle::root_of(column9.chunks(2)), pair0.secondary_hash);
    // The two expansions cross at M[0][9].
    assert_eq!(row0[18..20], column9[0..2]);

    // The pair-leaf root and the blob-ID preimage (SPEC §5.3).
    let root =
        MerkleTree::from_leaf_hashes(metadata.metadata().hashes.iter().map(|p| p.pair_leaf_hash()).collect()).root();
    assert_eq!(hex::encode(root.bytes()), "dc3457c94140737f55ccfba619f79c96928f3845da745142c7c8e23396eedf88");
    let mut preimage = vec![1u8];
    preimage.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    preimage.extend_from_slice(&root.bytes());
    assert_eq!(preimage.len(), 41);
    assert_eq!(BlobId(merkle::hash(&[&preimage[..]])), *encoded.blob_id());

    // The metadata's BCS for n = 10: 32 + 1 + 1 + 8 + 1 + 10 * 66 bytes.
    let bytes = metadata.to_bcs();
    assert_eq!(bytes.len(), 703);
    assert_eq!(bytes[..32], encoded.blob_id().0);
    assert_eq!(hex::encode(&bytes[32..44]), "000121000000000000000a01");
    assert_eq!(bytes[44..76], pair0.primary_hash.bytes());
    assert_eq!(bytes[76], 0x01);
    assert_eq!(bytes[77..109], pair0.secondary_hash.bytes());
    assert_eq!(verify_metadata_with_id_bcs(&bytes, &config), Ok(*encoded.blob_id()));
}

/// SPEC §6: pair 0 of a 1960-byte blob with n = 10 (S = 70): the primary sliver's BCS starts
/// with `ea03` (490 bytes), the secondary one's with `9802` (280 bytes) and ends `4600 0900`.
#[test]
fn spec_6_sliver_layout() {
    let config = EncodingConfig::new(10).unwrap();
    let encoded = config.encode(&morsa_conformance::lcg_bytes(1960)).unwrap();
    assert_eq!(encoded.symbol_size().get(), 70);
    let (primary, secondary) = encoded.sliver_pair(0).unwrap();
    let primary = primary.to_bcs();
    let secondary = secondary.to_bcs();
    assert_eq!(primary[..2], [0xea, 0x03]);
    assert_eq!(primary.len(), 2 + 490 + 4);
    assert_eq!(primary[primary.len() - 4..], [0x46, 0x00, 0x00, 0x00]);
    assert_eq!(secondary[..2], [0x98, 0x02]);
    assert_eq!(secondary.len(), 2 + 280 + 4);
    assert_eq!(secondary[secondary.len() - 4..], [0x46, 0x00, 0x09, 0x00]);
}

/// SPEC §5.5: `BlobMetadataWithId` for n = 1000 is 66 044 bytes, with the encoding type at
/// offset 33; a 0 there (legacy RaptorQ) must fail to parse.
#[test]
fn metadata_with_id_layout_for_1000_shards() {
    let config = EncodingConfig::new(1000).unwrap();
    let blob = b"some other string";
    let metadata = config.compute_metadata(blob).unwrap();
    // SPEC §17.1 (3).
    assert_eq!(metadata.blob_id().to_string(), "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk");
    let bytes = metadata.to_bcs();
    assert_eq!(bytes.len(), 66_044);
    assert_eq!(metadata.bcs_len(), 66_044);
    assert_eq!(bytes[..32], metadata.blob_id().0);
    assert_eq!(bytes[32], 0x00, "BlobMetadata::V1");
    assert_eq!(bytes[33], 0x01, "EncodingType RS2");
    assert_eq!(bytes[34..42], 17u64.to_le_bytes());
    assert_eq!(bytes[42..44], [0xe8, 0x07], "ULEB128(1000)");
    for (i, pair) in bytes[44..].chunks(66).enumerate() {
        let expected = metadata.pair(i as u16).unwrap();
        assert_eq!(pair[0], 1);
        assert_eq!(pair[1..33], expected.primary_hash.bytes());
        assert_eq!(pair[33], 1);
        assert_eq!(pair[34..66], expected.secondary_hash.bytes());
    }
    assert_eq!(BlobMetadataWithId::from_bcs(&bytes).unwrap(), *metadata.as_unverified());
    let view = BlobMetadataWithIdRef::from_bcs(&bytes).unwrap();
    assert_eq!(view.metadata.n_pairs(), 1000);
    assert_eq!(view.to_bcs(), bytes);
    assert_eq!(verify_metadata_with_id_bcs(&bytes, &config), Ok(*metadata.blob_id()));

    let tag_error = |tag| WireError::InvalidTag { type_name: "EncodingType", tag };
    for tag in [0u8, 2, 0x7f] {
        let mut bad = bytes.clone();
        bad[33] = tag;
        let tag = u32::from(tag);
        assert_eq!(BlobMetadataWithId::from_bcs(&bad), Err(tag_error(tag)));
        assert_eq!(BlobMetadataWithIdRef::from_bcs(&bad).err(), Some(tag_error(tag)));
        assert_eq!(BlobMetadata::from_bcs(&bad[32..]), Err(tag_error(tag)));
        assert_eq!(BlobMetadataRef::from_bcs(&bad[32..]).err(), Some(tag_error(tag)));
        assert_eq!(verify_metadata_with_id_bcs(&bad, &config), Err(VerifyBytesError::Wire(tag_error(tag))));
    }
    let mut bad = bytes.clone();
    bad[32] = 1;
    assert_eq!(BlobMetadataWithId::from_bcs(&bad), Err(WireError::InvalidTag { type_name: "BlobMetadata", tag: 1 }));

    // Truncations (sampled: every prefix of this one is covered by the general test's
    // smaller metadata) and trailing bytes.
    for len in (0..200).chain((200..bytes.len()).step_by(331)).chain(bytes.len() - 70..bytes.len()) {
        assert!(BlobMetadataWithId::from_bcs(&bytes[..len]).is_err(), "prefix of {len} bytes");
        assert!(verify_metadata_with_id_bcs(&bytes[..len], &config).is_err(), "prefix of {len} bytes");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(BlobMetadataWithId::from_bcs(&long), Err(WireError::TrailingBytes { count: 1 }));
    assert_eq!(
        verify_metadata_with_id_bcs(&long, &config),
        Err(VerifyBytesError::Wire(WireError::TrailingBytes { count: 1 }))
    );
}

/// SPEC §5.1, §16.6, §16.10: `Node` tags, padding siblings as `0x00`, the proof-length limit.
#[test]
fn nodes_and_merkle_proofs() {
    assert_eq!(Node::Empty.to_bcs(), [0x00]);
    let digest = [0xAB; 32];
    let mut want = vec![0x01];
    want.extend_from_slice(&digest);
    assert_eq!(Node::Digest(digest).to_bcs(), want);
    assert_eq!(Node::from_bcs(&[0x00]), Ok(Node::Empty));
    assert!(matches!(Node::from_bcs(&[0x00]), Ok(Node::Empty)));
    assert!(matches!(Node::from_bcs(&want), Ok(Node::Digest(d)) if d == digest));
    // A zero digest compares equal to Empty but keeps its own bytes.
    assert_eq!(Node::Digest([0; 32]), Node::Empty);
    assert_eq!(Node::Digest([0; 32]).to_bcs().len(), 33);
    assert!(matches!(Node::from_bcs(&Node::Digest([0; 32]).to_bcs()), Ok(Node::Digest(_))));
    assert_eq!(Node::from_bcs(&[0x02]), Err(WireError::InvalidTag { type_name: "Node", tag: 2 }));
    assert!(matches!(
        Node::from_bcs(&want[..32]),
        Err(WireError::Truncated { needed_bytes: 32, remaining_bytes: 31, .. })
    ));

    // Three leaves: the proof of leaf 2 has a padding sibling, then a digest.
    let tree = MerkleTree::build([&b"a"[..], b"b", b"c"]);
    let proof = tree.proof(2).unwrap();
    let mut want = vec![0x02, 0x00, 0x01];
    want.extend_from_slice(&merkle::inner_hash(&merkle::leaf_hash(b"a"), &merkle::leaf_hash(b"b")));
    assert_eq!(proof.to_bcs(), want);
    assert_eq!(MerkleProof::from_bcs(&want), Ok(proof));

    // A real recovery symbol for n = 10 (SPEC §17.2 blob): target 9 of the tree over the
    // expansion of primary sliver 0: siblings Digest(leaf 8), Empty, Empty, Digest.
    let config = EncodingConfig::new(10).unwrap();
    let encoded = config.encode(b"walrus blob id v1 regression test").unwrap();
    let source = RecoverySymbolSource::new(&config, &encoded.sliver(Axis::Primary, 0).unwrap()).unwrap();
    let symbol = source.recovery_symbol(9).unwrap();
    assert_eq!(symbol.symbol.data, h("c2f8"), "M[0][9]");
    let path = symbol.proof.path();
    assert_eq!(path.len(), 4);
    assert_eq!(path[0], Node::Digest(merkle::leaf_hash(&h("1a1e")))); // M[0][8] (SPEC §17.2 expanded row 0)
    assert!(matches!(path[1], Node::Empty) && matches!(path[2], Node::Empty));
    let bytes = symbol.proof.to_bcs();
    assert_eq!(bytes.len(), 1 + 33 + 1 + 1 + 33);
    assert_eq!(bytes[..2], [0x04, 0x01]);
    assert_eq!(bytes[34..37], [0x00, 0x00, 0x01]);

    // 16 siblings parse; 17 are too many.
    let mut sixteen = vec![16u8];
    sixteen.extend([0u8; 16]);
    assert_eq!(MerkleProof::from_bcs(&sixteen).unwrap().path().len(), 16);
    let mut seventeen = vec![17u8];
    seventeen.extend([0u8; 17]);
    assert_eq!(MerkleProof::from_bcs(&seventeen), Err(WireError::ProofTooLong { got_siblings: 17 }));
    let mut seventeen_digests = vec![17u8];
    for i in 0..17u8 {
        seventeen_digests.push(1);
        seventeen_digests.extend([i; 32]);
    }
    assert_eq!(MerkleProof::from_bcs(&seventeen_digests), Err(WireError::ProofTooLong { got_siblings: 17 }));
    // Inside a recovery symbol, too.
    let mut symbol_bytes = vec![0x00, 0x00, 0x00];
    symbol_bytes.extend_from_slice(&seventeen);
    assert_eq!(RecoverySymbol::<Vec<u8>>::from_bcs(&symbol_bytes), Err(WireError::ProofTooLong { got_siblings: 17 }));
    assert!(MerkleProof::from_path(&[Node::Empty; 17]).is_none());
}

/// SPEC §8.3: `DecodingSymbol`, `RecoverySymbol` and `GeneralRecoverySymbol` layouts.
#[test]
fn symbol_layouts() {
    let symbol = DecodingSymbol { index: 0x0102, data: vec![0xAA; 130] };
    let bytes = symbol.to_bcs();
    assert_eq!(bytes[..4], [0x02, 0x01, 0x82, 0x01], "index LE, ULEB128(130)");
    assert_eq!(bytes.len(), 4 + 130);
    assert_eq!(DecodingSymbol::<Vec<u8>>::from_bcs(&bytes), Ok(symbol.clone()));

    // SPEC §17.2 blob: the symbol of secondary sliver 9 that recovers primary sliver 4 is
    // M[4][9] = symbol 4 of expanded column 9 = `cdcb`.
    let config = EncodingConfig::new(10).unwrap();
    let encoded = config.encode(b"walrus blob id v1 regression test").unwrap();
    let source = RecoverySymbolSource::new(&config, &encoded.sliver(Axis::Secondary, 9).unwrap()).unwrap();
    let general = source.general_recovery_symbol(4).unwrap();
    assert_eq!(general.symbol_id(), (4, 9));
    let bytes = general.to_bcs();
    let proof = general.proof.to_bcs();
    let mut want = h("00" /* Primary target */);
    want.extend(h("0900" /* source index */));
    want.extend(h("02cdcb" /* data */));
    want.extend(h("0400" /* target index */));
    want.extend(&proof);
    assert_eq!(bytes, want);
    assert_eq!(GeneralRecoverySymbol::<Vec<u8>>::from_bcs(&bytes), Ok(general.clone()));
    // The RecoverySymbol is the same without the axis tag and the target index.
    let recovery = general.clone().into_recovery_symbol();
    let mut want = h("090002cdcb");
    want.extend(&proof);
    assert_eq!(recovery.to_bcs(), want);
    // A vector of them: ULEB count, then the symbols.
    let vec_bytes = general_recovery_symbols_to_bcs(&[general.clone(), general.clone()]);
    assert_eq!(vec_bytes[0], 2);
    assert_eq!(vec_bytes[1..], [bytes.clone(), bytes.clone()].concat()[..]);
    assert_eq!(general_recovery_symbols_from_bcs::<Vec<u8>>(&vec_bytes), Ok(vec![general.clone(), general.clone()]));

    // InconsistencyProof: target index LE ‖ ULEB count ‖ symbols; tagged adds the ByAxis tag.
    let proof = InconsistencyProof {
        target_axis: Axis::Primary,
        target_sliver_index: 0x0304,
        recovery_symbols: vec![recovery.clone()],
    };
    let mut want = vec![0x04, 0x03, 0x01];
    want.extend(recovery.to_bcs());
    assert_eq!(proof.to_bcs(), want);
    let mut tagged = vec![0x00];
    tagged.extend(&want);
    assert_eq!(proof.to_bcs_tagged(), tagged);
    let secondary = InconsistencyProof { target_axis: Axis::Secondary, ..proof.clone() };
    assert_eq!(secondary.to_bcs_tagged()[0], 0x01);
    assert_eq!(InconsistencyProof::<Vec<u8>>::from_bcs_tagged(&secondary.to_bcs_tagged()), Ok(secondary));
    assert_eq!(InconsistencyProof::<Vec<u8>>::from_bcs(&want, Axis::Primary), Ok(proof));

    // Sliver, tagged (SPEC §6: ByAxis Primary = 0, Secondary = 1).
    let sliver = encoded.sliver(Axis::Secondary, 9).unwrap();
    let mut out = Vec::new();
    sliver.write_bcs_tagged(&mut out);
    assert_eq!(hex::encode(&out), "0108c2f80b0295ac000002000900");
    assert_eq!(Axis::Primary.to_bcs(), [0]);
    assert_eq!(Axis::Secondary.to_bcs(), [1]);
    assert_eq!(EncodingType::RS2.to_bcs(), [1]);
    assert_eq!(Axis::from_bcs(&[2]), Err(WireError::InvalidTag { type_name: "Axis", tag: 2 }));
    assert_eq!(EncodingType::from_bcs(&[0]), Err(WireError::InvalidTag { type_name: "EncodingType", tag: 0 }));
    let mut bad = out.clone();
    bad[0] = 2;
    assert_eq!(
        InconsistencyProof::<Vec<u8>>::from_bcs_tagged(&bad).err(),
        Some(WireError::InvalidTag { type_name: "Axis", tag: 2 })
    );
    // A zero symbol size is not a valid SliverData.
    let mut zero = h("08c2f80b0295ac000002000900");
    zero[9] = 0;
    assert_eq!(
        Sliver::<Vec<u8>>::from_bcs(&zero, Axis::Secondary),
        Err(WireError::InvalidValue { what: "symbol size is zero" })
    );
}

// ----- Round trips -----

#[test]
fn every_sample_of_every_wire_type_round_trips() {
    let samples = samples();
    let all = codecs();
    for codec in &all {
        let mut covered = 0;
        for sample in samples.iter().filter(|s| s.kind == codec.kind) {
            assert_eq!(
                (codec.roundtrip)(&sample.bytes),
                Ok(sample.bytes.clone()),
                "{} on {}",
                codec.name,
                sample.label
            );
            covered += 1;
        }
        // EncodingType has a single value; every other kind has several samples.
        let min = if codec.kind == Kind::EncodingType { 1 } else { 2 };
        assert!(covered >= min, "{} has {covered} samples", codec.name);
    }
}

#[test]
fn typed_values_survive_bcs() {
    fn check<T>(value: &T)
    where
        T: BcsEncode + for<'a> BcsDecode<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = value.to_bcs();
        assert_eq!(bytes.len(), value.bcs_len());
        assert_eq!(&T::from_bcs(&bytes).unwrap(), value);
        // Into an exact buffer, and a buffer one byte short.
        let mut buf = vec![0u8; bytes.len()];
        assert_eq!(value.to_bcs_slice(&mut buf), Ok(bytes.len()));
        assert_eq!(buf, bytes);
        if !bytes.is_empty() {
            let mut short = vec![0u8; bytes.len() - 1];
            assert_eq!(
                value.to_bcs_slice(&mut short),
                Err(WireError::BufferTooSmall { needed_bytes: bytes.len(), available_bytes: bytes.len() - 1 })
            );
        }
    }
    for n in [4u16, 10, 13] {
        let config = EncodingConfig::new(n).unwrap();
        let encoded = config.encode(&morsa_conformance::splitmix64_bytes(u64::from(n), 500)).unwrap();
        let metadata = encoded.metadata().as_unverified();
        check(metadata);
        check(&metadata.metadata);
        check(&metadata.blob_id);
        check(&metadata.metadata.hashes[1]);
        check(&metadata.metadata.hashes[1].secondary_hash);
        check(&EncodingType::RS2);
        // Zero-copy views re-encode to the same bytes and the same blob ID.
        let bytes = metadata.to_bcs();
        let view = BlobMetadataWithIdRef::from_bcs(&bytes).unwrap();
        assert_eq!(view.to_bcs(), bytes);
        assert_eq!(view.bcs_len(), bytes.len());
        assert_eq!(view.metadata.compute_blob_id(), metadata.blob_id);
        assert_eq!(view.metadata.pairs().collect::<Vec<_>>(), metadata.metadata.hashes);
        assert_eq!(view.verify(&config), Ok(()));
        let view = BlobMetadataRef::from_bcs(&bytes[32..]).unwrap();
        assert_eq!(view.to_bcs(), bytes[32..]);

        for axis in [Axis::Primary, Axis::Secondary] {
            check(&axis);
            let sliver = encoded.sliver(axis, n / 2).unwrap();
            let bytes = sliver.to_bcs();
            assert_eq!(bytes.len(), sliver.bcs_len());
            assert_eq!(Sliver::<Vec<u8>>::from_bcs(&bytes, axis), Ok(sliver.to_owned_sliver()));
            assert_eq!(Sliver::<&[u8]>::from_bcs(&bytes, axis), Ok(sliver.clone()));
            let mut tagged = Vec::new();
            sliver.write_bcs_tagged(&mut tagged);
            let mut r = morsa_core::wire::Reader::new(&tagged);
            assert_eq!(Sliver::<&[u8]>::read_bcs_tagged(&mut r), Ok(sliver.clone()));
            assert_eq!(r.remaining(), 0);

            let source = RecoverySymbolSource::new(&config, &sliver).unwrap();
            let general = source.general_recovery_symbol(n - 1).unwrap();
            check(&general);
            check(&general.proof);
            check(&general.symbol);
            let recovery = general.clone().into_recovery_symbol();
            check(&recovery);
            let all: Vec<_> = (0..n).map(|t| source.general_recovery_symbol(t).unwrap()).collect();
            let bytes = general_recovery_symbols_to_bcs(&all);
            assert_eq!(general_recovery_symbols_from_bcs::<Vec<u8>>(&bytes), Ok(all.clone()));
            let borrowed = general_recovery_symbols_from_bcs::<&[u8]>(&bytes).unwrap();
            assert_eq!(general_recovery_symbols_to_bcs(&borrowed), bytes);

            let proof = InconsistencyProof {
                target_axis: axis.orthogonal(),
                target_sliver_index: n - 1,
                recovery_symbols: vec![recovery.clone(); usize::from(config.n_symbols_for_recovery(axis.orthogonal()))],
            };
            let bytes = proof.to_bcs();
            assert_eq!(bytes.len(), proof.bcs_len());
            assert_eq!(InconsistencyProof::<Vec<u8>>::from_bcs(&bytes, axis.orthogonal()), Ok(proof.clone()));
            assert_eq!(InconsistencyProof::<Vec<u8>>::from_bcs_tagged(&proof.to_bcs_tagged()), Ok(proof.clone()));
        }
    }
}

// ----- Malformed input -----

#[test]
fn every_truncation_is_an_error() {
    let samples = samples();
    for codec in codecs() {
        for sample in samples.iter().filter(|s| s.kind == codec.kind) {
            for len in 0..sample.bytes.len() {
                let result = (codec.roundtrip)(&sample.bytes[..len]);
                assert!(
                    matches!(result, Err(WireError::Truncated { .. } | WireError::LengthTooLarge { .. })),
                    "{} on {}, first {len} of {} bytes: {result:?}",
                    codec.name,
                    sample.label,
                    sample.bytes.len()
                );
            }
        }
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let samples = samples();
    for codec in codecs() {
        for sample in samples.iter().filter(|s| s.kind == codec.kind) {
            for extra in [&[0u8][..], &[0xFF][..], &[1, 2, 3][..], &sample.bytes[..]] {
                let mut long = sample.bytes.clone();
                long.extend_from_slice(extra);
                assert_eq!(
                    (codec.roundtrip)(&long),
                    Err(WireError::TrailingBytes { count: extra.len() }),
                    "{} on {} + {extra:?}",
                    codec.name,
                    sample.label
                );
            }
        }
    }
}

/// Rewrites the ULEB128 integer at `offset` in a longer, non-canonical form (an extra
/// continuation byte holding 0).
fn non_canonical(bytes: &[u8], offset: usize) -> Vec<u8> {
    let mut end = offset;
    while bytes[end] & 0x80 != 0 {
        end += 1;
    }
    let mut out = bytes[..end].to_vec();
    out.push(bytes[end] | 0x80);
    out.push(0x00);
    out.extend_from_slice(&bytes[end + 1..]);
    out
}

#[test]
fn non_canonical_uleb128_is_rejected() {
    let config = EncodingConfig::new(10).unwrap();
    let encoded = config.encode(&morsa_conformance::splitmix64_bytes(5, 2000)).unwrap();
    let metadata = encoded.metadata().to_bcs();
    let sliver = encoded.sliver(Axis::Primary, 2).unwrap().to_bcs();
    assert!(sliver[0] & 0x80 != 0, "the length of this sliver takes two ULEB128 bytes");
    let source = RecoverySymbolSource::new(&config, &encoded.sliver(Axis::Primary, 2).unwrap()).unwrap();
    let general = source.general_recovery_symbol(3).unwrap();
    let general_bytes = general.to_bcs();
    let recovery_bytes = general.clone().into_recovery_symbol().to_bcs();
    let vec_bytes = general_recovery_symbols_to_bcs(std::slice::from_ref(&general));
    let proof = InconsistencyProof {
        target_axis: Axis::Secondary,
        target_sliver_index: 3,
        recovery_symbols: vec![general.clone().into_recovery_symbol()],
    };
    let proof_bytes = proof.to_bcs();
    let tagged_proof = proof.to_bcs_tagged();
    let data_len = usize::from(encoded.symbol_size().get());

    type Parse = fn(&[u8]) -> Result<(), WireError>;
    let metadata_with_id: Parse = |b| BlobMetadataWithId::from_bcs(b).map(drop);
    let metadata_ref: Parse = |b| BlobMetadataWithIdRef::from_bcs(b).map(drop);
    let sliver_parse: Parse = |b| Sliver::<&[u8]>::from_bcs(b, Axis::Primary).map(drop);
    let general_parse: Parse = |b| GeneralRecoverySymbol::<Vec<u8>>::from_bcs(b).map(drop);
    let recovery_parse: Parse = |b| RecoverySymbol::<&[u8]>::from_bcs(b).map(drop);
    let vec_parse: Parse = |b| general_recovery_symbols_from_bcs::<Vec<u8>>(b).map(drop);
    let proof_parse: Parse = |b| InconsistencyProof::<Vec<u8>>::from_bcs(b, Axis::Secondary).map(drop);
    let tagged_proof_parse: Parse = |b| InconsistencyProof::<Vec<u8>>::from_bcs_tagged(b).map(drop);
    let node_parse: Parse = |b| Node::from_bcs(b).map(drop);
    let proof_only: Parse = |b| MerkleProof::from_bcs(b).map(drop);

    let cases: &[(&str, &[u8], usize, Parse)] = &[
        ("BlobMetadata tag", &metadata, 32, metadata_with_id),
        ("EncodingType tag", &metadata, 33, metadata_with_id),
        ("pair count", &metadata, 42, metadata_with_id),
        ("pair count (view)", &metadata, 42, metadata_ref),
        ("first Node tag", &metadata, 43, metadata_with_id),
        ("first Node tag (view)", &metadata, 43, metadata_ref),
        ("sliver length", &sliver, 0, sliver_parse),
        ("axis tag", &general_bytes, 0, general_parse),
        ("symbol data length", &general_bytes, 3, general_parse),
        ("proof length", &general_bytes, 4 + data_len + 2, general_parse),
        ("first sibling tag", &general_bytes, 4 + data_len + 3, general_parse),
        ("symbol data length", &recovery_bytes, 2, recovery_parse),
        ("vector length", &vec_bytes, 0, vec_parse),
        ("symbol count", &proof_bytes, 2, proof_parse),
        ("ByAxis tag", &tagged_proof, 0, tagged_proof_parse),
        ("symbol count (tagged)", &tagged_proof, 3, tagged_proof_parse),
        ("Node tag", &[0x01u8; 33][..], 0, node_parse),
        ("empty proof length", &[0x00], 0, proof_only),
    ];
    for &(what, bytes, offset, parse) in cases {
        assert_eq!(parse(bytes), Ok(()), "{what}: the canonical form parses");
        assert_eq!(parse(&non_canonical(bytes, offset)), Err(WireError::InvalidUleb128), "{what}");
    }
    // Overlong forms and values above u32::MAX.
    for prefix in [
        &[0xff, 0xff, 0xff, 0xff, 0x1f][..],
        &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
    ] {
        let mut bytes = prefix.to_vec();
        bytes.extend([0u8; 64]);
        assert_eq!(Sliver::<Vec<u8>>::from_bcs(&bytes, Axis::Primary), Err(WireError::InvalidUleb128));
        assert_eq!(MerkleProof::from_bcs(&bytes), Err(WireError::InvalidUleb128));
        assert_eq!(general_recovery_symbols_from_bcs::<Vec<u8>>(&bytes), Err(WireError::InvalidUleb128));
    }
}

#[test]
fn huge_claimed_lengths_are_rejected_without_large_allocations() {
    const U32_MAX: [u8; 5] = [0xff, 0xff, 0xff, 0xff, 0x0f];
    const TWO_POW_31: [u8; 5] = [0x80, 0x80, 0x80, 0x80, 0x08];
    let filler = [0x01u8; 100];
    for (claim, claimed) in [(&U32_MAX, u32::MAX as usize), (&TWO_POW_31, 1usize << 31)] {
        let with = |prefix: &[u8]| [prefix, &claim[..], &filler[..]].concat();
        let sliver = with(&[]);
        let symbol = with(&[0x00, 0x00]);
        let proof = with(&[]);
        let metadata = with(&h("00010000000000000000"));
        let metadata_with_id = [&[0u8; 32][..], &metadata].concat();
        let vector = with(&[]);
        let inconsistency = with(&[0x00, 0x00]);
        let tagged_inconsistency = with(&[0x01, 0x00, 0x00]);

        type Parse = fn(&[u8]) -> Result<(), WireError>;
        let cases: &[(&str, &[u8], Parse, usize)] = &[
            ("SliverData", &sliver, |b| Sliver::<Vec<u8>>::from_bcs(b, Axis::Primary).map(drop), 100),
            ("DecodingSymbol", &symbol, |b| DecodingSymbol::<Vec<u8>>::from_bcs(b).map(drop), 100),
            ("RecoverySymbol", &symbol, |b| RecoverySymbol::<Vec<u8>>::from_bcs(b).map(drop), 100),
            ("MerkleProof", &proof, |b| MerkleProof::from_bcs(b).map(drop), 100),
            ("BlobMetadata", &metadata, |b| BlobMetadata::from_bcs(b).map(drop), 50),
            ("BlobMetadataRef", &metadata, |b| BlobMetadataRef::from_bcs(b).map(drop), 50),
            ("BlobMetadataWithId", &metadata_with_id, |b| BlobMetadataWithId::from_bcs(b).map(drop), 50),
            ("Vec<GeneralRecoverySymbol>", &vector, |b| general_recovery_symbols_from_bcs::<Vec<u8>>(b).map(drop), 14),
            (
                "InconsistencyProof",
                &inconsistency,
                |b| InconsistencyProof::<Vec<u8>>::from_bcs(b, Axis::Primary).map(drop),
                25,
            ),
            (
                "InconsistencyProof tagged",
                &tagged_inconsistency,
                |b| InconsistencyProof::<Vec<u8>>::from_bcs_tagged(b).map(drop),
                25,
            ),
        ];
        for &(what, bytes, parse, max) in cases {
            let (result, peak) = peak_allocation(|| parse(bytes));
            assert!(
                matches!(result, Err(WireError::LengthTooLarge { claimed: c, max: m, .. }) if c == claimed && m == max),
                "{what}: {result:?}"
            );
            assert!(peak <= 1024, "{what}: allocated {peak} bytes before rejecting a claimed length of {claimed}");
        }
        let config = EncodingConfig::new(4).unwrap();
        let (result, peak) = peak_allocation(|| verify_metadata_with_id_bcs(&metadata_with_id, &config));
        assert!(matches!(result, Err(VerifyBytesError::Wire(WireError::LengthTooLarge { .. }))));
        assert_eq!(peak, 0, "the zero-copy path does not allocate");
    }

    // A claim that the input could just hold, followed by garbage: whatever is reserved is
    // bounded by what the input could encode (at least 7 bytes per GeneralRecoverySymbol,
    // 4 per RecoverySymbol).
    let mut vector = vec![0xe8, 0x07]; // 1000
    vector.extend([0xFF; 7000]);
    let (result, peak) = peak_allocation(|| general_recovery_symbols_from_bcs::<Vec<u8>>(&vector));
    assert_eq!(result, Err(WireError::InvalidUleb128));
    // A claim of 1000 elements reserves room for at most 64 before any of them parses.
    assert!(peak <= 64 * std::mem::size_of::<GeneralRecoverySymbol<Vec<u8>>>(), "{peak}");
    let mut proof = vec![0x00, 0x00, 0xe8, 0x07];
    proof.extend([0xFF; 4000]);
    let (result, peak) = peak_allocation(|| InconsistencyProof::<Vec<u8>>::from_bcs(&proof, Axis::Primary));
    assert_eq!(result, Err(WireError::InvalidUleb128));
    assert!(peak <= 64 * std::mem::size_of::<RecoverySymbol<Vec<u8>>>(), "{peak}");
}

#[test]
fn every_kind_has_codecs_and_samples() {
    let samples = samples();
    for kind in [
        Kind::Node,
        Kind::MerkleProof,
        Kind::EncodingType,
        Kind::Axis,
        Kind::BlobId,
        Kind::SliverPairMetadata,
        Kind::BlobMetadata,
        Kind::BlobMetadataWithId,
        Kind::Sliver,
        Kind::SliverTagged,
        Kind::DecodingSymbol,
        Kind::RecoverySymbol,
        Kind::GeneralRecoverySymbol,
        Kind::GeneralRecoverySymbolVec,
        Kind::SliverVec,
        Kind::InconsistencyProof,
        Kind::InconsistencyProofTagged,
    ] {
        assert!(!codecs_of(kind).is_empty(), "{kind:?}");
        assert!(samples.iter().any(|s| s.kind == kind), "{kind:?}");
    }
}

/// SPEC §11 `GET /decodingSymbols`: a BCS map with keys sorted by their u16 little-endian
/// bytes (so 256 comes before 1), each value a `Vec<EitherDecodingSymbol>`.
#[test]
fn decoding_symbols_map_layout_and_round_trip() {
    use morsa_core::encoding::{Axis, DecodingSymbol};
    use morsa_core::wire::{decoding_symbols_map_from_bcs, decoding_symbols_map_to_bcs};

    let symbol = |index: u16, byte: u8| (Axis::Primary, DecodingSymbol { index, data: vec![byte; 2] });
    let entries = vec![(1u16, vec![symbol(3, 0xAA)]), (256u16, vec![symbol(4, 0xBB), symbol(5, 0xCC)]), (1u16, vec![])];
    let bytes = decoding_symbols_map_to_bcs(&entries);
    let mut want = vec![2u8]; // two keys; the repeated key 1 is dropped
    want.extend([0x00, 0x01, 2]); // key 256 (LE 00 01) first, two symbols
    want.extend([0, 4, 0, 2, 0xBB, 0xBB, 0, 5, 0, 2, 0xCC, 0xCC]);
    want.extend([0x01, 0x00, 1]); // key 1, one symbol
    want.extend([0, 3, 0, 2, 0xAA, 0xAA]);
    assert_eq!(bytes, want);
    let parsed = decoding_symbols_map_from_bcs::<Vec<u8>>(&bytes).unwrap();
    assert_eq!(decoding_symbols_map_to_bcs(&parsed), bytes);
    assert_eq!(parsed[0].0, 256);
    // Keys out of canonical order, truncation and trailing bytes are errors.
    let mut swapped = vec![2u8, 0x01, 0x00, 0, 0x00, 0x01, 0];
    assert!(decoding_symbols_map_from_bcs::<Vec<u8>>(&swapped).is_err());
    swapped[1..3].copy_from_slice(&[0x00, 0x01]);
    swapped[4..6].copy_from_slice(&[0x01, 0x00]);
    assert!(decoding_symbols_map_from_bcs::<Vec<u8>>(&swapped).is_ok());
    for n in 0..bytes.len() {
        assert!(decoding_symbols_map_from_bcs::<Vec<u8>>(&bytes[..n]).is_err(), "prefix {n}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(decoding_symbols_map_from_bcs::<Vec<u8>>(&long).is_err());
}

/// `EncodingConfig::metadata_bcs_len` is the exact length of a `BlobMetadata` (SPEC §5.5) for
/// every shard count, across the ULEB128 boundaries of the pair count.
#[test]
fn metadata_bcs_len_is_the_length_of_the_bcs_metadata() {
    for n in [4u16, 10, 127, 128, 1000, 16_383, 16_384] {
        let config = EncodingConfig::new(n).unwrap();
        let metadata = config.compute_metadata(b"sizes").unwrap();
        assert_eq!(metadata.as_unverified().metadata.to_bcs().len(), config.metadata_bcs_len(), "n = {n}");
    }
}

/// `verify_slivers` gives each sliver the result `Sliver::verify` gives it, in order.
#[test]
fn verify_slivers_matches_one_by_one_verification() {
    use morsa_core::encoding::verify_slivers;

    let config = EncodingConfig::new(10).unwrap();
    let encoded = config.encode(&morsa_conformance::splitmix64_bytes(7, 3000)).unwrap();
    let mut slivers: Vec<Sliver<Vec<u8>>> = (0..10)
        .flat_map(|i| [Axis::Primary, Axis::Secondary].map(|axis| encoded.sliver(axis, i).unwrap().to_owned_sliver()))
        .collect();
    slivers[3].data[0] ^= 1;
    slivers[8].index = (slivers[8].index + 1) % 10;
    let refs: Vec<&Sliver<Vec<u8>>> = slivers.iter().collect();
    let results = verify_slivers(encoded.metadata(), &refs);
    assert_eq!(results.len(), slivers.len());
    for (sliver, result) in slivers.iter().zip(&results) {
        assert_eq!(*result, sliver.verify(encoded.metadata()));
    }
    assert!(results[3].is_err() && results[8].is_err());
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), slivers.len() - 2);
}
