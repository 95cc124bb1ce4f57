//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) and deterministic random inputs
//! through the fuzz targets' properties (`morsa_conformance::fuzz_checks`), on the stable
//! toolchain, so every `cargo test` re-checks what the fuzzers found. A crash found by the
//! fuzzers is added to its corpus directory and, with a name saying what it caught, below.

use std::path::Path;

use morsa_conformance::fuzz_checks::*;
use rand::{Rng, SeedableRng};

type Check = fn(&[u8]);

const TARGETS: &[(&str, Check)] = &[
    ("wire", check_wire),
    ("merkle", check_merkle),
    ("decode", check_decode),
    ("recovery", check_recovery),
    ("certificate", check_certificate),
    ("rewards", check_rewards),
    ("differential_rs", check_differential_rs),
    ("quilt", check_quilt),
    ("network", check_network),
    ("bls_certificate", check_bls_certificate),
    ("seal_object", check_seal_object),
    ("seal_key_response", check_seal_key_response),
];

#[test]
fn committed_corpora_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for (name, check) in TARGETS {
        let dir = root.join(name);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            check(&std::fs::read(&path).unwrap());
            count += 1;
        }
        assert!(count > 0, "the corpus of {name} is empty");
    }
}

#[test]
fn random_inputs_pass() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    for (name, check) in TARGETS {
        let rounds = if matches!(*name, "decode" | "recovery" | "bls_certificate" | "seal_object" | "seal_key_response")
        {
            40
        } else {
            300
        };
        for _ in 0..rounds {
            let len = rng.random_range(0..400);
            let input: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            check(&input);
        }
    }
}

#[test]
fn empty_and_tiny_inputs_pass() {
    for (_, check) in TARGETS {
        for input in [&[][..], &[0], &[0xFF], &[1, 2, 3]] {
            check(input);
        }
    }
}

// ----- Regression tests: crashes the fuzzers found -----

/// `rewards` found it: with all the stake in one u64 (`u64::MAX`) and 0 shards, D'Hondt's
/// `total / (N + 1) + 1` overflowed to a zero divisor. Move aborts there; the core now returns
/// `RewardsError::Overflow`.
#[test]
fn dhondt_with_maximal_stake_and_no_shards_is_an_error_not_a_division_by_zero() {
    use morsa_core::rewards::{committee::dhondt, RewardsError};

    let mut out = [0u16; 1];
    assert!(matches!(dhondt(&[u64::MAX], 0, &mut out), Err(RewardsError::Overflow { .. })));
    let crash = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus/rewards/crash-a16a749134c22f2819debee653446ece72e885e1"),
    )
    .unwrap();
    check_rewards(&crash);
}
