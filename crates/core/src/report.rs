//! The report: the CLI's output, and what the browser shows in its history.

use crate::check::Anomaly;
use crate::client::{OpKind, OpState, Status};
use crate::data::Data;
use crate::expect::{Expected, OkPuts};
use crate::ids::{us_to_ms, ClientId, KeyId, NodeId, ValueId};
use crate::scenario::Scenario;
use crate::setup::Setup;
use crate::sim::World;
use crate::trace::{Exchange, Recording, SiblingWarning};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// One operation as the report says it. Fields are in name order: the CLI writes them as they
/// are, and its JSON's keys are in name order (made a `Value` map first, 100,000 operations with
/// 256 replicas each spent a fifth of the run copying strings).
#[derive(Clone, Debug, Serialize)]
pub struct OpReport {
    /// The write set: the acknowledgements that made (or failed to make) the quorum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blind: bool,
    pub client: String,
    pub end_ms: Option<f64>,
    /// Fallbacks used, with the home replica each stood in for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hinted: Vec<[String; 2]>,
    /// The same facts by index, for the app (which must not map names back to indices).
    #[serde(skip)]
    pub ids: OpIds,
    pub index: u32,
    pub key: String,
    /// Acknowledgements that arrived after the put had completed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub late_acks: Vec<String>,
    pub op: OpType,
    /// For a failed put, `indeterminate` (as Jepsen says): "failed" means not confirmed — fewer
    /// than W acknowledgements before the timeout — not "not written"; it may be stored anywhere.
    /// `refused` when every replica refused it (the sibling limit): it is stored nowhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    pub preference: Vec<String>,
    /// Of those, the ones a repair never reached (lost, or the replica was down or cut off).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_repair_undelivered: Vec<String>,
    /// Replicas this get sent a read repair to, each once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_repaired: Vec<String>,
    /// Replicas that refused the put: its key already had the most versions a replica keeps
    /// (`MAX_SIBLINGS`, as Riak's `max_siblings`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replied_by: Option<Vec<String>>,
    pub sent_to: Vec<String>,
    pub start_ms: Option<f64>,
    pub status: OpStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpType {
    Put,
    Get,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    Pending,
    Ok,
    Failed,
}

impl OpType {
    pub fn name(self) -> &'static str {
        match self {
            OpType::Put => "put",
            OpType::Get => "get",
        }
    }
}

impl OpStatus {
    /// The name the report writes, also the `data-status` hook.
    pub fn name(self) -> &'static str {
        match self {
            OpStatus::Pending => "pending",
            OpStatus::Ok => "ok",
            OpStatus::Failed => "failed",
        }
    }
}

/// How much of a key's preference list an operation's report lists: every node of a small
/// cluster, the first 16 (or 2N, if more) of a large one (256 names for each of 100,000
/// operations took gigabytes).
pub const PREFERENCE_LISTED: usize = 16;

/// An operation's facts by index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpIds {
    pub client: ClientId,
    pub key: KeyId,
    pub preference: Vec<NodeId>,
    pub sent_to: Vec<NodeId>,
    /// A put's write set; empty for a get.
    pub write_set: Vec<NodeId>,
    /// A get's read set (the replies its answer was built from); empty for a put.
    pub read_set: Vec<NodeId>,
    /// A put's acknowledgements that came after it completed.
    pub late_acks: Vec<NodeId>,
    /// The value a put wrote, or the values a get returned (each value belongs to one put).
    pub values: Vec<ValueId>,
    /// For a get: the write it should have seen (`expect.rs`), and whether it missed it.
    pub expected: Option<Expected>,
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

/// A put left a replica more than `WARN_SIBLINGS` versions of a key: writers are not reading first, and past
/// `MAX_SIBLINGS` the replica refuses puts (Riak's `warn_siblings` and `max_siblings`).
#[derive(Clone, Debug, Serialize)]
pub struct SiblingWarningReport {
    pub at_ms: f64,
    pub key: String,
    pub node: String,
    pub siblings: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub events: u64,
    pub messages: u64,
    pub steps: u64,
    /// Where the run stopped: the scenario's end, or earlier if it reached the step cap.
    pub sim_end_ms: f64,
    pub truncated: bool,
    /// Why the run stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Anomalies found beyond the `MAX_LISTED_PER_KIND` of a kind that `anomalies` lists, by kind.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub anomalies_not_listed: std::collections::BTreeMap<String, u64>,
    /// Sibling warnings beyond the `MAX_SIBLING_WARNINGS_LISTED` that `sibling_warnings` lists.
    #[serde(skip_serializing_if = "is_zero")]
    pub sibling_warnings_not_listed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One node's keys, each with its values.
pub type NodeKeys = Vec<(String, Vec<String>)>;

/// Node -> key -> values, in scenario order (JSON objects keep insertion order here).
#[derive(Clone, Debug)]
pub struct FinalState(pub Vec<(String, NodeKeys)>);

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
    /// Written only when there are some (no lesson reaches the warning).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sibling_warnings: Vec<SiblingWarningReport>,
    pub stats: Stats,
}

/// Names for ids, and sorted value lists, as the report writes them.
struct Names<'a>(&'a Scenario);

impl Names<'_> {
    fn node(&self, n: &NodeId) -> String {
        self.0.nodes[*n as usize].name.clone()
    }

    fn nodes(&self, ns: &[NodeId]) -> Vec<String> {
        ns.iter().map(|n| self.node(n)).collect()
    }

    fn values(&self, vs: &[ValueId]) -> Vec<String> {
        let mut v: Vec<&str> = vs.iter().map(|v| self.0.values[*v as usize].as_str()).collect();
        crate::order::sort_strings(&mut v);
        v.into_iter().map(str::to_string).collect()
    }

    fn data(&self, d: &Data) -> Vec<String> {
        self.values(&d.values())
    }
}

impl Report {
    /// Everything but the operations, which [`OpReports`] gives one at a time (a run's report
    /// written as it is made never holds them all: 100,000 took 190 MB).
    pub(crate) fn without_ops(s: &Setup, w: &World, rec: &Recording, anomalies: &[Anomaly]) -> Report {
        let sc = &s.sc;
        let names = Names(sc);
        Report {
            title: sc.title.clone(),
            seed: sc.seed,
            ops: vec![],
            final_state: final_state(&names, w),
            hints: hints(&names, w),
            anomalies: anomalies.iter().map(|a| anomaly_report(&names, a)).collect(),
            anti_entropy: rec.exchanges.iter().map(|x| exchange_report(&names, x)).collect(),
            sibling_warnings: rec.sibling_warnings.iter().map(|w| sibling_warning_report(&names, w)).collect(),
            stats: Stats {
                events: rec.events,
                messages: rec.messages_sent,
                steps: w.steps,
                sim_end_ms: us_to_ms(w.now),
                truncated: w.capped(s),
                note: None,
                anomalies_not_listed: Default::default(),
                sibling_warnings_not_listed: rec.sibling_warnings_not_listed,
            },
        }
    }
}

/// A run's operation reports in file order, each made when it is asked for.
pub(crate) struct OpReports<'a> {
    s: &'a Setup,
    ops: &'a [OpState],
    ok_puts: OkPuts,
    next: usize,
}

impl<'a> OpReports<'a> {
    pub(crate) fn new(s: &'a Setup, w: &'a World) -> OpReports<'a> {
        OpReports { s, ops: &w.ops, ok_puts: OkPuts::new(s.sc.keys.len(), &w.ops), next: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }
}

impl Iterator for OpReports<'_> {
    type Item = OpReport;

    fn next(&mut self) -> Option<OpReport> {
        let o = self.ops.get(self.next)?;
        self.next += 1;
        Some(op_report(self.s, &Names(&self.s.sc), &self.ok_puts, self.ops, self.next as u32 - 1, o))
    }
}

fn op_report(s: &Setup, names: &Names, ok_puts: &OkPuts, ops: &[OpState], i: u32, o: &OpState) -> OpReport {
    let sc = &s.sc;
    let is_put = matches!(o.kind, OpKind::Put { .. });
    let (value, blind) = match o.kind {
        OpKind::Put { value, blind } => (Some(sc.values[value as usize].clone()), blind),
        OpKind::Get => (None, false),
    };
    let ids = OpIds {
        client: o.client,
        key: o.key,
        preference: s.pref[o.key as usize]
            .iter()
            .take(PREFERENCE_LISTED.max(2 * s.sc.repl.n as usize))
            .copied()
            .collect(),
        sent_to: o.sent_to.iter().map(|(n, _)| *n).collect(),
        write_set: if is_put { o.write_set().to_vec() } else { vec![] },
        read_set: if is_put { vec![] } else { o.replied_by() },
        late_acks: o.late_acks().to_vec(),
        values: match o.kind {
            OpKind::Put { value, .. } => vec![value],
            OpKind::Get => o.values(),
        },
        expected: ok_puts.expected(s, ops, i),
    };
    OpReport {
        index: i,
        client: sc.clients[o.client as usize].name.clone(),
        op: if is_put { OpType::Put } else { OpType::Get },
        key: sc.keys[o.key as usize].clone(),
        value,
        blind,
        start_ms: o.start_us.map(us_to_ms),
        end_ms: o.end_us.map(us_to_ms),
        status: match o.status {
            Status::Ok => OpStatus::Ok,
            Status::Failed => OpStatus::Failed,
            Status::Pending => OpStatus::Pending,
        },
        // Jepsen's words: a put every replica refused certainly did not happen (`refused`, Jepsen's
        // `:fail`); any other failed put may or may not have (`indeterminate`, Jepsen's `:info`).
        outcome: (is_put && o.status == Status::Failed).then_some(if o.refused_everywhere() {
            "refused"
        } else {
            "indeterminate"
        }),
        preference: names.nodes(&ids.preference),
        sent_to: names.nodes(&ids.sent_to),
        hinted: o.sent_to.iter().filter_map(|(n, h)| h.map(|h| [names.node(n), names.node(&h)])).collect(),
        acked_by: is_put.then(|| names.nodes(o.write_set())),
        refused_by: names.nodes(&o.refused_by),
        late_acks: names.nodes(o.late_acks()),
        values: (!is_put).then(|| names.values(&o.values())),
        replied_by: (!is_put).then(|| names.nodes(&ids.read_set)),
        read_repaired: names.nodes(&o.repaired_nodes()),
        read_repair_undelivered: names.nodes(&o.repairs_undelivered()),
        ids,
    }
}

fn final_state(names: &Names, w: &World) -> FinalState {
    let sc = names.0;
    FinalState(
        w.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let keys = (0..sc.keys.len())
                    .filter_map(|k| n.read(k as KeyId).map(|d| (sc.keys[k].clone(), names.data(&d))))
                    .collect();
                (sc.nodes[i].name.clone(), keys)
            })
            .collect(),
    )
}

fn hints(names: &Names, w: &World) -> Vec<HintReport> {
    let sc = names.0;
    w.nodes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| {
            n.hints.iter().map(move |((h, k), d)| HintReport {
                holder: sc.nodes[i].name.clone(),
                for_node: sc.nodes[*h as usize].name.clone(),
                key: sc.keys[*k as usize].clone(),
                values: names.data(d),
            })
        })
        .collect()
}

fn anomaly_report(names: &Names, a: &Anomaly) -> AnomalyReport {
    AnomalyReport {
        kind: a.kind.name(),
        op: a.op,
        key: names.0.keys[a.key as usize].clone(),
        related_ops: a.related_ops.clone(),
        nodes: names.nodes(&a.nodes),
        at_ms: us_to_ms(a.at_us),
        explanation: a.explanation.clone(),
    }
}

fn exchange_report(names: &Names, x: &Exchange) -> ExchangeReport {
    let depth = names.0.repl.merkle_depth;
    ExchangeReport {
        at_ms: us_to_ms(x.start_us),
        end_ms: x.end_us.map(us_to_ms),
        between: [names.node(&x.initiator), names.node(&x.peer)],
        depth,
        hashes_compared: x.hashes_compared,
        keys_exchanged: x.keys.len(),
        keys: x.keys.iter().map(|k| names.0.keys[*k as usize].clone()).collect(),
        naive_hashes: 1u64 << depth,
        completed: x.completed,
        abandoned: x.abandoned.map(|r| r.name()),
    }
}

fn sibling_warning_report(names: &Names, w: &SiblingWarning) -> SiblingWarningReport {
    SiblingWarningReport {
        at_ms: us_to_ms(w.at_us),
        key: names.0.keys[w.key as usize].clone(),
        node: names.node(&w.node),
        siblings: w.siblings,
    }
}
