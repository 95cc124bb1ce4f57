//! Blob IDs at n_shards = 1000: in memory (`compute_metadata`) and streamed in bounded memory
//! (`compute_metadata_streaming`). Run with `cargo bench -p morsa-core --features parallel`
//! for intra-blob parallelism; set `MORSA_BENCH_LARGE=1` to add 100 MiB.

mod common;

use common::blob;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use morsa_core::encoding::{EncodingConfig, StreamOptions};

fn bench_blob_id(c: &mut Criterion) {
    let config = EncodingConfig::new(1000).unwrap();
    let mut sizes = vec![1usize << 20];
    if std::env::var_os("MORSA_BENCH_LARGE").is_some() {
        sizes.push(100 << 20);
    }
    let mut group = c.benchmark_group("blob_id_n1000");
    group.sample_size(10);
    for size in sizes {
        let data = blob(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("in_memory", size), &data, |b, data| {
            b.iter(|| config.compute_metadata(data).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("streaming", size), &data, |b, data| {
            b.iter(|| config.compute_metadata_streaming(&data[..], StreamOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_blob_id);
criterion_main!(benches);
