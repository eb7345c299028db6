//! Properties over generated scenarios.

use proptest::prelude::*;
use quorumscope_core::AnomalyKind;
use quorumscope_core::Level;
use quorumscope_core::{run_text, Sim};
use serde_json::{json, Value};

#[derive(Clone, Debug)]
struct Shape {
    nodes: usize,
    n: u32,
    w: u32,
    r: u32,
    conflicts: &'static str,
    seed: u64,
}

fn shape(quorum_overlap: bool) -> impl Strategy<Value = Shape> {
    (1usize..=6, any::<u64>(), prop::sample::select(vec!["lww", "siblings"])).prop_flat_map(
        move |(extra, seed, conflicts)| {
            (1u32..=5).prop_flat_map(move |n| {
                let nodes = n as usize + extra % 3;
                (1u32..=n, 1u32..=n).prop_filter_map("quorum overlap", move |(w, r)| {
                    if quorum_overlap && w + r <= n {
                        None
                    } else {
                        Some(Shape { nodes, n, w, r, conflicts, seed })
                    }
                })
            })
        },
    )
}

/// (time ms, is_put, client index, key index)
fn ops(max: usize) -> impl Strategy<Value = Vec<(u32, bool, u8, u8)>> {
    prop::collection::vec((0u32..2_000, any::<bool>(), 0u8..3, 0u8..3), 1..max)
}

/// (time ms, kind 0 crash / 1 recover / 2 partition / 3 heal, node index)
fn faults(max: usize) -> impl Strategy<Value = Vec<(u32, u8, u8)>> {
    prop::collection::vec((0u32..2_000, 0u8..4, 0u8..8), 0..max)
}

fn scenario(s: &Shape, ops: &[(u32, bool, u8, u8)], faults: &[(u32, u8, u8)], extra: Value) -> String {
    let names: Vec<String> = (0..s.nodes).map(|i| format!("n{i}")).collect();
    let mut events: Vec<(u32, Value)> = Vec::new();
    for (i, (t, is_put, c, k)) in ops.iter().enumerate() {
        let client = format!("c{c}");
        let key = format!("k{k}");
        let e = if *is_put {
            json!({"at_ms": t, "client": client, "put": key, "value": format!("v{i}")})
        } else {
            json!({"at_ms": t, "client": client, "get": key})
        };
        events.push((*t, e));
    }
    for (t, kind, n) in faults {
        let node = names[*n as usize % names.len()].clone();
        let e = match kind {
            0 => json!({"at_ms": t, "crash": node}),
            1 => json!({"at_ms": t, "recover": node}),
            2 => json!({"at_ms": t, "partition": [[node]]}),
            _ => json!({"at_ms": t, "heal": true}),
        };
        events.push((*t, e));
    }
    events.sort_by_key(|e| e.0);
    let mut v = json!({
        "seed": s.seed,
        "nodes": names,
        "replication": {"n": s.n, "w": s.w, "r": s.r, "conflicts": s.conflicts},
        "network": {"latency_ms": {"mix": [[0.8, {"uniform": [1, 20]}], [0.2, {"exp": 15}]]}},
        "events": events.into_iter().map(|e| e.1).collect::<Vec<_>>(),
    });
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in extra {
            if k == "replication" {
                for (rk, rv) in x.as_object().unwrap() {
                    obj["replication"][rk] = rv.clone();
                }
            } else {
                obj.insert(k.clone(), x.clone());
            }
        }
    }
    v.to_string()
}

fn kinds(sim: &Sim) -> Vec<AnomalyKind> {
    sim.anomalies().iter().map(|a| a.kind).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// With W+R>N, a strict quorum and no faults, one writer never produces a stale read.
    #[test]
    fn overlapping_quorums_single_writer_no_stale_read(s in shape(true), ops in ops(30)) {
        // One writer (client c0 does every put); the others only read.
        let ops: Vec<_> = ops.into_iter().map(|(t, p, c, k)| if p { (t, p, 0, k) } else { (t, p, 1 + c % 2, k) }).collect();
        let sim = run_text(&scenario(&s, &ops, &[], json!({})), Level::Summary).unwrap();
        let stale: Vec<_> = sim.anomalies().iter().filter(|a| a.kind == AnomalyKind::StaleRead).collect();
        prop_assert!(stale.is_empty(), "{:?}", stale);
    }

    /// ABD's guarantee: with W+R>N, no faults and no clock skew, a get that writes back what it
    /// returns before returning (blocking read repair) makes every run linearizable, racing
    /// writers and reads during writes included. The checker is the one the Jepsen histories
    /// validate, so this is the mechanism checked against an independent definition.
    #[test]
    fn blocking_read_repair_makes_overlapping_quorums_linearizable(
        mut s in shape(true),
        ops in prop::collection::vec((0u32..100, any::<bool>(), 0u8..3, 0u8..2), 2..30),
    ) {
        // Dense: operations within 100 ms on two keys, over links of very uneven speed (exponential,
        // mean 30 ms), so reads run during writes; without the write-back this fails within a
        // few dozen cases.
        s.conflicts = "lww";
        let extra = json!({"replication": {"read_repair": true, "blocking_read_repair": true, "timeout_ms": 5000},
            "network": {"latency_ms": {"exp": 30}}});
        let sim = run_text(&scenario(&s, &ops, &[], extra), Level::Summary).unwrap();
        let (_, c) = sim.consistency();
        prop_assert_eq!(c.linearizable.status, quorumscope_core::Status::Held, "{:?}", c.linearizable);
    }

    /// `siblings` never loses an acknowledged put, whatever the faults.
    #[test]
    fn siblings_never_loses_an_ok_put(mut s in shape(false), ops in ops(30), faults in faults(8)) {
        s.conflicts = "siblings";
        let sim = run_text(&scenario(&s, &ops, &faults, json!({})), Level::Summary).unwrap();
        prop_assert!(!kinds(&sim).contains(&AnomalyKind::LostUpdate));
    }

    /// With anti-entropy on, home replicas converge once the faults stop.
    #[test]
    fn anti_entropy_converges_after_faults(s in shape(false), ops in ops(20), faults in faults(8)) {
        let names: Vec<String> = (0..s.nodes).map(|i| format!("n{i}")).collect();
        let mut faults = faults;
        // Everything heals at 2.5 s; then only anti-entropy can bring lagging replicas up to date.
        faults.push((2_500, 3, 0));
        for i in 0..names.len() {
            faults.push((2_500, 1, i as u8));
        }
        let text = scenario(&s, &ops, &faults, json!({"run_until_ms": 15_000, "replication": {"anti_entropy_ms": 200}}));
        let sim = run_text(&text, Level::Summary).unwrap();
        let div: Vec<_> = sim.anomalies().iter().filter(|a| a.kind == AnomalyKind::Divergence).collect();
        prop_assert!(div.is_empty(), "{:?}", div);
    }

    /// The same scenario run twice gives the same trace and report, byte for byte.
    #[test]
    fn same_scenario_same_trace(s in shape(false), ops in ops(20), faults in faults(6), loss in 0.0f64..0.3) {
        let text = scenario(&s, &ops, &faults, json!({"network": {"latency_ms": {"exp": 5}, "loss": loss}, "replication": {"anti_entropy_ms": 300, "read_repair": true, "sloppy_quorum": true}}));
        let a = run_text(&text, Level::Full).unwrap();
        let b = run_text(&text, Level::Full).unwrap();
        let ta = serde_json::to_string(&a.trace_json()).unwrap();
        let tb = serde_json::to_string(&b.trace_json()).unwrap();
        prop_assert_eq!(ta, tb);
        prop_assert_eq!(serde_json::to_string(&a.report()).unwrap(), serde_json::to_string(&b.report()).unwrap());
    }

    /// Seeking lands on exactly the state a straight run reaches at that instant.
    #[test]
    fn seeking_matches_a_straight_run(s in shape(false), ops in ops(25), faults in faults(6), t_ms in 0u64..3_000) {
        let text = scenario(&s, &ops, &faults, json!({"replication": {"anti_entropy_ms": 250, "sloppy_quorum": true}}));
        let (_, sc) = quorumscope_core::parse(&text).unwrap();
        let mut sim = Sim::new(sc.clone(), Level::Full).with_checkpoints();
        sim.run();
        let seek = sim.snapshot_at(t_ms * 1000);
        // A run never started has no checkpoints: its cursor steps straight from time 0.
        let straight = Sim::new(sc, Level::Off);
        let mut c = straight.cursor();
        c.seek(&straight, t_ms * 1000);
        prop_assert_eq!(&seek, &c.snapshot(&straight));
        // A cursor moved past the instant and back lands on the same state.
        let mut back = sim.cursor();
        back.seek(&sim, 3_000_000);
        back.seek(&sim, t_ms * 1000);
        prop_assert_eq!(&seek, &back.snapshot(&sim));
    }

    /// No input makes the parser panic.
    #[test]
    fn parser_never_panics_on_arbitrary_text(text in ".{0,300}") {
        let _ = quorumscope_core::parse(&text);
    }

    /// Nor on structurally plausible JSON with wrong values.
    #[test]
    fn parser_never_panics_on_mangled_scenarios(s in shape(false), ops in ops(5), cut in 0usize..400, byte in any::<u8>()) {
        let text = scenario(&s, &ops, &[], json!({}));
        let mut bytes = text.into_bytes();
        let at = cut % bytes.len();
        bytes[at] = byte;
        let _ = quorumscope_core::parse(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn replicas_do_diverge_without_anti_entropy() {
    // The convergence property is not vacuous: the same kind of run without anti-entropy diverges.
    let s = Shape { nodes: 3, n: 3, w: 1, r: 1, conflicts: "lww", seed: 1 };
    let text = scenario(&s, &[(100, true, 0, 0)], &[(0, 0, 2), (1_000, 1, 2)], json!({"run_until_ms": 15_000}));
    let sim = run_text(&text, Level::Summary).unwrap();
    assert!(kinds(&sim).contains(&AnomalyKind::Divergence));
    let text = scenario(
        &s,
        &[(100, true, 0, 0)],
        &[(0, 0, 2), (1_000, 1, 2)],
        json!({"run_until_ms": 15_000, "replication": {"anti_entropy_ms": 200}}),
    );
    assert!(!kinds(&run_text(&text, Level::Summary).unwrap()).contains(&AnomalyKind::Divergence));
}
