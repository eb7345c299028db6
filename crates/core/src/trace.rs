//! The trace: every step the simulation takes, as plain data. This is the product boundary — the
//! visualizer draws trace events and snapshots and never reaches into node internals.

use crate::ids::{us_to_ms, Addr, KeyId, NodeId};
pub use crate::msg::{Msg, MsgKind};
use crate::scenario::Scenario;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random message loss.
    Lost,
    /// The receiver was down when the message arrived.
    NodeDown,
    /// Sender and receiver were on different sides of a partition.
    Partition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    InFlight,
    Delivered,
    Dropped(DropReason),
}

/// One message, from send to delivery or loss.
#[derive(Clone, Debug)]
pub struct MsgRecord {
    pub from: Addr,
    pub to: Addr,
    pub kind: MsgKind,
    pub sent_us: u64,
    /// When it reaches (or would have reached) the receiver.
    pub arrive_us: u64,
    /// When it was lost on the way, if it was (decided by `net::send`).
    pub lost_at_us: Option<u64>,
    pub fate: Fate,
    pub payload: Msg,
}

impl MsgRecord {
    /// When it stops being in the air: delivered or dropped at the receiver, or lost on the way.
    pub fn gone_us(&self) -> u64 {
        self.lost_at_us.unwrap_or(self.arrive_us)
    }

    /// How far along its path it is at `t_us`, from 0 (sent) to 1 (arrived); a lost message stops
    /// where it was lost.
    pub fn progress_at(&self, t_us: u64) -> f64 {
        let t = t_us.clamp(self.sent_us, self.gone_us());
        let span = self.arrive_us.saturating_sub(self.sent_us).max(1);
        (t - self.sent_us) as f64 / span as f64
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fault")]
pub enum FaultWhat {
    Crash { nodes: Vec<NodeId> },
    Recover { nodes: Vec<NodeId> },
    Partition { groups: Vec<u16> },
    Heal,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum MerkleStep {
    Start {
        initiator: NodeId,
        peer: NodeId,
    },
    /// The responder compared `compared` hashes at `level`; `differing` heap indices differed.
    Level {
        level: u32,
        compared: u32,
        differing: Vec<u32>,
    },
    /// Keys found to differ in the differing leaves.
    Keys {
        keys: Vec<KeyId>,
    },
    Done {
        hashes_compared: u64,
        keys_exchanged: u32,
    },
    /// The initiator gave up on the exchange, and why.
    Abandoned {
        reason: AbandonReason,
    },
}

/// Why an anti-entropy exchange was abandoned. A lost step is never a reason: it is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonReason {
    /// The initiator believes its peer crashed or cut off (its detected view of faults).
    PeerUnreachable,
    /// The initiator itself crashed, losing the exchange's state.
    Crashed,
    /// One step went unanswered through every retransmission (as TCP gives up on a connection).
    NoAnswer,
}

impl AbandonReason {
    /// In words, for the trace and the report.
    pub fn name(self) -> &'static str {
        match self {
            AbandonReason::PeerUnreachable => "peer_unreachable",
            AbandonReason::Crashed => "crashed",
            AbandonReason::NoAnswer => "no_answer",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Ev {
    /// A scenario event fired (index into the file's events).
    Scenario {
        index: u32,
    },
    Fault {
        what: FaultWhat,
    },
    /// Clients and nodes learn of a fault `detect_ms` after it happened.
    Detected {
        what: FaultWhat,
    },
    OpStart {
        op: u32,
    },
    OpEnd {
        op: u32,
        ok: bool,
    },
    Sent {
        msg: u32,
    },
    Delivered {
        msg: u32,
    },
    Dropped {
        msg: u32,
        reason: DropReason,
    },
    /// A request of `op` to `node` got no answer before the timeout.
    RequestTimeout {
        op: u32,
        node: NodeId,
    },
    /// A replica merged a copy into its own. `changed` is false when what it held already won
    /// (the same versions, or under lww a higher timestamp): the incoming copy was discarded.
    Stored {
        node: NodeId,
        key: KeyId,
        hint_for: Option<NodeId>,
        changed: bool,
    },
    ReadRepair {
        op: u32,
        node: NodeId,
        key: KeyId,
    },
    /// A replica refused a put: the key would have had more than `MAX_SIBLINGS` versions.
    PutRefused {
        op: u32,
        node: NodeId,
        key: KeyId,
        siblings: u32,
    },
    /// A put left a replica more than `WARN_SIBLINGS` versions of a key (Riak's `warn_siblings`).
    SiblingWarning {
        node: NodeId,
        key: KeyId,
        siblings: u32,
    },
    HintStored {
        holder: NodeId,
        for_node: NodeId,
        key: KeyId,
    },
    HandedOff {
        holder: NodeId,
        for_node: NodeId,
        key: KeyId,
    },
    Merkle {
        xid: u32,
        step: MerkleStep,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    pub at_us: u64,
    #[serde(flatten)]
    pub ev: Ev,
}

/// One anti-entropy exchange, as the report lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    pub xid: u32,
    pub start_us: u64,
    pub end_us: Option<u64>,
    pub initiator: NodeId,
    pub peer: NodeId,
    pub depth: u32,
    pub hashes_compared: u64,
    pub keys: Vec<KeyId>,
    pub completed: bool,
    /// Set when the exchange was abandoned.
    pub abandoned: Option<AbandonReason>,
}

/// A put that left a replica more than `WARN_SIBLINGS` versions of a key, as the report lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiblingWarning {
    pub at_us: u64,
    pub node: NodeId,
    pub key: KeyId,
    pub siblings: u32,
}

/// At most this many sibling warnings are listed; the rest are counted
/// (`Recording::sibling_warnings_not_listed`): every put past `WARN_SIBLINGS` warns, as in Riak,
/// so a long run of blind writers makes thousands.
pub const MAX_SIBLING_WARNINGS_LISTED: usize = 100;

/// How much a run records. Replays from a checkpoint record nothing: the full run already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Trace events and every message.
    Full,
    /// Counts and anti-entropy exchanges only (the CLI without --trace, benchmarks).
    Summary,
    Off,
}

#[derive(Clone, Debug)]
pub struct Recording {
    pub level: Level,
    pub trace: Vec<TraceEvent>,
    pub messages: Vec<MsgRecord>,
    pub exchanges: Vec<Exchange>,
    /// Kept at every level but Off: the report lists them (Riak logs its `warn_siblings`).
    pub sibling_warnings: Vec<SiblingWarning>,
    pub sibling_warnings_not_listed: u64,
    /// Counted at every level but Off.
    pub events: u64,
    pub messages_sent: u64,
    /// The longest time any message spent in flight: bounds the scan for what is in flight.
    pub max_flight_us: u64,
}

impl Recording {
    pub fn new(level: Level) -> Recording {
        Recording {
            level,
            trace: Vec::new(),
            messages: Vec::new(),
            exchanges: Vec::new(),
            sibling_warnings: Vec::new(),
            sibling_warnings_not_listed: 0,
            events: 0,
            messages_sent: 0,
            max_flight_us: 0,
        }
    }

    pub(crate) fn push(&mut self, at_us: u64, ev: Ev) {
        match self.level {
            Level::Off => return,
            Level::Summary => {}
            Level::Full => self.trace.push(TraceEvent { at_us, ev: ev.clone() }),
        }
        self.events += 1;
        match ev {
            Ev::Merkle { xid, step } => self.on_merkle(at_us, xid, step),
            Ev::SiblingWarning { node, key, siblings } => {
                self.on_sibling_warning(SiblingWarning { at_us, node, key, siblings })
            }
            _ => {}
        }
    }

    fn on_sibling_warning(&mut self, w: SiblingWarning) {
        if self.sibling_warnings.len() < MAX_SIBLING_WARNINGS_LISTED {
            self.sibling_warnings.push(w);
        } else {
            self.sibling_warnings_not_listed += 1;
        }
    }

    fn on_merkle(&mut self, at_us: u64, xid: u32, step: MerkleStep) {
        if let MerkleStep::Start { initiator, peer } = step {
            self.exchanges.push(Exchange {
                xid,
                start_us: at_us,
                end_us: None,
                initiator,
                peer,
                depth: 0,
                hashes_compared: 0,
                keys: vec![],
                completed: false,
                abandoned: None,
            });
            return;
        }
        // Exchanges are recorded in start order: the one a step belongs to is near the end.
        let Some(x) = self.exchanges.iter_mut().rev().find(|x| x.xid == xid) else { return };
        match step {
            MerkleStep::Level { level, compared, .. } => {
                x.depth = x.depth.max(level);
                x.hashes_compared += compared as u64;
            }
            MerkleStep::Keys { keys } => x.keys = keys,
            MerkleStep::Done { .. } => {
                x.end_us = Some(at_us);
                x.completed = true;
            }
            MerkleStep::Abandoned { reason } => {
                x.end_us = Some(at_us);
                x.abandoned = Some(reason);
            }
            MerkleStep::Start { .. } => {}
        }
    }

    /// Index of the first trace event at or after `t_us`.
    pub fn first_at_or_after(&self, t_us: u64) -> usize {
        self.trace.partition_point(|e| e.at_us < t_us)
    }
}

/// Replaces node and key indices in a trace event's JSON by their names, as the messages have
/// them: `node`, `holder`, `for_node`, `initiator`, `peer` and `nodes` name nodes, `key` and `keys`
/// keys, and a partition's `groups` (a group number per actor) become lists of names.
fn name_ids(sc: &Scenario, v: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(m) = v else { return };
    let node = |x: &Value| x.as_u64().map_or(x.clone(), |n| Value::from(sc.nodes[n as usize].name.clone()));
    let key = |x: &Value| x.as_u64().map_or(x.clone(), |k| Value::from(sc.keys[k as usize].clone()));
    for (field, x) in m.iter_mut() {
        match field.as_str() {
            "node" | "holder" | "for_node" | "initiator" | "peer" => *x = node(x),
            "key" => *x = key(x),
            "nodes" => *x = Value::Array(x.as_array().map(|a| a.iter().map(node).collect()).unwrap_or_default()),
            "keys" => *x = Value::Array(x.as_array().map(|a| a.iter().map(key).collect()).unwrap_or_default()),
            "groups" => {
                let slots: Vec<u64> =
                    x.as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
                let names: Vec<String> =
                    sc.nodes.iter().map(|n| n.name.clone()).chain(sc.clients.iter().map(|c| c.name.clone())).collect();
                let count = slots.iter().max().map_or(0, |g| g + 1);
                *x = Value::Array(
                    (0..count)
                        .map(|g| {
                            Value::Array(
                                slots
                                    .iter()
                                    .zip(&names)
                                    .filter(|(s, _)| **s == g)
                                    .map(|(_, n)| Value::from(n.clone()))
                                    .collect(),
                            )
                        })
                        .filter(|g| g.as_array().is_some_and(|a| !a.is_empty()))
                        .collect(),
                );
            }
            _ => name_ids(sc, x),
        }
    }
}

/// One message of the trace's JSON (`quorumscope run --trace`), with names instead of indices:
/// written directly, its fields in name order as a JSON tree of it would have them (a run's
/// 800,000 messages went through a tree each).
#[derive(Serialize)]
pub(crate) struct MsgJson<'a> {
    arrive_ms: f64,
    fate: String,
    from: &'a str,
    id: usize,
    key: Option<&'a str>,
    kind: &'static str,
    lost_ms: Option<f64>,
    op: Option<u32>,
    sent_ms: f64,
    to: &'a str,
}

pub(crate) fn msg_json<'a>(sc: &'a Scenario, i: usize, m: &MsgRecord) -> MsgJson<'a> {
    let fate = match m.fate {
        Fate::Delivered => "delivered".to_string(),
        Fate::InFlight => "in_flight".to_string(),
        Fate::Dropped(r) => format!(
            "dropped_{}",
            serde_json::to_value(r).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        ),
    };
    MsgJson {
        arrive_ms: us_to_ms(m.arrive_us),
        fate,
        from: sc.name(m.from),
        id: i,
        key: m.payload.key().map(|k| sc.keys[k as usize].as_str()),
        kind: m.kind.name(),
        lost_ms: m.lost_at_us.map(us_to_ms),
        op: m.payload.op(),
        sent_ms: us_to_ms(m.sent_us),
        to: sc.name(m.to),
    }
}

/// One trace event's JSON, with names instead of indices. The common ones — a message sent or
/// delivered, an operation's start and end, a copy stored, an anti-entropy step — are written
/// directly, fields in name order (as a JSON tree of them would have them); the rare ones (faults,
/// hints, sibling limits, read repairs, timeouts) through a JSON tree.
pub(crate) enum EventJson<'a> {
    Message { at_ms: f64, msg: u32, kind: &'static str },
    Op { at_ms: f64, op: u32, ok: Option<bool> },
    Stored { at_ms: f64, changed: bool, hint_for: Option<&'a str>, key: &'a str, node: &'a str },
    Merkle { at_ms: f64, step: MerkleJson<'a>, xid: u32 },
    Fault { at_ms: f64, kind: &'static str, what: FaultJson<'a> },
    Tree(serde_json::Value),
}

/// A fault of the trace's JSON (`what`), nodes by name and a partition's sides as lists of
/// names (a partition flapping at every other event on 256 nodes wrote 100,000 of them).
pub(crate) struct FaultJson<'a> {
    sc: &'a Scenario,
    what: &'a FaultWhat,
}

impl Serialize for FaultJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let sc = self.sc;
        let names = |ns: &[NodeId]| ns.iter().map(|n| sc.nodes[*n as usize].name.as_str()).collect::<Vec<_>>();
        let mut m = s.serialize_map(None)?;
        match self.what {
            FaultWhat::Crash { nodes } | FaultWhat::Recover { nodes } => {
                let kind = if matches!(self.what, FaultWhat::Crash { .. }) { "crash" } else { "recover" };
                m.serialize_entry("fault", kind)?;
                m.serialize_entry("nodes", &names(nodes))?;
            }
            FaultWhat::Partition { groups } => {
                m.serialize_entry("fault", "partition")?;
                m.serialize_entry("groups", &sides(sc, groups))?;
            }
            FaultWhat::Heal => m.serialize_entry("fault", "heal")?,
        }
        m.end()
    }
}

/// A partition's sides from a group number per actor (nodes, then clients): each non-empty
/// group's names, in group order.
fn sides<'a>(sc: &'a Scenario, slots: &[u16]) -> Vec<Vec<&'a str>> {
    let names: Vec<&str> =
        sc.nodes.iter().map(|n| n.name.as_str()).chain(sc.clients.iter().map(|c| c.name.as_str())).collect();
    let count = slots.iter().max().map_or(0, |g| usize::from(*g) + 1);
    let mut out: Vec<Vec<&str>> = vec![Vec::new(); count];
    for (slot, name) in slots.iter().zip(&names) {
        out[usize::from(*slot)].push(name);
    }
    out.retain(|g| !g.is_empty());
    out
}

/// An anti-entropy step of the trace's JSON, nodes and keys by name.
pub(crate) struct MerkleJson<'a> {
    sc: &'a Scenario,
    step: &'a MerkleStep,
}

impl Serialize for MerkleJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let sc = self.sc;
        let mut m = s.serialize_map(None)?;
        match self.step {
            MerkleStep::Start { initiator, peer } => {
                m.serialize_entry("initiator", &sc.nodes[*initiator as usize].name)?;
                m.serialize_entry("peer", &sc.nodes[*peer as usize].name)?;
                m.serialize_entry("step", "start")?;
            }
            MerkleStep::Level { level, compared, differing } => {
                m.serialize_entry("compared", compared)?;
                m.serialize_entry("differing", differing)?;
                m.serialize_entry("level", level)?;
                m.serialize_entry("step", "level")?;
            }
            MerkleStep::Keys { keys } => {
                let names: Vec<&str> = keys.iter().map(|k| sc.keys[*k as usize].as_str()).collect();
                m.serialize_entry("keys", &names)?;
                m.serialize_entry("step", "keys")?;
            }
            MerkleStep::Done { hashes_compared, keys_exchanged } => {
                m.serialize_entry("hashes_compared", hashes_compared)?;
                m.serialize_entry("keys_exchanged", keys_exchanged)?;
                m.serialize_entry("step", "done")?;
            }
            MerkleStep::Abandoned { reason } => {
                m.serialize_entry("reason", reason.name())?;
                m.serialize_entry("step", "abandoned")?;
            }
        }
        m.end()
    }
}

impl Serialize for EventJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if let EventJson::Tree(v) = self {
            return v.serialize(s);
        }
        let mut m = s.serialize_map(None)?;
        match self {
            EventJson::Message { at_ms, msg, kind } => {
                m.serialize_entry("at_ms", at_ms)?;
                m.serialize_entry("msg", msg)?;
                m.serialize_entry("type", kind)?;
            }
            EventJson::Op { at_ms, op, ok } => {
                m.serialize_entry("at_ms", at_ms)?;
                if let Some(ok) = ok {
                    m.serialize_entry("ok", ok)?;
                }
                m.serialize_entry("op", op)?;
                m.serialize_entry("type", if ok.is_some() { "op_end" } else { "op_start" })?;
            }
            EventJson::Stored { at_ms, changed, hint_for, key, node } => {
                m.serialize_entry("at_ms", at_ms)?;
                m.serialize_entry("changed", changed)?;
                m.serialize_entry("hint_for", hint_for)?;
                m.serialize_entry("key", key)?;
                m.serialize_entry("node", node)?;
                m.serialize_entry("type", "stored")?;
            }
            EventJson::Merkle { at_ms, step, xid } => {
                m.serialize_entry("at_ms", at_ms)?;
                m.serialize_entry("step", step)?;
                m.serialize_entry("type", "merkle")?;
                m.serialize_entry("xid", xid)?;
            }
            EventJson::Fault { at_ms, kind, what } => {
                m.serialize_entry("at_ms", at_ms)?;
                m.serialize_entry("type", kind)?;
                m.serialize_entry("what", what)?;
            }
            EventJson::Tree(_) => {} // written whole above
        }
        m.end()
    }
}

pub(crate) fn event_json<'a>(sc: &'a Scenario, e: &'a TraceEvent) -> EventJson<'a> {
    let at_ms = us_to_ms(e.at_us);
    match &e.ev {
        Ev::Sent { msg } => return EventJson::Message { at_ms, msg: *msg, kind: "sent" },
        Ev::Delivered { msg } => return EventJson::Message { at_ms, msg: *msg, kind: "delivered" },
        Ev::OpStart { op } => return EventJson::Op { at_ms, op: *op, ok: None },
        Ev::OpEnd { op, ok } => return EventJson::Op { at_ms, op: *op, ok: Some(*ok) },
        Ev::Stored { node, key, hint_for, changed } => {
            return EventJson::Stored {
                at_ms,
                changed: *changed,
                hint_for: hint_for.map(|h| sc.nodes[h as usize].name.as_str()),
                key: &sc.keys[*key as usize],
                node: &sc.nodes[*node as usize].name,
            }
        }
        Ev::Merkle { xid, step } => return EventJson::Merkle { at_ms, step: MerkleJson { sc, step }, xid: *xid },
        Ev::Fault { what } => return EventJson::Fault { at_ms, kind: "fault", what: FaultJson { sc, what } },
        Ev::Detected { what } => return EventJson::Fault { at_ms, kind: "detected", what: FaultJson { sc, what } },
        _ => {}
    }
    let mut v = serde_json::to_value(&e.ev).unwrap_or_default();
    name_ids(sc, &mut v);
    v["at_ms"] = serde_json::json!(at_ms);
    EventJson::Tree(v)
}

/// The full trace as JSON, with names instead of indices (held whole: `quorumscope run --trace`
/// writes it element by element instead, `out.rs`).
pub(crate) fn to_json(sc: &Scenario, rec: &Recording) -> serde_json::Value {
    let msgs: Vec<serde_json::Value> = rec
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::to_value(msg_json(sc, i, m)).unwrap_or_default())
        .collect();
    let events: Vec<serde_json::Value> =
        rec.trace.iter().map(|e| serde_json::to_value(event_json(sc, e)).unwrap_or_default()).collect();
    serde_json::json!({
        "nodes": sc.nodes.iter().map(|n| &n.name).collect::<Vec<_>>(),
        "clients": sc.clients.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "keys": sc.keys,
        "messages": msgs,
        "events": events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// An event's JSON as a tree makes it, the way every event was written before the common
    /// ones were written directly: the reference the direct form must equal byte for byte.
    fn as_tree(sc: &Scenario, e: &TraceEvent) -> String {
        let mut v = serde_json::to_value(&e.ev).unwrap();
        name_ids(sc, &mut v);
        v["at_ms"] = serde_json::json!(us_to_ms(e.at_us));
        v.to_string()
    }

    fn kind(e: &TraceEvent) -> String {
        match &e.ev {
            Ev::Merkle { step, .. } => format!("merkle/{}", serde_json::to_value(step).unwrap()["step"]),
            Ev::Fault { what } | Ev::Detected { what } => {
                let v = serde_json::to_value(&e.ev).unwrap();
                format!("{}/{}", v["type"], serde_json::to_value(what).unwrap()["fault"])
            }
            ev => serde_json::to_value(ev).unwrap()["type"].to_string(),
        }
    }

    /// The report lists the first `MAX_SIBLING_WARNINGS_LISTED` warnings and counts the rest, at
    /// the summary level as at the full one; a run that records nothing keeps none.
    #[test]
    fn sibling_warnings_are_listed_up_to_the_cap_then_counted() {
        for level in [Level::Summary, Level::Full, Level::Off] {
            let mut rec = Recording::new(level);
            for key in 0..MAX_SIBLING_WARNINGS_LISTED as KeyId + 7 {
                rec.push(1000 + key as u64, Ev::SiblingWarning { node: 0, key, siblings: 25 });
            }
            let (listed, counted) = if level == Level::Off { (0, 0) } else { (MAX_SIBLING_WARNINGS_LISTED, 7) };
            assert_eq!((rec.sibling_warnings.len(), rec.sibling_warnings_not_listed), (listed, counted), "{level:?}");
            if level != Level::Off {
                assert_eq!(rec.sibling_warnings[1], SiblingWarning { at_us: 1001, node: 0, key: 1, siblings: 25 });
            }
        }
    }

    #[test]
    fn events_written_directly_are_the_bytes_their_tree_makes() {
        let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        // Anti-entropy cut off by a partition and a crash (abandoned exchanges), siblings.
        texts.push(
            r#"{"seed": 3, "nodes": ["A", "B", "C", "D"], "replication": {"n": 3, "w": 1, "r": 1,
              "conflicts": "siblings", "anti_entropy_ms": 20, "merkle_depth": 3},
              "network": {"latency_ms": 4, "loss": 0.2},
              "events": [{"at_ms": 0, "client": "x", "put": "k1", "value": "a"},
                         {"at_ms": 0, "client": "y", "put": "k1", "value": "b"},
                         {"at_ms": 5, "partition": [["A", "x"], ["B", "C", "D", "y"]]},
                         {"at_ms": 6, "client": "y", "put": "k2", "value": "c"},
                         {"at_ms": 41, "crash": "B"}, {"at_ms": 90, "heal": true},
                         {"at_ms": 120, "recover": "B"},
                         {"at_ms": 130, "partition": [["A"], ["B", "x"], ["C", "D", "y"]]},
                         {"at_ms": 200, "heal": true}], "run_until_ms": 400}"#
                .to_string(),
        );
        let mut kinds = BTreeSet::new();
        for text in &texts {
            let sim = crate::run_text(text, Level::Full).unwrap();
            let (sc, rec) = (sim.scenario(), sim.recording());
            for e in &rec.trace {
                assert_eq!(serde_json::to_string(&event_json(sc, e)).unwrap(), as_tree(sc, e));
                kinds.insert(kind(e));
            }
        }
        for k in ["\"sent\"", "\"delivered\"", "\"op_start\"", "\"op_end\"", "\"stored\""] {
            assert!(kinds.contains(k), "no {k} event was compared: {kinds:?}");
        }
        for kind in ["fault", "detected"] {
            for what in ["crash", "recover", "partition", "heal"] {
                let k = format!("\"{kind}\"/\"{what}\"");
                assert!(kinds.contains(&k), "no {k} event was compared: {kinds:?}");
            }
        }
        for step in ["start", "level", "keys", "done", "abandoned"] {
            assert!(kinds.contains(&format!("merkle/\"{step}\"")), "no merkle {step} was compared: {kinds:?}");
        }
    }
}
