//! The checker's words: for each anomaly, a case that must be flagged and a near miss that must
//! not (definitions: `quorumscope_core::AnomalyKind`, repeated in the README).

use quorumscope_core::run_text;
use quorumscope_core::AnomalyKind;
use quorumscope_core::Level;
use serde_json::{json, Value};

fn report(text: &Value) -> Value {
    let sim = run_text(&text.to_string(), Level::Full).unwrap_or_else(|e| panic!("scenario rejected: {e}"));
    serde_json::to_value(sim.report()).unwrap()
}

fn flagged(r: &Value, kind: &str) -> Vec<Value> {
    r["anomalies"].as_array().unwrap().iter().filter(|a| a["kind"] == kind).cloned().collect()
}

fn ops(r: &Value) -> String {
    format!("{:#}\n{:#}", r["ops"], r["anomalies"])
}

#[test]
fn every_anomaly_has_one_definition() {
    let readme = std::fs::read_to_string(format!("{}/../../README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    for k in AnomalyKind::ALL {
        let def = k.definition();
        assert!(readme.contains(&format!("`{}`: {def}", k.name())), "README lacks {}'s definition: {def}", k.name());
    }
}

// stale_read ------------------------------------------------------------------------------------

fn stale(get_at: u32) -> Value {
    json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 1, "r": 1},
        "clients": [{"id": "w"}, {"id": "r"}],
        "network": {"latency_ms": 5, "links": [
            {"from": "w", "to": "B", "latency_ms": 900}, {"from": "w", "to": "C", "latency_ms": 900},
            {"from": "r", "to": "A", "latency_ms": 50}, {"from": "r", "to": "B", "latency_ms": 50}]},
        "events": [{"at_ms": 0, "client": "w", "put": "k", "value": "v1"}, {"at_ms": get_at, "client": "r", "get": "k"}],
        "run_until_ms": 500
    })
}

#[test]
fn stale_read_flagged_after_the_put_succeeded() {
    let r = report(&stale(20));
    assert_eq!(r["ops"][1]["values"], json!([]));
    assert_eq!(flagged(&r, "stale_read").len(), 1, "{}", ops(&r));
}

#[test]
fn stale_read_near_miss_a_get_that_began_before_the_put_succeeded() {
    let r = report(&stale(2));
    assert_eq!(r["ops"][1]["values"], json!([]));
    assert!(flagged(&r, "stale_read").is_empty(), "{}", ops(&r));
}

// failed_write_read ----------------------------------------------------------------------------

#[test]
fn a_failed_get_is_not_indeterminate() {
    // Reads change nothing: a failed get simply failed.
    let r = report(&json!({"nodes": ["A"], "replication": {"n": 1, "w": 1, "r": 1},
        "events": [{"at_ms": 0, "crash": "A"}, {"at_ms": 100, "client": "c", "get": "k"}]}));
    assert_eq!(r["ops"][0]["status"], json!("failed"));
    assert!(r["ops"][0].get("outcome").is_none());
}

fn failed(w: u32) -> Value {
    json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": w, "r": 1},
        "network": {"latency_ms": 5},
        "clients": [{"id": "alice"}, {"id": "bob"}],
        "events": [{"at_ms": 0, "crash": "B"}, {"at_ms": 0, "crash": "C"},
                   {"at_ms": 10, "client": "alice", "put": "k", "value": "draft"},
                   {"at_ms": 700, "client": "bob", "get": "k"}],
        "run_until_ms": 1500
    })
}

#[test]
fn failed_write_read_flagged_and_worded_as_not_confirmed() {
    let r = report(&failed(2));
    assert_eq!(r["ops"][0]["status"], json!("failed"));
    assert_eq!(r["ops"][0]["outcome"], json!("indeterminate"));
    let a = flagged(&r, "failed_write_read");
    assert_eq!(a.len(), 1, "{}", ops(&r));
    let why = a[0]["explanation"].as_str().unwrap();
    assert!(why.contains("not confirmed") && why.contains("indeterminate") && !why.contains("not written"), "{why}");
}

#[test]
fn failed_write_read_near_miss_the_same_read_of_a_confirmed_put() {
    let r = report(&failed(1));
    assert_eq!(r["ops"][0]["status"], json!("ok"));
    assert!(r["ops"][0].get("outcome").is_none());
    assert_eq!(r["ops"][1]["values"], json!(["draft"]));
    assert!(flagged(&r, "failed_write_read").is_empty(), "{}", ops(&r));
}

// monotonic_read -------------------------------------------------------------------------------

/// c1's v1 reaches only A; c2's v2 reaches every replica; alice reads {v1, v2} from A, A crashes,
/// and alice reads again from B. `replace`: bob, who also read {v1, v2}, writes v3 with that
/// context before alice's second read.
fn monotonic(replace: bool) -> Value {
    let mut events = vec![
        json!({"at_ms": 0, "client": "c1", "put": "k", "value": "v1"}),
        json!({"at_ms": 0, "client": "c2", "put": "k", "value": "v2"}),
        json!({"at_ms": 100, "client": "alice", "get": "k"}),
        json!({"at_ms": 100, "client": "bob", "get": "k"}),
        json!({"at_ms": 200, "crash": "A"}),
        json!({"at_ms": 400, "client": "alice", "get": "k"}),
    ];
    if replace {
        events.insert(5, json!({"at_ms": 300, "client": "bob", "put": "k", "value": "v3"}));
    }
    json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 1, "r": 1, "conflicts": "siblings"},
        "clients": [{"id": "c1"}, {"id": "c2"}, {"id": "alice"}, {"id": "bob"}],
        "network": {"latency_ms": 5, "links": [
            {"from": "c1", "to": "B", "latency_ms": 5000}, {"from": "c1", "to": "C", "latency_ms": 5000},
            {"from": "alice", "to": "A", "latency_ms": 1}, {"from": "bob", "to": "A", "latency_ms": 1},
            {"from": "alice", "to": "C", "latency_ms": 50}]},
        "events": events,
        "run_until_ms": 1500
    })
}

#[test]
fn monotonic_read_flagged_when_a_concurrent_sibling_disappears() {
    let r = report(&monotonic(false));
    assert_eq!(r["ops"][2]["values"], json!(["v1", "v2"]));
    assert_eq!(r["ops"][4]["values"], json!(["v2"]));
    let a = flagged(&r, "monotonic_read");
    assert_eq!(a.len(), 1, "{}", ops(&r));
    assert_eq!(a[0]["op"], json!(4));
    assert!(a[0]["explanation"].as_str().unwrap().contains("\"v1\" is gone"), "{}", a[0]);
}

#[test]
fn monotonic_read_near_miss_siblings_replaced_by_a_put_that_saw_them() {
    let r = report(&monotonic(true));
    assert_eq!(r["ops"][5]["values"], json!(["v3"]), "{}", ops(&r));
    assert!(flagged(&r, "monotonic_read").is_empty(), "{}", ops(&r));
}

// lost_update ----------------------------------------------------------------------------------

/// LWW: fast (clock +1 s) writes r before alice's p, so r wins although p came later. `later`:
/// a put by carol that started after p was acknowledged; `stored`: whether it reached a replica
/// (carol is cut off from every node otherwise); carol's clock is 2 s ahead.
fn lww_lost(stored: bool) -> Value {
    let mut events = vec![
        json!({"at_ms": 0, "client": "fast", "put": "k", "value": "r"}),
        json!({"at_ms": 10, "client": "alice", "put": "k", "value": "p"}),
        json!({"at_ms": 100, "client": "carol", "put": "k", "value": "s"}),
    ];
    if !stored {
        events.insert(0, json!({"at_ms": 0, "partition": [["carol"]]}));
    }
    json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 2, "r": 1},
        "clients": [{"id": "fast", "clock_skew_ms": 1000}, {"id": "alice"}, {"id": "carol", "clock_skew_ms": 2000}],
        "network": {"latency_ms": 5},
        "events": events,
        "run_until_ms": 1500
    })
}

#[test]
fn lost_update_flagged_though_a_later_put_started_it_stored_nothing() {
    let r = report(&lww_lost(false));
    assert_eq!(r["ops"][1]["status"], json!("ok"));
    assert_eq!(r["ops"][2]["status"], json!("failed"));
    let a = flagged(&r, "lost_update");
    assert_eq!(a.iter().map(|a| a["op"].clone()).collect::<Vec<_>>(), vec![json!(1)], "{}", ops(&r));
}

#[test]
fn lost_update_near_miss_a_later_stored_put_with_a_higher_timestamp_replaced_it() {
    let r = report(&lww_lost(true));
    assert_eq!(r["final"]["A"]["k"], json!(["s"]));
    assert!(flagged(&r, "lost_update").is_empty(), "{}", ops(&r));
}

/// Siblings: p's acknowledgements are slow (300 ms back); meanwhile bob reads p and writes q with
/// that context. p was replaced through causality, not lost. `blind`: bob's put carries no
/// context, and p survives beside q.
fn causal_replace(blind: bool) -> Value {
    let mut q = json!({"at_ms": 100, "client": "bob", "put": "k", "value": "q"});
    if blind {
        q["blind"] = json!(true);
    }
    json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 2, "r": 1, "conflicts": "siblings", "timeout_ms": 1000},
        "clients": [{"id": "alice"}, {"id": "bob"}],
        "network": {"latency_ms": 5, "links": [
            {"from": "A", "to": "alice", "latency_ms": 300, "one_way": true},
            {"from": "B", "to": "alice", "latency_ms": 300, "one_way": true},
            {"from": "C", "to": "alice", "latency_ms": 300, "one_way": true}]},
        "events": [{"at_ms": 0, "client": "alice", "put": "k", "value": "p"},
                   {"at_ms": 50, "client": "bob", "get": "k"}, q],
        "run_until_ms": 1500
    })
}

#[test]
fn lost_update_near_miss_a_put_replaced_through_causality_before_its_acks_returned() {
    let r = report(&causal_replace(false));
    assert_eq!(r["ops"][0]["status"], json!("ok"));
    assert!(r["ops"][0]["end_ms"].as_f64().unwrap() > 300.0);
    assert_eq!(r["ops"][1]["values"], json!(["p"]));
    assert_eq!(r["final"]["A"]["k"], json!(["q"]));
    assert!(flagged(&r, "lost_update").is_empty(), "{}", ops(&r));
}

#[test]
fn lost_update_siblings_keep_a_put_a_blind_put_did_not_see() {
    let r = report(&causal_replace(true));
    assert_eq!(r["final"]["A"]["k"], json!(["p", "q"]));
    assert!(flagged(&r, "lost_update").is_empty(), "{}", ops(&r));
}

#[test]
fn lost_update_flagged_for_concurrent_lww_writes() {
    // Two writers at once, equal clocks: one of the two acknowledged puts is silently dropped.
    let r = report(&json!({
        "nodes": ["A", "B", "C"], "replication": {"n": 3, "w": 2, "r": 1},
        "events": [{"at_ms": 0, "client": "a", "put": "k", "value": "x"}, {"at_ms": 0, "client": "b", "put": "k", "value": "y"}]
    }));
    assert_eq!(flagged(&r, "lost_update").len(), 1, "{}", ops(&r));
}

// divergence -----------------------------------------------------------------------------------

fn diverge(recover: bool) -> Value {
    let mut events =
        vec![json!({"at_ms": 0, "crash": "C"}), json!({"at_ms": 10, "client": "c", "put": "k", "value": "v"})];
    if recover {
        events.push(json!({"at_ms": 500, "recover": "C"}));
    }
    json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 2, "r": 1}, "network": {"latency_ms": 5},
        "events": events, "run_until_ms": 1500
    })
}

#[test]
fn divergence_flagged_when_live_home_replicas_disagree() {
    let r = report(&diverge(true));
    assert_eq!(flagged(&r, "divergence").len(), 1, "{}", ops(&r));
}

#[test]
fn divergence_near_miss_the_replica_behind_is_still_down() {
    let r = report(&diverge(false));
    assert!(flagged(&r, "divergence").is_empty(), "{}", ops(&r));
}

// read repair in the report ----------------------------------------------------------------------

#[test]
fn read_repaired_lists_each_replica_once_and_says_which_repair_never_arrived() {
    // C missed v2; bob's get (R=3) repairs it, but C is cut off just before the repair arrives.
    let text = json!({
        "nodes": ["A", "B", "C"], "keys": {"x": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 2, "r": 3, "read_repair": true},
        "clients": [{"id": "alice"}, {"id": "bob"}],
        "network": {"latency_ms": 5, "links": [{"from": "bob", "to": "C", "latency_ms": 20}]},
        "events": [
            {"at_ms": 0, "client": "alice", "put": "x", "value": "v1"},
            {"at_ms": 50, "crash": "C"},
            {"at_ms": 100, "client": "alice", "put": "x", "value": "v2"},
            {"at_ms": 200, "recover": "C"},
            {"at_ms": 300, "client": "bob", "get": "x"},
            {"at_ms": 350, "partition": [["C"]]}
        ],
        "run_until_ms": 1000
    });
    let r = report(&text);
    assert_eq!(r["ops"][2]["values"], json!(["v2"]));
    assert_eq!(r["ops"][2]["read_repaired"], json!(["C"]));
    assert_eq!(r["ops"][2]["read_repair_undelivered"], json!(["C"]));
    assert_eq!(r["final"]["C"]["x"], json!(["v1"]));
    // Without the partition the repair arrives and nothing is listed as undelivered.
    let mut healed = text.clone();
    healed["events"].as_array_mut().unwrap().pop();
    let r = report(&healed);
    assert_eq!(r["ops"][2]["read_repaired"], json!(["C"]));
    assert!(r["ops"][2].get("read_repair_undelivered").is_none());
    assert_eq!(r["final"]["C"]["x"], json!(["v2"]));
}

#[test]
fn trace_events_name_nodes_and_keys() {
    let text = stale(20);
    let sim = run_text(&text.to_string(), Level::Full).unwrap();
    let trace = sim.trace_json();
    let events = trace["events"].as_array().unwrap();
    let stored = events.iter().find(|e| e["type"] == "stored").unwrap();
    assert_eq!(stored["node"], json!("A"), "{stored}");
    assert_eq!(stored["key"], json!("k"));
    let timeout = events.iter().find(|e| e["type"] == "request_timeout");
    assert!(timeout.is_none_or(|t| t["node"].is_string()));
}

#[test]
fn divergence_across_a_partition_says_repair_cannot_reach() {
    let text = json!({
        "nodes": ["A", "B", "C"], "keys": {"k": ["A", "B", "C"]},
        "replication": {"n": 3, "w": 1, "r": 1, "anti_entropy_ms": 200}, "network": {"latency_ms": 5},
        "events": [{"at_ms": 0, "partition": [["C"]]}, {"at_ms": 10, "client": "c", "put": "k", "value": "v"}],
        "run_until_ms": 3000
    });
    let r = report(&text);
    let d = flagged(&r, "divergence");
    assert!(d[0]["explanation"].as_str().unwrap().contains("partition still separates them"), "{}", d[0]);
}

/// The words name the mechanism that dropped the value, not one that did not happen: under
/// last_arrival the client kept the reply that arrived last (A had returned v1).
#[test]
fn last_arrival_explanations_say_the_client_kept_the_last_reply() {
    let r = report(
        &json!({"title": "LA mono", "nodes": ["A", "B", "C"], "clients": [{"id": "c0"}, {"id": "c1"}, {"id": "c2"}], "keys": {"x": ["A", "B", "C"]}, "replication": {"n": 3, "w": 1, "r": 2, "conflicts": "last_arrival"}, "network": {"latency_ms": 1, "links": [{"from": "c0", "to": "B", "latency_ms": 300}, {"from": "c2", "to": "B", "latency_ms": 5}, {"from": "c2", "to": "C", "latency_ms": 50}]}, "events": [{"at_ms": 0, "client": "c0", "put": "x", "value": "v0"}, {"at_ms": 10, "client": "c1", "put": "x", "value": "v1"}, {"at_ms": 100, "client": "c2", "get": "x"}, {"at_ms": 400, "client": "c2", "get": "x"}], "run_until_ms": 2000}),
    );
    let stale = flagged(&r, "stale_read");
    let mono = flagged(&r, "monotonic_read");
    for a in stale.iter().chain(&mono) {
        let e = a["explanation"].as_str().unwrap();
        assert!(
            e.contains(
                "A returned \"v1\", but with no versions to compare the client kept the reply that arrived last (B's)"
            ),
            "{e}"
        );
        assert!(!e.contains("had not yet received") && !e.contains("do not overlap"), "{e}");
    }
    assert_eq!((stale.len(), mono.len()), (1, 1));
}

/// Under lww a replica that received the write but kept a copy with a higher (skewed) timestamp is
/// named, with the skews — not blamed on quorums that did not overlap.
#[test]
fn lww_explanations_name_the_timestamp_not_the_quorum() {
    let r = report(
        &json!({"title": "LWW mono", "nodes": ["A", "B", "C"], "clients": [{"id": "c0", "clock_skew_ms": 1000}, {"id": "c1"}, {"id": "c2"}], "keys": {"x": ["A", "B", "C"]}, "replication": {"n": 3, "w": 1, "r": 1, "conflicts": "lww"}, "network": {"latency_ms": 5, "links": [{"from": "c2", "to": "A", "latency_ms": 1}, {"from": "c2", "to": "B", "latency_ms": 1}]}, "events": [{"at_ms": 0, "partition": [["A", "c1", "c2"], ["B", "C", "c0"]]}, {"at_ms": 10, "client": "c0", "put": "x", "value": "v0"}, {"at_ms": 100, "heal": true}, {"at_ms": 200, "client": "c1", "put": "x", "value": "v1"}, {"at_ms": 300, "partition": [["A", "c2"], ["B", "C"]]}, {"at_ms": 310, "client": "c2", "get": "x"}, {"at_ms": 350, "partition": [["B", "C", "c2"], ["A"]]}, {"at_ms": 400, "client": "c2", "get": "x"}], "run_until_ms": 2000}),
    );
    for a in flagged(&r, "stale_read").iter().chain(&flagged(&r, "monotonic_read")) {
        let e = a["explanation"].as_str().unwrap();
        assert!(
            e.contains("B had received \"v1\" before this read began but kept \"v0\"") && e.contains("c0 +1000 ms"),
            "{e}"
        );
        assert!(!e.contains("had not yet received") && !e.contains("do not overlap"), "{e}");
    }
}

/// With siblings, a read that shows a version an acknowledged put had already replaced is stale,
/// even when it also returns a concurrent newer one.
#[test]
fn siblings_stale_read_of_a_replaced_version() {
    let r = report(
        &json!({"title": "sib stale", "nodes": ["A", "B", "C"], "clients": [{"id": "c1"}, {"id": "c2"}, {"id": "c3"}, {"id": "c4"}], "keys": {"x": ["A", "B", "C"]}, "replication": {"n": 3, "w": 1, "r": 1, "conflicts": "siblings", "timeout_ms": 1000}, "network": {"latency_ms": 1, "links": [{"from": "c3", "to": "A", "latency_ms": 100}, {"from": "c3", "to": "B", "latency_ms": 100}, {"from": "c3", "to": "C", "latency_ms": 100}, {"from": "c2", "to": "B", "latency_ms": 1}, {"from": "c2", "to": "A", "latency_ms": 20}, {"from": "c2", "to": "C", "latency_ms": 20}, {"from": "c4", "to": "A", "latency_ms": 1}, {"from": "c4", "to": "B", "latency_ms": 30}, {"from": "c4", "to": "C", "latency_ms": 30}]}, "events": [{"at_ms": 0, "client": "c1", "put": "x", "value": "v1", "blind": true}, {"at_ms": 50, "partition": [["A", "c3", "c4"], ["B", "C", "c2", "c1"]]}, {"at_ms": 50, "client": "c3", "put": "x", "value": "v3", "blind": true}, {"at_ms": 100, "client": "c2", "get": "x"}, {"at_ms": 110, "client": "c2", "put": "x", "value": "v2"}, {"at_ms": 300, "client": "c4", "get": "x"}], "run_until_ms": 3000}),
    );
    let stale = flagged(&r, "stale_read");
    assert_eq!(stale.len(), 1, "{:#}", r["anomalies"]);
    assert_eq!(stale[0]["op"], json!(4), "c4's get");
    assert!(stale[0]["explanation"].as_str().unwrap().contains("succeeded at 112 ms, replacing \"v1\""));
}

/// Under lww the lost update names the put that really beat it — a higher timestamp on a replica
/// that had acknowledged it, with the clock skew that made it higher — not any surviving value.
#[test]
fn lost_update_names_the_value_that_beat_it() {
    let r = report(
        &json!({"title": "LU survivor", "nodes": ["A", "B", "C"], "clients": [{"id": "c1"}, {"id": "c2"}, {"id": "c3", "clock_skew_ms": 1000}], "keys": {"x": ["A", "B", "C"]}, "replication": {"n": 3, "w": 1, "r": 1, "conflicts": "lww", "read_repair": false, "hinted_handoff": false}, "network": {"latency_ms": 1, "links": [{"from": "c3", "to": "A", "latency_ms": 5}]}, "events": [{"at_ms": 0, "client": "c1", "put": "x", "value": "R"}, {"at_ms": 50, "partition": [["A", "c2", "c3"], ["B", "C", "c1"]]}, {"at_ms": 100, "client": "c2", "put": "x", "value": "P"}, {"at_ms": 100, "client": "c3", "put": "x", "value": "Q"}], "run_until_ms": 3000}),
    );
    let lost = flagged(&r, "lost_update");
    assert_eq!(lost.len(), 1, "{:#}", r["anomalies"]);
    let e = lost[0]["explanation"].as_str().unwrap();
    assert!(e.contains("Last-write-wins kept \"Q\" from c3's concurrent put") && e.contains("c3 +1000 ms"), "{e}");
    // Known lost once Q replaced it on A, its only holder, not when P was acknowledged.
    assert!(e.contains("succeeded at 102 ms (acknowledged by A), yet by 105 ms no node held it,"), "{e}");
    assert_eq!(lost[0]["at_ms"], json!(105.0));
    assert_eq!(lost[0]["related_ops"], json!([2]), "only the put that beat it");
}
