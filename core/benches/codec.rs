//! Leaf hashing, encoding and decoding at n_shards = 1000 (16 MiB blobs; `MORSA_BENCH_LARGE=1`
//! adds 256 MiB). Run with `cargo bench -p morsa-core --features parallel --bench codec`.
//!
//! * `decode/systematic`: from the `p` systematic primary slivers, already verified;
//! * `decode/random`: from `p` primary slivers drawn at random (about a third systematic, so
//!   Reed-Solomon decoding of every column and the `default` check of the other systematic
//!   slivers), already verified;
//! * `decode_skip_check`: the same without the consistency check (decoding alone);
//! * `verify_slivers`: the verification of those `p` slivers (`BlobDecoder::add_slivers`).
//!
//! Throughput is bytes of blob (output for decoding).

mod common;

use common::{blob, random_indices};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use morsa_core::encoding::{BlobDecoder, ConsistencyCheck, EncodingConfig};
use morsa_core::Axis;

fn bench_codec(c: &mut Criterion) {
    let config = EncodingConfig::new(1000).unwrap();
    let mut sizes = vec![16usize << 20];
    if std::env::var_os("MORSA_BENCH_LARGE").is_some() {
        sizes.push(256 << 20);
    }
    let p = config.n_primary_source_symbols();
    let mut group = c.benchmark_group("codec_n1000");
    group.sample_size(10);
    for size in sizes {
        let data = blob(size);
        let encoded = config.encode(&data).unwrap();
        group.throughput(Throughput::Bytes(size as u64));
        let sets = [("systematic", (0..p).collect::<Vec<u16>>()), ("random", random_indices(1000, p))];
        for (name, indices) in sets {
            let slivers: Vec<_> = indices.iter().map(|&i| encoded.sliver(Axis::Primary, i).unwrap()).collect();
            let refs: Vec<_> = slivers.iter().collect();
            group.bench_with_input(BenchmarkId::new(format!("verify_slivers/{name}"), size), &refs, |b, refs| {
                b.iter_batched(
                    || BlobDecoder::new(encoded.metadata(), Axis::Primary),
                    |mut decoder| decoder.add_slivers(refs),
                    BatchSize::LargeInput,
                )
            });
            let mut decoder = BlobDecoder::new(encoded.metadata(), Axis::Primary);
            assert!(decoder.add_slivers(&refs).iter().all(|r| *r == Ok(true)));
            let mut out = vec![0u8; size];
            for (check_name, check) in [("", ConsistencyCheck::Default), ("_skip_check", ConsistencyCheck::Skip)] {
                let id = BenchmarkId::new(format!("decode{check_name}/{name}"), size);
                group.bench_with_input(id, &decoder, |b, decoder| {
                    b.iter(|| decoder.decode_into(check, &mut out).unwrap())
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_codec);
criterion_main!(benches);
