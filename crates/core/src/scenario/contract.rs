//! The JSON contract, field for field: written with serde, read by `read.rs`. It round-trips, so
//! the visualizer can append interventions and export the result.

use crate::latency::Latency;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConflictMode {
    /// Last write wins by the client's timestamp.
    #[default]
    Lww,
    /// Version vectors; concurrent puts are kept side by side.
    Siblings,
    /// No versions: each replica keeps whatever arrived last.
    LastArrival,
}

impl ConflictMode {
    /// Every mode, in the order the app offers them; the file's names are read from this list.
    pub const ALL: [ConflictMode; 3] = [ConflictMode::Lww, ConflictMode::Siblings, ConflictMode::LastArrival];

    /// The name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            ConflictMode::Lww => "lww",
            ConflictMode::Siblings => "siblings",
            ConflictMode::LastArrival => "last_arrival",
        }
    }

    /// The name in the app's menu. (What the mode does, and after which system: `design`.)
    pub fn label(self) -> &'static str {
        match self {
            ConflictMode::Lww => "last write wins",
            ConflictMode::Siblings => "siblings (dotted version vectors)",
            ConflictMode::LastArrival => "last arrival (no versions)",
        }
    }

    pub fn from_name(name: &str) -> Option<ConflictMode> {
        ConflictMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// `replication` — every field has a default, listed in README.md.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Replication {
    pub n: u32,
    pub w: u32,
    pub r: u32,
    pub sloppy_quorum: bool,
    pub hinted_handoff: bool,
    pub read_repair: bool,
    /// A get returns only once the value it returns is on W replicas: it writes that value back
    /// to the stale replicas it heard and waits for their acknowledgements (the ABD algorithm's
    /// second phase; Cassandra's default, blocking read repair). Needs `read_repair`.
    #[serde(skip_serializing_if = "is_default")]
    pub blocking_read_repair: bool,
    /// Period of anti-entropy rounds; `null` turns it off.
    pub anti_entropy_ms: Option<f64>,
    pub conflicts: ConflictMode,
    pub timeout_ms: f64,
    pub detect_ms: f64,
    pub handoff_ms: f64,
    /// Depth of the binary Merkle trees (2^depth leaves).
    pub merkle_depth: u32,
    /// Virtual nodes per physical node on the ring.
    pub vnodes: u32,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            n: 3,
            w: 2,
            r: 2,
            sloppy_quorum: false,
            hinted_handoff: true,
            read_repair: false,
            blocking_read_repair: false,
            anti_entropy_ms: None,
            conflicts: ConflictMode::Lww,
            timeout_ms: 500.0,
            detect_ms: 50.0,
            handoff_ms: 1000.0,
            merkle_depth: 10,
            vnodes: 8,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkSpec {
    pub from: String,
    pub to: String,
    pub latency_ms: Latency,
    /// By default a link override applies both ways.
    #[serde(skip_serializing_if = "is_default")]
    pub one_way: bool,
}

/// The message kinds a network may give a latency of their own (`network.latency_by_kind_ms`):
/// the names of `MsgKind`, in its order (a test in `msg.rs` keeps the two lists equal).
pub const MESSAGE_KINDS: [&str; 9] =
    ["put", "put_ack", "get", "get_reply", "read_repair", "handoff", "handoff_ack", "merkle", "repair_ack"];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkSpec {
    pub latency_ms: Latency,
    /// A latency per message kind (a name of [`MESSAGE_KINDS`]) instead of `latency_ms`, in name
    /// order (a JSON object in the file, as `keys` is).
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "pairs_as_object")]
    pub latency_by_kind_ms: Vec<(String, Latency)>,
    /// Added to every message between two datacenters (unless a link overrides it).
    pub between_dcs_ms: f64,
    /// Probability that any one message is lost.
    pub loss: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency_ms: Latency::default(),
            latency_by_kind_ms: vec![],
            between_dcs_ms: 0.0,
            loss: 0.0,
            links: vec![],
        }
    }
}

/// A node: `"A"` or `{"id": "A", "dc": "us"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDecl {
    pub id: String,
    pub dc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientDecl {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dc: Option<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub clock_skew_ms: f64,
}

/// What a scenario event does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Put { client: String, key: String, value: String, blind: bool },
    Get { client: String, key: String },
    Crash(String),
    Recover(String),
    CrashDc(String),
    RecoverDc(String),
    Partition(Vec<Vec<String>>),
    Heal,
}

/// An event that waits for an operation: it starts `ms` after operation `op` (counted from 0
/// over the file's puts and gets, as the report numbers them) completes, acknowledged or failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct After {
    pub op: u32,
    pub ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    /// When the event runs; with `after`, the earliest it may run (0 unless given).
    pub at_ms: f64,
    pub action: Action,
    pub after: Option<After>,
}

impl EventDecl {
    /// An event at a fixed time.
    pub fn at(at_ms: f64, action: Action) -> EventDecl {
        EventDecl { at_ms, action, after: None }
    }
}

/// What a happening is: the start or end of an operation, a message sent, arriving or lost, a
/// scenario event running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Is {
    Start,
    /// Completed, acknowledged or failed.
    End,
    /// Completed and acknowledged.
    Ok,
    /// Completed and failed.
    Failed,
    Sent,
    /// Delivered to its receiver.
    Arrives,
    /// Lost on the way or dropped at the receiver.
    Lost,
    Runs,
}

impl Is {
    pub const ALL: [Is; 8] = [Is::Start, Is::End, Is::Ok, Is::Failed, Is::Sent, Is::Arrives, Is::Lost, Is::Runs];

    pub fn name(self) -> &'static str {
        match self {
            Is::Start => "start",
            Is::End => "end",
            Is::Ok => "ok",
            Is::Failed => "failed",
            Is::Sent => "sent",
            Is::Arrives => "arrives",
            Is::Lost => "lost",
            Is::Runs => "runs",
        }
    }
}

/// Something that happens in a run, named the way a caption talks about it: operation `op`
/// starting or ending; a message of kind `msg` (of operation `op`, from and to whom) sent,
/// arriving or lost; scenario event `event` running. The `count`-th such happening (from 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Happening {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<u32>,
    /// A name of [`MESSAGE_KINDS`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<u32>,
    pub is: Is,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "is_one")]
    pub count: u32,
    /// Only in a step's `when`: shown this long after (or, negative, before) the happening.
    #[serde(skip_serializing_if = "is_default")]
    pub ms: f64,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A narrated step of a lesson: a caption shown from `at_ms` (or from an event of the run,
/// `when`), optionally a question that pauses the run until the student answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepDecl {
    /// When the step is shown; with `when`, the earliest it may be.
    pub at_ms: f64,
    /// The step is shown when this happens (at or after `at_ms`), so a caption stays true when
    /// timings change; a run where it never happens never shows the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Happening>,
    /// What the caption says happens: each must happen while the step is shown (checked for
    /// every lesson by `cargo test`; see `step_problems`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub describes: Vec<Happening>,
    pub caption: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reveal: Option<String>,
    /// The operation the caption talks about (its index: the file's put and get events counted
    /// from 0): the app puts it in focus while the step is shown, with its home replicas, ranks
    /// and W/R sets on the ring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_op: Option<u32>,
}

/// The JSON contract, as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioFile {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub seed: u64,
    pub nodes: Vec<NodeDecl>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientDecl>,
    /// Pinned preference lists: key name -> its home nodes, ordered by key name (a JSON object in
    /// the file; a sorted list here, so the bundle carries no B-tree for it).
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "pairs_as_object")]
    pub keys: Vec<(String, Vec<String>)>,
    pub replication: Replication,
    pub network: NetworkSpec,
    pub events: Vec<EventDecl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_until_ms: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepDecl>,
}

impl Serialize for NodeDecl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.dc {
            None => s.serialize_str(&self.id),
            Some(dc) => {
                #[derive(Serialize)]
                struct N<'a> {
                    id: &'a str,
                    dc: &'a str,
                }
                N { id: &self.id, dc }.serialize(s)
            }
        }
    }
}

fn pairs_as_object<S: Serializer, V: Serialize>(pairs: &[(String, V)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        m.serialize_entry(k, v)?;
    }
    m.end()
}

impl Serialize for EventDecl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = Map::new();
        // With `after`, `at_ms` is only written when it says something (not the default 0).
        if self.after.is_none() || self.at_ms != 0.0 {
            m.insert("at_ms".into(), serde_json::json!(self.at_ms));
        }
        if let Some(a) = self.after {
            m.insert("after".into(), serde_json::json!({"op": a.op, "ms": a.ms}));
        }
        let st = |x: &String| Value::String(x.clone());
        match &self.action {
            Action::Put { client, key, value, blind } => {
                m.insert("client".into(), st(client));
                m.insert("put".into(), st(key));
                m.insert("value".into(), st(value));
                if *blind {
                    m.insert("blind".into(), Value::Bool(true));
                }
            }
            Action::Get { client, key } => {
                m.insert("client".into(), st(client));
                m.insert("get".into(), st(key));
            }
            Action::Crash(n) => {
                m.insert("crash".into(), st(n));
            }
            Action::Recover(n) => {
                m.insert("recover".into(), st(n));
            }
            Action::CrashDc(n) => {
                m.insert("crash_dc".into(), st(n));
            }
            Action::RecoverDc(n) => {
                m.insert("recover_dc".into(), st(n));
            }
            Action::Partition(groups) => {
                m.insert("partition".into(), serde_json::json!(groups));
            }
            Action::Heal => {
                m.insert("heal".into(), Value::Bool(true));
            }
        }
        // serde_json's Map is ordered by key; the field order of the output is therefore stable.
        Value::Object(m).serialize(s)
    }
}
