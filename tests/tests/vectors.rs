//! Every case of `tests/vectors/walrus-rs2.json` and the SPEC §17 tables: blob IDs, roots,
//! pair hashes and exact sliver bytes produced by the official Walrus encoder.

use morsa_conformance::{lcg_bytes, sha256_hex, spec_tables, vectors};
use morsa_core::encoding::{Axis, EncodingConfig, StreamOptions};
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
        // The encoder (two passes over rows and columns) gives the same metadata.
        assert_eq!(config.encode(&input).unwrap().metadata().metadata(), metadata.metadata(), "{label} (encode)");
        assert_eq!(metadata.blob_id().to_string(), case.blob_id, "{label}");
        // The bounded-memory streaming computation, with one stripe and with 128-byte stripes.
        for budget in [morsa_core::encoding::DEFAULT_STREAM_BUDGET, 0] {
            let streamed =
                config.compute_metadata_streaming(&input[..], StreamOptions::default().budget(budget)).unwrap();
            assert_eq!(streamed.metadata(), metadata.metadata(), "{label} (streaming, budget {budget})");
        }
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
    let tables = spec_tables();
    assert_eq!(tables.lcg_blob_ids.len(), 26);
    for row in tables.lcg_blob_ids {
        let (n, len) = (row.n_shards, row.length);
        let config = EncodingConfig::new(n).unwrap();
        assert_eq!(config.symbol_size(len as u64).unwrap().get(), row.symbol_size, "n = {n}, len = {len}");
        assert_eq!(config.blob_id(&lcg_bytes(len)).unwrap().to_string(), row.blob_id, "n = {n}, len = {len}");
    }
}

/// SPEC §1.2 and §1.4: source symbols and encoded lengths.
#[test]
fn spec_configuration_tables() {
    let tables = spec_tables();
    for row in tables.source_symbols {
        let c = EncodingConfig::new(row.n_shards).unwrap();
        assert_eq!(
            (c.max_faulty(), c.n_primary_source_symbols(), c.n_secondary_source_symbols()),
            (row.f, row.p, row.s),
            "n = {}",
            row.n_shards
        );
    }
    for row in tables.encoded_lengths {
        let c = EncodingConfig::new(row.n_shards).unwrap();
        assert_eq!(c.encoded_blob_length(row.blob_size), Ok(row.encoded_length), "{row:?}");
    }
}
