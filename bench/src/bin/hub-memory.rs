//! Memory per hub subscriber, beside a `tokio::sync::broadcast` receiver, counted by a
//! tracking allocator in the same run: `cargo run --release -p nest-bench --bin hub-memory`.

use std::alloc::System;

use cap::Cap;
use futures_util::FutureExt;
use nest_core::sse::Hub;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

const SUBSCRIBERS: usize = 100_000;

fn per_subscriber<T>(make: impl FnMut() -> T) -> f64 {
    let before = ALLOCATOR.allocated();
    let held: Vec<T> = std::iter::repeat_with(make).take(SUBSCRIBERS).collect();
    let after = ALLOCATOR.allocated();
    // The Vec holding them is not part of a subscriber's cost.
    let holder = held.capacity() * std::mem::size_of::<T>();
    drop(held);
    (after - before - holder) as f64 / SUBSCRIBERS as f64 + std::mem::size_of::<T>() as f64
}

fn main() {
    let hub: Hub<&'static str> = Hub::new();
    hub.publish("warm-up").now_or_never().unwrap().unwrap();
    let hub_bytes = per_subscriber(|| hub.subscribe(None));

    let (sender, _) = tokio::sync::broadcast::channel::<String>(1024);
    let broadcast_bytes = per_subscriber(|| sender.subscribe());

    println!("memory per subscriber, {SUBSCRIBERS} subscribers");
    println!("| subscriber | bytes | ratio to tokio broadcast |");
    println!("| --- | --- | --- |");
    println!(
        "| nest-rs Hub subscription | {hub_bytes:.1} | {:.2} |",
        hub_bytes / broadcast_bytes
    );
    println!("| tokio::sync::broadcast::Receiver | {broadcast_bytes:.1} | 1.00 |");
}
