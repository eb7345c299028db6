//! One test per lesson of the product: each runs a scenario file from `lessons/` and checks the
//! report at a few JSON pointers plus the exact set of anomalies.

use quorumscope_core::{run_text, Sim};
use quorumscope_core::{AnomalyKind, Ev, Level, MerkleStep};
use serde_json::{json, Value};

fn lesson(name: &str) -> String {
    let path = format!("{}/../../lessons/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(text: &str) -> (Sim, Value) {
    let sim = run_text(text, Level::Full).unwrap_or_else(|e| panic!("scenario rejected: {e}"));
    let report = serde_json::to_value(sim.report()).unwrap();
    (sim, report)
}

/// Runs `text`; every (JSON pointer, value) must match the report, and the anomalies must be
/// exactly `anomalies` as (kind, op).
fn check(text: &str, expect: &[(&str, Value)], anomalies: &[(&str, Option<u32>)]) -> (Sim, Value) {
    let (sim, report) = run(text);
    for (ptr, want) in expect {
        let got = report.pointer(ptr).unwrap_or_else(|| panic!("no {ptr} in report:\n{report:#}"));
        assert_eq!(got, want, "at {ptr}; report:\n{report:#}");
    }
    let mut got: Vec<(String, Option<u32>)> = report["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap().to_string(), a["op"].as_u64().map(|o| o as u32)))
        .collect();
    got.sort();
    let mut want: Vec<(String, Option<u32>)> = anomalies.iter().map(|(k, o)| (k.to_string(), *o)).collect();
    want.sort();
    assert_eq!(got, want, "anomalies; report:\n{:#}", report["anomalies"]);
    (sim, report)
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

#[test]
fn quorum_overlap_every_read_meets_every_write() {
    let (_, r) = check(
        &lesson("quorum-overlap"),
        &[
            ("/ops/0/status", json!("ok")),
            ("/ops/1/values", json!(["v1"])),
            ("/ops/2/values", json!(["v1"])),
            ("/ops/4/values", json!(["v2"])),
            ("/ops/5/values", json!(["v2"])),
        ],
        &[],
    );
    // The mechanism, not just the outcome: each read set shares a replica with the write set.
    for (put, gets) in [(0, [1, 2]), (3, [4, 5])] {
        let acked = names(&r["ops"][put]["acked_by"]);
        assert_eq!(acked.len(), 3);
        for g in gets {
            let replied = names(&r["ops"][g]["replied_by"]);
            assert_eq!(replied.len(), 3);
            assert!(replied.iter().any(|n| acked.contains(n)), "op {g}: {replied:?} misses {acked:?}");
        }
    }
}

#[test]
fn stale_read_when_w_plus_r_not_above_n() {
    let (_, r) = check(
        &lesson("stale-read"),
        &[
            ("/ops/0/status", json!("ok")),
            ("/ops/0/acked_by", json!(["A"])),
            ("/ops/0/end_ms", json!(10.0)),
            ("/ops/1/values", json!([])),
            ("/ops/1/replied_by", json!(["C"])),
            ("/ops/2/values", json!(["v1"])),
        ],
        &[("stale_read", Some(1))],
    );
    let why = r["anomalies"][0]["explanation"].as_str().unwrap();
    assert!(why.contains("do not overlap") && why.contains("W+R=2 ≤ N=3"), "{why}");
}

#[test]
fn failed_write_stays_and_is_read_by_one_client_not_another() {
    let (_, r) = check(
        &lesson("failed-write"),
        &[
            ("/ops/0/status", json!("failed")),
            ("/ops/0/acked_by", json!(["A"])),
            ("/ops/0/end_ms", json!(600.0)),
            ("/ops/1/client", json!("bob")),
            ("/ops/1/values", json!(["draft"])),
            ("/ops/1/replied_by", json!(["A"])),
            ("/ops/2/client", json!("carol")),
            ("/ops/2/values", json!([])),
            ("/ops/2/replied_by", json!(["B"])),
            ("/final/A/doc", json!(["draft"])),
        ],
        &[("failed_write_read", Some(1)), ("divergence", None)],
    );
    assert!(r["final"]["B"].as_object().unwrap().is_empty(), "no rollback, and no magic copy either");
    let why = r["anomalies"].as_array().unwrap().iter().find(|a| a["kind"] == "failed_write_read").unwrap();
    assert!(why["explanation"].as_str().unwrap().contains("not rolled back"));
}

#[test]
fn racing_writers_last_arrival_diverges_for_good() {
    check(
        &lesson("racing-last-arrival"),
        &[
            ("/final/A/color", json!(["blue"])),
            ("/final/B/color", json!(["red"])),
            ("/final/C/color", json!(["green"])),
            ("/ops/0/status", json!("ok")),
            ("/ops/1/status", json!("ok")),
            ("/ops/2/status", json!("ok")),
        ],
        // The reader's R=3 reply set mixes all three; it keeps the reply that arrived last.
        &[("divergence", None)],
    );
}

#[test]
fn racing_writers_lww_keeps_one_and_silently_drops_two() {
    check(
        &lesson("racing-lww"),
        &[
            ("/final/A/color", json!(["blue"])),
            ("/final/B/color", json!(["blue"])),
            ("/final/C/color", json!(["blue"])),
            ("/ops/3/values", json!(["blue"])),
        ],
        &[("lost_update", Some(0)), ("lost_update", Some(1))],
    );
}

#[test]
fn racing_writers_siblings_keeps_all_then_a_reconciling_put_replaces_them() {
    check(
        &lesson("racing-siblings"),
        &[
            ("/ops/3/values", json!(["blue", "green", "red"])),
            ("/ops/5/values", json!(["purple"])),
            ("/final/A/color", json!(["purple"])),
            ("/final/B/color", json!(["purple"])),
            ("/final/C/color", json!(["purple"])),
        ],
        &[],
    );
    // Without the reconciling put, all three survive side by side on every replica.
    let text = lesson("racing-siblings");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["events"].as_array_mut().unwrap().truncate(4);
    check(
        &v.to_string(),
        &[
            ("/final/A/color", json!(["blue", "green", "red"])),
            ("/final/B/color", json!(["blue", "green", "red"])),
            ("/final/C/color", json!(["blue", "green", "red"])),
        ],
        &[],
    );
}

#[test]
fn blind_put_does_not_replace_what_was_read() {
    let text = lesson("racing-siblings");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["events"][4]["blind"] = json!(true);
    check(&v.to_string(), &[("/ops/5/values", json!(["blue", "green", "purple", "red"]))], &[]);
}

#[test]
fn lww_with_a_skewed_clock_loses_an_acknowledged_write() {
    let (_, r) = check(
        &lesson("lww-skew"),
        &[("/ops/1/status", json!("ok")), ("/ops/2/values", json!(["old"])), ("/final/A/profile", json!(["old"]))],
        &[("lost_update", Some(1)), ("stale_read", Some(2))],
    );
    let lost = r["anomalies"].as_array().unwrap().iter().find(|a| a["kind"] == "lost_update").unwrap();
    assert!(lost["explanation"].as_str().unwrap().contains("bob -100 ms"), "{lost}");
}

#[test]
fn sloppy_quorum_writes_land_on_fallbacks_and_handoff_brings_them_home() {
    let (sim, r) = check(
        &lesson("sloppy-quorum"),
        &[
            ("/ops/0/status", json!("ok")),
            ("/ops/0/sent_to", json!(["ap1", "ap2", "ap3"])),
            ("/ops/0/hinted", json!([["ap1", "us1"], ["ap2", "us2"], ["ap3", "us3"]])),
            ("/ops/1/values", json!(["book"])),
            ("/final/us1/cart", json!(["book"])),
            ("/hints", json!([])),
        ],
        &[],
    );
    assert!(r["final"]["ap1"].as_object().unwrap().is_empty(), "the fallback dropped its copy after handoff");
    let handed: Vec<_> = sim.recording().trace.iter().filter(|e| matches!(e.ev, Ev::HandedOff { .. })).collect();
    assert_eq!(handed.len(), 3);
    assert!(handed.iter().all(|e| e.at_us > 1_000_000), "handoff waits for handoff_ms");
}

#[test]
fn sloppy_quorum_stale_before_handoff_fresh_after() {
    let (_, r) = check(
        &lesson("sloppy-stale-read"),
        &[("/ops/0/status", json!("ok")), ("/ops/1/values", json!([])), ("/ops/2/values", json!(["book"]))],
        &[("stale_read", Some(1))],
    );
    let mut replied = names(&r["ops"][1]["replied_by"]);
    replied.sort();
    assert!(replied.iter().all(|n| n.starts_with("us")), "the read went to the recovered home replicas: {replied:?}");
    let why = r["anomalies"][0]["explanation"].as_str().unwrap();
    assert!(why.contains("sloppy quorum") && why.contains("W+R=4 > N=3"), "{why}");
}

#[test]
fn sloppy_get_before_detection_still_uses_the_old_view() {
    // A request sent before the crash is detected goes to the home replicas and times out there.
    let mut v: Value = serde_json::from_str(&lesson("sloppy-quorum")).unwrap();
    v["events"][1]["at_ms"] = json!(10);
    let (sim, r) = check(
        &v.to_string(),
        &[("/ops/0/status", json!("failed")), ("/ops/0/sent_to", json!(["us1", "us2", "us3"]))],
        &[],
    );
    let timeouts = sim.recording().trace.iter().filter(|e| matches!(e.ev, Ev::RequestTimeout { op: 0, .. })).count();
    assert_eq!(timeouts, 3);
    assert_eq!(r["ops"][1]["values"], json!([]));
}

#[test]
fn read_repair_heals_the_stale_replica() {
    let (sim, _) = check(
        &lesson("read-repair"),
        &[("/ops/2/values", json!(["v2"])), ("/ops/2/read_repaired", json!(["C"])), ("/final/C/x", json!(["v2"]))],
        &[],
    );
    assert!(sim.recording().trace.iter().any(|e| matches!(e.ev, Ev::ReadRepair { node: 2, .. })));
    // The same run without read repair leaves C behind.
    let mut v: Value = serde_json::from_str(&lesson("read-repair")).unwrap();
    v["replication"]["read_repair"] = json!(false);
    check(&v.to_string(), &[("/final/C/x", json!(["v1"]))], &[("divergence", None)]);
}

#[test]
fn read_repair_also_repairs_replies_that_arrive_after_the_get_returned() {
    // C answers last (slow link); the get has already returned from A and B.
    let mut v: Value = serde_json::from_str(&lesson("read-repair")).unwrap();
    v["network"]["links"] = json!([{"from": "bob", "to": "C", "latency_ms": 40}]);
    check(
        &v.to_string(),
        &[
            ("/ops/2/replied_by", json!(["A", "B"])),
            ("/ops/2/read_repaired", json!(["C"])),
            ("/final/C/x", json!(["v2"])),
        ],
        &[],
    );
}

/// Internal tree nodes above the given leaves in a depth-d binary tree.
fn ancestors(leaves: &[u32], depth: u32) -> usize {
    let mut set = std::collections::BTreeSet::new();
    for &l in leaves {
        let mut i = (1u32 << depth) + l;
        while i > 1 {
            i /= 2;
            set.insert(i);
        }
    }
    set.len()
}

#[test]
fn anti_entropy_exchanges_only_differing_keys_at_the_merkle_cost() {
    let (sim, r) =
        check(&lesson("anti-entropy"), &[("/final/C/item03", json!(["b3"])), ("/final/C/item17", json!(["b17"]))], &[]);
    let depth = 4;
    let xs = r["anti_entropy"].as_array().unwrap();
    let repairing: Vec<&Value> = xs.iter().filter(|x| x["keys_exchanged"].as_u64().unwrap() > 0).collect();
    assert!(!repairing.is_empty());
    let first = repairing[0];
    assert_eq!(first["keys"], json!(["item03", "item11", "item17"]));
    let leaves: Vec<u32> = ["item03", "item11", "item17"]
        .iter()
        .map(|k| quorumscope_core::leaf_of(quorumscope_core::Ring::key_position(k), depth))
        .collect();
    assert_eq!(first["hashes_compared"].as_u64().unwrap(), 1 + 2 * ancestors(&leaves, depth) as u64);
    assert_eq!(first["naive_hashes"], json!(16));
    // Replicas that agree settle it with one hash.
    assert!(xs.iter().any(|x| x["keys_exchanged"] == 0 && x["hashes_compared"] == 1));
    // Each step is a trace event.
    assert!(sim.recording().trace.iter().any(|e| matches!(&e.ev, Ev::Merkle { step: MerkleStep::Level { .. }, .. })));
}

#[test]
fn anti_entropy_single_key_costs_one_plus_two_depth() {
    for depth in [3u32, 10] {
        let text = json!({
            "nodes": ["A", "B"],
            "replication": {"n": 2, "w": 1, "r": 1, "anti_entropy_ms": 300, "merkle_depth": depth},
            "network": {"latency_ms": 2},
            "events": [
                {"at_ms": 0, "client": "c", "put": "a", "value": "1"},
                {"at_ms": 0, "client": "c", "put": "b", "value": "2"},
                {"at_ms": 20, "crash": "B"},
                {"at_ms": 100, "client": "c", "put": "a", "value": "3"},
                {"at_ms": 150, "recover": "B"}
            ],
            "run_until_ms": 1500
        });
        let (_, r) = check(&text.to_string(), &[("/final/B/a", json!(["3"]))], &[]);
        let x = r["anti_entropy"].as_array().unwrap().iter().find(|x| x["keys_exchanged"] == 1).unwrap().clone();
        assert_eq!(x["hashes_compared"], json!(1 + 2 * depth as u64), "depth {depth}: {x}");
        assert_eq!(x["naive_hashes"], json!(1u64 << depth));
    }
}

#[test]
fn partition_cuts_messages_and_heal_restores_them() {
    let text = json!({
        "nodes": ["A", "B", "C"],
        "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 2, "r": 2},
        "network": {"latency_ms": 5},
        "events": [
            {"at_ms": 0, "partition": [["A", "alice"], ["B", "C"]]},
            {"at_ms": 10, "client": "alice", "put": "k", "value": "v"},
            {"at_ms": 600, "heal": true},
            {"at_ms": 700, "client": "alice", "put": "k", "value": "w"}
        ]
    });
    let (sim, _) = check(
        &text.to_string(),
        &[("/ops/0/status", json!("failed")), ("/ops/0/acked_by", json!(["A"])), ("/ops/1/status", json!("ok"))],
        &[],
    );
    let dropped = sim
        .recording()
        .trace
        .iter()
        .filter(|e| matches!(e.ev, Ev::Dropped { reason: quorumscope_core::DropReason::Partition, .. }))
        .count();
    assert_eq!(dropped, 2);
}

#[test]
fn message_loss_drops_messages_halfway() {
    let text = json!({
        "nodes": ["A", "B", "C"], "seed": 1,
        "network": {"latency_ms": 10, "loss": 0.5},
        "events": (0..20).map(|i| json!({"at_ms": i * 10, "client": "c", "put": format!("k{i}"), "value": format!("v{i}")})).collect::<Vec<_>>()
    });
    let (sim, _) = run(&text.to_string());
    let lost: Vec<_> = sim
        .recording()
        .messages
        .iter()
        .filter(|m| m.fate == quorumscope_core::Fate::Dropped(quorumscope_core::DropReason::Lost))
        .collect();
    assert!(
        lost.len() > 10 && lost.len() < sim.recording().messages.len() - 10,
        "{} of {}",
        lost.len(),
        sim.recording().messages.len()
    );
    // Lost halfway: the record keeps the real flight time, so a lost message is drawn moving at
    // the speed of every other message and stopping where it was lost.
    assert!(lost.iter().all(|m| m.arrive_us - m.sent_us == 10_000 && m.lost_at_us == Some(m.sent_us + 5_000)));
    assert!(lost.iter().all(|m| (m.progress_at(m.sent_us + 2_500) - 0.25).abs() < 1e-12));
    assert!(lost.iter().all(|m| (m.progress_at(m.arrive_us) - 0.5).abs() < 1e-12), "stops where it was lost");
    let delivered = sim.recording().messages.iter().find(|m| m.fate == quorumscope_core::Fate::Delivered);
    assert_eq!(delivered.map(|m| (m.lost_at_us, m.progress_at(m.arrive_us))), Some((None, 1.0)));
}

#[test]
fn monotonic_read_violation_is_named() {
    // Alice reads v1 from A, then reads again from C, which never got it (W=1, R=1).
    let text = json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 1, "r": 1},
        "clients": [{"id": "w"}, {"id": "alice"}],
        "network": {"latency_ms": 5, "links": [
            {"from": "w", "to": "B", "latency_ms": 900}, {"from": "w", "to": "C", "latency_ms": 900},
            {"from": "alice", "to": "B", "latency_ms": 50}, {"from": "alice", "to": "C", "latency_ms": 50}]},
        "events": [
            {"at_ms": 0, "client": "w", "put": "k", "value": "v1"},
            {"at_ms": 50, "client": "alice", "get": "k"},
            {"at_ms": 100, "crash": "A"},
            {"at_ms": 200, "client": "alice", "get": "k"}
        ],
        "run_until_ms": 800
    });
    check(
        &text.to_string(),
        &[("/ops/1/values", json!(["v1"])), ("/ops/2/values", json!([]))],
        &[("monotonic_read", Some(2)), ("stale_read", Some(2))],
    );
}

#[test]
fn preference_lists_can_come_from_the_ring() {
    let text = json!({"nodes": ["A", "B", "C", "D", "E"], "replication": {"n": 3, "w": 2, "r": 2},
        "events": [{"at_ms": 0, "client": "c", "put": "k", "value": "v"}]});
    let (_, r) = run(&text.to_string());
    let pref = names(&r["ops"][0]["preference"]);
    assert_eq!(pref.len(), 5);
    assert_eq!(names(&r["ops"][0]["sent_to"]), pref[..3].to_vec());
    // The three home replicas hold the value; the fallbacks do not.
    for (i, n) in pref.iter().enumerate() {
        assert_eq!(r["final"][n].get("k").is_some(), i < 3, "{n}");
    }
}

#[test]
fn leaderless_basics_write_to_all_home_replicas_read_from_a_subset() {
    let (_, r) = check(
        &lesson("leaderless-basics"),
        &[("/ops/0/sent_to", json!(["A", "B", "C"])), ("/ops/1/values", json!(["hello"]))],
        &[],
    );
    assert_eq!(names(&r["ops"][0]["acked_by"]).len(), 2, "the put returns at W=2");
    assert_eq!(names(&r["ops"][0]["late_acks"]).len(), 1, "the third acknowledgement still arrives");
    assert_eq!(names(&r["ops"][1]["replied_by"]).len(), 2);
    assert!(r["final"]["D"].as_object().unwrap().is_empty(), "D is only a fallback");
}

#[test]
fn when_to_use_a_timeline_tolerates_staleness_a_balance_loses_money() {
    check(
        &lesson("when-to-use"),
        &[
            ("/ops/1/values", json!(["100"])),
            ("/ops/2/values", json!(["100"])),
            ("/final/A/balance", json!(["50"])),
            ("/ops/6/values", json!([])),
            ("/ops/7/values", json!(["Lunch at noon!"])),
        ],
        &[("lost_update", Some(3)), ("stale_read", Some(6))],
    );
}

#[test]
fn every_lesson_has_narrated_steps_within_its_run() {
    let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue; // expected/: the reviewed reports
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (file, sc) = quorumscope_core::parse(&text).unwrap();
        assert!(!file.steps.is_empty(), "{path:?} has no steps");
        assert!(file.steps.iter().any(|s| s.predict.is_some()), "{path:?} has no predict-then-reveal checkpoint");
        for s in &file.steps {
            assert!(s.at_ms * 1000.0 <= sc.run_until_us as f64, "{path:?}: step at {} after the end", s.at_ms);
            assert!(
                s.predict.is_none() || (s.reveal.is_some() && s.answer.is_some()),
                "{path:?}: a question without an answer"
            );
        }
    }
}

/// The `lessons/` folder and its lessons' names, sorted.
fn lesson_names() -> (String, Vec<String>) {
    let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(String::from))
        .collect();
    names.sort();
    (dir, names)
}

/// Every lesson's whole report is kept, reviewed, in `lessons/expected/NAME.json`, so a change in
/// what a lesson shows (an outcome, an anomaly, a sentence) is a visible diff. After a deliberate
/// change, `QS_BLESS=1 cargo test -p quorumscope-core --test lessons` rewrites them; review the
/// diff before committing.
#[test]
fn every_lesson_report_matches_its_reviewed_expectation() {
    let (dir, names) = lesson_names();
    assert!(names.len() >= 13, "{names:?}");
    let bless = std::env::var_os("QS_BLESS").is_some();
    let mut changed = Vec::new();
    for name in &names {
        let (_, report) = run(&lesson(name));
        let got = serde_json::to_string_pretty(&report).unwrap() + "\n";
        let path = format!("{dir}/expected/{name}.json");
        if bless {
            std::fs::create_dir_all(format!("{dir}/expected")).unwrap();
            std::fs::write(&path, &got).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(got.as_str()) {
            changed.push(path);
        }
    }
    assert!(
        changed.is_empty(),
        "reports differ from the reviewed expectations (QS_BLESS=1 rewrites them): {changed:#?}"
    );
}

/// A run that reaches the step cap says so, and reports where it really stopped.
#[test]
fn a_run_stopped_by_the_step_cap_says_where_it_stopped() {
    let (_, sc) = quorumscope_core::parse(&lesson("stale-read")).unwrap();
    let mut sim = Sim::new(sc.clone(), Level::Summary).with_step_cap(10);
    sim.run();
    assert!(sim.truncated());
    let r = serde_json::to_value(sim.report()).unwrap();
    assert_eq!(r["stats"]["truncated"], json!(true));
    assert_eq!(r["stats"]["steps"], json!(10));
    let end = r["stats"]["sim_end_ms"].as_f64().unwrap();
    assert!(end < sc.run_until_us as f64 / 1000.0, "stopped at {end} ms, not at the scenario's end");
    let note = r["stats"]["note"].as_str().unwrap();
    assert!(
        note.contains("cap of 10 steps") && note.contains(&format!("at {} ms", quorumscope_core::num::num(end))),
        "{note}"
    );
    // A run within the cap says nothing.
    let (_, whole) = run(&lesson("stale-read"));
    assert!(whole["stats"].get("note").is_none() && whole["stats"]["truncated"] == json!(false));
}

/// Every lesson's files in `lessons/`, by name.
fn every_lesson() -> Vec<(String, String)> {
    let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), std::fs::read_to_string(format!("{dir}/{n}")).unwrap())).collect()
}

#[test]
fn every_caption_is_true_of_its_run_while_it_is_shown() {
    let mut problems = Vec::new();
    for (name, text) in every_lesson() {
        let (file, sc) = quorumscope_core::parse(&text).unwrap();
        let mut sim = Sim::new(sc, Level::Full);
        sim.run();
        for (i, s) in file.steps.iter().enumerate() {
            if s.when.is_none() && s.describes.is_empty() {
                problems
                    .push(format!("{name}: steps[{i}] neither is tied to a happening (`when`) nor `describes` one"));
            }
        }
        let end_us = sim.scenario().run_until_us;
        let found = quorumscope_core::step_problems(&file.steps, sim.scenario(), sim.recording(), end_us);
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_caption_tied_to_a_happening_follows_it_when_timings_change() {
    // The handoff caption of sloppy-quorum is shown when the first handoff leaves; with a longer
    // handoff interval it moves with it, and a caption that describes the wrong moment is caught.
    let text = lesson("sloppy-quorum");
    let times = |text: &str| {
        let (file, sc) = quorumscope_core::parse(text).unwrap();
        let mut sim = Sim::new(sc, Level::Full);
        sim.run();
        let first_handoff = sim.recording().messages.iter().find(|m| m.kind == quorumscope_core::MsgKind::Handoff);
        let at = quorumscope_core::step_times_us(&file.steps, sim.scenario(), sim.recording());
        (at[3], first_handoff.map(|m| m.sent_us))
    };
    let (shown, handoff) = times(&text);
    assert_eq!(shown, handoff);
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["replication"]["handoff_ms"] = json!(1500);
    let (shown_later, handoff_later) = times(&v.to_string());
    assert_eq!(shown_later, handoff_later);
    assert!(shown_later > shown, "{shown_later:?} after {shown:?}");
    // Untied and shown at a fixed 2100 ms, the caption comes after the handoff it describes, and
    // the check says so.
    v["steps"][3].as_object_mut().unwrap().remove("when");
    v["steps"][3]["at_ms"] = json!(2100);
    let (file, sc) = quorumscope_core::parse(&v.to_string()).unwrap();
    let mut sim = Sim::new(sc, Level::Full);
    sim.run();
    let p = quorumscope_core::step_problems(&file.steps, sim.scenario(), sim.recording(), sim.scenario().run_until_us);
    assert!(p.iter().any(|p| p.starts_with("steps[3].describes[0] happens at")), "{p:?}");
}

#[test]
fn quorums_with_w_plus_r_above_n_are_not_linearizable_while_a_write_is_in_flight() {
    // The lesson's history: Bob reads v1, then (after his read ended) Carol reads v0 — no anomaly
    // of the checker's own (the put had not completed), but no linear order explains both.
    let (sim, report) = check(
        &lesson("quorum-not-linearizable"),
        &[("/ops/2/values", json!(["v1"])), ("/ops/3/values", json!(["v0"]))],
        &[],
    );
    let c = sim.consistency_json();
    assert_eq!(c["linearizable"], false, "{c:#}");
    assert_eq!(c["models"]["sequential"]["verdict"], "held");
    let e = c["explanation"].as_str().unwrap();
    assert!(e.contains("bob read v1 and ended before carol's read began, yet that read returned v0"), "{e}");
    assert!(report["anomalies"].as_array().unwrap().is_empty());
    // Near miss: Carol reads once the put has completed — linearizable.
    let mut v: Value = serde_json::from_str(&lesson("quorum-not-linearizable")).unwrap();
    v["events"][3]["at_ms"] = json!(200);
    let (sim, _) = run(&v.to_string());
    assert_eq!(sim.consistency_json()["linearizable"], true);
}

/// `quorumscope run` writes its JSON as it is made (`Sim::write_run_json`): for every lesson, with
/// and without the trace, compact and indented, the bytes are those of the whole document built as
/// one JSON tree (as it was before it took gigabytes on long runs).
#[test]
fn the_run_json_written_as_it_is_made_is_the_whole_document() {
    let (_, names) = lesson_names();
    let mut texts: Vec<(String, String)> = names.iter().map(|n| (n.clone(), lesson(n))).collect();
    // Names out of order, so that sorting them is seen: nodes, keys and clients.
    texts.push((
        "unsorted".into(),
        r#"{"nodes": ["n9", "n10", "b", "a"], "replication": {"n": 3, "w": 2, "r": 2, "conflicts": "siblings"},
           "events": [{"at_ms": 1, "client": "z", "put": "k2", "value": "x"}, {"at_ms": 1, "client": "y", "put": "k2", "value": "y"},
                      {"at_ms": 1, "client": "z", "put": "k10", "value": "x"}, {"at_ms": 20, "client": "y", "get": "k2"}]}"#
            .into(),
    ));
    for (name, text) in &texts {
        let (_, sc) = quorumscope_core::parse(text).unwrap();
        let mut sim = Sim::new(sc, Level::Full);
        sim.run();
        for (trace, pretty) in [(false, false), (true, false), (true, true)] {
            let mut whole = serde_json::to_value(sim.report()).unwrap();
            whole["consistency"] = sim.consistency_json();
            if trace {
                whole["trace"] = sim.trace_json();
            }
            let want = if pretty { serde_json::to_string_pretty(&whole) } else { serde_json::to_string(&whole) };
            let mut got = Vec::new();
            sim.write_run_json(&mut got, trace, pretty).unwrap();
            assert!(String::from_utf8(got).unwrap() == want.unwrap(), "{name}: trace {trace}, pretty {pretty}");
        }
    }
}

/// A run that reaches the cap on messages sent stops there and says which cap it reached.
#[test]
fn a_run_stopped_by_the_message_cap_says_so() {
    let (_, sc) = quorumscope_core::parse(&lesson("stale-read")).unwrap();
    let mut sim = Sim::new(sc.clone(), Level::Full).with_message_cap(10);
    sim.run();
    assert!(sim.truncated());
    assert!((10..15).contains(&sim.recording().messages.len()));
    let note = sim.truncation_note().unwrap();
    assert!(note.contains("cap of 10 messages sent"), "{note}");
    let r = serde_json::to_value(sim.report()).unwrap();
    assert_eq!(r["stats"]["truncated"], json!(true));
    // Without the lower cap the same lesson runs to its end.
    let mut whole = Sim::new(sc, Level::Full);
    whole.run();
    assert!(!whole.truncated() && whole.recording().messages.len() > 10);
}

/// A run whose anti-entropy reaches the cap on Merkle hashes stops there, says which cap and
/// where it really stopped; the same lesson without the lower cap runs to its end.
#[test]
fn a_run_stopped_by_the_merkle_hash_cap_says_so() {
    let (_, sc) = quorumscope_core::parse(&lesson("anti-entropy")).unwrap();
    let mut whole = Sim::new(sc.clone(), Level::Full);
    whole.run();
    assert!(!whole.truncated());
    let end_ms = whole.report().stats.sim_end_ms;
    let mut sim = Sim::new(sc, Level::Full).with_merkle_hash_cap(40);
    sim.run();
    assert!(sim.truncated());
    let note = sim.truncation_note().unwrap();
    assert!(note.contains("cap of 40 Merkle hashes computed by anti-entropy"), "{note}");
    let stopped_ms = sim.report().stats.sim_end_ms;
    assert!(stopped_ms < end_ms, "stopped at {stopped_ms} ms, the whole run ends at {end_ms} ms");
    assert!(note.contains(&format!("at {} ms of", quorumscope_core::num::num(stopped_ms))), "{note}");
}

/// A run whose gets have returned more bytes of values than the cap stops there and says so:
/// the quorum-overlap lesson's four gets each return a two-byte value, so a cap of 3 stops it
/// once the second has returned, the later gets left pending.
#[test]
fn a_run_stopped_by_the_returned_bytes_cap_says_so() {
    let (_, sc) = quorumscope_core::parse(&lesson("quorum-overlap")).unwrap();
    let mut sim = Sim::new(sc, Level::Full).with_returned_bytes_cap(3);
    sim.run();
    assert!(sim.truncated());
    let note = sim.truncation_note().unwrap();
    assert!(note.contains("cap of 3 bytes of values returned by gets"), "{note}");
    let r = serde_json::to_value(sim.report()).unwrap();
    let gets: Vec<&serde_json::Value> = r["ops"].as_array().unwrap().iter().filter(|o| o["op"] == "get").collect();
    let read: usize =
        gets.iter().filter_map(|o| o["values"].as_array()).flatten().map(|v| v.as_str().unwrap().len()).sum();
    assert_eq!(read, 4, "two two-byte values read when it stopped");
    assert!(gets.iter().any(|o| o["status"] == "pending"), "a get after the cut is still pending");
}

/// ... and the same for the number of values returned: a cap of 2 stops the quorum-overlap
/// lesson once its second get has returned.
#[test]
fn a_run_stopped_by_the_returned_values_cap_says_so() {
    let (_, sc) = quorumscope_core::parse(&lesson("quorum-overlap")).unwrap();
    let mut sim = Sim::new(sc, Level::Full).with_returned_values_cap(2);
    sim.run();
    let note = sim.truncation_note().unwrap();
    assert!(note.contains("cap of 2 values returned by gets"), "{note}");
    let r = serde_json::to_value(sim.report()).unwrap();
    let gets: Vec<&serde_json::Value> = r["ops"].as_array().unwrap().iter().filter(|o| o["op"] == "get").collect();
    assert_eq!(gets.iter().filter(|o| o["status"] == "ok").count(), 2);
    assert!(gets.iter().any(|o| o["status"] == "pending"), "a get after the cut is still pending");
}

/// ... and for versions merged: a put stored on three replicas merges three one-version copies,
/// and a get merges each reply into its answer, so a cap of 4 stops the run once the get's first
/// reply is merged (the get pending); siblings count each version. A run stops once it has
/// reached a cap, so one exactly at the total stops too (saying so, with nothing left undone).
#[test]
fn a_run_stopped_by_the_merged_versions_cap_says_so() {
    let text = |conflicts: &str| {
        format!(
            r#"{{"nodes": ["a", "b", "c"], "replication": {{"n": 3, "w": 3, "r": 3, "conflicts": "{conflicts}"}},
                "network": {{"latency_ms": 1}},
                "events": [{{"at_ms": 0, "client": "x", "put": "k", "value": "1"}},
                           {{"at_ms": 0, "client": "y", "put": "k", "value": "2"}},
                           {{"at_ms": 10, "client": "z", "get": "k"}}]}}"#
        )
    };
    let run = |conflicts: &str, cap: u64| {
        let (_, sc) = quorumscope_core::parse(&text(conflicts)).unwrap();
        let mut sim = Sim::new(sc, Level::Full).with_merged_versions_cap(cap);
        sim.run();
        let get = serde_json::to_value(sim.report()).unwrap()["ops"][2]["status"].clone();
        (sim.truncation_note(), get)
    };
    // lww: 6 stored copies of one version each, then 3 replies of one version.
    assert_eq!(run("lww", 10), (None, serde_json::json!("ok")));
    assert!(run("lww", 9).0.is_some());
    let (note, get) = run("lww", 7);
    assert!(note.unwrap().contains("cap of 7 versions merged by replicas and clients"));
    assert_eq!(get, "pending");
    // siblings: each replica's second put makes two versions (3 × (1 + 2)), each reply is two.
    assert_eq!(run("siblings", 16), (None, serde_json::json!("ok")));
    assert_eq!(run("siblings", 13).1, "pending", "two replies of two versions merged: 9 + 4");
}

/// The steps' times, each kind of happening found once for all its counts, equal each `when`
/// asked alone (the plain definition), on every lesson, on a run that names one kind often and
/// on one that names many different happenings (every kind of `is`, with and without op, from,
/// to and count, some of them never taking place).
#[test]
fn step_times_equal_each_happening_asked_alone() {
    let (dir, mut names) = lesson_names();
    names.push(String::new());
    names.push("many".into());
    for name in &names {
        let text = if name == "many" {
            let mut whens: Vec<String> = Vec::new();
            for i in 0..8 {
                for is in ["start", "end", "ok", "failed"] {
                    whens.push(format!(r#"{{"op": {i}, "is": "{is}"}}"#));
                }
                whens.push(format!(r#"{{"event": {i}, "is": "runs"}}"#));
                for (msg, is, who) in [
                    ("put", "arrives", r#", "to": "B""#),
                    ("put_ack", "sent", r#", "from": "C""#),
                    ("get", "lost", ""),
                    ("get_reply", "arrives", r#", "to": "c1""#),
                ] {
                    whens.push(format!(r#"{{"msg": "{msg}", "op": {i}, "is": "{is}"{who}}}"#));
                    whens.push(format!(r#"{{"msg": "{msg}", "is": "{is}", "count": {}{who}}}"#, i + 1));
                }
            }
            let steps: Vec<String> = whens.iter().map(|w| format!(r#"{{"caption": "s", "when": {w}}}"#)).collect();
            let events: Vec<String> = (0..8)
                .map(|i| match i % 3 {
                    0 => format!(r#"{{"at_ms": {i}, "client": "c{}", "put": "k", "value": "v{i}"}}"#, i % 2),
                    1 => format!(r#"{{"at_ms": {i}, "client": "c{}", "get": "k"}}"#, i % 2),
                    _ => format!(r#"{{"at_ms": {i}, "crash": "A"}}"#),
                })
                .collect();
            format!(
                r#"{{"nodes": ["A", "B", "C"], "network": {{"latency_ms": 2, "loss": 0.3}}, "events": [{}], "steps": [{}]}}"#,
                events.join(","),
                steps.join(",")
            )
        } else if name.is_empty() {
            // Twenty steps naming the n-th put sent, some past the last.
            let steps: Vec<String> = (1..=20)
                .map(|n| {
                    format!(r#"{{"caption": "put {n}", "when": {{"msg": "put", "is": "sent", "count": {}}}}}"#, n * 2)
                })
                .collect();
            let events: Vec<String> =
                (0..6).map(|i| format!(r#"{{"at_ms": {i}, "client": "c", "put": "k", "value": "v{i}"}}"#)).collect();
            format!(r#"{{"nodes": ["A", "B", "C"], "events": [{}], "steps": [{}]}}"#, events.join(","), steps.join(","))
        } else {
            std::fs::read_to_string(format!("{dir}/{name}.json")).unwrap()
        };
        let (_, sc) = quorumscope_core::parse(&text).unwrap();
        let mut sim = quorumscope_core::Sim::new(sc, quorumscope_core::Level::Full);
        sim.run();
        let (sc, rec) = (sim.scenario(), sim.recording());
        let alone: Vec<Option<u64>> = sc
            .steps
            .iter()
            .map(|s| {
                let earliest = quorumscope_core::ms_to_us(s.at_ms);
                let Some(h) = &s.when else { return Some(earliest) };
                let at = quorumscope_core::happens_at_us(h, sc, rec)?;
                Some(((at as i64) + (h.ms * 1000.0).round() as i64).max(0) as u64).map(|t| t.max(earliest))
            })
            .collect();
        assert_eq!(quorumscope_core::step_times_us(&sc.steps, sc, rec), alone, "{name}");
        if name.is_empty() || name == "many" {
            assert!(alone.iter().any(Option::is_some) && alone.iter().any(Option::is_none), "{alone:?}");
        }
        if name == "many" {
            let found = alone.iter().filter(|t| t.is_some()).count();
            assert!(found > 30, "many of the {} named happen: {found}", alone.len());
        }
    }
}

/// Past `MAX_LISTED_PER_KIND` anomalies of a kind the report lists the first ones found and
/// counts the rest: 12 puts fail (W = 3, one replica down) yet each is stored on two replicas,
/// and 100 gets each return all 12, so the run has 1,200 reads of failed writes.
#[test]
fn anomalies_past_the_listing_limit_are_counted_not_listed() {
    let mut events = vec![r#"{"at_ms": 0, "crash": "n2"}"#.to_string()];
    events.extend(
        (0..12).map(|i| format!(r#"{{"at_ms": 1, "client": "c{i}", "put": "k", "value": "v{i}", "blind": true}}"#)),
    );
    events.extend((0..100).map(|i| format!(r#"{{"at_ms": {}, "client": "r{}", "get": "k"}}"#, 600 + i, i % 8)));
    let text = format!(
        r#"{{"nodes": ["n0", "n1", "n2"], "replication": {{"n": 3, "w": 3, "r": 2, "conflicts": "siblings", "hinted_handoff": false}}, "events": [{}]}}"#,
        events.join(", ")
    );
    let (sim, report) = run(&text);
    let listed = sim.anomalies().iter().filter(|a| a.kind == AnomalyKind::FailedWriteRead).count();
    assert_eq!(listed, quorumscope_core::MAX_LISTED_PER_KIND);
    assert_eq!(sim.anomalies_not_listed(), vec![(AnomalyKind::FailedWriteRead, 1_200 - 1_000)]);
    assert_eq!(report["stats"]["anomalies_not_listed"], serde_json::json!({"failed_write_read": 200}));
    // The first found are listed: those of the first gets, in operation order.
    let first_ops: Vec<u32> = sim.anomalies().iter().filter_map(|a| a.op).collect();
    assert!(first_ops.windows(2).all(|w| w[0] <= w[1]), "{first_ops:?}");
    // Ops 0 to 11 are the puts; 83 gets list 996, and the 84th (op 95) the last four.
    assert_eq!(first_ops.last(), Some(&(12 + 83)));
}
