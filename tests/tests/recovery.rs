//! Sliver recovery from recovery symbols (SPEC §8) and inconsistency proofs (SPEC §9).
//!
//! Every primary and every secondary sliver is recovered from exactly the needed number of
//! recovery symbols taken from a random subset of the orthogonal slivers; each symbol's proof
//! is checked with and without an allocator; forged, misdirected, mis-sized and out-of-range
//! symbols get their error. An inconsistent blob (one tampered secondary sliver whose hash was
//! put into the metadata) yields inconsistency proofs that verify, survive BCS and are rejected
//! when they prove nothing or were tampered with.

mod common;

use common::{flipped, metadata_with_tampered_sliver, owned, random_bytes, rng, subset, subset_without};
use morsa_core::encoding::{
    recover_sliver, source_pair_index, Axis, DecodingSymbol, EncodedBlob, EncodingConfig, GeneralRecoverySymbol,
    InconsistencyError, InconsistencyProof, RecoveryError, RecoverySymbol, RecoverySymbolSource,
};
use morsa_core::merkle::{path_length, MerkleError, MerkleProof, Node};
use morsa_core::metadata::VerifiedBlobMetadataWithId;
use morsa_core::wire::BcsEncode;
use rand::rngs::StdRng;
use rand::Rng;

const SHARD_COUNTS: [u16; 5] = [4, 7, 10, 13, 40];

type Symbols = Vec<RecoverySymbol<Vec<u8>>>;

/// `(p, s)` straight from SPEC §1.2.
fn spec_ps(n: u16) -> (u16, u16) {
    let f = (n - 1) / 3;
    (n - 2 * f, n - f)
}

/// SPEC §8.1: `s` symbols recover a primary sliver, `p` a secondary one.
fn spec_needed(n: u16, target: Axis) -> u16 {
    let (p, s) = spec_ps(n);
    match target {
        Axis::Primary => s,
        Axis::Secondary => p,
    }
}

/// SPEC §8.2: the pair whose hash authenticates a symbol from `source` (of the axis orthogonal
/// to `target`): primary source `i` → pair `i`; secondary source `j` → pair `n - 1 - j`.
fn spec_source_pair(n: u16, target: Axis, source: u16) -> u16 {
    match target {
        Axis::Primary => n - 1 - source,
        Axis::Secondary => source,
    }
}

struct Fixture {
    config: EncodingConfig,
    encoded: EncodedBlob,
    /// `sources[axis][i]`: the recovery-symbol source over sliver `i` of `axis`.
    primary_sources: Vec<RecoverySymbolSource>,
    secondary_sources: Vec<RecoverySymbolSource>,
}

impl Fixture {
    fn new(n: u16, rng: &mut StdRng) -> Self {
        let config = EncodingConfig::new(n).unwrap();
        let (p, s) = spec_ps(n);
        // Symbols of 8 bytes or more make accidental equalities between symbols negligible.
        let ps = usize::from(p) * usize::from(s);
        let len = rng.random_range(ps * 6 + 1..ps * 10);
        let blob = random_bytes(rng, len);
        let encoded = config.encode(&blob).unwrap();
        assert!(encoded.symbol_size().get() >= 8);
        let sources = |axis| {
            (0..n)
                .map(|i| RecoverySymbolSource::new(&config, &encoded.sliver(axis, i).unwrap()).unwrap())
                .collect::<Vec<_>>()
        };
        let primary_sources = sources(Axis::Primary);
        let secondary_sources = sources(Axis::Secondary);
        Self { config, encoded, primary_sources, secondary_sources }
    }

    fn metadata(&self) -> &VerifiedBlobMetadataWithId {
        self.encoded.metadata()
    }

    /// Sources that produce symbols for targets of `target`.
    fn sources_for(&self, target: Axis) -> &[RecoverySymbolSource] {
        match target {
            Axis::Primary => &self.secondary_sources,
            Axis::Secondary => &self.primary_sources,
        }
    }

    fn symbol(&self, target: Axis, target_index: u16, source: u16) -> RecoverySymbol<Vec<u8>> {
        self.sources_for(target)[usize::from(source)].recovery_symbol(target_index).unwrap()
    }

    /// Symbol `(row, col)` of the expanded `n × n` matrix, read from the expansion of primary
    /// sliver `row` (SPEC §3.2, §3.3).
    fn matrix_symbol(&self, row: u16, col: u16) -> Vec<u8> {
        let size = usize::from(self.encoded.symbol_size().get());
        let expanded = self.encoded.sliver(Axis::Primary, row).unwrap().expand(&self.config).unwrap();
        expanded[usize::from(col) * size..][..size].to_vec()
    }
}

#[test]
fn every_sliver_is_recovered_from_exactly_the_needed_symbols() {
    let mut rng = rng(0x5EC0_7E57);
    for n in SHARD_COUNTS {
        let fx = Fixture::new(n, &mut rng);
        let metadata = fx.metadata();
        let size = fx.encoded.symbol_size();
        for target in [Axis::Primary, Axis::Secondary] {
            let needed = spec_needed(n, target);
            assert_eq!(fx.config.n_symbols_for_recovery(target), needed);
            for t in 0..n {
                let label = format!("n = {n}, {target} target {t}");
                let sources = subset(&mut rng, n, needed);
                let mut symbols = Vec::new();
                for &j in &sources {
                    let symbol = fx.symbol(target, t, j);
                    assert_eq!(symbol.symbol.index, j);
                    assert_eq!(symbol.symbol.data.len(), usize::from(size.get()));
                    assert_eq!(symbol.proof.path().len(), path_length(usize::from(n)), "{label}");
                    // Verified through the metadata...
                    assert_eq!(metadata.verify_recovery_symbol(&symbol, target, t), Ok(()), "{label}, source {j}");
                    // ... and without an allocator, over borrowed bytes and the source pair's hashes.
                    let pair_index = spec_source_pair(n, target, j);
                    assert_eq!(source_pair_index(&fx.config, target, j), Some(pair_index));
                    let pair = metadata.pair(pair_index).unwrap();
                    let borrowed = RecoverySymbol {
                        symbol: DecodingSymbol { index: j, data: &symbol.symbol.data[..] },
                        proof: symbol.proof.clone(),
                    };
                    assert_eq!(borrowed.verify(&fx.config, size, target, t, pair), Ok(()), "{label}, source {j}");
                    symbols.push(symbol);
                }
                let recovered = recover_sliver(metadata, target, t, symbols).unwrap_or_else(|e| panic!("{label}: {e}"));
                let original = fx.encoded.sliver(target, t).unwrap();
                assert_eq!(recovered.axis, target);
                assert_eq!(recovered.index, t);
                assert_eq!(recovered.symbol_size, size);
                assert!(recovered.data == original.bytes(), "{label}: recovered bytes differ");
            }
        }
    }
}

#[test]
fn recovery_symbols_are_the_expanded_matrix_symbols_named_by_symbol_id() {
    let mut rng = rng(0x1D);
    for n in SHARD_COUNTS {
        let fx = Fixture::new(n, &mut rng);
        for _ in 0..20 {
            let target = if rng.random_bool(0.5) { Axis::Primary } else { Axis::Secondary };
            let t = rng.random_range(0..n);
            let source = rng.random_range(0..n);
            let general: GeneralRecoverySymbol<Vec<u8>> =
                fx.sources_for(target)[usize::from(source)].general_recovery_symbol(t).unwrap();
            assert_eq!(general.target_axis, target);
            assert_eq!(general.target_index, t);
            assert_eq!(general.symbol.index, source);
            // SPEC §8.3 `id()`: Primary → (target_index, symbol.index); Secondary →
            // (symbol.index, target_index). Both are (row, column) of the expanded matrix.
            let expected_id = match target {
                Axis::Primary => (t, source),
                Axis::Secondary => (source, t),
            };
            assert_eq!(general.symbol_id(), expected_id);
            let (row, col) = expected_id;
            assert_eq!(general.symbol.data, fx.matrix_symbol(row, col), "n = {n}, ({row}, {col})");
            // The same symbol, read from the expanded column.
            let size = usize::from(fx.encoded.symbol_size().get());
            let column = fx.encoded.sliver(Axis::Secondary, col).unwrap().expand(&fx.config).unwrap();
            assert_eq!(general.symbol.data, column[usize::from(row) * size..][..size]);
            // into_recovery_symbol keeps the symbol and the proof, which verifies for the target.
            let plain = general.clone().into_recovery_symbol();
            assert_eq!(plain.symbol, general.symbol);
            assert_eq!(plain.proof, general.proof);
            assert_eq!(fx.metadata().verify_recovery_symbol(&plain, target, t), Ok(()));
        }
        // Out of range targets give no symbol.
        assert!(fx.primary_sources[0].recovery_symbol(n).is_none());
        assert!(fx.secondary_sources[0].general_recovery_symbol(n).is_none());
        assert_eq!(fx.primary_sources[0].target_axis(), Axis::Secondary);
        assert_eq!(fx.secondary_sources[0].target_axis(), Axis::Primary);
    }
}

#[test]
fn invalid_recovery_symbols_get_their_error() {
    let mut rng = rng(0xF0_96ED);
    for n in SHARD_COUNTS {
        let fx = Fixture::new(n, &mut rng);
        let metadata = fx.metadata();
        let size = fx.encoded.symbol_size();
        let symbol_bytes = usize::from(size.get());
        for target in [Axis::Primary, Axis::Secondary] {
            for _ in 0..4 {
                let t = rng.random_range(0..n);
                let j = rng.random_range(0..n);
                let label = format!("n = {n}, {target} target {t}, source {j}");
                let good = fx.symbol(target, t, j);
                let pair = *metadata.pair(spec_source_pair(n, target, j)).unwrap();
                let check = |symbol: &RecoverySymbol<Vec<u8>>, target_index: u16| {
                    let by_metadata = metadata.verify_recovery_symbol(symbol, target, target_index);
                    let borrowed = RecoverySymbol {
                        symbol: DecodingSymbol { index: symbol.symbol.index, data: symbol.symbol.data.as_slice() },
                        proof: symbol.proof.clone(),
                    };
                    let no_alloc = borrowed.verify(&fx.config, size, target, target_index, &pair);
                    (by_metadata, no_alloc)
                };
                let both = |e: RecoveryError| (Err(e.clone()), Err(e));
                let mismatch = || both(RecoveryError::InvalidProof(MerkleError::RootMismatch));
                assert_eq!(check(&good, t), (Ok(()), Ok(())), "{label}");

                // Forged proof: each sibling in turn replaced by another digest.
                for k in 0..good.proof.path().len() {
                    let mut path = good.proof.path().to_vec();
                    let mut digest = path[k].bytes();
                    digest[rng.random_range(0..32)] ^= 1 << rng.random_range(0..8);
                    path[k] = Node::Digest(digest);
                    let forged = RecoverySymbol { proof: MerkleProof::from_path(&path).unwrap(), ..good.clone() };
                    assert_eq!(check(&forged, t), mismatch(), "{label}, sibling {k}");
                }
                // A padding sibling is not the same as a random digest either.
                if let Some(k) = good.proof.path().iter().position(|node| matches!(node, Node::Empty)) {
                    let mut path = good.proof.path().to_vec();
                    path[k] = Node::Digest([0x55; 32]);
                    let forged = RecoverySymbol { proof: MerkleProof::from_path(&path).unwrap(), ..good.clone() };
                    assert_eq!(check(&forged, t), mismatch(), "{label}");
                }
                // A sibling too many.
                let mut longer = good.proof.clone();
                assert!(longer.push(Node::Empty));
                let max_siblings = path_length(usize::from(n));
                assert_eq!(
                    check(&RecoverySymbol { proof: longer, ..good.clone() }, t),
                    both(RecoveryError::InvalidProof(MerkleError::ProofTooLong {
                        max_siblings,
                        got_siblings: max_siblings + 1
                    })),
                    "{label}"
                );
                // Changed data.
                let mut changed = good.clone();
                changed.symbol.data[rng.random_range(0..symbol_bytes)] ^= 0x01;
                assert_eq!(check(&changed, t), mismatch(), "{label}");

                // Wrong target index.
                let other = (t + rng.random_range(1..n)) % n;
                assert_eq!(check(&good, other), mismatch(), "{label}, checked for target {other}");
                // The symbol for that other target, presented for this one.
                assert_eq!(check(&fx.symbol(target, other, j), t), mismatch(), "{label}");
                // A symbol from the wrong axis (same indices).
                let crossed = fx.symbol(target.orthogonal(), t, j);
                assert_eq!(metadata.verify_recovery_symbol(&crossed, target, t), mismatch().0, "{label}");

                // Wrong symbol size.
                for got_bytes in [0, 1, symbol_bytes - 1, symbol_bytes + 1, symbol_bytes * 2] {
                    let mut resized = good.clone();
                    resized.symbol.data.resize(got_bytes, 0);
                    assert_eq!(
                        check(&resized, t),
                        both(RecoveryError::WrongSymbolSize { expected_bytes: symbol_bytes, got_bytes }),
                        "{label}"
                    );
                }

                // Out-of-range source index and target index.
                for index in [n, u16::MAX] {
                    let mut moved = good.clone();
                    moved.symbol.index = index;
                    assert_eq!(
                        check(&moved, t),
                        both(RecoveryError::IndexOutOfRange { index, n_shards: n }),
                        "{label}"
                    );
                    assert_eq!(check(&good, index), both(RecoveryError::IndexOutOfRange { index, n_shards: n }));
                    assert_eq!(
                        recover_sliver(metadata, target, index, [good.clone()]),
                        Err(RecoveryError::IndexOutOfRange { index, n_shards: n })
                    );
                }
            }
        }
    }
}

#[test]
fn too_few_valid_symbols_are_not_enough() {
    let mut rng = rng(0x7E1F);
    for n in SHARD_COUNTS {
        let fx = Fixture::new(n, &mut rng);
        let metadata = fx.metadata();
        for target in [Axis::Primary, Axis::Secondary] {
            let needed = spec_needed(n, target);
            let t = rng.random_range(0..n);
            let sources = subset(&mut rng, n, needed);
            let valid: Vec<_> = sources[..usize::from(needed) - 1].iter().map(|&j| fx.symbol(target, t, j)).collect();
            // The missing source, forged; repeats of valid symbols; an out-of-range source;
            // a symbol for another target.
            let last = sources[usize::from(needed) - 1];
            let mut forged = fx.symbol(target, t, last);
            forged.symbol.data[0] ^= 0xFF;
            let mut out_of_range = valid[0].clone();
            out_of_range.symbol.index = n;
            let misdirected = fx.symbol(target, (t + 1) % n, last);
            let mut input = valid.clone();
            input.extend([forged, out_of_range, misdirected]);
            input.extend(valid.iter().cloned());
            assert_eq!(
                recover_sliver(metadata, target, t, input),
                Err(RecoveryError::NotEnoughSymbols { needed, got: needed - 1 }),
                "n = {n}, {target}"
            );
            assert_eq!(
                recover_sliver(metadata, target, t, Vec::<RecoverySymbol<Vec<u8>>>::new()),
                Err(RecoveryError::NotEnoughSymbols { needed, got: 0 })
            );
            // With the valid missing symbol added last, after all the invalid ones, recovery works.
            let mut input = valid.clone();
            let mut forged = fx.symbol(target, t, last);
            forged.symbol.data[0] ^= 0xFF;
            input.push(forged);
            input.push(fx.symbol(target, t, last));
            let recovered = recover_sliver(metadata, target, t, input).unwrap();
            assert_eq!(recovered.data, fx.encoded.sliver(target, t).unwrap().bytes());
        }
    }
}

/// An inconsistent blob: secondary sliver `tampered_index` changed, its hash recomputed and
/// the blob ID updated; the verified metadata and a source over the tampered sliver.
struct Inconsistent {
    fx: Fixture,
    tampered_index: u16,
    tampered_row: u16,
    metadata: VerifiedBlobMetadataWithId,
    tampered_source: RecoverySymbolSource,
}

impl Inconsistent {
    fn new(n: u16, rng: &mut StdRng) -> Self {
        let fx = Fixture::new(n, rng);
        let tampered_index = rng.random_range(0..n);
        let original = owned(&fx.encoded, Axis::Secondary, tampered_index);
        let pos = rng.random_range(0..original.data.len());
        let tampered = flipped(&original, pos, 0x01);
        let metadata = metadata_with_tampered_sliver(&fx.encoded, &tampered);
        let tampered_source = RecoverySymbolSource::new(&fx.config, &tampered).unwrap();
        let tampered_row = (pos / usize::from(fx.encoded.symbol_size().get())) as u16;
        Self { fx, tampered_index, tampered_row, metadata, tampered_source }
    }

    /// Symbols for primary target `t`: the tampered source's symbol first, then `s - 1` honest ones.
    fn primary_target_symbols(&self, t: u16, rng: &mut StdRng) -> Vec<RecoverySymbol<Vec<u8>>> {
        let n = self.fx.config.n_shards();
        let (_, s) = spec_ps(n);
        let mut symbols = vec![self.tampered_source.recovery_symbol(t).unwrap()];
        for j in subset_without(rng, n, s - 1, self.tampered_index) {
            symbols.push(self.fx.symbol(Axis::Primary, t, j));
        }
        symbols
    }
}

#[test]
fn inconsistent_blobs_yield_verifiable_inconsistency_proofs() {
    let mut rng = rng(0x1AC0);
    // Two inconsistent blobs per shard count (different tampered slivers and rows).
    for n in SHARD_COUNTS.into_iter().flat_map(|n| [n, n]) {
        let inc = Inconsistent::new(n, &mut rng);
        let (p, s) = spec_ps(n);
        let metadata = &inc.metadata;
        let original_metadata = inc.fx.metadata();
        let j = inc.tampered_index;
        let size = usize::from(inc.fx.encoded.symbol_size().get());
        let tampered_expansion: Vec<u8> =
            (0..n).flat_map(|t| inc.tampered_source.recovery_symbol(t).unwrap().symbol.data).collect();
        let honest_expansion = inc.fx.encoded.sliver(Axis::Secondary, j).unwrap().expand(&inc.fx.config).unwrap();

        // The expansions differ exactly at the tampered row and at every non-systematic row
        // (the primary code is MDS, so a changed source symbol changes every repair symbol).
        let differing: Vec<u16> = (0..n)
            .filter(|&t| {
                tampered_expansion[usize::from(t) * size..][..size] != honest_expansion[usize::from(t) * size..][..size]
            })
            .collect();
        let mut expected: Vec<u16> = vec![inc.tampered_row];
        expected.extend(p..n);
        assert_eq!(differing, expected, "n = {n}");

        for t in 0..n {
            let label = format!("n = {n}, tampered secondary {j}, primary target {t}");
            let symbols = inc.primary_target_symbols(t, &mut rng);
            for symbol in &symbols {
                assert_eq!(metadata.verify_recovery_symbol(symbol, Axis::Primary, t), Ok(()), "{label}");
            }
            // The honest metadata rejects the tampered source's symbols (their proofs lead to
            // the root of the tampered expansion), even where the symbol itself is unchanged.
            assert_eq!(
                original_metadata.verify_recovery_symbol(&symbols[0], Axis::Primary, t),
                Err(RecoveryError::InvalidProof(MerkleError::RootMismatch)),
                "{label}"
            );
            match recover_sliver(metadata, Axis::Primary, t, symbols.clone()) {
                Ok(sliver) => {
                    assert!(!differing.contains(&t), "{label}: recovered a sliver from a changed symbol");
                    assert_eq!(sliver.data, inc.fx.encoded.sliver(Axis::Primary, t).unwrap().bytes(), "{label}");
                    // Proving an inconsistency for it fails.
                    let proof = InconsistencyProof {
                        target_axis: Axis::Primary,
                        target_sliver_index: t,
                        recovery_symbols: symbols,
                    };
                    assert_eq!(proof.verify(metadata), Err(InconsistencyError::SliverNotInconsistent), "{label}");
                }
                Err(RecoveryError::Inconsistent(proof)) => {
                    assert!(differing.contains(&t), "{label}: unexpected inconsistency");
                    assert_eq!(proof.target_axis, Axis::Primary);
                    assert_eq!(proof.target_sliver_index, t);
                    assert_eq!(proof.recovery_symbols.len(), usize::from(s));
                    assert_eq!(proof.recovery_symbols, symbols, "{label}: the proof holds the symbols used");
                    assert_eq!(proof.verify(metadata), Ok(()), "{label}");
                    // Against the honest metadata the tampered symbol is invalid.
                    assert_eq!(
                        proof.verify(original_metadata),
                        Err(InconsistencyError::InvalidSymbol {
                            position: 0,
                            error: RecoveryError::InvalidProof(MerkleError::RootMismatch)
                        }),
                        "{label}"
                    );
                    check_proof_bcs(&proof, metadata, &label);
                    check_tampered_proofs(&proof, metadata, &inc, &mut rng, &label);
                }
                Err(e) => panic!("{label}: {e:?}"),
            }
        }

        // The tampered secondary sliver itself, recovered from honest primary slivers, does
        // not match the (tampered) metadata hash either.
        let symbols: Vec<_> =
            subset(&mut rng, n, p).into_iter().map(|i| inc.fx.symbol(Axis::Secondary, j, i)).collect();
        match recover_sliver(metadata, Axis::Secondary, j, symbols) {
            Err(RecoveryError::Inconsistent(proof)) => {
                assert_eq!(proof.target_axis, Axis::Secondary);
                assert_eq!(proof.target_sliver_index, j);
                assert_eq!(proof.recovery_symbols.len(), usize::from(p));
                assert_eq!(proof.verify(metadata), Ok(()));
                // On the honest metadata, the same symbols recover a consistent sliver.
                assert_eq!(proof.verify(original_metadata), Err(InconsistencyError::SliverNotInconsistent));
                let tagged = proof.to_bcs_tagged();
                assert_eq!(tagged[0], 1, "ByAxis tag of a secondary target");
                check_proof_bcs(&proof, metadata, "secondary target");
            }
            other => panic!("n = {n}: expected an inconsistency, got {other:?}"),
        }
    }
}

/// BCS round trips of a valid proof, plain and `ByAxis`-tagged (SPEC §9), owned and borrowed.
fn check_proof_bcs(proof: &InconsistencyProof<Vec<u8>>, metadata: &VerifiedBlobMetadataWithId, label: &str) {
    let plain = proof.to_bcs();
    assert_eq!(plain.len(), proof.bcs_len(), "{label}");
    assert_eq!(plain[..2], proof.target_sliver_index.to_le_bytes(), "{label}");
    let parsed = InconsistencyProof::<Vec<u8>>::from_bcs(&plain, proof.target_axis).unwrap();
    assert_eq!(&parsed, proof, "{label}");
    assert_eq!(parsed.verify(metadata), Ok(()), "{label}");
    let borrowed = InconsistencyProof::<&[u8]>::from_bcs(&plain, proof.target_axis).unwrap();
    assert_eq!(borrowed.verify(metadata), Ok(()), "{label}");
    assert_eq!(borrowed.to_bcs(), plain, "{label}");

    let tagged = proof.to_bcs_tagged();
    assert_eq!(tagged[0], proof.target_axis.tag(), "{label}");
    assert_eq!(tagged[1..], plain[..], "{label}");
    let parsed = InconsistencyProof::<Vec<u8>>::from_bcs_tagged(&tagged).unwrap();
    assert_eq!(&parsed, proof, "{label}");
    assert_eq!(parsed.verify(metadata), Ok(()), "{label}");
    assert_eq!(parsed.to_bcs_tagged(), tagged, "{label}");
}

/// Every way of breaking a valid proof is rejected with its error (SPEC §9).
fn check_tampered_proofs(
    proof: &InconsistencyProof<Vec<u8>>,
    metadata: &VerifiedBlobMetadataWithId,
    inc: &Inconsistent,
    rng: &mut StdRng,
    label: &str,
) {
    let n = inc.fx.config.n_shards();
    let (p, s) = spec_ps(n);
    let k = proof.recovery_symbols.len();
    assert_eq!(k, usize::from(s));
    let with = |f: &dyn Fn(&mut Symbols)| {
        let mut out = proof.clone();
        f(&mut out.recovery_symbols);
        out
    };

    // Wrong symbol counts.
    for got in [0, 1, k - 1, k + 1] {
        let broken = with(&|symbols| {
            if got <= k {
                symbols.truncate(got);
            } else {
                symbols.push(symbols[1].clone());
            }
        });
        assert_eq!(broken.verify(metadata), Err(InconsistencyError::WrongSymbolCount { expected: k, got }), "{label}");
    }
    // The same symbols claimed for the other axis: p are needed there.
    let other_axis = InconsistencyProof { target_axis: Axis::Secondary, ..proof.clone() };
    assert_eq!(
        other_axis.verify(metadata),
        Err(InconsistencyError::WrongSymbolCount { expected: usize::from(p), got: k }),
        "{label}"
    );

    // A tampered symbol, at a random position.
    let position = rng.random_range(0..k);
    let broken = with(&|symbols| symbols[position].symbol.data[0] ^= 0x40);
    assert_eq!(
        broken.verify(metadata),
        Err(InconsistencyError::InvalidSymbol {
            position,
            error: RecoveryError::InvalidProof(MerkleError::RootMismatch)
        }),
        "{label}"
    );
    // A tampered proof sibling.
    let broken = with(&|symbols| {
        let mut path = symbols[position].proof.path().to_vec();
        path[0] = Node::Digest([0xAA; 32]);
        symbols[position].proof = MerkleProof::from_path(&path).unwrap();
    });
    assert_eq!(
        broken.verify(metadata),
        Err(InconsistencyError::InvalidSymbol {
            position,
            error: RecoveryError::InvalidProof(MerkleError::RootMismatch)
        }),
        "{label}"
    );
    // A mis-sized symbol and an out-of-range source.
    let broken = with(&|symbols| symbols[position].symbol.data.push(0));
    let expected_bytes = usize::from(inc.fx.encoded.symbol_size().get());
    assert_eq!(
        broken.verify(metadata),
        Err(InconsistencyError::InvalidSymbol {
            position,
            error: RecoveryError::WrongSymbolSize { expected_bytes, got_bytes: expected_bytes + 1 }
        }),
        "{label}"
    );
    let broken = with(&|symbols| symbols[position].symbol.index = n);
    assert_eq!(
        broken.verify(metadata),
        Err(InconsistencyError::InvalidSymbol {
            position,
            error: RecoveryError::IndexOutOfRange { index: n, n_shards: n }
        }),
        "{label}"
    );
    // A different target index: the symbols' proofs are for another leaf.
    let moved = InconsistencyProof { target_sliver_index: (proof.target_sliver_index + 1) % n, ..proof.clone() };
    assert!(
        matches!(
            moved.verify(metadata),
            Err(InconsistencyError::InvalidSymbol { error: RecoveryError::InvalidProof(_), .. })
        ),
        "{label}"
    );
    // A repeated (valid) symbol in place of another: the symbols no longer decode.
    let broken = with(&|symbols| {
        let copy = symbols[(position + 1) % k].clone();
        symbols[position] = copy;
    });
    assert_eq!(broken.verify(metadata), Err(InconsistencyError::RecoveryFailure), "{label}");
    // Replacing the tampered source's symbol by an honest one from a fresh source proves nothing.
    let t = proof.target_sliver_index;
    let used: Vec<u16> = proof.recovery_symbols.iter().map(|r| r.symbol.index).collect();
    if let Some(fresh) = (0..n).find(|i| !used.contains(i)) {
        let honest = with(&|symbols| symbols[0] = inc.fx.symbol(Axis::Primary, t, fresh));
        assert_eq!(honest.verify(metadata), Err(InconsistencyError::SliverNotInconsistent), "{label}");
    }
}
