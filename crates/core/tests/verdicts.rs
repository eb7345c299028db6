//! Consistency verdicts: the 52 Jepsen etcd histories against their published verdicts, each
//! model on a history that must pass and a near miss that must fail, and the hierarchy on
//! random small histories.

use proptest::prelude::*;
use quorumscope_core::{
    check_history, check_linearizable, check_sequential, parse_jepsen, History, HistoryKind, HistoryOp, Outcome,
    Status, DEFAULT_BUDGET, GUARANTEES,
};
use std::path::PathBuf;

/// The shared reference data sits beside the repository (`../shared`), locally and in CI.
fn jepsen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/jepsen-etcd")
}

#[test]
fn the_52_etcd_histories_get_their_published_verdicts() {
    let dir = jepsen_dir();
    let text = std::fs::read_to_string(dir.join("verdicts.json"))
        .unwrap_or_else(|e| panic!("{}: {e} (the reference data is expected at ../shared)", dir.display()));
    let verdicts: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(verdicts.len(), 52);
    let mut wrong = vec![];
    for (file, expected) in &verdicts {
        let log = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut h = parse_jepsen(&log).unwrap_or_else(|e| panic!("{file}: {e}"));
        h.sort_by_invoke();
        let v = check_linearizable(&h, DEFAULT_BUDGET);
        let got = match v.status {
            Status::Held => Some(true),
            Status::Violated => Some(false),
            _ => None,
        };
        if got != expected.as_bool() {
            wrong.push(format!("{file}: expected {expected}, got {:?}", v.status));
        }
        if let Some(w) = &v.witness {
            assert!(!w.ops.is_empty() && !w.explanation.is_empty(), "{file}: empty witness");
        }
    }
    assert!(wrong.is_empty(), "{} of 52 wrong: {wrong:?}", wrong.len());
}

/// A log from `(process, phase, f, value)` lines.
fn log(lines: &[(u32, &str, &str, &str)]) -> History {
    let text: String =
        lines.iter().map(|(p, ph, f, v)| format!("INFO  jepsen.util - {p}\t:{ph}\t:{f}\t{v}\n")).collect();
    let mut h = parse_jepsen(&text).unwrap();
    h.sort_by_invoke();
    h
}

fn status(h: &History, model: &str) -> Status {
    let c = check_history(h, DEFAULT_BUDGET);
    match model {
        "linearizable" => c.linearizable.status,
        "sequential" => check_sequential(h, DEFAULT_BUDGET).status,
        _ => c.sessions[GUARANTEES.iter().position(|g| g.name() == model).unwrap()].status,
    }
}

#[test]
fn linearizable_pass_and_near_miss() {
    // The read overlaps the write: it may take effect before it.
    let overlap = log(&[
        (0, "invoke", "write", "1"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
        (0, "ok", "write", "1"),
    ]);
    assert_eq!(status(&overlap, "linearizable"), Status::Held);
    // The same read begun after the write ended cannot.
    let after = log(&[
        (0, "invoke", "write", "1"),
        (0, "ok", "write", "1"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
    ]);
    let c = check_history(&after, DEFAULT_BUDGET);
    assert_eq!(c.linearizable.status, Status::Violated);
    let w = c.linearizable.witness.unwrap();
    assert_eq!(w.ops.len(), 2);
    assert!(w.explanation.contains("ended before"), "{}", w.explanation);
    // A timed-out write may take effect late, or never.
    let info = log(&[
        (0, "invoke", "write", "1"),
        (0, "info", "write", ":timed-out"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
        (2, "invoke", "read", "nil"),
        (2, "ok", "read", "1"),
    ]);
    assert_eq!(status(&info, "linearizable"), Status::Held);
    // A failed cas found another value: here the register did hold 1.
    let cas = log(&[
        (0, "invoke", "write", "1"),
        (0, "ok", "write", "1"),
        (1, "invoke", "cas", "[1 2]"),
        (1, "fail", "cas", "[1 2]"),
    ]);
    assert_eq!(status(&cas, "linearizable"), Status::Violated);
}

#[test]
fn sequential_pass_and_near_miss() {
    // Stale for real time, but another client's order allows it.
    let stale = log(&[
        (0, "invoke", "write", "1"),
        (0, "ok", "write", "1"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
    ]);
    assert_eq!(status(&stale, "sequential"), Status::Held);
    let back = log(&[
        (0, "invoke", "write", "1"),
        (0, "ok", "write", "1"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "1"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
    ]);
    assert_eq!(status(&back, "sequential"), Status::Violated);
}

#[test]
fn read_your_writes_pass_and_near_miss() {
    let pass = log(&[
        (0, "invoke", "write", "1"),
        (0, "ok", "write", "1"),
        (0, "invoke", "read", "nil"),
        (0, "ok", "read", "1"),
    ]);
    assert_eq!(status(&pass, "read_your_writes"), Status::Held);
    let miss = log(&[
        (0, "invoke", "write", "1"),
        (0, "ok", "write", "1"),
        (0, "invoke", "read", "nil"),
        (0, "ok", "read", "nil"),
    ]);
    assert_eq!(status(&miss, "read_your_writes"), Status::Violated);
}

#[test]
fn monotonic_reads_pass_and_near_miss() {
    let w = [(0, "invoke", "write", "1"), (0, "ok", "write", "1")];
    let pass = log(&[
        w[0],
        w[1],
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "1"),
    ]);
    assert_eq!(status(&pass, "monotonic_reads"), Status::Held);
    let miss = log(&[
        w[0],
        w[1],
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "1"),
        (1, "invoke", "read", "nil"),
        (1, "ok", "read", "nil"),
    ]);
    assert_eq!(status(&miss, "monotonic_reads"), Status::Violated);
}

#[test]
fn monotonic_writes_pass_and_near_miss() {
    let writes =
        [(0, "invoke", "write", "1"), (0, "ok", "write", "1"), (0, "invoke", "write", "2"), (0, "ok", "write", "2")];
    let read = |a: &'static str, b: &'static str| {
        [(1, "invoke", "read", "nil"), (1, "ok", "read", a), (1, "invoke", "read", "nil"), (1, "ok", "read", b)]
    };
    let pass = log(&[writes.as_slice(), &read("1", "2")].concat());
    assert_eq!(status(&pass, "monotonic_writes"), Status::Held);
    let miss = log(&[writes.as_slice(), &read("2", "1")].concat());
    assert_eq!(status(&miss, "monotonic_writes"), Status::Violated);
    // Its reads alone can be ordered: monotonic reads holds; only the writer's order is broken.
    assert_eq!(status(&miss, "monotonic_reads"), Status::Held);
}

#[test]
fn writes_follow_reads_pass_and_near_miss() {
    let first = [
        (2, "invoke", "write", "1"),
        (2, "ok", "write", "1"),
        (0, "invoke", "read", "nil"),
        (0, "ok", "read", "1"),
        (0, "invoke", "write", "2"),
        (0, "ok", "write", "2"),
    ];
    let read = |a: &'static str, b: &'static str| {
        [(1, "invoke", "read", "nil"), (1, "ok", "read", a), (1, "invoke", "read", "nil"), (1, "ok", "read", b)]
    };
    let pass = log(&[first.as_slice(), &read("1", "2")].concat());
    assert_eq!(status(&pass, "writes_follow_reads"), Status::Held);
    let miss = log(&[first.as_slice(), &read("2", "1")].concat());
    assert_eq!(status(&miss, "writes_follow_reads"), Status::Violated);
}

#[test]
fn an_unreadable_log_names_its_line() {
    let e = parse_jepsen("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nchatter\nINFO  jepsen.util - 0\t:ok\t:frob\t3\n")
        .unwrap_err();
    assert_eq!(e.line, 3);
    let e = parse_jepsen("INFO  jepsen.util - 0\t:ok\t:read\t3\n").unwrap_err();
    assert_eq!(e.line, 1);
}

/// Random small histories: 3 clients, 2 keys, values 0..3, each client's operations one after
/// another or overlapping.
fn histories() -> impl Strategy<Value = History> {
    let op = (0u32..3, 0u32..2, 0u8..3, 0u32..3, 0u32..3, 0u64..40, 1u64..20, 0u8..6);
    prop::collection::vec(op, 1..9).prop_map(|ops| {
        let mut h = History::new("op");
        for c in 0..3 {
            h.client_id(&format!("c{c}"));
        }
        for k in 0..2 {
            h.key_id(&format!("k{k}"));
        }
        for v in 0..3 {
            h.value_id(&format!("v{v}"));
        }
        for (i, (client, key, kind, a, b, start, len, out)) in ops.into_iter().enumerate() {
            let value = |x: u32| if x == 0 { None } else { Some(x - 1) };
            let (kind, values) = match kind {
                0 => (HistoryKind::Read, vec![value(a)]),
                1 => (HistoryKind::Write, vec![Some(a)]),
                _ => (HistoryKind::Cas, vec![value(a), Some(b)]),
            };
            let outcome = match out {
                0 => Outcome::Info,
                1 if kind == HistoryKind::Cas => Outcome::Fail,
                _ => Outcome::Ok,
            };
            let complete_us = (outcome != Outcome::Info).then_some(start + len);
            h.ops.push(HistoryOp {
                client,
                key,
                kind,
                values,
                invoke_us: start,
                complete_us,
                outcome,
                source: i as u32,
            });
        }
        h.sort_by_invoke();
        h
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn verdicts_respect_the_hierarchy(h in histories()) {
        let c = check_history(&h, DEFAULT_BUDGET);
        let seq = check_sequential(&h, DEFAULT_BUDGET);
        if c.linearizable.status == Status::Held {
            prop_assert_ne!(seq.status, Status::Violated, "linearizable but not sequential");
        }
        if seq.status == Status::Held {
            for (g, v) in GUARANTEES.iter().zip(&c.sessions) {
                prop_assert_ne!(v.status, Status::Violated, "sequential but {} violated", g.name());
            }
        }
        if c.linearizable.status == Status::Violated {
            let w = c.linearizable.witness.as_ref().unwrap();
            prop_assert!(!w.ops.is_empty());
        }
    }
}

/// Brute force: some order of the required operations plus some of the indeterminate ones
/// respects real time and the registers' rules.
fn linearizable_by_brute_force(h: &History) -> bool {
    let steps: Vec<&HistoryOp> = h
        .ops
        .iter()
        .filter(|o| match (o.kind, o.outcome) {
            (HistoryKind::Read, Outcome::Ok) | (HistoryKind::Cas, Outcome::Fail) => true,
            (HistoryKind::Read, _) | (HistoryKind::Write, Outcome::Fail) => false,
            _ => true,
        })
        .collect();
    fn go(steps: &[&HistoryOp], used: &mut Vec<bool>, regs: &mut [Option<u32>; 2]) -> bool {
        let left: Vec<usize> = (0..steps.len()).filter(|i| !used[*i]).collect();
        if left.iter().all(|i| steps[*i].outcome == Outcome::Info) {
            return true;
        }
        for &i in &left {
            let o = steps[i];
            if left.iter().any(|j| steps[*j].precedes(o)) {
                continue;
            }
            let cur = regs[o.key as usize];
            let next = match (o.kind, o.outcome) {
                (HistoryKind::Read, _) => (o.values[0] == cur).then_some(cur),
                (HistoryKind::Write, _) => Some(o.values[0]),
                (HistoryKind::Cas, Outcome::Fail) => (o.values[0] != cur).then_some(cur),
                (HistoryKind::Cas, _) => (o.values[0] == cur).then_some(o.values[1]),
            };
            let Some(next) = next else { continue };
            used[i] = true;
            regs[o.key as usize] = next;
            let ok = go(steps, used, regs);
            used[i] = false;
            regs[o.key as usize] = cur;
            if ok {
                return true;
            }
        }
        false
    }
    go(&steps, &mut vec![false; steps.len()], &mut [None, None])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]
    #[test]
    fn linearizability_agrees_with_brute_force(h in histories()) {
        let v = check_linearizable(&h, DEFAULT_BUDGET);
        prop_assert_eq!(v.status == Status::Held, linearizable_by_brute_force(&h), "{:?}", v);
    }
}

#[test]
fn a_run_without_overlap_or_faults_with_overlapping_quorums_is_linearizable() {
    let events: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            let (client, key) = (format!("c{}", i % 3), format!("k{}", i % 2));
            if i % 3 == 0 {
                serde_json::json!({"at_ms": i * 500, "client": client, "put": key, "value": format!("v{i}")})
            } else {
                serde_json::json!({"at_ms": i * 500, "client": client, "get": key})
            }
        })
        .collect();
    let sc = serde_json::json!({
        "seed": 7,
        "nodes": ["n0", "n1", "n2", "n3"],
        "replication": {"n": 3, "w": 2, "r": 2, "conflicts": "lww"},
        "network": {"latency_ms": {"uniform": [1, 20]}},
        "events": events,
    });
    let sim = quorumscope_core::run_text(&sc.to_string(), quorumscope_core::Level::Summary).unwrap();
    let (h, c) = sim.consistency();
    assert_eq!(h.ops.len(), 40);
    assert_eq!(c.linearizable.status, Status::Held, "{:?}", c.linearizable);
    assert_eq!(c.convergent.unwrap().status, Status::Held);
}

#[test]
fn the_stale_read_lesson_is_not_linearizable() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../lessons/stale-read.json");
    let sim =
        quorumscope_core::run_text(&std::fs::read_to_string(path).unwrap(), quorumscope_core::Level::Summary).unwrap();
    let (_, c) = sim.consistency();
    assert_eq!(c.linearizable.status, Status::Violated);
    assert_eq!(c.sequential.status, Status::Held);
    assert_eq!(c.linearizable.witness.unwrap().ops.len(), 2);
}

/// A key with more operations than the session guarantees are searched on gets "unknown" for
/// each guarantee that applies, saying why, and no search (each listed every earlier write for
/// every read: 10,000 of each took 700 MB). Linearizability is still searched.
#[test]
fn a_key_too_long_for_the_session_searches_is_unknown_and_says_why() {
    let history = |pairs: u32| {
        let mut h = History::new("op");
        let (c, k) = (h.client_id("c"), h.key_id("k"));
        for i in 0..pairs {
            let v = h.value_id(&format!("v{i}"));
            let t = u64::from(i) * 20;
            let prev = i.checked_sub(1).map(|p| h.value_id(&format!("v{p}")));
            for (j, (kind, values)) in
                [(HistoryKind::Read, vec![prev]), (HistoryKind::Write, vec![Some(v)])].into_iter().enumerate()
            {
                let invoke_us = t + j as u64 * 10;
                let source = h.ops.len() as u32;
                h.ops.push(HistoryOp {
                    client: c,
                    key: k,
                    kind,
                    values,
                    invoke_us,
                    complete_us: Some(invoke_us + 5),
                    outcome: Outcome::Ok,
                    source,
                });
            }
        }
        h.sort_by_invoke();
        h
    };
    let short = check_history(&history(100), DEFAULT_BUDGET);
    assert!(short.sessions.iter().all(|v| v.status == Status::Held));
    let long = check_history(&history(2_100), DEFAULT_BUDGET);
    assert_eq!(long.linearizable.status, Status::Held);
    for (g, v) in GUARANTEES.iter().zip(&long.sessions) {
        assert_eq!(v.status, Status::Unknown, "{}", g.name());
        assert!(v.why.as_deref().unwrap().contains("the key has 4200 operations, more than the 4096"), "{:?}", v.why);
    }
}
