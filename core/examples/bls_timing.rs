//! BLS12-381 timings of the core, natively: one verification, and the aggregate verification
//! of a certificate with `N` signers (a 1000-shard Walrus committee has about 100 members).
//!
//! Usage: cargo run --release -p morsa-core --example bls_timing [N]

use std::time::Instant;

use morsa_core::certificate::bls::{aggregate_signatures, verify_aggregate, BlsPublicKey, BlsSignature, BlsSigningKey};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let keys: Vec<BlsSigningKey> = (0..n)
        .map(|i| {
            BlsSigningKey::from_ikm(&[
                (i % 251) as u8 + 1,
                (i / 251) as u8,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
            ])
            .expect("ikm")
        })
        .collect();
    let pks: Vec<BlsPublicKey> = keys.iter().map(BlsSigningKey::public_key).collect();
    let message = [0x5a_u8; 72];
    let sigs: Vec<BlsSignature> = keys.iter().map(|k| k.sign(&message)).collect();
    let runs = 20u32;
    let t = Instant::now();
    for _ in 0..runs {
        pks[0].verify(&message, &sigs[0]).expect("verifies");
    }
    let one = t.elapsed() / runs;
    let t = Instant::now();
    let mut aggregate = sigs[0];
    for _ in 0..runs {
        aggregate = aggregate_signatures(&sigs).expect("aggregates");
    }
    let agg = t.elapsed() / runs;
    let t = Instant::now();
    for _ in 0..runs {
        verify_aggregate(&pks, &message, &aggregate).expect("verifies");
    }
    let verify_agg = t.elapsed() / runs;
    println!("BLS12-381, native, mean of {runs} runs: verify one {one:.2?}; aggregate {n} signatures {agg:.2?}; verify an aggregate of {n} {verify_agg:.2?}");
}
