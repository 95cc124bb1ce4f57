//! Size and configuration boundaries (SPEC §1), blob-ID stability across shard counts (SPEC §5)
//! and the pair ↔ shard mapping against the encoded sliver pairs (SPEC §3.4, §4).

use morsa_conformance::splitmix64_bytes;
use morsa_core::encoding::mapping::{
    pair_index_for_shard, rotate_pairs_to_shards, rotation_offset, shard_index_for_pair,
};
use morsa_core::encoding::{decode_blob, Axis, ConsistencyCheck, EncodeError, EncodedBlob, EncodingConfig, Sliver};
use morsa_core::metadata::{
    verify_metadata_with_id_bcs, BlobMetadata, BlobMetadataWithId, MetadataError, SliverPairMetadata,
};
use morsa_core::wire::BcsEncode;
use morsa_core::{BlobId, EncodingType};

/// `(f, p, s)` from SPEC §1.1–§1.2.
fn spec_params(n: u16) -> (u16, u16, u16) {
    let f = (n - 1) / 3;
    (f, n - 2 * f, n - f)
}

/// SPEC §1.3: `ceil(max(L, 1) / (p * s))` rounded up to even.
fn spec_symbol_size(n: u16, len: u64) -> u64 {
    let (_, p, s) = spec_params(n);
    let raw = len.max(1).div_ceil(u64::from(p) * u64::from(s));
    raw + raw % 2
}

/// Encodes `blob`, checks the shape of every sliver (SPEC §3.3) and decodes it back from the
/// first `p` primary slivers that are not systematic, where possible (SPEC §7).
fn round_trip(config: &EncodingConfig, blob: &[u8]) -> EncodedBlob {
    let n = config.n_shards();
    let (_, p, s) = spec_params(n);
    let encoded = config.encode(blob).unwrap();
    let size = encoded.symbol_size();
    assert_eq!(u64::from(size.get()), spec_symbol_size(n, blob.len() as u64));
    for i in 0..n {
        assert_eq!(encoded.sliver(Axis::Primary, i).unwrap().bytes().len(), usize::from(s) * usize::from(size.get()));
        assert_eq!(encoded.sliver(Axis::Secondary, i).unwrap().bytes().len(), usize::from(p) * usize::from(size.get()));
    }
    assert!(encoded.sliver(Axis::Primary, n).is_none());
    // Repair rows first, so that decoding really runs the Reed-Solomon decoder.
    let slivers: Vec<Sliver<&[u8]>> =
        (0..n).rev().take(usize::from(p)).map(|i| encoded.sliver(Axis::Primary, i).unwrap()).collect();
    let decoded = decode_blob(encoded.metadata(), &slivers, ConsistencyCheck::Default).unwrap();
    assert!(decoded == blob, "n = {n}, len = {}: decoded bytes differ", blob.len());
    encoded
}

#[test]
fn symbol_size_boundary_table() {
    for n in [4u16, 5, 7, 10, 13, 31, 100, 1000] {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        let ps = u64::from(p) * u64::from(s);
        let mut lens = vec![0u64, 1, 2];
        for k in [1u64, 2, 3, 4, 5, 6, 63, 64, 65, 1000, 32_767, 65_533, 65_534] {
            lens.extend([ps * k - 1, ps * k, ps * k + 1]);
        }
        for len in lens {
            let want = spec_symbol_size(n, len);
            let got = config.symbol_size(len);
            if want <= 65_534 {
                assert_eq!(u64::from(got.unwrap().get()), want, "n = {n}, len = {len}");
                assert_eq!(
                    config.encoded_blob_length(len),
                    Ok(u64::from(n) * (u64::from(n) * 64 + 32) + u64::from(n) * u64::from(p + s) * want)
                );
            } else {
                assert_eq!(
                    got,
                    Err(EncodeError::BlobTooLarge { blob_bytes: len, max_bytes: ps * 65_534, n_shards: n }),
                    "n = {n}, len = {len}"
                );
            }
        }
        // The symbol size steps by 2 exactly past every even multiple of p * s.
        for k in 1..=5u64 {
            assert_eq!(config.symbol_size(ps * 2 * k).unwrap().get() as u64, 2 * k);
            assert_eq!(config.symbol_size(ps * 2 * k + 1).unwrap().get() as u64, 2 * k + 2);
            assert_eq!(config.symbol_size(ps * (2 * k - 1)).unwrap().get() as u64, 2 * k);
        }
    }
    // SPEC §1.3 unit vectors with alignment 2 for n = 4 (p * s = 6) and §1.4 encoded lengths.
    let c4 = EncodingConfig::new(4).unwrap();
    for (len, want) in [(0u64, 2u16), (1, 2), (12, 2), (13, 4), (24, 4), (25, 6)] {
        assert_eq!(c4.symbol_size(len).unwrap().get(), want, "len = {len}");
    }
    let c10 = EncodingConfig::new(10).unwrap();
    assert_eq!(c10.encoded_blob_length(0), Ok(6_940));
    assert_eq!(c10.encoded_blob_length(1), Ok(6_940));
    assert_eq!(c10.encoded_blob_length(28 * 100), Ok(10 * ((4 + 7) * 100 + 10 * 2 * 32 + 32)));
    let c1000 = EncodingConfig::new(1000).unwrap();
    assert_eq!(c1000.encoded_blob_length(1), Ok(66_034_000));
    assert_eq!(c1000.encoded_blob_length(334 * 667 * 100), Ok(1000 * ((334 + 667) * 100 + 1000 * 2 * 32 + 32)));
}

#[test]
fn blobs_at_symbol_boundaries_encode_and_decode() {
    for n in [4u16, 5, 7, 10, 13] {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        let ps = usize::from(p) * usize::from(s);
        let mut lens = vec![0usize, 1, 2, 3];
        for k in [1usize, 2, 3, 4, 7, 64, 65, 130] {
            lens.extend([ps * k - 1, ps * k, ps * k + 1]);
        }
        for len in lens {
            let blob = splitmix64_bytes((len as u64) ^ (u64::from(n) << 32), len);
            let encoded = round_trip(&config, &blob);
            assert_eq!(encoded.metadata().unencoded_length(), len as u64);
            // The systematic primary slivers are the zero-padded blob, row by row (SPEC §3.1).
            let row = usize::from(s) * usize::from(encoded.symbol_size().get());
            let mut padded = blob.clone();
            padded.resize(row * usize::from(p), 0);
            for i in 0..p {
                assert_eq!(encoded.sliver(Axis::Primary, i).unwrap().bytes(), &padded[usize::from(i) * row..][..row]);
            }
        }
    }
}

#[test]
fn max_blob_size_for_4_and_10_shards() {
    for (n, max) in [(4u16, 2 * 3 * 65_534u64), (10, 1_834_952)] {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        assert_eq!(config.max_blob_size(), max);
        assert_eq!(config.max_sliver_size(), u64::from(s) * 65_534);
        assert_eq!(config.symbol_size(max).unwrap().get(), 65_534);
        assert_eq!(
            config.encoded_blob_length(max),
            Ok(u64::from(n) * (u64::from(n) * 64 + 32) + u64::from(n) * u64::from(p + s) * 65_534)
        );

        // The largest blob encodes and decodes; compute_metadata agrees with encode.
        let blob = splitmix64_bytes(u64::from(n), max as usize);
        let encoded = round_trip(&config, &blob);
        assert_eq!(encoded.symbol_size().get(), 65_534);
        assert_eq!(config.compute_metadata(&blob).unwrap(), *encoded.metadata());
        // Secondary decoding too.
        let secondary: Vec<_> =
            (0..n).rev().take(usize::from(s)).map(|j| encoded.sliver(Axis::Secondary, j).unwrap()).collect();
        assert!(decode_blob(encoded.metadata(), &secondary, ConsistencyCheck::Strict).unwrap() == blob);
        drop(encoded);

        // One byte more is too large, everywhere.
        let too_large = EncodeError::BlobTooLarge { blob_bytes: max + 1, max_bytes: max, n_shards: n };
        let mut blob = blob;
        blob.push(0xA5);
        assert_eq!(config.encode(&blob).err(), Some(too_large));
        assert_eq!(config.compute_metadata(&blob).err(), Some(too_large));
        assert_eq!(config.blob_id(&blob), Err(too_large));
        assert_eq!(config.symbol_size(max + 1), Err(too_large));
        assert_eq!(config.encoded_blob_length(max + 1), Err(too_large));
        assert_eq!(config.encoded_slivers_length(max + 1), Err(too_large));
        let display = too_large.to_string();
        assert!(display.contains(&(max + 1).to_string()) && display.contains(&max.to_string()), "{display}");

        // Metadata claiming more than the maximum never verifies, even with a matching ID
        // (SPEC §5.5); exactly the maximum does.
        for (length, ok) in [(max, true), (max + 1, false), (u64::MAX, false)] {
            let metadata = BlobMetadata {
                encoding_type: EncodingType::RS2,
                unencoded_length: length,
                hashes: vec![
                    SliverPairMetadata { primary_hash: [1; 32].into(), secondary_hash: [2; 32].into() };
                    usize::from(n)
                ],
            };
            let blob_id = metadata.compute_blob_id();
            let with_id = BlobMetadataWithId { blob_id, metadata };
            let bytes = with_id.to_bcs();
            let result = with_id.verify(&config).map(|v| *v.blob_id());
            if ok {
                assert_eq!(result, Ok(blob_id));
                assert_eq!(verify_metadata_with_id_bcs(&bytes, &config), Ok(blob_id));
            } else {
                assert_eq!(result, Err(MetadataError::BlobTooLarge { unencoded_length: length, max_bytes: max }));
                assert!(verify_metadata_with_id_bcs(&bytes, &config).is_err());
            }
        }
    }
}

#[test]
fn fewer_than_four_shards_are_rejected() {
    for n in 0..4u16 {
        assert_eq!(EncodingConfig::new(n), Err(EncodeError::TooFewShards { n_shards: n }));
        assert!(EncodeError::TooFewShards { n_shards: n }.to_string().contains(&n.to_string()));
    }
    assert!(EncodingConfig::new(4).is_ok());
}

#[test]
fn blob_ids_are_stable_between_compute_metadata_and_encode_for_4_to_40_shards() {
    let blob = splitmix64_bytes(0xB10B, 777);
    let mut ids = Vec::new();
    for n in 4..=40u16 {
        let config = EncodingConfig::new(n).unwrap();
        let metadata = config.compute_metadata(&blob).unwrap();
        let encoded = config.encode(&blob).unwrap();
        assert_eq!(encoded.metadata(), &metadata, "n = {n}");
        assert_eq!(config.blob_id(&blob).unwrap(), *metadata.blob_id(), "n = {n}");
        assert_eq!(metadata.config(), &config);
        assert_eq!(metadata.metadata().hashes.len(), usize::from(n));

        // The pair hashes are the roots of the expanded slivers of each pair (SPEC §3.4, §5.2),
        // and the blob ID follows from them (SPEC §5.3).
        let mut pairs = Vec::new();
        for i in 0..n {
            let (primary, secondary) = encoded.sliver_pair(i).unwrap();
            assert_eq!((primary.index, secondary.index), (i, n - 1 - i));
            let pair = SliverPairMetadata {
                primary_hash: primary.merkle_root(&config).unwrap(),
                secondary_hash: secondary.merkle_root(&config).unwrap(),
            };
            assert_eq!(Some(&pair), metadata.pair(i), "n = {n}, pair {i}");
            pairs.push(pair);
        }
        assert_eq!(BlobId::from_pair_hashes(EncodingType::RS2, 777, pairs), *metadata.blob_id());
        assert_eq!(metadata.metadata().compute_blob_id(), *metadata.blob_id());

        // It verifies as received metadata, typed and as bytes.
        assert_eq!(metadata.as_unverified().clone().verify(&config).as_ref(), Ok(&metadata));
        assert_eq!(verify_metadata_with_id_bcs(&metadata.to_bcs(), &config), Ok(*metadata.blob_id()));
        // ... but not for a neighbouring shard count.
        let other = EncodingConfig::new(n + 1).unwrap();
        assert_eq!(
            metadata.as_unverified().clone().verify(&other).err(),
            Some(MetadataError::WrongPairCount { expected: usize::from(n) + 1, got: usize::from(n) })
        );
        // The blob ID's text form round-trips.
        assert_eq!(metadata.blob_id().to_string().parse::<BlobId>(), Ok(*metadata.blob_id()));
        ids.push(*metadata.blob_id());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "every shard count gives its own blob ID");
}

/// SPEC §4.2: the blob ID as a big-endian 256-bit integer modulo `n`, here by 64-bit limbs.
fn spec_offset(id: &BlobId, n: u16) -> u16 {
    let mut acc: u128 = 0;
    for limb in id.0.chunks(8) {
        let limb = u64::from_be_bytes(limb.try_into().unwrap());
        acc = ((acc << 64) | u128::from(limb)) % u128::from(n);
    }
    acc as u16
}

fn blob_id_from_u64(x: u64) -> BlobId {
    let mut id = [0u8; 32];
    id[24..].copy_from_slice(&x.to_be_bytes());
    BlobId(id)
}

#[test]
fn mapping_matches_the_spec_vectors() {
    // SPEC §4.2 (walrus mapping.rs tests).
    let id = blob_id_from_u64(15);
    assert_eq!(shard_index_for_pair(&id, 7, 0), Some(1));
    assert_eq!(shard_index_for_pair(&id, 7, 5), Some(6));
    assert_eq!(shard_index_for_pair(&id, 7, 6), Some(0));
    let id = blob_id_from_u64(16);
    assert_eq!(pair_index_for_shard(&id, 7, 0), Some(5));
    assert_eq!(pair_index_for_shard(&id, 7, 1), Some(6));
    assert_eq!(pair_index_for_shard(&id, 7, 6), Some(4));
    let mut items = [0, 1, 2, 3, 4];
    rotate_pairs_to_shards(&blob_id_from_u64(11), &mut items);
    assert_eq!(items, [4, 0, 1, 2, 3]);
}

#[test]
fn mapping_agrees_with_encoded_sliver_pairs() {
    for (n, len) in [(4u16, 0usize), (7, 10), (10, 33), (13, 500), (40, 5000), (100, 3000), (1000, 17)] {
        let config = EncodingConfig::new(n).unwrap();
        let blob = splitmix64_bytes(u64::from(n), len);
        let encoded = config.encode(&blob).unwrap();
        let id = encoded.blob_id();
        let offset = spec_offset(id, n);
        assert_eq!(rotation_offset(id, n), offset, "n = {n}");

        let mut by_shard: Vec<u16> = (0..n).collect();
        rotate_pairs_to_shards(id, &mut by_shard);
        for shard in 0..n {
            let pair = pair_index_for_shard(id, n, shard).unwrap();
            assert_eq!(pair, (shard + n - offset) % n, "n = {n}, shard {shard}");
            assert_eq!(shard_index_for_pair(id, n, pair), Some(shard));
            assert_eq!(by_shard[usize::from(shard)], pair, "rotate_pairs_to_shards, n = {n}, shard {shard}");
            // The shard stores primary sliver `pair` and secondary sliver `n - 1 - pair`.
            let (primary, secondary) = encoded.sliver_pair(pair).unwrap();
            assert_eq!(primary.index, pair);
            assert_eq!(secondary.index, n - 1 - pair);
            assert_eq!(config.pair_index(Axis::Primary, primary.index), Some(pair));
            assert_eq!(config.pair_index(Axis::Secondary, secondary.index), Some(pair));
            assert_eq!(primary.bytes(), encoded.sliver(Axis::Primary, pair).unwrap().bytes());
            assert_eq!(secondary.bytes(), encoded.sliver(Axis::Secondary, n - 1 - pair).unwrap().bytes());
            // Both slivers verify against the hashes of that pair.
            assert_eq!(primary.verify(encoded.metadata()), Ok(()));
            assert_eq!(secondary.verify(encoded.metadata()), Ok(()));
        }
        assert_eq!(pair_index_for_shard(id, n, n), None);
        assert_eq!(shard_index_for_pair(id, n, n), None);
        assert!(encoded.sliver_pair(n).is_none());
    }
    // Offsets of arbitrary IDs, including the most significant bytes.
    let mut x = 0x0123_4567_89AB_CDEFu64;
    for n in [4u16, 7, 10, 301, 1000, 49_155, u16::MAX] {
        for _ in 0..50 {
            let mut id = [0u8; 32];
            for chunk in id.chunks_mut(8) {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                chunk.copy_from_slice(&x.to_be_bytes());
            }
            let id = BlobId(id);
            assert_eq!(rotation_offset(&id, n), spec_offset(&id, n), "n = {n}, {id}");
        }
    }
}
