//! What the simulator teaches must be true: causality in `siblings` mode, anti-entropy that
//! completes, the checker's words, and what a failed write is. Scenarios from issue 9 and their
//! variations, run through the public entry points only.

mod reference;

use quorumscope_core::Level;
use quorumscope_core::{run_text, Sim};
use serde_json::{json, Value};

fn run(text: &str) -> (Sim, Value) {
    let sim = run_text(text, Level::Full).unwrap_or_else(|e| panic!("scenario rejected: {e}"));
    let report = serde_json::to_value(sim.report()).unwrap();
    (sim, report)
}

fn kinds(report: &Value) -> Vec<(String, Option<u64>)> {
    let mut v: Vec<(String, Option<u64>)> = report["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap().to_string(), a["op"].as_u64()))
        .collect();
    v.sort();
    v
}

fn finals(report: &Value, nodes: &[&str], key: &str) -> Vec<Value> {
    nodes.iter().map(|n| report["final"][n].get(key).cloned().unwrap_or(json!([]))).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Causality in siblings mode.

/// Issue 9's S9: c1 writes v1 (only A gets it) and v2 (only B gets it), both without context, so
/// they are concurrent; c2 reads only v2 and writes v3. v1 was acknowledged and nobody who wrote
/// had seen it: it must survive beside v3.
const S9: &str = r#"{"title":"S9","nodes":["A","B","C"],"clients":[{"id":"c1"},{"id":"c2"},{"id":"c3"}],
 "replication":{"n":3,"w":1,"r":1,"conflicts":"siblings","read_repair":true},
 "network":{"latency_ms":1,"links":[{"from":"c2","to":"B","latency_ms":1},{"from":"c2","to":"A","latency_ms":50},
   {"from":"c2","to":"C","latency_ms":50},{"from":"c3","to":"A","latency_ms":1},{"from":"c3","to":"B","latency_ms":50},
   {"from":"c3","to":"C","latency_ms":50}]},
 "events":[{"at_ms":0,"partition":[["A","c1"],["B","C","c2"]]},{"at_ms":100,"client":"c1","put":"x","value":"v1"},
   {"at_ms":200,"partition":[["B","c1","c2"],["A","C"]]},{"at_ms":300,"client":"c1","put":"x","value":"v2"},
   {"at_ms":400,"heal":true},{"at_ms":500,"client":"c2","get":"x"},{"at_ms":600,"client":"c2","put":"x","value":"v3"},
   {"at_ms":700,"client":"c3","get":"x"}],
 "run_until_ms":3000}"#;

#[test]
fn s9_a_concurrent_acknowledged_write_survives_a_put_that_never_saw_it() {
    let (sim, r) = run(S9);
    assert_eq!(r["ops"][2]["values"], json!(["v2"]), "c2 read only v2");
    // c3's get reaches A first (1 ms) and read repair spreads what the replicas hold.
    assert_eq!(r["ops"][4]["values"], json!(["v1", "v3"]));
    // Anti-entropy from 1 s on (after the last get) spreads that to every replica.
    let with_ae = {
        let mut v: Value = serde_json::from_str(S9).unwrap();
        v["replication"]["anti_entropy_ms"] = json!(1000);
        run(&v.to_string()).1
    };
    assert_eq!(finals(&with_ae, &["A", "B", "C"], "x"), vec![json!(["v1", "v3"]); 3]);
    assert!(reference::verdict(&sim, 3).lost.iter().all(|l| l.1 != "v1"));
    let expected = reference::expected(&sim);
    assert_eq!(expected["x"].iter().cloned().collect::<Vec<_>>(), ["v1", "v3"]);
}

/// The resurrection variant: c2 reads v1 and replaces it with v2; c2 then writes v2b blind; c3
/// reads only v2b and replaces it with v4. v1 stays replaced (v2 saw it) and v2 stays (nobody who
/// wrote had seen it). A summarising version vector with the client as actor reads c3's context
/// `{c2: 2}` as covering v2 — losing it — and, once v2 is gone, brings v1 back.
const RESURRECTION: &str = r#"{"title":"resurrection","nodes":["A","B","C"],"clients":[{"id":"c1"},{"id":"c2"},{"id":"c3"}],
 "keys":{"x":["A","B","C"]},
 "replication":{"n":3,"w":1,"r":1,"conflicts":"siblings","anti_entropy_ms":100},
 "network":{"latency_ms":1},
 "events":[
   {"at_ms":0,"partition":[["A","c1"],["B","c2"],["C","c3"]]},
   {"at_ms":100,"client":"c1","put":"x","value":"v1"},
   {"at_ms":150,"partition":[["A","c2"],["B","c1"],["C","c3"]]},
   {"at_ms":200,"client":"c2","get":"x"},
   {"at_ms":250,"partition":[["B","c2"],["A","c1"],["C","c3"]]},
   {"at_ms":300,"client":"c2","put":"x","value":"v2"},
   {"at_ms":350,"partition":[["C","c2"],["A","c1"],["B","c3"]]},
   {"at_ms":400,"client":"c2","put":"x","value":"v2b","blind":true},
   {"at_ms":450,"partition":[["C","c3"],["A","c1"],["B","c2"]]},
   {"at_ms":500,"client":"c3","get":"x"},
   {"at_ms":550,"client":"c3","put":"x","value":"v4"},
   {"at_ms":600,"partition":[["A"],["B","C","c1","c2","c3"]]},
   {"at_ms":2000,"heal":true}],
 "run_until_ms":5000}"#;

#[test]
fn resurrection_a_replaced_value_stays_replaced_and_its_replacer_survives() {
    let (sim, r) = run(RESURRECTION);
    assert_eq!(r["ops"][1]["values"], json!(["v1"]));
    assert_eq!(r["ops"][4]["values"], json!(["v2b"]));
    assert_eq!(finals(&r, &["A", "B", "C"], "x"), vec![json!(["v2", "v4"]); 3]);
    let v = reference::verdict(&sim, 3);
    assert!(v.ok(), "{v:?}");
    assert!(kinds(&r).is_empty(), "{:#}", r["anomalies"]);
}

/// The same history, healed in the other order (A meets B first): the outcome does not depend on
/// the order in which replicas merge.
#[test]
fn resurrection_outcome_does_not_depend_on_merge_order() {
    let mut v: Value = serde_json::from_str(RESURRECTION).unwrap();
    v["events"][11]["partition"] = json!([["C"], ["A", "B", "c1", "c2", "c3"]]);
    let (_, r) = run(&v.to_string());
    assert_eq!(finals(&r, &["A", "B", "C"], "x"), vec![json!(["v2", "v4"]); 3]);
}

// ---------------------------------------------------------------------------------------------
// 2. Anti-entropy completes at any latency and loss the scenario allows.

/// Issue 9's AE3: the README's own settings (`between_dcs_ms` 75, `timeout_ms` 500). A depth-10
/// walk takes a dozen round trips of 150 ms; exchanges are not bounded by the client timeout.
const AE3: &str = r#"{"title":"AE3","nodes":[{"id":"us1","dc":"us"},{"id":"us2","dc":"us"},{"id":"ap1","dc":"apac"}],
 "clients":[{"id":"c","dc":"us"}],
 "replication":{"n":3,"w":2,"r":1,"anti_entropy_ms":1000,"timeout_ms":500},
 "network":{"latency_ms":{"uniform":[2,8]},"between_dcs_ms":75},
 "events":[{"at_ms":0,"partition":[["us1","us2","c"],["ap1"]]},{"at_ms":100,"client":"c","put":"x","value":"v1"},
   {"at_ms":200,"heal":true}],
 "run_until_ms":30000}"#;

fn converges(text: &str, nodes: &[&str]) -> Value {
    let (_, r) = run(text);
    assert_eq!(finals(&r, nodes, "x"), vec![json!(["v1"]); nodes.len()], "{:#}", r["anti_entropy"]);
    assert!(!kinds(&r).iter().any(|k| k.0 == "divergence"), "{:#}", r["anomalies"]);
    r
}

#[test]
fn ae3_exchanges_with_the_other_datacenter_complete() {
    let r = converges(AE3, &["us1", "us2", "ap1"]);
    let xs = r["anti_entropy"].as_array().unwrap();
    let repair = xs.iter().find(|x| x["keys"] == json!(["x"])).expect("an exchange repaired x");
    assert_eq!(repair["completed"], json!(true));
    assert!(repair["between"].as_array().unwrap().contains(&json!("ap1")));
    // A dozen sequential round trips of 150+ ms: far beyond the clients' 500 ms timeout.
    assert!(repair["end_ms"].as_f64().unwrap() - repair["at_ms"].as_f64().unwrap() > 1_500.0, "{repair}");
    assert!(xs.iter().all(|x| x.get("abandoned").is_none()), "nothing was unreachable: {xs:#?}");
}

#[test]
fn anti_entropy_completes_at_30_ms_inside_one_datacenter() {
    let mut v: Value = serde_json::from_str(AE3).unwrap();
    v["nodes"] = json!(["us1", "us2", "ap1"]);
    v["clients"] = json!([{"id": "c"}]);
    v["network"] = json!({"latency_ms": 30});
    converges(&v.to_string(), &["us1", "us2", "ap1"]);
}

#[test]
fn anti_entropy_completes_at_75_ms_between_datacenters_and_20_percent_loss() {
    for seed in 0..8 {
        let mut v: Value = serde_json::from_str(AE3).unwrap();
        v["seed"] = json!(seed);
        v["network"]["loss"] = json!(0.2);
        v["replication"]["w"] = json!(1);
        let (_, r) = run(&v.to_string());
        if r["ops"][0]["acked_by"].as_array().unwrap().is_empty() {
            continue;
        }
        converges(&v.to_string(), &["us1", "us2", "ap1"]);
    }
}

#[test]
fn a_lost_step_is_sent_again_not_fatal() {
    let mut v: Value = serde_json::from_str(AE3).unwrap();
    v["network"]["loss"] = json!(0.2);
    v["replication"]["w"] = json!(1);
    let (sim, r) = run(&v.to_string());
    let trace = sim.trace_json();
    let lost_merkle = trace["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "merkle" && m["fate"] == "dropped_lost")
        .count();
    assert!(lost_merkle > 0, "the scenario loses some anti-entropy messages");
    let xs = r["anti_entropy"].as_array().unwrap();
    assert!(xs.iter().all(|x| x.get("abandoned").is_none()), "a loss never abandons an exchange: {xs:#?}");
}

#[test]
fn an_exchange_is_abandoned_when_its_peer_is_detected_down_and_the_trace_says_why() {
    // B crashes while A walks the tree with it (20 ms per hop): A gives up once it has detected the
    // crash, and says so; after B recovers, anti-entropy repairs it.
    let text = json!({
        "nodes": ["A", "B"], "keys": {"x": ["A", "B"]},
        "replication": {"n": 2, "w": 1, "r": 1, "anti_entropy_ms": 1000, "detect_ms": 50},
        "network": {"latency_ms": 20},
        "events": [
            {"at_ms": 0, "crash": "B"},
            {"at_ms": 100, "client": "c", "put": "x", "value": "v1"},
            {"at_ms": 900, "recover": "B"},
            {"at_ms": 1100, "crash": "B"},
            {"at_ms": 4000, "recover": "B"}
        ],
        "run_until_ms": 10000
    });
    let (sim, r) = run(&text.to_string());
    let xs = r["anti_entropy"].as_array().unwrap();
    let first = &xs[0];
    assert_eq!(first["abandoned"], json!("peer_unreachable"), "{xs:#?}");
    assert_eq!(first["completed"], json!(false));
    let trace = sim.trace_json();
    let abandoned: Vec<&Value> =
        trace["events"].as_array().unwrap().iter().filter(|e| e["step"]["step"] == "abandoned").collect();
    assert_eq!(abandoned[0]["step"]["reason"], json!("peer_unreachable"));
    assert_eq!(finals(&r, &["A", "B"], "x"), vec![json!(["v1"]); 2]);
}

// ---------------------------------------------------------------------------------------------
// 4. last_arrival has no repair: no endless shuffle, and the words say why.

#[test]
fn last_arrival_does_not_repair_so_values_do_not_move_around() {
    let path = format!("{}/../../lessons/racing-last-arrival.json", env!("CARGO_MANIFEST_DIR"));
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["replication"]["read_repair"] = json!(true);
    v["replication"]["anti_entropy_ms"] = json!(500);
    v["run_until_ms"] = json!(60_000);
    let (sim, r) = run(&v.to_string());
    assert_eq!(finals(&r, &["A", "B", "C"], "color"), vec![json!(["blue"]), json!(["red"]), json!(["green"])]);
    assert_eq!(r["anti_entropy"], json!([]), "no exchanges");
    let trace = sim.trace_json();
    assert!(!trace["messages"].as_array().unwrap().iter().any(|m| m["kind"] == "read_repair" || m["kind"] == "merkle"));
    let div = r["anomalies"].as_array().unwrap().iter().find(|a| a["kind"] == "divergence").unwrap();
    assert!(div["explanation"].as_str().unwrap().contains("no repair in this mode"), "{div}");
}

/// Riak's sibling limits: a replica warns at `WARN_SIBLINGS` versions of a key and refuses puts
/// past `MAX_SIBLINGS`, so blind writers cannot make a key grow without bound; the refusals are in
/// the report, and a refused put is not counted as stored anywhere it was refused.
#[test]
fn siblings_are_bounded_as_riak_bounds_them() {
    let events: Vec<Value> = (0..150)
        .map(|i| json!({"at_ms": 0, "client": format!("c{}", i % 50), "put": "k", "value": format!("v{i}"), "blind": true}))
        .chain([json!({"at_ms": 100, "client": "r", "get": "k"})])
        .collect();
    let text =
        json!({"nodes": ["A"], "replication": {"n": 1, "w": 1, "r": 1, "conflicts": "siblings"}, "events": events});
    let (sim, r) = run(&text.to_string());
    assert_eq!(r["final"]["A"]["k"].as_array().unwrap().len(), quorumscope_core::MAX_SIBLINGS);
    let ops = r["ops"].as_array().unwrap();
    let refused: Vec<&Value> = ops.iter().filter(|o| o.get("refused_by").is_some()).collect();
    assert_eq!(refused.len(), 50, "the last 50 puts are refused");
    assert!(refused.iter().all(|o| o["status"] == "failed" && o["refused_by"] == json!(["A"])));
    // Refused by every replica it asked: certainly not written (Jepsen's fail, not info), and
    // reported at once, not at the timeout.
    assert!(refused.iter().all(|o| o["outcome"] == "refused"), "{:#}", refused[0]);
    assert!(refused.iter().all(|o| o["end_ms"].as_f64().unwrap() < 100.0), "{:#}", refused[0]);
    let timeouts =
        sim.recording().trace.iter().filter(|e| matches!(e.ev, quorumscope_core::Ev::RequestTimeout { .. })).count();
    assert_eq!(timeouts, 0, "a refusal is an answer");
    assert_eq!(ops[150]["values"].as_array().unwrap().len(), 100, "the read returns the 100 kept");
    let trace = &sim.recording().trace;
    // As Riak's `NumSiblings > warn_siblings`: each put stored past 25 versions warns (26 to 100).
    let warned: Vec<u32> = trace
        .iter()
        .filter_map(|e| match e.ev {
            quorumscope_core::Ev::SiblingWarning { siblings, .. } => Some(siblings),
            _ => None,
        })
        .collect();
    assert_eq!(warned, (26..=100).collect::<Vec<u32>>());
    let listed = r["sibling_warnings"].as_array().unwrap();
    assert_eq!(listed.len(), 75, "the report lists them");
    assert_eq!(
        (listed[0]["node"].as_str(), listed[0]["key"].as_str(), listed[0]["siblings"].as_u64()),
        (Some("A"), Some("k"), Some(26))
    );
    assert_eq!(trace.iter().filter(|e| matches!(e.ev, quorumscope_core::Ev::PutRefused { .. })).count(), 50);
    // Refused puts were stored nowhere, so their vanishing is no lost update.
    assert!(!r["anomalies"].as_array().unwrap().iter().any(|a| a["kind"] == "lost_update"), "{:#}", r["anomalies"]);
}

// ---------------------------------------------------------------------------------------------
// Blocking read repair (ABD's write-back; Cassandra's default read repair).

fn lesson(name: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../lessons/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn blocking(mut v: Value) -> String {
    v["replication"]["read_repair"] = json!(true);
    v["replication"]["blocking_read_repair"] = json!(true);
    v.to_string()
}

/// The quorum-not-linearizable lesson, with the one setting changed: Bob's read writes v1 back to
/// B before returning (4 ms later: a repair and its acknowledgement), so Carol's read, which hears
/// B and C, returns v1 too, and the history becomes linearizable.
#[test]
fn blocking_read_repair_flips_the_lesson_to_linearizable() {
    let plain = lesson("quorum-not-linearizable");
    let (sim, r) = run(&plain.to_string());
    assert_eq!((r["ops"][2]["values"].clone(), r["ops"][3]["values"].clone()), (json!(["v1"]), json!(["v0"])));
    assert_eq!(sim.consistency().1.linearizable.status, quorumscope_core::Status::Violated);

    let (sim, r) = run(&blocking(plain));
    let bob = &r["ops"][2];
    assert_eq!(bob["values"], json!(["v1"]));
    assert_eq!(bob["read_repaired"], json!(["B"]), "the stale replier is written back");
    assert_eq!(bob["end_ms"], json!(118.0), "replies at 114 ms, then the repair and its ack: 2 ms each way");
    assert_eq!(r["ops"][3]["values"], json!(["v1"]), "Carol hears B, which now holds v1");
    let (_, c) = sim.consistency();
    assert_eq!(c.linearizable.status, quorumscope_core::Status::Held);
    let acks = sim.recording().messages.iter().filter(|m| m.kind == quorumscope_core::MsgKind::RepairAck).count();
    assert_eq!(acks, 2, "one acknowledged write-back per read");
}

/// A get that cannot put its value on W replicas does not return it: it fails at its timeout
/// (blocking read repair trades availability for the guarantee), and says which replica it was
/// waiting for.
#[test]
fn a_blocking_read_that_cannot_write_back_fails() {
    let sc = json!({"nodes": ["A", "B", "C"], "clients": [{"id": "c1"}, {"id": "c2"}],
        "replication": {"n": 3, "w": 3, "r": 2, "read_repair": true, "blocking_read_repair": true},
        "network": {"latency_ms": 2, "links": [{"from": "c1", "to": "C", "latency_ms": 300, "one_way": true}]},
        "events": [{"at_ms": 0, "client": "c1", "put": "x", "value": "v1"}, {"at_ms": 50, "crash": "C"},
                   {"at_ms": 600, "client": "c2", "get": "x"}]});
    let (_, r) = run(&sc.to_string());
    let get = &r["ops"][1];
    assert_eq!(get["status"], json!("failed"), "{get}");
    assert_eq!(get["end_ms"], json!(1100.0), "failed at its 500 ms timeout");
    // Without blocking it returns at once what A and B hold.
    let mut plain = sc.clone();
    plain["replication"]["blocking_read_repair"] = json!(false);
    let (_, r) = run(&plain.to_string());
    assert_eq!((r["ops"][1]["status"].clone(), r["ops"][1]["values"].clone()), (json!("ok"), json!(["v1"])));
}

#[test]
fn blocking_read_repair_without_read_repair_is_refused_by_name() {
    let sc = r#"{"nodes":["A"],"replication":{"n":1,"w":1,"r":1,"blocking_read_repair":true},"events":[]}"#;
    let e = run_text(sc, Level::Summary).err().expect("refused").to_string();
    assert!(e.contains("replication.blocking_read_repair"), "{e}");
    assert!(e.contains("set `read_repair` to true too"), "{e}");
}
