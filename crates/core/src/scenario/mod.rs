//! The scenario file: JSON a person can write by hand and a link can carry.
//!
//! Two layers. [`ScenarioFile`] is the JSON contract, field for field, and round-trips through
//! serde (the visualizer appends interventions to it and exports it). [`Scenario`] is the checked,
//! index-resolved form the simulator runs; [`Scenario::from_file`] is the only way to get one, so
//! the simulator never sees an unknown node, W > N or a negative time.

use std::fmt;

// Caps, so that a hostile file cannot hang or exhaust the program. Documented in README.md.
pub const MAX_SCENARIO_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_NODES: usize = 256;
pub const MAX_CLIENTS: usize = 64;
pub const MAX_EVENTS: usize = 200_000;
pub const MAX_KEYS: usize = 10_000;
pub const MAX_TIME_MS: f64 = 3_600_000.0;
pub const MAX_NAME_LEN: usize = 64;
pub const MAX_VALUE_LEN: usize = 256;
pub const MAX_TEXT_LEN: usize = 4_096;
pub const MAX_MERKLE_DEPTH: u32 = 16;
pub const MAX_VNODES: u32 = 64;

/// A problem with a scenario: where (`path`, e.g. `replication.w` or `events[3].client`) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub message: String,
}

impl ScenarioError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

mod contract;
pub mod edit;
mod read;
mod resolve;

pub use contract::*;
pub use read::{from_value, parse, parse_file};
pub use resolve::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ms_to_us;
    use serde_json::Value;

    const EXAMPLE: &str = r#"{
      "title": "Sloppy quorum across two datacenters",
      "description": "The US datacenter is down; writes land in APAC with hints.",
      "seed": 7,
      "nodes": [{"id": "us1", "dc": "us"}, {"id": "us2", "dc": "us"}, {"id": "us3", "dc": "us"},
                {"id": "ap1", "dc": "apac"}, {"id": "ap2", "dc": "apac"}, {"id": "ap3", "dc": "apac"}],
      "clients": [{"id": "alice", "dc": "us"}, {"id": "bob", "dc": "apac", "clock_skew_ms": -5}],
      "keys": {"cart": ["us1", "us2", "us3", "ap1", "ap2", "ap3"]},
      "replication": {"n": 3, "w": 2, "r": 2, "sloppy_quorum": true, "hinted_handoff": true,
                      "read_repair": false, "anti_entropy_ms": null, "conflicts": "lww", "timeout_ms": 500,
                      "detect_ms": 50, "handoff_ms": 1000},
      "network": {"latency_ms": {"uniform": [2, 8]}, "between_dcs_ms": 75, "loss": 0.0,
                  "links": [{"from": "alice", "to": "us3", "latency_ms": 40}]},
      "events": [
        {"at_ms": 0,    "crash_dc": "us"},
        {"at_ms": 10,   "client": "bob", "put": "cart", "value": "book"},
        {"at_ms": 300,  "recover_dc": "us"},
        {"at_ms": 320,  "client": "alice", "get": "cart"},
        {"at_ms": 2000, "client": "alice", "get": "cart"}
      ],
      "run_until_ms": 5000
    }"#;

    /// `check(text, expect)`: the scenario is rejected at `path` with a message containing `msg`.
    fn check_rejected(text: &str, path: &str, msg: &str) {
        let e = parse(text).expect_err("should be rejected");
        assert_eq!(e.path, path, "wrong path in: {e}");
        assert!(e.message.contains(msg), "message `{}` lacks `{msg}`", e.message);
    }

    fn with(patch: &str) -> String {
        // A minimal valid scenario with one field replaced.
        let mut v: Value = serde_json::from_str(
            r#"{"nodes": ["A","B","C"], "events": [{"at_ms": 1, "client": "c", "put": "k", "value": "v"}]}"#,
        )
        .unwrap();
        let p: Value = serde_json::from_str(patch).unwrap();
        for (k, x) in p.as_object().unwrap() {
            v[k] = x.clone();
        }
        v.to_string()
    }

    #[test]
    fn the_issue_example_parses_and_resolves() {
        let (file, sc) = parse(EXAMPLE).unwrap();
        assert_eq!(sc.nodes.len(), 6);
        assert_eq!(sc.dcs, vec!["us", "apac"]);
        assert_eq!(sc.clients[1].clock_skew_us, -5000);
        assert_eq!(sc.keys, vec!["cart"]);
        assert_eq!(sc.events.len(), 5);
        assert_eq!(sc.events[0].event, Event::Crash(vec![0, 1, 2]));
        assert_eq!(sc.op_count, 3);
        assert_eq!(sc.links.len(), 2, "a link applies both ways");
        assert_eq!(sc.run_until_us, 5_000_000);
        // Round trip: serialize the file and parse it again.
        let text = serde_json::to_string(&file).unwrap();
        let (file2, sc2) = parse(&text).unwrap();
        assert_eq!(file, file2);
        assert_eq!(sc, sc2);
    }

    #[test]
    fn plain_node_names_and_implicit_clients() {
        let (_, sc) = parse(&with("{}")).unwrap();
        assert_eq!(sc.dcs, vec!["dc1"]);
        assert_eq!(sc.clients[0].name, "c");
        assert_eq!(sc.clients[0].dc, 0);
        assert_eq!(sc.repl, Replication::default());
    }

    #[test]
    fn rejections_name_field_and_problem() {
        check_rejected(&with(r#"{"replication": {"n": 3, "w": 4}}"#), "replication.w", "W=4 must be between 1 and N=3");
        check_rejected(&with(r#"{"replication": {"r": 5}}"#), "replication.r", "R=5");
        check_rejected(&with(r#"{"replication": {"n": 4}}"#), "replication.n", "only 3 node");
        check_rejected(&with(r#"{"replication": {"wq": 4}}"#), "replication.wq", "unknown field `wq`");
        check_rejected(&with(r#"{"colour": 1}"#), "colour", "unknown field `colour`");
        check_rejected(&with(r#"{"events": [{"at_ms": -1, "crash": "A"}]}"#), "events[0].at_ms", "must be a time >= 0");
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "crash": "Z"}]}"#), "events[0].crash", "unknown node `Z`");
        check_rejected(
            &with(r#"{"events": [{"at_ms": 1, "crash_dc": "mars"}]}"#),
            "events[0].crash_dc",
            "unknown datacenter `mars`",
        );
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "crsh": "A"}]}"#), "events[0].crsh", "unknown field `crsh`");
        check_rejected(
            &with(r#"{"events": [{"at_ms": 1, "crash": "A", "heal": true}]}"#),
            "events[0]",
            "several actions",
        );
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "put": "k", "value": "v"}]}"#), "events[0]", "needs `client`");
        check_rejected(
            &with(r#"{"events": [{"at_ms": 1, "partition": [["A"], ["Q"]]}]}"#),
            "events[0].partition[1][0]",
            "unknown node or client `Q`",
        );
        check_rejected(
            &with(r#"{"network": {"latency_ms": {"mix": [[0.5, 1], [0.6, 2]]}}}"#),
            "network.latency_ms.mix",
            "weights sum to",
        );
        check_rejected(&with(r#"{"network": {"loss": 1.5}}"#), "network.loss", "probability");
        check_rejected(&with(r#"{"keys": {"k": ["A", "A", "B"]}}"#), "keys.k[1]", "appears twice");
        check_rejected(&with(r#"{"keys": {"k": ["A", "B"]}}"#), "keys.k", "N=3");
        check_rejected(&with(r#"{"nodes": ["A", "A"]}"#), "nodes[1].id", "listed twice");
        check_rejected(&with(r#"{"nodes": []}"#), "nodes", "at least one node");
        check_rejected(
            &with(r#"{"replication": {"conflicts": "crdt"}}"#),
            "replication.conflicts",
            "unknown variant `crdt`",
        );
        check_rejected(&with(r#"{"run_until_ms": 1e12}"#), "run_until_ms", "cap");
        check_rejected("{\"nodes\": [", "", "EOF while parsing a list at line 1 column 11");
        check_rejected("[1,2]", "", "JSON object");
        check_rejected("", "", "JSON object");
    }

    #[test]
    fn wrong_types_name_the_exact_field() {
        check_rejected(
            &with(r#"{"replication": {"w": "two"}}"#),
            "replication.w",
            "must be a whole number >= 0, got \"two\"",
        );
        check_rejected(&with(r#"{"replication": {"w": 2.5}}"#), "replication.w", "whole number");
        check_rejected(&with(r#"{"replication": {"w": 5000000000}}"#), "replication.w", "too large");
        check_rejected(
            &with(r#"{"replication": {"sloppy_quorum": "yes"}}"#),
            "replication.sloppy_quorum",
            "true or false",
        );
        check_rejected(&with(r#"{"replication": 3}"#), "replication", "JSON object");
        check_rejected(&with(r#"{"nodes": 5}"#), "nodes", "must be a list, got 5");
        check_rejected(&with(r#"{"nodes": ["A", 7]}"#), "nodes[1]", "a node is a name");
        check_rejected(&with(r#"{"nodes": [{"id": "A", "zone": "x"}]}"#), "nodes[0].zone", "unknown field `zone`");
        check_rejected(&with(r#"{"clients": [{"dc": "x"}]}"#), "clients[0]", "needs `id`");
        check_rejected(&with(r#"{"seed": -1}"#), "seed", "whole number");
        check_rejected(&with(r#"{"keys": ["k"]}"#), "keys", "home nodes");
        check_rejected(&with(r#"{"keys": {"k": ["A", 2]}}"#), "keys.k[1]", "must be a string");
        check_rejected(
            &with(r#"{"network": {"links": [{"from": "A", "to": "B", "latency_ms": {"uniform": [1]}}]}}"#),
            "network.links[0].latency_ms.uniform",
            "[low, high]",
        );
        check_rejected(
            &with(r#"{"network": {"links": [{"from": "A", "to": "B"}]}}"#),
            "network.links[0]",
            "needs `latency_ms`",
        );
        check_rejected(
            &with(r#"{"events": [{"at_ms": 1, "partition": [["A"], "B"]}]}"#),
            "events[0].partition[1]",
            "a group is a list",
        );
        check_rejected(
            &with(r#"{"events": [{"at_ms": "soon", "crash": "A"}]}"#),
            "events[0].at_ms",
            "must be a number",
        );
        check_rejected(&with(r#"{"events": [{"crash": "A"}]}"#), "events[0]", "needs `at_ms`");
        check_rejected(
            &with(r#"{"events": [{"at_ms": 1, "get": "k", "client": "c", "value": "v"}]}"#),
            "events[0].value",
            "does not belong to a get event",
        );
        check_rejected(&with(r#"{"steps": [{"at_ms": 1}]}"#), "steps[0]", "needs `caption`");
        check_rejected(
            &with(r#"{"steps": [{"at_ms": 1, "caption": "x", "answer": "b"}]}"#),
            "steps[0].answer",
            "whole number",
        );
        check_rejected(
            &with(r#"{"steps": [{"at_ms": 1, "caption": "x", "focus_op": 9}]}"#),
            "steps[0].focus_op",
            "operation 9 but the events hold",
        );
        check_rejected(
            &with(r#"{"steps": [{"at_ms": 1, "caption": "x", "focus_op": -1}]}"#),
            "steps[0].focus_op",
            "whole number",
        );
        check_rejected(r#"{"events": []}"#, "nodes", "lists its nodes");
    }

    #[test]
    fn every_lesson_round_trips_through_its_json() {
        let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue; // expected/: the reviewed reports
            }
            let text = std::fs::read_to_string(path).unwrap();
            let file = parse_file(&text).unwrap();
            assert_eq!(parse_file(&serde_json::to_string(&file).unwrap()).unwrap(), file);
            // Optional fields may be written as null.
            let mut v: Value = serde_json::from_str(&text).unwrap();
            v["run_until_ms"] = Value::Null;
            assert_eq!(from_value(&v).unwrap().run_until_ms, None);
        }
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = " ".repeat(MAX_SCENARIO_BYTES + 1);
        assert!(parse(&big).unwrap_err().message.contains("limit"));
    }

    #[test]
    fn default_end_covers_timeouts_and_handoff() {
        let (_, sc) = parse(&with("{}")).unwrap();
        // last event 1 ms + 2 × 500 + 50 + 1000.
        assert_eq!(sc.run_until_us, ms_to_us(1.0 + 1000.0 + 50.0 + 1000.0));
    }
}
