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
/// Events per scenario: with the sibling limit, the worst run of this many (every get returning
/// 100 siblings) is checked and reported in about 5 s natively; 200,000 took 8 to 11 s.
pub const MAX_EVENTS: usize = 100_000;
pub const MAX_KEYS: usize = 10_000;
/// Operations × `replication.n`.
pub const MAX_REPLICA_REQUESTS: u64 = 2_000_000;
pub const MAX_TIME_MS: f64 = 3_600_000.0;
pub const MAX_NAME_LEN: usize = 64;
pub const MAX_VALUE_LEN: usize = 256;
pub const MAX_TEXT_LEN: usize = 4_096;
pub const MAX_MERKLE_DEPTH: u32 = 16;
pub const MAX_VNODES: u32 = 64;
/// JSON values (objects, lists, strings, numbers…) in one file, and of them objects, counted
/// before it is parsed: a parsed object takes about 700 bytes, so a 16 MB file of two million
/// tiny objects took 1.4 GB only to be refused for an unknown field. A file at every other cap
/// (100,000 events each with `after`, 10,000 pinned keys, every link and step) holds about
/// 1,000,000 values and 225,000 objects.
pub const MAX_JSON_VALUES: usize = 2_000_000;
pub const MAX_JSON_OBJECTS: usize = 250_000;
/// A lesson's steps, and what one step may list: lessons have at most a dozen steps (650,000
/// steps took 648 MB, and 119 s with `--trace`).
pub const MAX_LESSON_STEPS: usize = 1_000;
pub const MAX_STEP_DESCRIBES: usize = 16;
pub const MAX_STEP_CHOICES: usize = 8;
/// Link latency overrides in a file (a two-way one is two links): a message's latency is looked
/// up among them, so they are bounded and indexed (200,000 links, looked through one by one,
/// made 50,000 operations run past 120 s).
pub const MAX_LINKS: usize = 4_096;

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
pub(crate) mod resolve;
mod scan;

pub use contract::*;
pub use read::{from_value, parse, parse_file, parse_json, text_of, too_big};
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

    /// Lists past their caps are refused before their items are read, at the list; a file of
    /// more JSON than a scenario at every cap holds is refused before it is parsed, saying where.
    #[test]
    fn lists_and_json_past_their_caps_are_refused_saying_which_and_where() {
        let step = r#"{"at_ms": 0, "caption": "c"}"#;
        let steps = |n: usize| format!(r#"{{"steps": [{}]}}"#, vec![step; n].join(","));
        assert!(parse(&with(&steps(MAX_LESSON_STEPS))).is_ok());
        check_rejected(&with(&steps(MAX_LESSON_STEPS + 1)), "steps", "1,001 items; the limit is 1,000");
        let d = r#"{"op": 0}"#;
        let describes = |n: usize| {
            format!(r#"{{"steps": [{{"at_ms": 0, "caption": "c", "describes": [{}]}}]}}"#, vec![d; n].join(","))
        };
        assert!(parse(&with(&describes(MAX_STEP_DESCRIBES))).is_ok());
        check_rejected(&with(&describes(MAX_STEP_DESCRIBES + 1)), "steps[0].describes", "17 items; the limit is 16");
        // Distinct one-way links among 65 nodes (a direction may have one link).
        let link = |i: usize| {
            let (from, step) = (i / 64, 1 + i % 64);
            format!(r#"{{"from": "n{from}", "to": "n{}", "latency_ms": 1, "one_way": true}}"#, (from + step) % 65)
        };
        let links = |n: usize| {
            let all: Vec<String> = (0..n).map(link).collect();
            let nodes: Vec<String> = (0..65).map(|i| format!("\"n{i}\"")).collect();
            format!(
                r#"{{"nodes": [{}], "network": {{"latency_ms": 1, "links": [{}]}}}}"#,
                nodes.join(","),
                all.join(",")
            )
        };
        assert!(parse(&with(&links(MAX_LINKS))).is_ok(), "{:?}", parse(&with(&links(MAX_LINKS))).err());
        check_rejected(&with(&links(MAX_LINKS + 1)), "network.links", "4,097 items; the limit is 4,096");
        let objects = format!(r#"{{"x": [{}], "nodes": ["A"]}}"#, vec!["{}"; MAX_JSON_OBJECTS].join(","));
        let e = parse(&objects).expect_err("too many objects");
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            (
                "",
                format!(
                    "the file holds more than 250,000 JSON objects (the limit; the first past it at byte {})",
                    7 + 3 * (MAX_JSON_OBJECTS - 1)
                )
                .as_str()
            )
        );
        let values = format!(r#"{{"x": [{}], "nodes": ["A"]}}"#, vec!["1"; MAX_JSON_VALUES + 1].join(","));
        assert!(parse(&values)
            .expect_err("too many values")
            .message
            .starts_with("the file holds more than 2,000,000 JSON values"));
        // Braces and commas inside strings are text, not values.
        let quoted =
            format!(r#"{{"title": "{}", "nodes": ["A"], "events": []}}"#, "{,[\\\" ".repeat(MAX_JSON_OBJECTS + 1));
        assert!(!parse(&quoted).is_err_and(|e| e.message.contains("JSON")), "counted inside a string");
    }

    /// Each direction's link gives its latency; a direction given twice, or a link from an actor
    /// to itself, is refused at the later link (the first would silently win).
    #[test]
    fn each_direction_has_at_most_one_link() {
        let links = |l: &str| format!(r#"{{"network": {{"latency_ms": 1, "links": [{l}]}}}}"#);
        let net = links(
            r#"{"from": "A", "to": "B", "latency_ms": 7, "one_way": true}, {"from": "B", "to": "A", "latency_ms": 3, "one_way": true}"#,
        );
        let (_, sc) = parse(&with(&net)).unwrap();
        let setup = crate::setup::Setup::new(sc);
        let ms = |from: u8, to: u8| {
            let l = setup.link(crate::ids::Addr::Node(from.into()), crate::ids::Addr::Node(to.into()));
            l.map(|l| format!("{:?}", l.latency))
        };
        assert!(ms(0, 1).unwrap().contains('7'), "{:?}", ms(0, 1));
        assert!(ms(1, 0).unwrap().contains('3'), "{:?}", ms(1, 0));
        assert_eq!(ms(0, 2), None);
        let again = links(
            r#"{"from": "A", "to": "B", "latency_ms": 7, "one_way": true}, {"from": "C", "to": "A", "latency_ms": 2}, {"from": "B", "to": "A", "latency_ms": 3}"#,
        );
        check_rejected(
            &with(&again),
            "network.links[2]",
            "messages from `A` to `B` already have a latency from network.links[0] (a link without `one_way` covers both directions)",
        );
        let twice = links(r#"{"from": "A", "to": "B", "latency_ms": 7}, {"from": "A", "to": "B", "latency_ms": 3}"#);
        check_rejected(
            &with(&twice),
            "network.links[1]",
            "from `A` to `B` already have a latency from network.links[0]",
        );
        let to_self = links(r#"{"from": "B", "to": "B", "latency_ms": 7}"#);
        check_rejected(&with(&to_self), "network.links[0].to", "`B` is at both ends");
    }

    #[test]
    fn an_empty_partition_group_is_refused_at_the_group() {
        let p = r#"{"events": [{"at_ms": 1, "partition": [["A"], []]}]}"#;
        check_rejected(&with(p), "events[0].partition[1]", "this group is empty");
        assert!(parse(&with(r#"{"events": [{"at_ms": 1, "partition": [["A"]]}]}"#)).is_ok());
    }

    /// Malformed JSON, numbers past f64, nesting past serde_json's limit, lone surrogates and
    /// bytes that are not UTF-8 are reported at the field where they are; a field given twice
    /// is refused (serde_json keeps the last silently).
    #[test]
    fn json_level_errors_name_the_field() {
        let base = r#"{"nodes": ["A","B","C"], "replication": {"n": 3, "w": 2, "r": 2}, "events": [{"at_ms": 1, "client": "c", "put": "k", "value": "v"}]}"#;
        let broken = |from: &str, to: &str| {
            assert!(base.contains(from), "{from}");
            base.replacen(from, to, 1)
        };
        let case = |text: String, path: &str, msg: &str| {
            let e = parse_file(&text).expect_err("should be rejected");
            assert_eq!(e.path, path, "wrong path in: {e}");
            assert!(e.message.contains(msg), "message `{}` lacks `{msg}`", e.message);
        };
        assert!(parse_file(base).is_ok());
        case(broken(r#""w": 2"#, r#""w": 1e400"#), "replication.w", "number out of range at line 1 column");
        case(broken(r#""value": "v""#, r#""value": "\udc00""#), "events[0].value", "lone leading surrogate");
        case(broken(r#", "value""#, r#" "value""#), "events[0].put", "expected `,` or `}` at line 1 column");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let e = parse_file(&broken(r#""v"}"#, &format!(r#""v", "x": {deep}}}"#))).unwrap_err();
        assert_eq!(e.path, format!("events[0].x{}…", "[0]".repeat(9)));
        assert!(e.message.starts_with("recursion limit exceeded at line 1"), "{e}");
        case(
            broken(r#""r": 2"#, r#""r": 2, "w": 3"#),
            "replication.w",
            "given twice in one object (the second time at line 1, column 66)",
        );
        case(broken(r#", "events""#, r#", "nodes": ["A"], "events""#), "nodes", "given twice in one object");
        let mut bytes = broken(r#""value": "v""#, r#""value": "v!""#).into_bytes();
        let bang = bytes.iter().position(|b| *b == b'!').unwrap();
        bytes[bang] = 0xff;
        let e = text_of(bytes).unwrap_err();
        assert_eq!(e.path, "events[0].value", "{e}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_with_where_they_are() {
        assert_eq!(text_of(b"{}".to_vec()).unwrap(), "{}");
        let e = text_of(b"{\n  \"title\": \"caf\xe9\"}".to_vec()).unwrap_err();
        assert!(e.message.contains("byte 17 (line 2, column 16) is 0xe9"), "{e}");
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
        check_rejected(
            &with(r#"{"replication": {"n": 3, "w": 0}}"#),
            "replication.w",
            "W=0 must be between 1 and N=3: a write waits for at least one acknowledgement",
        );
        check_rejected(
            &with(r#"{"replication": {"n": 3, "r": 0}}"#),
            "replication.r",
            "R=0 must be between 1 and N=3: a read waits for at least one reply",
        );
        check_rejected(&with(r#"{"replication": {"r": 5}}"#), "replication.r", "R=5");
        check_rejected(&with(r#"{"replication": {"n": 4}}"#), "replication.n", "only 3 node");
        check_rejected(&with(r#"{"replication": {"wq": 4}}"#), "replication.wq", "unknown field `wq`");
        // The field that is wrong is the one named, not its neighbour in the same rule.
        check_rejected(&with(r#"{"replication": {"handoff_ms": 0.999}}"#), "replication.handoff_ms", "at least 1 ms");
        check_rejected(&with(r#"{"replication": {"timeout_ms": 0.5}}"#), "replication.timeout_ms", "got 0.5");
        check_rejected(&with(r#"{"colour": 1}"#), "colour", "unknown field `colour`");
        check_rejected(&with(r#"{"events": [{"at_ms": -1, "crash": "A"}]}"#), "events[0].at_ms", "must be a time >= 0");
        check_rejected(
            &with(r#"{"events": [{"at_ms": 18446744073709551616, "crash": "A"}]}"#),
            "events[0].at_ms",
            "more than 1,000,000,000,000,000 ms is past the 3600000 ms (one hour) cap",
        );
        // A byte-order mark is ignored; an empty file says it is empty.
        assert!(parse(&format!("\u{feff}{}", with("{}"))).is_ok());
        check_rejected(" \n", "", "the file is empty");
        // A wrong name shows the names there are: a node renamed in one place, its old name used
        // in another, shows both.
        check_rejected(
            &with(r#"{"events": [{"at_ms": 1, "crash": "Z"}]}"#),
            "events[0].crash",
            "unknown node `Z` (known: A, B, C)",
        );
        let many: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
        check_rejected(
            &format!(r#"{{"nodes": {:?}, "keys": {{"k": ["n12"]}}, "events": []}}"#, many),
            "keys.k[0]",
            "unknown node `n12` (known: n0, n1, n2, n3, n4, n5, n6, n7 and 4 more)",
        );
        check_rejected(
            &with(r#"{"clients": [{"id": "al"}], "network": {"links": [{"from": "bob", "to": "A", "latency_ms": 3}]}}"#),
            "network.links[0].from",
            "unknown node or client `bob` (nodes known: A, B, C; clients used in links must be listed in `clients`, and `clients` lists al)",
        );
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
            "unknown node or client `Q` (nodes known: A, B, C; clients known: none)",
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
        check_rejected("{\"nodes\": [", "nodes", "EOF while parsing a list at line 1 column 11");
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
            &with(r#"{"steps": [{"at_ms": 1, "caption": "x", "focus_op": -1}]}"#),
            "steps[0].focus_op",
            "whole number",
        );
        check_rejected(r#"{"events": []}"#, "nodes", "lists its nodes");
        let step = |h: &str| with(&format!(r#"{{"steps": [{{"caption": "x", "when": {h}}}]}}"#));
        check_rejected(
            &step(r#"{"msg": "ping"}"#),
            "steps[0].when.msg",
            "unknown message kind `ping`, expected one of put,",
        );
        check_rejected(
            &step(r#"{"msg": "put", "is": "end"}"#),
            "steps[0].when.is",
            "this happening can be sent, arrives, lost",
        );
        check_rejected(
            &step(r#"{"op": 0, "event": 0}"#),
            "steps[0].when",
            "names `op`, `msg` (maybe with `op`) or `event`",
        );
        check_rejected(&step(r#"{"op": 0, "from": "A"}"#), "steps[0].when", "`from` and `to` belong to a `msg`");
        check_rejected(&step(r#"{"op": 0, "count": 0}"#), "steps[0].when.count", "counts from 1");
        check_rejected(&step(r#"{"op": 0, "ms": 1e12}"#), "steps[0].when.ms", "within ±3600000 ms");
        check_rejected(
            &with(r#"{"steps": [{"at_ms": 1, "caption": "x", "describes": [{"op": 0, "ms": 5}]}]}"#),
            "steps[0].describes[0].ms",
            "unknown field `ms`",
        );
        check_rejected(&with(r#"{"steps": [{"caption": "x"}]}"#), "steps[0]", "needs `at_ms` (or `when`)");
        let nine: Vec<String> = (0..=MAX_STEP_CHOICES).map(|i| format!(r#""c{i}""#)).collect();
        check_rejected(
            &with(&format!(r#"{{"steps": [{{"at_ms": 0, "caption": "x", "choices": [{}]}}]}}"#, nine.join(", "))),
            "steps[0].choices",
            "9 items; the limit is 8",
        );
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

    const AFTER: &str = r#"{"nodes": ["A", "B", "C"], "seed": 3,
      "replication": {"n": 3, "w": 1, "r": 1},
      "network": {"latency_ms": 9, "latency_by_kind_ms": {"put": 4, "put_ack": {"const": 1}, "get": 2}},
      "events": [
        {"at_ms": 10, "client": "c1", "put": "x", "value": "v1"},
        {"after": {"op": 0, "ms": 5}, "client": "c2", "get": "x"},
        {"after": {"op": 1, "ms": 0}, "at_ms": 100, "crash": "A"}
      ]}"#;

    #[test]
    fn latency_by_kind_and_after_parse_and_round_trip() {
        let (file, sc) = parse(AFTER).unwrap();
        assert_eq!(file.network.latency_by_kind_ms.len(), 3);
        assert_eq!(sc.kind_latency[0], Some(crate::latency::Latency::Const(4.0)));
        assert_eq!(sc.kind_latency[3], None, "get_reply falls back to latency_ms");
        assert_eq!(file.events[1].after, Some(After { op: 0, ms: 5.0 }));
        assert_eq!(sc.events[1].after, Some((0, 5_000)));
        assert_eq!((sc.events[2].at_us, sc.events[2].after), (100_000, Some((1, 0))));
        let text = serde_json::to_string(&file).unwrap();
        assert!(text.contains(r#"{"after":{"ms":5.0,"op":0},"client":"c2","get":"x"}"#), "{text}");
        let (file2, sc2) = parse(&text).unwrap();
        assert_eq!((file, sc), (file2, sc2));
    }

    #[test]
    fn an_after_event_starts_its_delay_after_the_op_completes() {
        use crate::report::OpStatus;
        let sim = crate::run_text(AFTER, crate::trace::Level::Summary).unwrap();
        let ops = sim.report().ops;
        // The put: 4 ms to the replicas, 1 ms back; W=1, so it completes at 15 ms.
        assert_eq!((ops[0].start_ms, ops[0].end_ms, ops[0].status), (Some(10.0), Some(15.0), OpStatus::Ok));
        // The get starts 5 ms later: 2 ms there, 9 ms back (get_reply uses latency_ms).
        assert_eq!((ops[1].start_ms, ops[1].end_ms), (Some(20.0), Some(31.0)));
        assert_eq!(ops[1].values.as_deref(), Some(&["v1".to_string()][..]));
        // The crash waits for the get, but not before its own at_ms.
        let crash = sim.recording().trace.iter().find(|e| matches!(e.ev, crate::Ev::Fault { .. }));
        assert!(crash.is_none() || crash.unwrap().at_us == 100_000);
        let crashed = sim.snapshot_at(100_000).actual.up[0];
        assert!(!crashed, "A is down at 100 ms");
        // The default end leaves room for the chain: 100 ms + settle.
        assert!(sim.scenario().run_until_us >= ms_to_us(10.0 + 3.0 * 500.0));
    }

    #[test]
    fn latency_by_kind_and_after_are_validated_with_their_paths() {
        let get = r#""client": "c", "get": "k""#;
        check_rejected(
            &with(r#"{"network": {"latency_by_kind_ms": {"puts": 1}}}"#),
            "network.latency_by_kind_ms.puts",
            "unknown message kind `puts`, expected one of put, put_ack",
        );
        check_rejected(
            &with(r#"{"network": {"latency_by_kind_ms": {"get_reply": {"exp": -1}}}}"#),
            "network.latency_by_kind_ms.get_reply",
            "must be a finite number >= 0",
        );
        check_rejected(&with(r#"{"network": {"latency_by_kind_ms": [1]}}"#), "network.latency_by_kind_ms", "an object");
        let ev =
            |e: &str| with(&format!(r#"{{"events": [{{"at_ms": 1, "client": "c", "put": "k", "value": "v"}}, {e}]}}"#));
        check_rejected(
            &ev(&format!(r#"{{"after": {{"op": 1, "ms": 1}}, {get}}}"#)),
            "events[1].after.op",
            "operation 1 is not an earlier put or get: only operations 0 to 0",
        );
        check_rejected(
            &ev(&format!(r#"{{"after": {{"op": 0, "ms": -1}}, {get}}}"#)),
            "events[1].after.ms",
            "must be a time >= 0",
        );
        check_rejected(&ev(&format!(r#"{{"after": {{"ms": 1}}, {get}}}"#)), "events[1].after", "needs `op`");
        check_rejected(
            &ev(&format!(r#"{{"after": {{"op": 0, "delay": 1}}, {get}}}"#)),
            "events[1].after.delay",
            "unknown field `delay`",
        );
        check_rejected(&ev(&format!(r#"{{"after": 0, {get}}}"#)), "events[1].after", "`after` is a JSON object");
        check_rejected(&ev(&format!(r#"{{"after": {{"op": "first"}}, {get}}}"#)), "events[1].after.op", "whole number");
        check_rejected(&ev(&format!(r#"{{{get}}}"#)), "events[1]", "needs `at_ms` (or `after`)");
        check_rejected(
            &with(&format!(r#"{{"events": [{{"after": {{"op": 0, "ms": 1}}, {get}}}]}}"#)),
            "events[0].after.op",
            "no put or get comes before this event",
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = " ".repeat(MAX_SCENARIO_BYTES + 1);
        assert_eq!(
            parse(&big).unwrap_err().message,
            "the scenario is 16,777,217 bytes; the limit is 16,777,216 bytes (16 MiB)"
        );
    }

    #[test]
    fn default_end_covers_timeouts_and_handoff() {
        let (_, sc) = parse(&with("{}")).unwrap();
        // last event 1 ms + 2 × 500 + 50 + 1000.
        assert_eq!(sc.run_until_us, ms_to_us(1.0 + 1000.0 + 50.0 + 1000.0));
    }

    #[test]
    fn a_scenario_certain_to_pass_the_step_cap_is_refused_saying_by_how_much() {
        let nodes: Vec<String> = (0..256).map(|i| format!("n{i}")).collect();
        let text = with(&format!(
            r#"{{"nodes": {}, "replication": {{"n": 3, "w": 2, "r": 2, "anti_entropy_ms": 1}}, "run_until_ms": 3600000}}"#,
            serde_json::to_string(&nodes).unwrap()
        ));
        check_rejected(&text, "replication.anti_entropy_ms", "anti-entropy every 1 ms on 256 nodes for 3,600,000 ms needs at least 921,599,745 steps (and the events at least 2 more); the cap is 500,000 — make the period at least 1,843 ms");
        // The period it names fits; one less does not.
        let at = |ms: u32| text.replace(r#""anti_entropy_ms":1"#, &format!(r#""anti_entropy_ms":{ms}"#));
        assert!(parse(&at(1843)).is_ok());
        check_rejected(&at(1842), "replication.anti_entropy_ms", "make the period at least 1,843 ms");
        // Without anti-entropy, events alone never reach the cap.
        assert!(parse(&with(r#"{"run_until_ms": 3600000}"#)).is_ok());
    }

    #[test]
    fn more_events_than_the_cap_are_refused_saying_how_many() {
        let events = vec![r#"{"at_ms": 0, "heal": true}"#; MAX_EVENTS + 1].join(",");
        check_rejected(
            &with(&format!(r#"{{"events": [{events}]}}"#)),
            "events",
            "100,001 events; the limit is 100,000",
        );
    }

    #[test]
    fn more_replica_requests_than_the_cap_are_refused_at_n_saying_what_fits() {
        let nodes: Vec<String> = (0..32).map(|i| format!("n{i}")).collect();
        let scenario = |ops: usize, n: u32| {
            let events: Vec<String> =
                (0..ops).map(|i| format!(r#"{{"at_ms": 0, "client": "c", "put": "k", "value": "v{i}"}}"#)).collect();
            format!(
                r#"{{"nodes": {}, "replication": {{"n": {n}, "w": 1, "r": 1}}, "events": [{}]}}"#,
                serde_json::to_string(&nodes).unwrap(),
                events.join(",")
            )
        };
        // 32 × 62,500 is the cap exactly; one operation more is over it.
        assert!(parse(&scenario(62_500, 32)).is_ok());
        check_rejected(
            &scenario(62_501, 32),
            "replication.n",
            "62,501 operations sent to 32 replicas each make 2,000,032 replica requests; the cap is 2,000,000 — use at most 31 replicas per key, or at most 62,500 operations",
        );
        assert!(parse(&scenario(62_501, 31)).is_ok(), "the N it names fits");
    }

    /// The bound is a lower bound: runs take at least as many steps as it counts, whatever
    /// happens in them (crashes, partitions, a mode that does not repair).
    #[test]
    fn the_refusal_counts_only_steps_every_run_takes() {
        for extra in [
            r#"{"replication": {"n": 3, "w": 2, "r": 2, "anti_entropy_ms": 7}, "run_until_ms": 3000}"#,
            r#"{"replication": {"n": 3, "w": 2, "r": 2, "anti_entropy_ms": 3, "conflicts": "last_arrival"}, "run_until_ms": 900}"#,
            r#"{"replication": {"n": 3, "w": 3, "r": 3, "anti_entropy_ms": 5, "timeout_ms": 20}, "run_until_ms": 2000,
                "events": [{"at_ms": 1, "crash": "A"}, {"at_ms": 2, "client": "c", "put": "k", "value": "v"},
                           {"at_ms": 5, "partition": [["B"], ["C", "c"]]}, {"at_ms": 6, "client": "c", "get": "k"},
                           {"at_ms": 7, "client": "c", "get": "k", "after": {"op": 0, "ms": 3}}, {"at_ms": 1999, "client": "c", "get": "k"}]}"#,
        ] {
            let (_, sc) = parse(&with(extra)).unwrap();
            let bound = resolve::anti_entropy_ticks(&sc, ms_to_us(sc.repl.anti_entropy_ms.unwrap()))
                + resolve::certain_event_steps(&sc);
            let mut sim = crate::Sim::new(sc, crate::Level::Summary);
            sim.run();
            assert!(!sim.truncated());
            assert!(sim.steps() >= bound, "{extra}: {} steps, bound {bound}", sim.steps());
            assert!(bound * 2 > sim.steps() / 4, "{extra}: the bound is not vacuous");
        }
    }
}
