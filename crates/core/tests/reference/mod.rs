//! An exact causal reference for `siblings` mode, computed only from a run's public outputs (the
//! report and the `--trace` JSON), so it does not depend on how the simulator is built.
//!
//! The rule it encodes: a put supersedes exactly the versions its client's last *completed* get of
//! the key returned, and (transitively) whatever those had superseded; a blind put, or a put with
//! no earlier get of the key by its client, supersedes nothing; a put that no replica stored
//! contributes nothing (neither its value nor its supersessions). Once replicas that can reach each
//! other have converged, every home replica of a key must hold exactly the stored puts that no
//! stored put supersedes.

#![allow(dead_code)]

use quorumscope_core::Sim;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the reference expects, next to what the run ended with.
#[derive(Debug, Default)]
pub struct Verdict {
    /// key -> values the reference says survive.
    pub expected: BTreeMap<String, BTreeSet<String>>,
    /// (node, key) -> values held, for every home replica of every key that was written.
    pub held: BTreeMap<(String, String), BTreeSet<String>>,
    /// Values the reference keeps that some home replica lacks: (key, value, acknowledged put?).
    pub lost: Vec<(String, String, bool)>,
    /// Values some home replica holds that the reference says were superseded.
    pub resurrected: Vec<(String, String)>,
    /// Keys whose home replicas do not all hold the same values.
    pub diverged: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.lost.is_empty() && self.resurrected.is_empty()
    }
}

/// The reference's surviving values per key, from a run recorded at `Level::Full`.
pub fn expected(sim: &Sim) -> BTreeMap<String, BTreeSet<String>> {
    let report = serde_json::to_value(sim.report()).unwrap();
    let trace = sim.trace_json();
    expected_from(&report, &trace)
}

pub fn expected_from(report: &Value, trace: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let ops = report["ops"].as_array().unwrap();
    let put_of: BTreeMap<String, usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o["op"] == "put")
        .map(|(i, o)| (o["value"].as_str().unwrap().to_string(), i))
        .collect();
    // Which puts some replica stored: a put message that was delivered (to a live node on the
    // sender's side of any partition) is stored, as a home copy or a hint.
    let mut stored = vec![false; ops.len()];
    for m in trace["messages"].as_array().unwrap() {
        if m["kind"] == "put" && m["fate"] == "delivered" {
            stored[m["op"].as_u64().unwrap() as usize] = true;
        }
    }
    // Direct supersession, in trace order: a put's context is what its client's last completed
    // get of the key returned before the put started.
    let mut last_get: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut direct: Vec<Vec<usize>> = vec![vec![]; ops.len()];
    for e in trace["events"].as_array().unwrap() {
        let Some(op) = e["op"].as_u64().map(|o| o as usize) else { continue };
        let o = &ops[op];
        let ck = (o["client"].as_str().unwrap().to_string(), o["key"].as_str().unwrap().to_string());
        match e["type"].as_str().unwrap() {
            "op_start" if o["op"] == "put" => {
                let blind = o["blind"].as_bool().unwrap_or(false);
                if !blind {
                    direct[op] = last_get.get(&ck).cloned().unwrap_or_default();
                }
            }
            "op_end" if o["op"] == "get" && e["ok"] == true => {
                let seen = o["values"].as_array().unwrap().iter().map(|v| put_of[v.as_str().unwrap()]).collect();
                last_get.insert(ck, seen);
            }
            _ => {}
        }
    }
    // Transitive closure from every stored put.
    let mut superseded = vec![false; ops.len()];
    for p in (0..ops.len()).filter(|p| stored[*p]) {
        let mut stack = direct[p].clone();
        while let Some(q) = stack.pop() {
            if !superseded[q] {
                superseded[q] = true;
                stack.extend(direct[q].iter().copied());
            }
        }
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        if o["op"] == "put" {
            let set = out.entry(o["key"].as_str().unwrap().to_string()).or_default();
            if stored[i] && !superseded[i] {
                set.insert(o["value"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

/// Compares every home replica's final copy of every written key with the reference. `n` is the
/// scenario's replication factor.
pub fn verdict(sim: &Sim, n: usize) -> Verdict {
    let report = serde_json::to_value(sim.report()).unwrap();
    let trace = sim.trace_json();
    let expected = expected_from(&report, &trace);
    let ops = report["ops"].as_array().unwrap();
    let mut v = Verdict { expected: expected.clone(), ..Verdict::default() };
    let acked: BTreeSet<String> = ops
        .iter()
        .filter(|o| o["op"] == "put" && o["status"] == "ok")
        .map(|o| o["value"].as_str().unwrap().to_string())
        .collect();
    for (key, want) in &expected {
        let op = ops.iter().find(|o| o["key"] == key.as_str()).unwrap();
        for node in op["preference"].as_array().unwrap().iter().take(n) {
            let node = node.as_str().unwrap();
            let held: BTreeSet<String> = report["final"][node]
                .get(key)
                .map(|vs| vs.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            for x in want.difference(&held) {
                let entry = (key.clone(), x.clone(), acked.contains(x));
                if !v.lost.contains(&entry) {
                    v.lost.push(entry);
                }
            }
            for x in held.difference(want) {
                let entry = (key.clone(), x.clone());
                if !v.resurrected.contains(&entry) {
                    v.resurrected.push(entry);
                }
            }
            if v.held.iter().any(|((_, k), h)| k == key && *h != held) && !v.diverged.contains(key) {
                v.diverged.push(key.clone());
            }
            v.held.insert((node.to_string(), key.clone()), held);
        }
    }
    v
}
