//! Blob decoding (SPEC §7): from exactly `p` primary or exactly `s` secondary slivers chosen at
//! random, with every consistency check; too few slivers; invalid slivers rejected by
//! `BlobDecoder::add_sliver` and skipped by `decode_blob`; inconsistent encodings caught by the
//! `Default` and `Strict` checks.

mod common;

use common::{flipped, metadata_with_tampered_sliver, owned, random_bytes, rng, subset, subset_without};
use morsa_core::encoding::{
    decode_blob, Axis, BlobDecoder, ConsistencyCheck, DecodeError, EncodedBlob, EncodingConfig, Sliver, SliverError,
};
use morsa_core::metadata::VerifiedBlobMetadataWithId;
use rand::Rng;

const SHARD_COUNTS: [u16; 7] = [4, 5, 7, 10, 13, 31, 100];
const CHECKS: [ConsistencyCheck; 3] = [ConsistencyCheck::Default, ConsistencyCheck::Strict, ConsistencyCheck::Skip];

/// `(f, p, s)` straight from SPEC §1.1–§1.2.
fn spec_params(n: u16) -> (u16, u16, u16) {
    let f = (n - 1) / 3;
    (f, n - 2 * f, n - f)
}

/// SPEC §1.3: `ceil(max(L, 1) / (p * s))` rounded up to even.
fn spec_symbol_size(n: u16, len: u64) -> u64 {
    let (_, p, s) = spec_params(n);
    let per = u64::from(p) * u64::from(s);
    let raw = len.max(1).div_ceil(per);
    raw + raw % 2
}

/// Sizes 0, 1, the boundaries around `p * s * S` for `S = 2` and `S = 6`, and two random ones.
fn sizes(n: u16, rng: &mut impl Rng) -> Vec<usize> {
    let (_, p, s) = spec_params(n);
    let ps = usize::from(p) * usize::from(s);
    let mut out = vec![0, 1];
    for symbol in [2, 6] {
        out.extend([ps * symbol - 1, ps * symbol, ps * symbol + 1]);
    }
    out.push(rng.random_range(2..ps * 3));
    out.push(rng.random_range(ps * 3..ps * 10));
    out
}

fn decoder_with<'m>(
    metadata: &'m VerifiedBlobMetadataWithId,
    slivers: &[Sliver<Vec<u8>>],
    axis: Axis,
) -> BlobDecoder<'m> {
    let mut decoder = BlobDecoder::new(metadata, axis);
    for sliver in slivers {
        assert_eq!(decoder.add_sliver(sliver), Ok(true), "{axis} sliver {}", sliver.index);
    }
    decoder
}

fn pick(encoded: &EncodedBlob, axis: Axis, indices: &[u16]) -> Vec<Sliver<Vec<u8>>> {
    indices.iter().map(|&i| owned(encoded, axis, i)).collect()
}

#[test]
fn decodes_from_random_minimal_subsets_of_either_axis() {
    let mut rng = rng(0xDEC0_DE01);
    for n in SHARD_COUNTS {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        assert_eq!(config.n_slivers_for_reconstruction(Axis::Primary), p);
        assert_eq!(config.n_slivers_for_reconstruction(Axis::Secondary), s);
        // Decoding costs one Reed-Solomon erasure decode per matrix column (row), so the
        // largest configuration gets fewer sizes.
        let mut lens = sizes(n, &mut rng);
        if n >= 100 {
            lens.drain(5..8);
        }
        for (case, len) in lens.into_iter().enumerate() {
            let blob = random_bytes(&mut rng, len);
            let encoded = config.encode(&blob).unwrap();
            let metadata = encoded.metadata();
            assert_eq!(u64::from(encoded.symbol_size().get()), spec_symbol_size(n, len as u64), "n = {n}, len = {len}");
            assert_eq!(metadata.unencoded_length(), len as u64);
            for (axis, needed) in [(Axis::Primary, p), (Axis::Secondary, s)] {
                let label = format!("n = {n}, len = {len}, {axis}");
                let indices = subset(&mut rng, n, needed);
                let slivers = pick(&encoded, axis, &indices);
                let decoder = decoder_with(metadata, &slivers, axis);
                assert!(decoder.is_ready(), "{label}");
                assert_eq!(decoder.count(), needed, "{label}");
                for check in CHECKS {
                    let decoded = decoder.decode(check).unwrap_or_else(|e| panic!("{label}, {check:?}: {e}"));
                    assert!(decoded == blob, "{label}, {check:?}: decoded bytes differ");
                }
                // decode_blob over another random subset, in random order.
                let check = CHECKS[case % CHECKS.len()];
                let other = pick(&encoded, axis, &subset(&mut rng, n, needed));
                let decoded =
                    decode_blob(metadata, &other, check).unwrap_or_else(|e| panic!("{label}, {check:?}: {e}"));
                assert!(decoded == blob, "{label}, {check:?}: decode_blob bytes differ");
            }
        }
    }
}

#[test]
fn decoding_from_systematic_primary_slivers_is_the_row_major_blob() {
    // SPEC §7: systematic primary sliver i < p is exactly blob bytes [i*s*S, (i+1)*s*S).
    let mut rng = rng(7);
    for n in SHARD_COUNTS {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        let len = rng.random_range(1..usize::from(p) * usize::from(s) * 8);
        let blob = random_bytes(&mut rng, len);
        let encoded = config.encode(&blob).unwrap();
        let size = usize::from(encoded.symbol_size().get());
        let mut padded = blob.clone();
        padded.resize(usize::from(p) * usize::from(s) * size, 0);
        for i in 0..p {
            let row = usize::from(s) * size;
            assert_eq!(encoded.sliver(Axis::Primary, i).unwrap().bytes(), &padded[usize::from(i) * row..][..row]);
        }
    }
}

#[test]
fn one_sliver_too_few_is_not_enough() {
    let mut rng = rng(0x1E55);
    for n in SHARD_COUNTS {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        let blob = random_bytes(&mut rng, 100);
        let encoded = config.encode(&blob).unwrap();
        let metadata = encoded.metadata();
        for (axis, needed) in [(Axis::Primary, p), (Axis::Secondary, s)] {
            let slivers = pick(&encoded, axis, &subset(&mut rng, n, needed - 1));
            let decoder = decoder_with(metadata, &slivers, axis);
            assert!(!decoder.is_ready());
            for check in CHECKS {
                assert_eq!(
                    decoder.decode(check),
                    Err(DecodeError::NotEnoughSlivers { axis, needed, got: needed - 1 }),
                    "n = {n}, {axis}"
                );
                assert_eq!(
                    decode_blob(metadata, &slivers, check),
                    Err(DecodeError::NotEnoughSlivers { axis, needed, got: needed - 1 }),
                    "n = {n}, {axis}"
                );
            }
        }
        // p - 1 primary and s - 1 secondary: neither axis is enough; the error names the axis
        // with more valid slivers (secondary, since s > p).
        let mut both = pick(&encoded, Axis::Primary, &subset(&mut rng, n, p - 1));
        both.extend(pick(&encoded, Axis::Secondary, &subset(&mut rng, n, s - 1)));
        assert_eq!(
            decode_blob(metadata, &both, ConsistencyCheck::Default),
            Err(DecodeError::NotEnoughSlivers { axis: Axis::Secondary, needed: s, got: s - 1 })
        );
        // Duplicates do not count.
        let first = owned(&encoded, Axis::Primary, 0);
        let duplicates = vec![first.clone(); usize::from(p)];
        assert_eq!(
            decode_blob(metadata, &duplicates, ConsistencyCheck::Default),
            Err(DecodeError::NotEnoughSlivers { axis: Axis::Primary, needed: p, got: 1 })
        );
        let mut decoder = BlobDecoder::new(metadata, Axis::Primary);
        assert_eq!(decoder.add_sliver(&first), Ok(true));
        assert_eq!(decoder.add_sliver(&first), Ok(false));
        assert_eq!(decoder.count(), 1);
        // p - 1 primary slivers plus all s secondary ones: decoding falls back to the secondary axis.
        let mut mixed = pick(&encoded, Axis::Primary, &subset(&mut rng, n, p - 1));
        mixed.extend(pick(&encoded, Axis::Secondary, &subset(&mut rng, n, s)));
        assert_eq!(decode_blob(metadata, &mixed, ConsistencyCheck::Default).unwrap(), blob);
    }
}

#[test]
fn corrupted_slivers_are_rejected_and_skipped() {
    let mut rng = rng(0xBAD5);
    for n in SHARD_COUNTS {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        for len in [0usize, 1, 333] {
            let blob = random_bytes(&mut rng, len);
            let encoded = config.encode(&blob).unwrap();
            let metadata = encoded.metadata();
            for (axis, needed) in [(Axis::Primary, p), (Axis::Secondary, s)] {
                let label = format!("n = {n}, len = {len}, {axis}");
                // Every sliver of the axis, corrupted at a random byte, is rejected.
                let mut corrupted = Vec::new();
                for index in 0..n {
                    let good = owned(&encoded, axis, index);
                    let pos = rng.random_range(0..good.data.len());
                    let bad = flipped(&good, pos, rng.random_range(1..=255));
                    let pair_index = match axis {
                        Axis::Primary => index,
                        Axis::Secondary => n - 1 - index,
                    };
                    let mut decoder = BlobDecoder::new(metadata, axis);
                    assert_eq!(
                        decoder.add_sliver(&bad),
                        Err(SliverError::MerkleRootMismatch { pair_index }),
                        "{label}, sliver {index}"
                    );
                    assert_eq!(decoder.count(), 0, "{label}");
                    assert_eq!(bad.verify(metadata), Err(SliverError::MerkleRootMismatch { pair_index }));
                    assert_eq!(good.verify(metadata), Ok(()));
                    corrupted.push(bad);
                }
                // decode_blob skips them: corrupted slivers first, then exactly `needed` good ones.
                let good = pick(&encoded, axis, &subset(&mut rng, n, needed));
                let input: Vec<_> = corrupted.iter().chain(good.iter()).collect();
                for check in CHECKS {
                    assert!(decode_blob(metadata, input.iter().copied(), check).unwrap() == blob, "{label}");
                }
                // With one good sliver too few, the corrupted ones do not make up the difference.
                let input: Vec<_> = corrupted.iter().chain(good.iter().skip(1)).collect();
                assert_eq!(
                    decode_blob(metadata, input.iter().copied(), ConsistencyCheck::Default),
                    Err(DecodeError::NotEnoughSlivers { axis, needed, got: needed - 1 }),
                    "{label}"
                );
            }
        }
    }
}

#[test]
fn malformed_slivers_get_their_error() {
    let mut rng = rng(0x5117);
    for n in SHARD_COUNTS {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        let blob = random_bytes(&mut rng, usize::from(p) * usize::from(s) * 4 + 3);
        let encoded = config.encode(&blob).unwrap();
        let metadata = encoded.metadata();
        let size = encoded.symbol_size();
        assert_eq!(size.get(), 6);
        for axis in [Axis::Primary, Axis::Secondary] {
            let label = format!("n = {n}, {axis}");
            let index = rng.random_range(0..n);
            let good = owned(&encoded, axis, index);
            let expected_bytes = usize::from(config.sliver_symbols(axis)) * usize::from(size.get());
            assert_eq!(good.data.len(), expected_bytes, "{label}");
            let mut decoder = BlobDecoder::new(metadata, axis);

            // Wrong axis: a sliver of the other axis, as it is.
            let other = owned(&encoded, axis.orthogonal(), index);
            assert_eq!(
                decoder.add_sliver(&other),
                Err(SliverError::WrongAxis { expected: axis, got: axis.orthogonal() }),
                "{label}"
            );
            // The same bytes relabelled with this axis have the other axis's length.
            let relabelled = Sliver { axis, ..other.clone() };
            assert_eq!(
                decoder.add_sliver(&relabelled),
                Err(SliverError::WrongLength { expected_bytes, got_bytes: other.data.len() }),
                "{label}"
            );

            // Wrong symbol size (same bytes).
            for wrong in [2u16, 4, 8, 65_534] {
                let bad = Sliver { symbol_size: wrong.try_into().unwrap(), ..good.clone() };
                assert_eq!(
                    decoder.add_sliver(&bad),
                    Err(SliverError::WrongSymbolSize { expected_bytes: 6, got_bytes: wrong }),
                    "{label}"
                );
            }

            // Wrong length: one byte short, one byte long, one symbol long, empty.
            let mut short = good.clone();
            short.data.pop();
            let mut long = good.clone();
            long.data.push(0);
            let mut longer = good.clone();
            longer.data.extend_from_slice(&[0; 6]);
            let empty = Sliver { data: Vec::new(), ..good.clone() };
            for bad in [short, long, longer, empty] {
                let got_bytes = bad.data.len();
                assert_eq!(
                    decoder.add_sliver(&bad),
                    Err(SliverError::WrongLength { expected_bytes, got_bytes }),
                    "{label}"
                );
                assert_eq!(bad.verify(metadata), Err(SliverError::WrongLength { expected_bytes, got_bytes }));
            }

            // Out-of-range index.
            for index in [n, n + 1, u16::MAX] {
                let bad = Sliver { index, ..good.clone() };
                assert_eq!(
                    decoder.add_sliver(&bad),
                    Err(SliverError::IndexOutOfRange { index, n_shards: n }),
                    "{label}"
                );
                assert_eq!(bad.pair_index(&config), None);
            }

            // A valid sliver under another index is a root mismatch for that index's pair.
            let moved_to = (index + 1) % n;
            let moved = Sliver { index: moved_to, ..good.clone() };
            let pair_index = config.pair_index(axis, moved_to).unwrap();
            assert_eq!(decoder.add_sliver(&moved), Err(SliverError::MerkleRootMismatch { pair_index }), "{label}");

            // None of the failures changed the decoder; the good sliver is still accepted.
            assert_eq!(decoder.count(), 0);
            assert_eq!(decoder.add_sliver(&good), Ok(true));
            assert_eq!(decoder.count(), 1);

            // decode_blob skips all of these and still decodes from the good slivers.
            let needed = config.n_slivers_for_reconstruction(axis);
            let mut input = vec![
                relabelled,
                moved,
                Sliver { index: n, ..good.clone() },
                Sliver { symbol_size: 2u16.try_into().unwrap(), ..good.clone() },
            ];
            input.extend(pick(&encoded, axis, &subset(&mut rng, n, needed)));
            assert!(decode_blob(metadata, &input, ConsistencyCheck::Default).unwrap() == blob, "{label}");
        }
    }
}

#[test]
fn inconsistent_encodings_are_caught_by_the_default_and_strict_checks() {
    let mut rng = rng(0x1C0);
    for n in [4u16, 5, 7, 10, 13, 31] {
        let config = EncodingConfig::new(n).unwrap();
        let (_, p, s) = spec_params(n);
        for len in [0usize, 1, rng.random_range(2..usize::from(p) * usize::from(s) * 6)] {
            let blob = random_bytes(&mut rng, len);
            let encoded = config.encode(&blob).unwrap();
            // Tamper with a systematic primary sliver (a row of the message matrix).
            let row = rng.random_range(0..p);
            let original = owned(&encoded, Axis::Primary, row);
            let tampered = flipped(&original, rng.random_range(0..original.data.len()), 0x80);
            let metadata = metadata_with_tampered_sliver(&encoded, &tampered);
            let label = format!("n = {n}, len = {len}, tampered row {row}");

            // The tampered sliver now verifies, the original one does not; everything else does.
            assert_eq!(tampered.verify(&metadata), Ok(()), "{label}");
            assert_eq!(original.verify(&metadata), Err(SliverError::MerkleRootMismatch { pair_index: row }));
            for j in 0..n {
                assert_eq!(encoded.sliver(Axis::Secondary, j).unwrap().verify(&metadata), Ok(()), "{label}");
            }

            for trial in 0..3 {
                // Primary slivers that miss the tampered row.
                let primary = pick(&encoded, Axis::Primary, &subset_without(&mut rng, n, p, row));
                let decoder = decoder_with(&metadata, &primary, Axis::Primary);
                // Secondary slivers are all consistent with the original blob.
                let secondary = pick(&encoded, Axis::Secondary, &subset(&mut rng, n, s));
                let secondary_decoder = decoder_with(&metadata, &secondary, Axis::Secondary);
                for d in [&decoder, &secondary_decoder] {
                    for check in [ConsistencyCheck::Default, ConsistencyCheck::Strict] {
                        assert_eq!(
                            d.decode(check),
                            Err(DecodeError::InconsistentEncoding),
                            "{label}, {trial}, {check:?}"
                        );
                    }
                    // Skip does no check: the blob the honest slivers encode comes back.
                    assert!(d.decode(ConsistencyCheck::Skip).unwrap() == blob, "{label}");
                }
                for check in [ConsistencyCheck::Default, ConsistencyCheck::Strict] {
                    assert_eq!(decode_blob(&metadata, &primary, check), Err(DecodeError::InconsistentEncoding));
                    assert_eq!(decode_blob(&metadata, &secondary, check), Err(DecodeError::InconsistentEncoding));
                }

                // With the tampered row among the inputs, Strict still sees that no blob
                // encodes to this metadata.
                let mut with_row = pick(&encoded, Axis::Primary, &subset_without(&mut rng, n, p - 1, row));
                with_row.push(tampered.clone());
                assert_eq!(
                    decode_blob(&metadata, &with_row, ConsistencyCheck::Strict),
                    Err(DecodeError::InconsistentEncoding),
                    "{label}"
                );
            }
        }
    }
}
