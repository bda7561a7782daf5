//! What keeping JSON objects in insertion order costs (serde_json's `preserve_order`, which
//! nest-rs turns on so that objects are sent in the order NestJS sends them): the same work on
//! `serde_json::Map` (an `IndexMap` with the feature) and on the `BTreeMap<String, Value>` a
//! `Map` is without it, for an object of 2 and of 10 keys: building it key by key (as
//! `json!` does), writing it, parsing it, and reading one key.
//!
//! `cargo bench -p nest-bench --bench json_order`

use std::{collections::BTreeMap, hint::black_box};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value};

fn keys(n: usize) -> Vec<String> {
    [
        "userId",
        "name",
        "email",
        "createdAt",
        "active",
        "roles",
        "score",
        "team",
        "avatar",
        "bio",
    ]
    .iter()
    .take(n)
    .map(|key| (*key).to_owned())
    .collect()
}

fn json(n: usize) -> Vec<u8> {
    let object: Map<String, Value> = keys(n)
        .into_iter()
        .enumerate()
        .map(|(i, key)| (key, Value::from(format!("value {i}"))))
        .collect();
    serde_json::to_vec(&object).expect("serialises")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("json_order");
    for n in [2, 10] {
        let names = keys(n);
        let text = json(n);
        group.bench_with_input(BenchmarkId::new("build IndexMap", n), &n, |b, _| {
            b.iter(|| {
                let mut map = Map::new();
                for (i, key) in names.iter().enumerate() {
                    map.insert(key.clone(), Value::from(i));
                }
                black_box(map)
            });
        });
        group.bench_with_input(BenchmarkId::new("build BTreeMap", n), &n, |b, _| {
            b.iter(|| {
                let mut map = BTreeMap::new();
                for (i, key) in names.iter().enumerate() {
                    map.insert(key.clone(), Value::from(i));
                }
                black_box(map)
            });
        });
        let indexed: Map<String, Value> = serde_json::from_slice(&text).expect("parses");
        let sorted: BTreeMap<String, Value> = serde_json::from_slice(&text).expect("parses");
        group.bench_with_input(BenchmarkId::new("write IndexMap", n), &n, |b, _| {
            b.iter(|| black_box(serde_json::to_vec(black_box(&indexed)).expect("writes")));
        });
        group.bench_with_input(BenchmarkId::new("write BTreeMap", n), &n, |b, _| {
            b.iter(|| black_box(serde_json::to_vec(black_box(&sorted)).expect("writes")));
        });
        group.bench_with_input(BenchmarkId::new("parse IndexMap", n), &n, |b, _| {
            b.iter(|| {
                black_box(
                    serde_json::from_slice::<Map<String, Value>>(black_box(&text)).expect("parses"),
                )
            });
        });
        group.bench_with_input(BenchmarkId::new("parse BTreeMap", n), &n, |b, _| {
            b.iter(|| {
                black_box(
                    serde_json::from_slice::<BTreeMap<String, Value>>(black_box(&text))
                        .expect("parses"),
                )
            });
        });
        let last = names.last().expect("a key").clone();
        group.bench_with_input(BenchmarkId::new("get IndexMap", n), &n, |b, _| {
            b.iter(|| black_box(indexed.get(black_box(&last))));
        });
        group.bench_with_input(BenchmarkId::new("get BTreeMap", n), &n, |b, _| {
            b.iter(|| black_box(sorted.get(black_box(&last))));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
