//! A run of a scenario: the world plus its recording, checkpoints for seeking, the report, and
//! snapshots of the state at any instant.

use crate::check::{check, Anomaly};
use crate::client::{OpKind, Status};
use crate::data::Data;
use crate::merkle::Tree;
use crate::scenario::{us_to_ms, KeyId, NodeId, Scenario};
use crate::sim::{Faults, Setup, World, MAX_CHECKPOINTS};
use crate::trace::{Fate, Level, Recording};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

pub struct Sim {
    pub setup: Setup,
    pub world: World,
    pub rec: Recording,
    checkpoints: Vec<World>,
    checkpoint_every: u64,
    keep_checkpoints: bool,
}

impl Sim {
    pub fn new(sc: Scenario, level: Level) -> Sim {
        let setup = Setup::new(sc);
        let world = World::new(&setup);
        Sim {
            setup,
            world,
            rec: Recording::new(level),
            checkpoints: vec![],
            checkpoint_every: crate::sim::FIRST_CHECKPOINT_EVERY,
            keep_checkpoints: false,
        }
    }

    /// Keeps checkpoints while running, so that [`Sim::state_at`] can seek quickly.
    pub fn with_checkpoints(mut self) -> Sim {
        self.keep_checkpoints = true;
        self.checkpoints.push(self.world.clone());
        self
    }

    /// Runs to the scenario's end.
    pub fn run(&mut self) {
        let until = self.setup.sc.run_until_us;
        while self.world.step(&self.setup, &mut self.rec, until) {
            if self.keep_checkpoints && self.world.steps % self.checkpoint_every == 0 {
                self.checkpoints.push(self.world.clone());
                if self.checkpoints.len() > MAX_CHECKPOINTS {
                    // Keep every other one: memory stays bounded, seeking stays O(spacing).
                    let kept: Vec<World> = self.checkpoints.drain(..).step_by(2).collect();
                    self.checkpoints = kept;
                    self.checkpoint_every *= 2;
                }
            }
        }
        // The clock reads the end of the run even when nothing happened near the end.
        self.world.now = self.world.now.max(until);
    }

    pub fn truncated(&self) -> bool {
        self.world.steps >= crate::sim::MAX_STEPS
    }

    /// The world as it was once everything due at or before `t_us` had happened.
    pub fn world_at(&self, t_us: u64) -> World {
        let start = self.checkpoints.partition_point(|w| w.now <= t_us).saturating_sub(1);
        let mut w = match self.checkpoints.get(start) {
            Some(cp) if cp.now <= t_us => cp.clone(),
            _ => World::new(&self.setup),
        };
        let mut off = Recording::new(Level::Off);
        while w.step(&self.setup, &mut off, t_us) {}
        w.now = t_us;
        w
    }

    pub fn snapshot_at(&self, t_us: u64) -> Snapshot {
        Snapshot::of(&self.setup, &self.world_at(t_us))
    }

    pub fn anomalies(&self) -> Vec<Anomaly> {
        check(&self.setup, &self.world)
    }

    /// Messages in flight at `t_us` (sent at or before, arriving after). Needs a Full recording.
    pub fn in_flight_at(&self, t_us: u64) -> impl Iterator<Item = (u32, &crate::trace::MsgRecord)> + '_ {
        // Messages are recorded in send order, so everything sent after t is past this point.
        let end = self.rec.messages.partition_point(|m| m.sent_us <= t_us);
        // Nothing sent longer ago than the longest flight can still be in the air.
        let horizon = t_us.saturating_sub(self.rec.max_flight_us);
        let start = self.rec.messages[..end].partition_point(|m| m.sent_us < horizon);
        self.rec.messages[start..end]
            .iter()
            .enumerate()
            .map(move |(i, m)| (i + start, m))
            .filter(move |(_, m)| m.arrive_us > t_us)
            .map(|(i, m)| (i as u32, m))
    }

    pub fn report(&self) -> Report {
        Report::build(self)
    }
}

/// What one node holds at some instant, for drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSnap {
    pub up: bool,
    pub store: Vec<(KeyId, Data)>,
    /// (intended replica, key, data).
    pub hints: Vec<(NodeId, KeyId, Data)>,
    /// Root of the node's Merkle tree over everything it stores; 0 when anti-entropy is off
    /// (nothing compares trees then, and building 64 of them per frame is not free).
    pub merkle_root: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub at_us: u64,
    pub nodes: Vec<NodeSnap>,
    pub actual: Faults,
    pub view: Faults,
}

impl Snapshot {
    pub fn of(s: &Setup, w: &World) -> Snapshot {
        let depth = s.sc.repl.merkle_depth;
        let nodes = w
            .nodes
            .iter()
            .map(|n| {
                let store: Vec<(KeyId, Data)> =
                    n.store.iter().enumerate().filter_map(|(k, d)| d.clone().map(|d| (k as KeyId, d))).collect();
                let root = if s.ae_period_us.is_some() {
                    Tree::build(depth, store.iter().map(|(k, d)| (s.key_pos[*k as usize], d.digest()))).root()
                } else {
                    0
                };
                NodeSnap {
                    up: n.up,
                    hints: n.hints.iter().map(|((h, k), d)| (*h, *k, d.clone())).collect(),
                    store,
                    merkle_root: root,
                }
            })
            .collect();
        Snapshot { at_us: w.now, nodes, actual: w.actual.clone(), view: w.view.clone() }
    }
}

// ---------------------------------------------------------------------------------------------
// The report: the CLI's output, and what the browser shows in its history.

#[derive(Clone, Debug, Serialize)]
pub struct OpReport {
    pub index: u32,
    pub client: String,
    pub op: &'static str,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blind: bool,
    pub start_ms: Option<f64>,
    pub end_ms: Option<f64>,
    pub status: &'static str,
    /// For a failed put, `indeterminate` (as Jepsen says): "failed" means not confirmed — fewer
    /// than W acknowledgements before the timeout — not "not written"; it may be stored anywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    pub preference: Vec<String>,
    pub sent_to: Vec<String>,
    /// Fallbacks used, with the home replica each stood in for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hinted: Vec<[String; 2]>,
    /// The write set: the acknowledgements that made (or failed to make) the quorum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_by: Option<Vec<String>>,
    /// Acknowledgements that arrived after the put had completed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub late_acks: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replied_by: Option<Vec<String>>,
    /// Replicas this get sent a read repair to, each once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_repaired: Vec<String>,
    /// Of those, the ones a repair never reached (lost, or the replica was down or cut off).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_repair_undelivered: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HintReport {
    pub holder: String,
    #[serde(rename = "for")]
    pub for_node: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnomalyReport {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<u32>,
    pub key: String,
    pub related_ops: Vec<u32>,
    pub nodes: Vec<String>,
    pub at_ms: f64,
    pub explanation: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExchangeReport {
    pub at_ms: f64,
    pub end_ms: Option<f64>,
    pub between: [String; 2],
    pub depth: u32,
    pub hashes_compared: u64,
    pub keys_exchanged: usize,
    pub keys: Vec<String>,
    pub naive_hashes: u64,
    pub completed: bool,
    /// Why it was abandoned, if it was: `peer_unreachable`, `crashed` or `no_answer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abandoned: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub events: u64,
    pub messages: u64,
    pub steps: u64,
    pub sim_end_ms: f64,
    pub truncated: bool,
}

/// Node -> key -> values, in scenario order (JSON objects keep insertion order here).
#[derive(Clone, Debug)]
pub struct FinalState(pub Vec<(String, Vec<(String, Vec<String>)>)>);

impl Serialize for FinalState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Keys<'a>(&'a [(String, Vec<String>)]);
        impl Serialize for Keys<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (node, keys) in &self.0 {
            m.serialize_entry(node, &Keys(keys))?;
        }
        m.end()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub title: String,
    pub seed: u64,
    pub ops: Vec<OpReport>,
    #[serde(rename = "final")]
    pub final_state: FinalState,
    pub hints: Vec<HintReport>,
    pub anomalies: Vec<AnomalyReport>,
    pub anti_entropy: Vec<ExchangeReport>,
    pub stats: Stats,
}

impl Report {
    pub fn build(sim: &Sim) -> Report {
        let s = &sim.setup;
        let w = &sim.world;
        let sc = &s.sc;
        let node = |n: &NodeId| sc.nodes[*n as usize].name.clone();
        let nodes = |ns: &[NodeId]| ns.iter().map(node).collect::<Vec<_>>();
        let vals = |d: &Data| {
            let mut v: Vec<String> = d.values().iter().map(|v| sc.values[*v as usize].clone()).collect();
            crate::order::sort_small(&mut v);
            v
        };
        let ops = w
            .ops
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let is_put = matches!(o.kind, OpKind::Put { .. });
                let (value, blind) = match o.kind {
                    OpKind::Put { value, blind } => (Some(sc.values[value as usize].clone()), blind),
                    OpKind::Get => (None, false),
                };
                OpReport {
                    index: i as u32,
                    client: sc.clients[o.client as usize].name.clone(),
                    op: if is_put { "put" } else { "get" },
                    key: sc.keys[o.key as usize].clone(),
                    value,
                    blind,
                    start_ms: o.start_us.map(us_to_ms),
                    end_ms: o.end_us.map(us_to_ms),
                    status: match o.status {
                        Status::Ok => "ok",
                        Status::Failed => "failed",
                        Status::Pending => "pending",
                    },
                    outcome: (is_put && o.status == Status::Failed).then_some("indeterminate"),
                    preference: nodes(&s.pref[o.key as usize]),
                    sent_to: o.sent_to.iter().map(|(n, _)| node(n)).collect(),
                    hinted: o.sent_to.iter().filter_map(|(n, h)| h.map(|h| [node(n), node(&h)])).collect(),
                    acked_by: is_put.then(|| nodes(o.write_set())),
                    late_acks: nodes(o.late_acks()),
                    values: (!is_put).then(|| {
                        let mut v: Vec<String> = o.values().iter().map(|v| sc.values[*v as usize].clone()).collect();
                        crate::order::sort_small(&mut v);
                        v
                    }),
                    replied_by: (!is_put).then(|| nodes(&o.replied_by())),
                    read_repaired: nodes(&o.repaired_nodes()),
                    read_repair_undelivered: nodes(&o.repairs_undelivered()),
                }
            })
            .collect();
        let final_state = FinalState(
            w.nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let keys = (0..sc.keys.len())
                        .filter_map(|k| n.read(k as KeyId).map(|d| (sc.keys[k].clone(), vals(&d))))
                        .collect();
                    (sc.nodes[i].name.clone(), keys)
                })
                .collect(),
        );
        let hints = w
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| {
                n.hints.iter().map(move |((h, k), d)| HintReport {
                    holder: sc.nodes[i].name.clone(),
                    for_node: sc.nodes[*h as usize].name.clone(),
                    key: sc.keys[*k as usize].clone(),
                    values: vals(d),
                })
            })
            .collect();
        let anomalies = sim
            .anomalies()
            .into_iter()
            .map(|a| AnomalyReport {
                kind: a.kind.name(),
                op: a.op,
                key: sc.keys[a.key as usize].clone(),
                related_ops: a.related_ops,
                nodes: nodes(&a.nodes),
                at_ms: us_to_ms(a.at_us),
                explanation: a.explanation,
            })
            .collect();
        let anti_entropy = sim
            .rec
            .exchanges
            .iter()
            .map(|x| ExchangeReport {
                at_ms: us_to_ms(x.start_us),
                end_ms: x.end_us.map(us_to_ms),
                between: [node(&x.initiator), node(&x.peer)],
                depth: sc.repl.merkle_depth,
                hashes_compared: x.hashes_compared,
                keys_exchanged: x.keys.len(),
                keys: x.keys.iter().map(|k| sc.keys[*k as usize].clone()).collect(),
                naive_hashes: 1u64 << sc.repl.merkle_depth,
                completed: x.completed,
                abandoned: x.abandoned.map(|r| r.name()),
            })
            .collect();
        Report {
            title: sc.title.clone(),
            seed: sc.seed,
            ops,
            final_state,
            hints,
            anomalies,
            anti_entropy,
            stats: Stats {
                events: sim.rec.events,
                messages: sim.rec.messages_sent,
                steps: w.steps,
                sim_end_ms: us_to_ms(w.now),
                truncated: sim.truncated(),
            },
        }
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

/// The full trace as JSON, with names instead of indices, for `quorumscope run --trace`.
pub fn trace_json(sim: &Sim) -> serde_json::Value {
    let sc = &sim.setup.sc;
    let msgs: Vec<serde_json::Value> = sim
        .rec
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            serde_json::json!({
                "id": i,
                "kind": m.kind.name(),
                "from": sc.name(m.from),
                "to": sc.name(m.to),
                "op": m.payload.op(),
                "key": m.payload.key().map(|k| sc.keys[k as usize].clone()),
                "sent_ms": us_to_ms(m.sent_us),
                "arrive_ms": us_to_ms(m.arrive_us),
                "fate": match m.fate { Fate::Delivered => "delivered".to_string(), Fate::InFlight => "in_flight".to_string(), Fate::Dropped(r) => format!("dropped_{}", serde_json::to_value(r).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()) },
            })
        })
        .collect();
    let events: Vec<serde_json::Value> = sim
        .rec
        .trace
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(&e.ev).unwrap_or_default();
            name_ids(sc, &mut v);
            v["at_ms"] = serde_json::json!(us_to_ms(e.at_us));
            v
        })
        .collect();
    serde_json::json!({
        "nodes": sc.nodes.iter().map(|n| &n.name).collect::<Vec<_>>(),
        "clients": sc.clients.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "keys": sc.keys,
        "messages": msgs,
        "events": events,
    })
}
