//! `quorumscope run`'s JSON written as it is made: the report, the run's consistency verdicts and,
//! with `--trace`, the trace, with exactly the bytes of the whole document built as one
//! `serde_json::Value` (keys sorted, as its maps sort them) but never holding it: each operation,
//! message and trace event becomes a small `Value` only while it is written. Built whole, a
//! 1,000,000-step trace took 4 to 5 GB.

use crate::report::Report;
use crate::run::Sim;
use crate::trace::{event_json, msg_json};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// Any serializable thing as the `Value` tree would write it (its maps' keys sorted).
fn sorted<T: Serialize, S: Serializer>(x: &T, s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(x).map_err(S::Error::custom)?.serialize(s)
}

/// A list written one element at a time, each made by `f(i)` when it is written.
struct Each<T: Serialize, F: Fn(usize) -> T> {
    len: usize,
    f: F,
}

impl<T: Serialize, F: Fn(usize) -> T> Serialize for Each<T, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len))?;
        for i in 0..self.len {
            seq.serialize_element(&(self.f)(i))?;
        }
        seq.end()
    }
}

fn each<T: Serialize>(xs: &[T]) -> Each<Value, impl Fn(usize) -> Value + '_> {
    Each { len: xs.len(), f: |i| serde_json::to_value(&xs[i]).unwrap_or_default() }
}

/// The operations, made one at a time from the run.
struct Ops<'a>(&'a Sim);

impl Serialize for Ops<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ops = self.0.op_reports();
        let mut seq = s.serialize_seq(Some(ops.len()))?;
        for op in ops {
            seq.serialize_element(&op)?; // its fields are in name order
        }
        seq.end()
    }
}

struct Sorted<'a, T>(&'a T);

impl<T: Serialize> Serialize for Sorted<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        sorted(self.0, s)
    }
}

/// `final`: node → key → values, nodes and keys in name order (as the `Value` map writes them).
struct Final<'a>(&'a Report);

impl Serialize for Final<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let nodes = &self.0.final_state.0;
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|a, b| nodes[*a].0.cmp(&nodes[*b].0));
        let mut m = s.serialize_map(Some(nodes.len()))?;
        for i in order {
            let (node, keys) = &nodes[i];
            let keys: serde_json::Map<String, Value> =
                keys.iter().map(|(k, vs)| (k.clone(), Value::from(vs.clone()))).collect();
            m.serialize_entry(node, &keys)?;
        }
        m.end()
    }
}

/// The trace: `clients`, `events`, `keys`, `messages`, `nodes` and a lesson's `steps`.
struct Trace<'a>(&'a Sim);

impl Serialize for Trace<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (sc, rec) = (self.0.scenario(), self.0.recording());
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("clients", &sc.clients.iter().map(|c| &c.name).collect::<Vec<_>>())?;
        m.serialize_entry("events", &Each { len: rec.trace.len(), f: |i| event_json(sc, &rec.trace[i]) })?;
        m.serialize_entry("keys", &sc.keys)?;
        m.serialize_entry("messages", &Each { len: rec.messages.len(), f: |i| msg_json(sc, i, &rec.messages[i]) })?;
        m.serialize_entry("nodes", &sc.nodes.iter().map(|n| &n.name).collect::<Vec<_>>())?;
        if !sc.steps.is_empty() {
            m.serialize_entry("steps", &self.0.steps_json())?;
        }
        m.end()
    }
}

/// The whole document, keys in name order.
struct Run<'a> {
    sim: &'a Sim,
    report: Report,
    consistency: Value,
    trace: bool,
}

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.report;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("anomalies", &each(&r.anomalies))?;
        m.serialize_entry("anti_entropy", &each(&r.anti_entropy))?;
        m.serialize_entry("consistency", &self.consistency)?;
        m.serialize_entry("final", &Final(r))?;
        m.serialize_entry("hints", &each(&r.hints))?;
        m.serialize_entry("ops", &Ops(self.sim))?;
        m.serialize_entry("seed", &r.seed)?;
        if !r.sibling_warnings.is_empty() {
            m.serialize_entry("sibling_warnings", &each(&r.sibling_warnings))?;
        }
        m.serialize_entry("stats", &Sorted(&r.stats))?;
        m.serialize_entry("title", &r.title)?;
        if self.trace {
            m.serialize_entry("trace", &Trace(self.sim))?;
        }
        m.end()
    }
}

impl Sim {
    /// Writes `quorumscope run`'s JSON — the report, `consistency` and, if `trace`, the trace
    /// — to `out` as it is made (indented if `pretty`).
    pub fn write_run_json(&self, out: impl std::io::Write, trace: bool, pretty: bool) -> serde_json::Result<()> {
        let report = self.report_without_ops();
        let consistency = self.consistency_json_of(&report);
        let run = Run { sim: self, report, consistency, trace };
        if pretty {
            serde_json::to_writer_pretty(out, &run)
        } else {
            serde_json::to_writer(out, &run)
        }
    }
}
