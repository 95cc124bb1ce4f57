//! Every case of `tests/vectors/walrus-rs2.json` and the SPEC §17 tables: blob IDs, roots,
//! pair hashes and exact sliver bytes produced by the official Walrus encoder.

use morsa_conformance::{lcg_bytes, sha256_hex, vectors};
use morsa_core::encoding::{Axis, EncodingConfig};
use morsa_core::wire::BcsEncode;
use morsa_core::BlobId;

#[test]
fn generators_reproduce_the_recorded_inputs() {
    for case in vectors().cases {
        assert_eq!(sha256_hex(&case.input()), case.input_sha256, "seed {}", case.seed);
    }
}

#[test]
fn upstream_blob_ids() {
    let v = vectors();
    assert_eq!(v.upstream.len(), 4);
    for case in v.upstream {
        let config = EncodingConfig::new(case.n_shards).unwrap();
        let id = config.blob_id(&case.input()).unwrap();
        if let Some(text) = &case.blob_id {
            assert_eq!(&id.to_string(), text);
            assert_eq!(text.parse::<BlobId>().unwrap(), id);
        }
        if let Some(h) = &case.blob_id_hex {
            assert_eq!(&hex::encode(id.0), h);
        }
        if let Some(len) = case.encoded_length {
            assert_eq!(config.encoded_blob_length(case.input().len() as u64).unwrap(), len);
        }
    }
}

#[test]
fn generated_cases_match_the_official_encoder() {
    for case in vectors().cases {
        let label = format!("n = {}, seed = {}, len = {}", case.n_shards, case.seed, case.length);
        let config = EncodingConfig::new(case.n_shards).unwrap();
        let input = case.input();
        assert_eq!(config.symbol_size(input.len() as u64).unwrap().get(), case.symbol_size, "{label}");
        let metadata = config.compute_metadata(&input).unwrap();
        assert_eq!(metadata.blob_id().to_string(), case.blob_id, "{label}");
        assert_eq!(hex::encode(metadata.blob_id().0), case.blob_id_hex, "{label}");
        if let Some(pairs) = &case.pair_hashes {
            assert_eq!(pairs.len(), usize::from(case.n_shards));
            for (i, [primary, secondary]) in pairs.iter().enumerate() {
                let got = metadata.pair(i as u16).unwrap();
                assert_eq!(&hex::encode(got.primary_hash.bytes()), primary, "{label} pair {i}");
                assert_eq!(&hex::encode(got.secondary_hash.bytes()), secondary, "{label} pair {i}");
            }
        }
        if case.primary_slivers_bcs.is_some() || case.secondary_slivers_bcs.is_some() {
            let encoded = config.encode(&input).unwrap();
            assert_eq!(encoded.blob_id(), metadata.blob_id(), "{label}");
            for pair in 0..case.n_shards {
                let (primary, secondary) = encoded.sliver_pair(pair).unwrap();
                if let Some(expected) = &case.primary_slivers_bcs {
                    assert_eq!(hex::encode(primary.to_bcs()), expected[usize::from(pair)], "{label} pair {pair}");
                }
                if let Some(expected) = &case.secondary_slivers_bcs {
                    assert_eq!(hex::encode(secondary.to_bcs()), expected[usize::from(pair)], "{label} pair {pair}");
                }
                assert_eq!(secondary.axis, Axis::Secondary);
            }
        }
        // The root of the pair leaves, via the metadata's blob-ID preimage.
        let root = morsa_core::merkle::MerkleTree::from_leaf_hashes(
            metadata.metadata().hashes.iter().map(|p| p.pair_leaf_hash()).collect(),
        )
        .root();
        assert_eq!(hex::encode(root.bytes()), case.root_hash_hex, "{label}");
    }
}

/// SPEC §17.3: blob IDs of `gen(len)` from the official encoder.
#[test]
fn spec_lcg_table() {
    let table: &[(u16, usize, u16, &str)] = &[
        (4, 0, 2, "CmzciFdWJP1IIM-rD3cqXlVBXYM0fpAfHahZBvkaZUI"),
        (4, 1, 2, "8rTYtl0Qgp7ZIfXWamUfHZimDSqMn8qyS9HoY9JorsM"),
        (4, 5, 2, "J-lAsmSzsGjZDUzle6ZiMs--JjvgyozG1RtwVsCtvDQ"),
        (5, 17, 2, "YmBkSSbfPrpRV-xSGLWWVXLG4kBlMwZG-qrAw5U6GCA"),
        (6, 33, 2, "A0fyQhERy5dwyjY2owNPKF-i606QZQJ8dsa5rTFFRbg"),
        (7, 3, 2, "IEVGwvYv-1Oa3THK4Jzyutpxoe1zGixi5lzVeiJyWhg"),
        (7, 100, 8, "wZdYup5cp7VheljVsGPkmkLvm8IGZmnN5NQOKt22ZIk"),
        (8, 64, 4, "HfL0SqIZBnXkRm82ZtST0VIvgKH506Vz3S_6Zci_aVo"),
        (9, 1000, 30, "vDR1KzWl44zLvpiVlY53Wg2JViEj_GB4LpKkBnw76Y8"),
        (10, 1960, 70, "4m-vAzXKU2622xtsO3pRaUdMV1zoOJ62Jzcui9Bq2EI"),
        (10, 3584, 128, "ws1H7m0ufZ8kRfpsCBg1x9OPz8H0sRJUbIND7N5AsfA"),
        (10, 3640, 130, "AheF37wWE-3MEQhk_CQOtukZcLS1aCpTcO4H26VhYdA"),
        (10, 5000, 180, "G9DMh90DpptZlW4LBhr3hmOwO8XrlTVxChQ9z1nExKU"),
        (13, 777, 18, "ddWDaWnAPsp8izlTVJ5-rvcjr1S5IiTkoQMHijRxNec"),
        (16, 4097, 64, "HJQlmxURQfr6pzLjb4xfCPkdELxRO-4fNEJ6Ib0aVc4"),
        (20, 12345, 112, "2SZBvE5MGWyVZBtR33-wWEglnZynVX6YQw1vib_tqlQ"),
        (31, 5000, 22, "YJACWEA-PGmg3w3Cccgps6R8IDWhsQ2iPXQFlvlwwdA"),
        (34, 20000, 74, "gy_Pe18FeXDackoQ9lfzYJB1C9m7kz_SzCWhcMSXOoY"),
        (40, 9999, 28, "fPnGjTaq719y3cioBEia_kFmzJWrdqQsC7fQXC_X9pM"),
        (67, 3000, 4, "PXvxneMQN5f__PghZ2UMVLh1RLKFTw1k7P-ncB6mWMs"),
        (100, 1, 2, "w0BKw8WngOxc1K-xBQipCcLlfje_BSzE62cV-AKvroQ"),
        (100, 30000, 14, "8NagO5keMfyf72NQcPYXruSEbyCA-M789mABcY511hI"),
        (100, 296_140, 130, "PxGcvwk_Pj3DA50ANnCCxB6p8pBo7hpcP6q93Elon14"),
        (301, 70000, 4, "_KXnZftmgoTa5i8qhSb1xpGUh2X2RZ47vtPeBkFwOQQ"),
        (1000, 222_779, 2, "g5RfV84bbp7SBOLiGPUxVNBEB64MUSSS0KAAg1YQB14"),
        (1000, 1_000_000, 6, "QGQakJOStp4NDSMP1YPokzs7YImvzJW1t9cfzzZ9ils"),
    ];
    for &(n, len, symbol_size, want) in table {
        let config = EncodingConfig::new(n).unwrap();
        let data = lcg_bytes(len);
        assert_eq!(config.symbol_size(len as u64).unwrap().get(), symbol_size, "n = {n}, len = {len}");
        assert_eq!(config.blob_id(&data).unwrap().to_string(), want, "n = {n}, len = {len}");
    }
}
