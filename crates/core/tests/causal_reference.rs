//! `siblings` mode against the exact causal reference (`reference/mod.rs`): over random runs with
//! partitions, crashes and message loss, followed by a heal and time for anti-entropy, read repair
//! and hinted handoff to converge the replicas, every home replica ends with exactly the sibling
//! set the reference computes.
//!
//! `QS_CAUSAL_CASES` sets the number of random runs (default 2000). `census` (ignored by default,
//! `cargo test --test causal_reference -- --ignored --nocapture`) runs the same generator without
//! stopping at the first failure and prints how many runs and writes went wrong.

mod reference;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use quorumscope_core::Level;
use quorumscope_core::{run_text, Sim};
use serde_json::{json, Value};

#[derive(Clone, Debug)]
struct Run {
    nodes: usize,
    n: u32,
    w: u32,
    r: u32,
    seed: u64,
    loss: f64,
    sloppy: bool,
    read_repair: bool,
    depth: u32,
    /// (time ms, put?, blind?, client, key)
    ops: Vec<(u32, bool, bool, u8, u8)>,
    /// (time ms, kind 0 crash / 1 recover / 2 partition / 3 heal, node, partition groups by actor)
    faults: Vec<(u32, u8, u8, Vec<u8>)>,
}

const CLIENTS: usize = 3;

fn runs() -> impl Strategy<Value = Run> {
    (3usize..=5, 2u32..=3, any::<u64>(), 0u8..3, any::<bool>(), any::<bool>(), 3u32..=10).prop_flat_map(
        |(nodes, n, seed, loss, sloppy, read_repair, depth)| {
            let n = n.min(nodes as u32);
            (
                1u32..=n,
                1u32..=n,
                prop::collection::vec((0u32..2_000, any::<bool>(), prop::bool::weighted(0.15), 0u8..3, 0u8..2), 1..25),
                prop::collection::vec(
                    (0u32..2_000, 0u8..4, 0u8..8, prop::collection::vec(0u8..3, nodes + CLIENTS)),
                    0..8,
                ),
            )
                .prop_map(move |(w, r, ops, faults)| Run {
                    nodes,
                    n,
                    w,
                    r,
                    seed,
                    loss: [0.0, 0.05, 0.2][loss as usize],
                    sloppy,
                    read_repair,
                    depth,
                    ops,
                    faults,
                })
        },
    )
}

/// The scenario: the random part until 2 s, then everything heals and recovers at 2.5 s, and the
/// run goes on until 30 s with anti-entropy every 500 ms (time enough, at 20% message loss, for
/// exchanges whose steps were retransmitted with backed-off timeouts).
fn scenario(run: &Run) -> String {
    let names: Vec<String> = (0..run.nodes).map(|i| format!("n{i}")).collect();
    let actors: Vec<String> = names.iter().cloned().chain((0..CLIENTS).map(|c| format!("c{c}"))).collect();
    let mut events: Vec<(u32, Value)> = Vec::new();
    for (i, (t, is_put, blind, c, k)) in run.ops.iter().enumerate() {
        let (client, key) = (format!("c{c}"), format!("k{k}"));
        let e = if *is_put {
            let mut e = json!({"at_ms": t, "client": client, "put": key, "value": format!("v{i}")});
            if *blind {
                e["blind"] = json!(true);
            }
            e
        } else {
            json!({"at_ms": t, "client": client, "get": key})
        };
        events.push((*t, e));
    }
    for (t, kind, node, groups) in &run.faults {
        let node = names[*node as usize % names.len()].clone();
        let e = match kind {
            0 => json!({"at_ms": t, "crash": node}),
            1 => json!({"at_ms": t, "recover": node}),
            2 => {
                let gs: Vec<Vec<String>> = (0..3u8)
                    .map(|g| actors.iter().zip(groups).filter(|(_, x)| **x == g).map(|(a, _)| a.clone()).collect())
                    .filter(|g: &Vec<String>| !g.is_empty())
                    .collect();
                json!({"at_ms": t, "partition": gs})
            }
            _ => json!({"at_ms": t, "heal": true}),
        };
        events.push((*t, e));
    }
    events.push((2_500, json!({"at_ms": 2_500, "heal": true})));
    for n in &names {
        events.push((2_500, json!({"at_ms": 2_500, "recover": n})));
    }
    events.sort_by_key(|e| e.0);
    json!({
        "seed": run.seed,
        "nodes": names,
        "clients": (0..CLIENTS).map(|c| json!({"id": format!("c{c}")})).collect::<Vec<_>>(),
        "replication": {"n": run.n, "w": run.w, "r": run.r, "conflicts": "siblings", "anti_entropy_ms": 500,
                        "sloppy_quorum": run.sloppy, "read_repair": run.read_repair, "merkle_depth": run.depth},
        "network": {"latency_ms": {"mix": [[0.8, {"uniform": [1, 20]}], [0.2, {"exp": 15}]]}, "loss": run.loss},
        "events": events.into_iter().map(|e| e.1).collect::<Vec<_>>(),
        // After the heal at 2.5 s: under 20 % loss anti-entropy's retransmission backs off (as TCP
        // does) and some pairs took over 27 s to meet; a minute lets every pair converge.
        "run_until_ms": 60_000,
    })
    .to_string()
}

fn judge(run: &Run) -> (String, reference::Verdict) {
    let text = scenario(run);
    let sim: Sim = run_text(&text, Level::Full).unwrap();
    (text, reference::verdict(&sim, run.n as usize))
}

fn cases() -> u32 {
    std::env::var("QS_CAUSAL_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000)
}

proptest! {
    // A fixed seed: the same 2,000 runs every time, so CI never fails by the luck of the draw
    // (`PROPTEST_RNG_SEED` is not read once a seed is set; change it here to explore others).
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 200,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_201),
        ..ProptestConfig::default()
    })]

    /// The converged sibling set of every key is the reference's: nothing acknowledged and
    /// concurrent disappears, nothing replaced comes back.
    #[test]
    fn converged_siblings_equal_the_causal_reference(run in runs()) {
        let (text, v) = judge(&run);
        prop_assert!(v.ok(), "lost {:?}, resurrected {:?}\nexpected {:?}\nheld {:?}\n{}", v.lost, v.resurrected, v.expected, v.held, text);
    }
}

#[test]
#[ignore = "a census for the figures in the commit message; run with --ignored --nocapture"]
fn census() {
    let mut runner = TestRunner::deterministic();
    let strategy = runs();
    let total = cases();
    let (mut bad_runs, mut lost, mut lost_acked, mut resurrected, mut writes) = (0, 0, 0, 0, 0);
    // The same, counted only over keys whose replicas agree: wrong answers, not unfinished repair.
    let (mut diverged_runs, mut agreed_lost, mut agreed_lost_acked, mut agreed_resurrected) = (0, 0, 0, 0);
    for _ in 0..total {
        let run = strategy.new_tree(&mut runner).unwrap().current();
        writes += run.ops.iter().filter(|o| o.1).count();
        let (text, v) = judge(&run);
        if !v.ok() {
            bad_runs += 1;
            println!("differs: lost {:?}, resurrected {:?}, diverged {:?}\n{text}", v.lost, v.resurrected, v.diverged);
        }
        if !v.diverged.is_empty() {
            diverged_runs += 1;
        }
        let agreed = |k: &String| !v.diverged.contains(k);
        agreed_lost += v.lost.iter().filter(|l| agreed(&l.0)).count();
        agreed_lost_acked += v.lost.iter().filter(|l| agreed(&l.0) && l.2).count();
        agreed_resurrected += v.resurrected.iter().filter(|l| agreed(&l.0)).count();
        lost += v.lost.len();
        lost_acked += v.lost.iter().filter(|l| l.2).count();
        resurrected += v.resurrected.len();
    }
    println!(
        "census: {total} runs, {writes} puts; {bad_runs} runs differ from the reference; {lost} writes lost \
         ({lost_acked} of them acknowledged), {resurrected} superseded values resurrected; {diverged_runs} runs \
         with replicas that never agreed; on keys whose replicas agreed: {agreed_lost} writes lost \
         ({agreed_lost_acked} acknowledged), {agreed_resurrected} resurrected"
    );
}
