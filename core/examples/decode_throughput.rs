//! Decoding throughput at n_shards = 1000 for one blob size (MiB, default 1024), printed as a
//! table: from the `p` systematic primary slivers and from `p` primary slivers drawn at random
//! (about a third systematic; the blob and the set of `--bench codec`), each with the
//! `default` consistency check and without a check. The slivers are verified and held before the clock starts; the figure is the best of
//! `--runs` (default 5) decodes into one reused output buffer, in bytes of blob per second.
//!
//!     cargo run --release -p morsa-core --features parallel --example decode_throughput -- 1024

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use common::{blob, random_indices};
use morsa_core::encoding::{BlobDecoder, ConsistencyCheck, EncodingConfig};
use morsa_core::Axis;

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().map_or(1024, |s| s.parse().expect("a size in MiB"));
    let runs: usize = match (args.next().as_deref(), args.next()) {
        (Some("--runs"), Some(n)) => n.parse().expect("a number of runs"),
        _ => 5,
    };
    let size = mib << 20;
    let config = EncodingConfig::new(1000).expect("1000 shards");
    let p = config.n_primary_source_symbols();
    let data = blob(size);
    let encoded = config.encode(&data).expect("encodable");
    let random = random_indices(1000, p);
    let systematic_in_random = random.iter().filter(|&&i| i < p).count();

    println!("decode, n_shards = 1000, {mib} MiB, best of {runs}");
    println!("{:<42} {:>9} {:>9}", "slivers / check", "seconds", "GB/s");
    for (name, indices) in [("p systematic primary", (0..p).collect::<Vec<u16>>()), ("p random primary", random)] {
        let slivers: Vec<_> = indices.iter().map(|&i| encoded.sliver(Axis::Primary, i).expect("in range")).collect();
        let mut decoder = BlobDecoder::new(encoded.metadata(), Axis::Primary);
        let refs: Vec<_> = slivers.iter().collect();
        assert!(decoder.add_slivers(&refs).iter().all(|r| *r == Ok(true)));
        let mut out = vec![0u8; size];
        for (check_name, check) in [("default", ConsistencyCheck::Default), ("skip", ConsistencyCheck::Skip)] {
            let mut best = f64::MAX;
            for _ in 0..runs {
                let start = Instant::now();
                decoder.decode_into(check, &mut out).expect("decodable");
                best = best.min(start.elapsed().as_secs_f64());
            }
            assert!(out == data, "decoded bytes differ");
            let label = format!("{name} / {check_name}");
            println!("{label:<42} {best:>9.3} {:>9.2}", size as f64 / best / 1e9);
        }
    }
    println!("({systematic_in_random} of the random set are systematic)");
}
