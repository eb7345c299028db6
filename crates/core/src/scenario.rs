//! The scenario file: JSON a person can write by hand and a link can carry.
//!
//! Two layers. [`ScenarioFile`] is the JSON contract, field for field, and round-trips through
//! serde (the visualizer appends interventions to it and exports it). [`Scenario`] is the checked,
//! index-resolved form the simulator runs; [`Scenario::from_file`] is the only way to get one, so
//! the simulator never sees an unknown node, W > N or a negative time.

use crate::latency::Latency;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
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
    pub fn name(self) -> &'static str {
        match self {
            ConflictMode::Lww => "lww",
            ConflictMode::Siblings => "siblings",
            ConflictMode::LastArrival => "last_arrival",
        }
    }
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// `replication` — every field has a default, listed in README.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Replication {
    pub n: u32,
    pub w: u32,
    pub r: u32,
    pub sloppy_quorum: bool,
    pub hinted_handoff: bool,
    pub read_repair: bool,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub from: String,
    pub to: String,
    pub latency_ms: Latency,
    /// By default a link override applies both ways.
    #[serde(default, skip_serializing_if = "is_default")]
    pub one_way: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    pub latency_ms: Latency,
    /// Added to every message between two datacenters (unless a link overrides it).
    pub between_dcs_ms: f64,
    /// Probability that any one message is lost.
    pub loss: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec { latency_ms: Latency::default(), between_dcs_ms: 0.0, loss: 0.0, links: vec![] }
    }
}

/// A node: `"A"` or `{"id": "A", "dc": "us"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDecl {
    pub id: String,
    pub dc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientDecl {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
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

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub at_ms: f64,
    pub action: Action,
}

/// A narrated step of a lesson: a caption shown from `at_ms`, optionally a question that pauses
/// the run until the student answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDecl {
    pub at_ms: f64,
    pub caption: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predict: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reveal: Option<String>,
}

/// The JSON contract, as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub seed: u64,
    pub nodes: Vec<NodeDecl>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientDecl>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keys: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub replication: Replication,
    #[serde(default)]
    pub network: NetworkSpec,
    #[serde(default)]
    pub events: Vec<EventDecl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_until_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

impl<'de> Deserialize<'de> for NodeDecl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(id) => Ok(NodeDecl { id, dc: None }),
            Value::Object(m) => {
                let mut id = None;
                let mut dc = None;
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("id", Value::String(s)) => id = Some(s),
                        ("dc", Value::String(s)) => dc = Some(s),
                        ("id" | "dc", v) => {
                            return Err(D::Error::custom(format!("`{k}` must be a string, got {v}")))
                        }
                        _ => return Err(D::Error::custom(format!("unknown field `{k}` (expected id, dc)"))),
                    }
                }
                let id = id.ok_or_else(|| D::Error::custom("a node object needs an `id`"))?;
                Ok(NodeDecl { id, dc })
            }
            v => Err(D::Error::custom(format!(
                "a node is a name or {{\"id\": ..., \"dc\": ...}}, got {v}"
            ))),
        }
    }
}

impl Serialize for EventDecl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = Map::new();
        m.insert("at_ms".into(), serde_json::json!(self.at_ms));
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

impl<'de> Deserialize<'de> for EventDecl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        parse_event(&v).map_err(D::Error::custom)
    }
}

fn parse_event(v: &Value) -> Result<EventDecl, String> {
    let m = v.as_object().ok_or_else(|| format!("an event is an object, got {v}"))?;
    const KINDS: [&str; 8] = ["put", "get", "crash", "recover", "crash_dc", "recover_dc", "partition", "heal"];
    const ALLOWED: [&str; 12] =
        ["at_ms", "client", "value", "blind", "put", "get", "crash", "recover", "crash_dc", "recover_dc", "partition", "heal"];
    for k in m.keys() {
        if !ALLOWED.contains(&k.as_str()) {
            return Err(format!("unknown field `{k}` (an event has at_ms and one of {})", KINDS.join(", ")));
        }
    }
    let at_ms = m
        .get("at_ms")
        .ok_or("missing `at_ms`")?
        .as_f64()
        .ok_or_else(|| format!("`at_ms` must be a number, got {}", m["at_ms"]))?;
    let kinds: Vec<&str> = KINDS.iter().copied().filter(|k| m.contains_key(*k)).collect();
    let kind = match kinds.as_slice() {
        [one] => *one,
        [] => return Err(format!("says nothing to do: add one of {}", KINDS.join(", "))),
        many => return Err(format!("has several actions ({}); one event does one thing", many.join(", "))),
    };
    let string = |f: &str| -> Result<String, String> {
        match m.get(f) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!("`{f}` must be a string, got {other}")),
            None => Err(format!("a {kind} event needs `{f}`")),
        }
    };
    let only = |fields: &[&str]| -> Result<(), String> {
        for k in m.keys() {
            if k != "at_ms" && k != kind && !fields.contains(&k.as_str()) {
                return Err(format!("field `{k}` does not belong to a {kind} event"));
            }
        }
        Ok(())
    };
    let action = match kind {
        "put" => {
            only(&["client", "value", "blind"])?;
            let blind = match m.get("blind") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(o) => return Err(format!("`blind` must be true or false, got {o}")),
            };
            Action::Put { client: string("client")?, key: string("put")?, value: string("value")?, blind }
        }
        "get" => {
            only(&["client"])?;
            Action::Get { client: string("client")?, key: string("get")? }
        }
        "crash" => {
            only(&[])?;
            Action::Crash(string("crash")?)
        }
        "recover" => {
            only(&[])?;
            Action::Recover(string("recover")?)
        }
        "crash_dc" => {
            only(&[])?;
            Action::CrashDc(string("crash_dc")?)
        }
        "recover_dc" => {
            only(&[])?;
            Action::RecoverDc(string("recover_dc")?)
        }
        "partition" => {
            only(&[])?;
            let groups: Vec<Vec<String>> = serde_json::from_value(m["partition"].clone())
                .map_err(|_| format!("`partition` must be a list of groups of names, got {}", m["partition"]))?;
            Action::Partition(groups)
        }
        "heal" => {
            only(&[])?;
            if m["heal"] != Value::Bool(true) {
                return Err(format!("`heal` must be true, got {}", m["heal"]));
            }
            Action::Heal
        }
        _ => unreachable!("kind comes from KINDS"),
    };
    Ok(EventDecl { at_ms, action })
}

/// Parses scenario text. Errors name the field (`replication.w`, `events[3]`) and the problem.
pub fn parse_file(text: &str) -> Result<ScenarioFile, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::new(
            "",
            format!("the scenario is {} bytes; the limit is {MAX_SCENARIO_BYTES}", text.len()),
        ));
    }
    let first = text.trim_start().chars().next();
    if first != Some('{') {
        return Err(ScenarioError::new("", "a scenario is a JSON object: it starts with `{`"));
    }
    // The browser reads scenarios rarely and pays for every deserializer in its download, so
    // there everything goes through the tree. Natively (large files, the CLI), a valid file is
    // deserialized straight from the text; only a failure is parsed to a tree and its fields
    // tried one by one, to name the exact path at fault. Both give the same file and messages.
    if cfg!(target_arch = "wasm32") {
        let v: Value = serde_json::from_str(text).map_err(|e| ScenarioError::new("", e.to_string()))?;
        return from_value(v);
    }
    match serde_json::from_str::<ScenarioFile>(text) {
        Ok(f) => Ok(f),
        Err(first) => {
            // Malformed JSON is reported with its line and column.
            let v: Value = serde_json::from_str(text).map_err(|e| ScenarioError::new("", e.to_string()))?;
            from_value(v).and(Err(field_error("", first)))
        }
    }
}

/// Turns a JSON tree into a file, naming the exact field of any problem: fields are tried one at
/// a time, so "expected u32" comes with the field it is about (`replication.w`).
pub fn from_value(v: Value) -> Result<ScenarioFile, ScenarioError> {
    let Value::Object(top) = v else {
        return Err(ScenarioError::new("", "a scenario is a JSON object"));
    };
    locate(&top)?;
    serde_json::from_value::<ScenarioFile>(Value::Object(top)).map_err(|e| field_error("", e))
}

/// Finds which field of a scenario that failed to deserialize is at fault.
fn locate(top: &Map<String, Value>) -> Result<(), ScenarioError> {
    for (k, x) in top {
        let path = k.clone();
        match k.as_str() {
            "replication" => probe_fields::<Replication>(x, &path)?,
            "network" => probe_fields::<NetworkSpec>(x, &path)?,
            "events" | "nodes" | "clients" | "steps" => probe_items(k, x)?,
            _ => {}
        }
        if k == "nodes" || !top.contains_key("nodes") {
            continue;
        }
        let mut one = Map::new();
        one.insert(k.clone(), x.clone());
        one.insert("nodes".into(), top["nodes"].clone());
        serde_json::from_value::<ScenarioFile>(Value::Object(one)).map_err(|e| field_error(&path, e))?;
    }
    Ok(())
}

/// Checks an object whose fields all have defaults, one field at a time.
fn probe_fields<T: serde::de::DeserializeOwned>(x: &Value, path: &str) -> Result<(), ScenarioError> {
    let Value::Object(obj) = x else {
        return Err(ScenarioError::new(path, format!("must be an object, got {x}")));
    };
    for (k, v) in obj {
        let mut one = Map::new();
        one.insert(k.clone(), v.clone());
        serde_json::from_value::<T>(Value::Object(one)).map_err(|e| field_error(&format!("{path}.{k}"), e))?;
    }
    Ok(())
}

/// Checks a list item by item, so errors carry the index.
fn probe_items(name: &str, x: &Value) -> Result<(), ScenarioError> {
    let Value::Array(items) = x else {
        return Err(ScenarioError::new(name, format!("must be a list, got {x}")));
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("{name}[{i}]");
        let r = match name {
            "events" => serde_json::from_value::<EventDecl>(item.clone()).map(|_| ()),
            "nodes" => serde_json::from_value::<NodeDecl>(item.clone()).map(|_| ()),
            "clients" => serde_json::from_value::<ClientDecl>(item.clone()).map(|_| ()),
            _ => serde_json::from_value::<StepDecl>(item.clone()).map(|_| ()),
        };
        r.map_err(|e| field_error(&path, e))?;
    }
    Ok(())
}

/// An error at `path`; an unknown field is named in the path too.
fn field_error(path: &str, e: serde_json::Error) -> ScenarioError {
    let msg = e.to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some(name) = rest.split('`').next() {
            let p = if path.is_empty() { name.to_string() } else if path.ends_with(name) { path.to_string() } else { format!("{path}.{name}") };
            return ScenarioError::new(p, msg);
        }
    }
    ScenarioError::new(path, msg)
}

/// Parses and checks scenario text in one go.
pub fn parse(text: &str) -> Result<(ScenarioFile, Scenario), ScenarioError> {
    let file = parse_file(text)?;
    let sc = Scenario::from_file(&file)?;
    Ok((file, sc))
}

// ---------------------------------------------------------------------------------------------
// The checked form.

pub type NodeId = u32;
pub type ClientId = u32;
pub type KeyId = u32;
pub type ValueId = u32;
pub type DcId = u32;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub dc: DcId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub name: String,
    pub dc: DcId,
    pub clock_skew_us: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: Addr,
    pub to: Addr,
    pub latency: Latency,
}

/// Anything that sends or receives messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Addr {
    Node(NodeId),
    Client(ClientId),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Put { client: ClientId, key: KeyId, value: ValueId, blind: bool, op: u32 },
    Get { client: ClientId, key: KeyId, op: u32 },
    Crash(Vec<NodeId>),
    Recover(Vec<NodeId>),
    /// Group number of every actor: nodes first, then clients.
    Partition(Vec<u16>),
    Heal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimedEvent {
    pub at_us: u64,
    pub event: Event,
    /// What the file said (for narration).
    pub decl: Action,
}

/// A checked scenario: names resolved to indices, times in microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub title: String,
    pub description: String,
    pub seed: u64,
    pub dcs: Vec<String>,
    pub nodes: Vec<Node>,
    pub clients: Vec<Client>,
    /// Keys in order of first mention (pinned keys first).
    pub keys: Vec<String>,
    pub pinned: BTreeMap<KeyId, Vec<NodeId>>,
    /// Values of puts, by `ValueId` (one per put event, in file order).
    pub values: Vec<String>,
    pub repl: Replication,
    pub latency: Latency,
    pub between_dcs_us: u64,
    pub loss: f64,
    pub links: Vec<Link>,
    pub events: Vec<TimedEvent>,
    pub op_count: u32,
    pub run_until_us: u64,
}

pub fn ms_to_us(ms: f64) -> u64 {
    (ms * 1000.0).round() as u64
}

pub fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn check_time(path: &str, ms: f64) -> Result<u64, ScenarioError> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(ScenarioError::new(path, format!("must be a time >= 0 ms, got {}", crate::num::num(ms))));
    }
    if ms > MAX_TIME_MS {
        return Err(ScenarioError::new(path, format!("{} ms is past the {} ms (one hour) cap", crate::num::num(ms), crate::num::num(MAX_TIME_MS))));
    }
    Ok(ms_to_us(ms))
}

fn check_name(path: &str, s: &str) -> Result<(), ScenarioError> {
    if s.is_empty() || s.len() > MAX_NAME_LEN {
        return Err(ScenarioError::new(path, format!("a name must have 1 to {MAX_NAME_LEN} bytes, got {}", s.len())));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(ScenarioError::new(path, "a name may not contain control characters"));
    }
    Ok(())
}

fn check_latency(path: &str, l: &Latency) -> Result<(), ScenarioError> {
    // Values built in code (not parsed) get the same checks as parsed ones.
    let v = serde_json::to_value(l).map_err(|e| ScenarioError::new(path, e.to_string()))?;
    Latency::from_json(&v, path).map(|_| ()).map_err(|m| {
        let msg = m.strip_prefix(path).unwrap_or(&m).trim_start_matches(':').trim().to_string();
        ScenarioError::new(path, msg)
    })
}

impl Scenario {
    /// Checks a file and resolves its names. Every error names the field.
    pub fn from_file(f: &ScenarioFile) -> Result<Scenario, ScenarioError> {
        let err = |p: &str, m: String| Err(ScenarioError::new(p, m));
        if f.title.len() > MAX_TEXT_LEN || f.description.len() > MAX_TEXT_LEN {
            return err("title", format!("title and description are limited to {MAX_TEXT_LEN} bytes"));
        }
        // Datacenters, in order of first mention; nodes without one share "dc1".
        let mut dcs: Vec<String> = Vec::new();
        let dc_of = |name: Option<&String>, dcs: &mut Vec<String>| -> DcId {
            let name = name.cloned().unwrap_or_else(|| "dc1".to_string());
            match dcs.iter().position(|d| *d == name) {
                Some(i) => i as DcId,
                None => {
                    dcs.push(name);
                    (dcs.len() - 1) as DcId
                }
            }
        };
        if f.nodes.is_empty() {
            return err("nodes", "a cluster needs at least one node".into());
        }
        if f.nodes.len() > MAX_NODES {
            return err("nodes", format!("{} nodes; the limit is {MAX_NODES}", f.nodes.len()));
        }
        let mut nodes = Vec::with_capacity(f.nodes.len());
        for (i, n) in f.nodes.iter().enumerate() {
            check_name(&format!("nodes[{i}].id"), &n.id)?;
            if let Some(dc) = &n.dc {
                check_name(&format!("nodes[{i}].dc"), dc)?;
            }
            if nodes.iter().any(|m: &Node| m.name == n.id) {
                return err(&format!("nodes[{i}].id"), format!("node `{}` is listed twice", n.id));
            }
            nodes.push(Node { name: n.id.clone(), dc: dc_of(n.dc.as_ref(), &mut dcs) });
        }
        let node_idx = |name: &str| nodes.iter().position(|n| n.name == name).map(|i| i as NodeId);

        let mut clients: Vec<Client> = Vec::new();
        for (i, c) in f.clients.iter().enumerate() {
            let p = format!("clients[{i}]");
            check_name(&format!("{p}.id"), &c.id)?;
            if node_idx(&c.id).is_some() {
                return err(&format!("{p}.id"), format!("`{}` is already a node's name", c.id));
            }
            if clients.iter().any(|m| m.name == c.id) {
                return err(&format!("{p}.id"), format!("client `{}` is listed twice", c.id));
            }
            if !c.clock_skew_ms.is_finite() || c.clock_skew_ms.abs() > MAX_TIME_MS {
                return err(&format!("{p}.clock_skew_ms"), format!("must be a finite number of ms within ±{}", crate::num::num(MAX_TIME_MS)));
            }
            if let Some(dc) = &c.dc {
                if !dcs.contains(dc) {
                    return err(&format!("{p}.dc"), format!("no node is in datacenter `{dc}` (known: {})", dcs.join(", ")));
                }
            }
            let first_dc = dcs[0].clone();
            clients.push(Client {
                name: c.id.clone(),
                dc: dc_of(Some(c.dc.as_ref().unwrap_or(&first_dc)), &mut dcs),
                clock_skew_us: (c.clock_skew_ms * 1000.0).round() as i64,
            });
        }

        let r = &f.replication;
        let nn = nodes.len() as u32;
        if r.n == 0 {
            return err("replication.n", "N must be at least 1".into());
        }
        if r.n > nn {
            return err("replication.n", format!("N={} but the cluster has only {nn} node(s)", r.n));
        }
        if r.w == 0 || r.w > r.n {
            return err("replication.w", format!("W={} must be between 1 and N={}: a write cannot wait for more acknowledgements than there are replicas", r.w, r.n));
        }
        if r.r == 0 || r.r > r.n {
            return err("replication.r", format!("R={} must be between 1 and N={}: a read cannot wait for more replies than there are replicas", r.r, r.n));
        }
        for (name, v) in [("timeout_ms", r.timeout_ms), ("detect_ms", r.detect_ms), ("handoff_ms", r.handoff_ms)] {
            check_time(&format!("replication.{name}"), v)?;
        }
        if r.timeout_ms < 1.0 || r.handoff_ms < 1.0 {
            return err("replication.timeout_ms", "timeout_ms and handoff_ms must be at least 1 ms".into());
        }
        if let Some(ae) = r.anti_entropy_ms {
            check_time("replication.anti_entropy_ms", ae)?;
            if ae < 1.0 {
                return err("replication.anti_entropy_ms", format!("the period must be at least 1 ms (or null for off), got {}", crate::num::num(ae)));
            }
        }
        if r.merkle_depth == 0 || r.merkle_depth > MAX_MERKLE_DEPTH {
            return err("replication.merkle_depth", format!("must be 1 to {MAX_MERKLE_DEPTH}, got {}", r.merkle_depth));
        }
        if r.vnodes == 0 || r.vnodes > MAX_VNODES {
            return err("replication.vnodes", format!("must be 1 to {MAX_VNODES}, got {}", r.vnodes));
        }

        let net = &f.network;
        check_latency("network.latency_ms", &net.latency_ms)?;
        if !net.between_dcs_ms.is_finite() || net.between_dcs_ms < 0.0 || net.between_dcs_ms > crate::latency::MAX_LATENCY_MS {
            return err("network.between_dcs_ms", format!("must be 0 to {} ms, got {}", crate::num::num(crate::latency::MAX_LATENCY_MS), crate::num::num(net.between_dcs_ms)));
        }
        if !(0.0..=1.0).contains(&net.loss) {
            return err("network.loss", format!("is a probability from 0 to 1, got {}", crate::num::num(net.loss)));
        }

        // Clients named only in events exist in the first datacenter with no skew.
        let client_idx = |name: &str, path: &str, clients: &mut Vec<Client>| -> Result<ClientId, ScenarioError> {
            if let Some(i) = clients.iter().position(|c| c.name == name) {
                return Ok(i as ClientId);
            }
            check_name(path, name)?;
            if node_idx(name).is_some() {
                return Err(ScenarioError::new(path, format!("`{name}` is a node, not a client")));
            }
            if clients.len() >= MAX_CLIENTS {
                return Err(ScenarioError::new(path, format!("more than {MAX_CLIENTS} clients")));
            }
            clients.push(Client { name: name.to_string(), dc: 0, clock_skew_us: 0 });
            Ok((clients.len() - 1) as ClientId)
        };

        let mut keys: Vec<String> = Vec::new();
        let key_idx = |name: &str, path: &str, keys: &mut Vec<String>| -> Result<KeyId, ScenarioError> {
            if let Some(i) = keys.iter().position(|k| k == name) {
                return Ok(i as KeyId);
            }
            check_name(path, name)?;
            if keys.len() >= MAX_KEYS {
                return Err(ScenarioError::new(path, format!("more than {MAX_KEYS} distinct keys")));
            }
            keys.push(name.to_string());
            Ok((keys.len() - 1) as KeyId)
        };

        let mut pinned = BTreeMap::new();
        for (k, list) in &f.keys {
            let p = format!("keys.{k}");
            let kid = key_idx(k, &p, &mut keys)?;
            let mut ids = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let id = node_idx(name).ok_or_else(|| ScenarioError::new(format!("{p}[{j}]"), format!("unknown node `{name}`")))?;
                if ids.contains(&id) {
                    return err(&format!("{p}[{j}]"), format!("node `{name}` appears twice in the preference list"));
                }
                ids.push(id);
            }
            if (ids.len() as u32) < r.n {
                return err(&p, format!("the preference list names {} node(s) but N={} home replicas are needed", ids.len(), r.n));
            }
            pinned.insert(kid, ids);
        }

        let mut links = Vec::new();
        for (i, l) in net.links.iter().enumerate() {
            let p = format!("network.links[{i}]");
            let addr = |name: &str, field: &str, clients: &Vec<Client>| -> Result<Addr, ScenarioError> {
                if let Some(n) = node_idx(name) {
                    Ok(Addr::Node(n))
                } else if let Some(c) = clients.iter().position(|c| c.name == name) {
                    Ok(Addr::Client(c as ClientId))
                } else {
                    Err(ScenarioError::new(format!("{p}.{field}"), format!("unknown node or client `{name}` (clients used in links must be listed in `clients`)")))
                }
            };
            let from = addr(&l.from, "from", &clients)?;
            let to = addr(&l.to, "to", &clients)?;
            check_latency(&format!("{p}.latency_ms"), &l.latency_ms)?;
            links.push(Link { from, to, latency: l.latency_ms.clone() });
            if !l.one_way {
                links.push(Link { from: to, to: from, latency: l.latency_ms.clone() });
            }
        }

        if f.events.len() > MAX_EVENTS {
            return err("events", format!("{} events; the limit is {MAX_EVENTS}", f.events.len()));
        }
        let mut events = Vec::with_capacity(f.events.len());
        let mut values = Vec::new();
        let mut op = 0u32;
        let mut last_at = 0u64;
        for (i, e) in f.events.iter().enumerate() {
            let p = format!("events[{i}]");
            let at_us = check_time(&format!("{p}.at_ms"), e.at_ms)?;
            last_at = last_at.max(at_us);
            let dc_nodes = |dc: &str, field: &str| -> Result<Vec<NodeId>, ScenarioError> {
                let d = dcs.iter().position(|x| x == dc).ok_or_else(|| {
                    ScenarioError::new(format!("{p}.{field}"), format!("unknown datacenter `{dc}` (known: {})", dcs.join(", ")))
                })?;
                Ok((0..nn).filter(|n| nodes[*n as usize].dc == d as DcId).collect())
            };
            let node = |name: &str, field: &str| -> Result<NodeId, ScenarioError> {
                node_idx(name).ok_or_else(|| ScenarioError::new(format!("{p}.{field}"), format!("unknown node `{name}`")))
            };
            let event = match &e.action {
                Action::Put { client, key, value, blind } => {
                    let c = client_idx(client, &format!("{p}.client"), &mut clients)?;
                    let k = key_idx(key, &format!("{p}.put"), &mut keys)?;
                    if value.len() > MAX_VALUE_LEN {
                        return err(&format!("{p}.value"), format!("values are limited to {MAX_VALUE_LEN} bytes"));
                    }
                    values.push(value.clone());
                    op += 1;
                    Event::Put { client: c, key: k, value: (values.len() - 1) as ValueId, blind: *blind, op: op - 1 }
                }
                Action::Get { client, key } => {
                    let c = client_idx(client, &format!("{p}.client"), &mut clients)?;
                    let k = key_idx(key, &format!("{p}.get"), &mut keys)?;
                    op += 1;
                    Event::Get { client: c, key: k, op: op - 1 }
                }
                Action::Crash(n) => Event::Crash(vec![node(n, "crash")?]),
                Action::Recover(n) => Event::Recover(vec![node(n, "recover")?]),
                Action::CrashDc(d) => Event::Crash(dc_nodes(d, "crash_dc")?),
                Action::RecoverDc(d) => Event::Recover(dc_nodes(d, "recover_dc")?),
                Action::Partition(groups) => {
                    // Resolved after all clients are known (below); keep the names for now.
                    if groups.is_empty() || groups.len() > 64 {
                        return err(&format!("{p}.partition"), "needs 1 to 64 groups".into());
                    }
                    Event::Partition(vec![])
                }
                Action::Heal => Event::Heal,
            };
            events.push(TimedEvent { at_us, event, decl: e.action.clone() });
        }
        // Partitions name clients too, so resolve them once every client exists. Actors not named
        // in any group form one more group together.
        let actors = nodes.len() + clients.len();
        for (i, te) in events.iter_mut().enumerate() {
            if let Action::Partition(groups) = &te.decl {
                let p = format!("events[{i}].partition");
                let unassigned = groups.len() as u16;
                let mut g = vec![unassigned; actors];
                let mut seen = vec![false; actors];
                for (gi, group) in groups.iter().enumerate() {
                    for (j, name) in group.iter().enumerate() {
                        let slot = if let Some(n) = node_idx(name) {
                            n as usize
                        } else if let Some(c) = clients.iter().position(|c| c.name == *name) {
                            nodes.len() + c
                        } else {
                            return err(&format!("{p}[{gi}][{j}]"), format!("unknown node or client `{name}`"));
                        };
                        if seen[slot] {
                            return err(&format!("{p}[{gi}][{j}]"), format!("`{name}` is in two groups"));
                        }
                        seen[slot] = true;
                        g[slot] = gi as u16;
                    }
                }
                te.event = Event::Partition(g);
            }
        }

        for (i, s) in f.steps.iter().enumerate() {
            let p = format!("steps[{i}]");
            check_time(&format!("{p}.at_ms"), s.at_ms)?;
            let texts = [Some(&s.caption), s.predict.as_ref(), s.reveal.as_ref()];
            if texts.iter().flatten().any(|t| t.len() > MAX_TEXT_LEN) || s.choices.iter().any(|c| c.len() > MAX_TEXT_LEN) {
                return err(&p, format!("captions and questions are limited to {MAX_TEXT_LEN} bytes"));
            }
            if s.choices.len() > 8 {
                return err(&format!("{p}.choices"), "at most 8 choices".into());
            }
            if let Some(a) = s.answer {
                if a >= s.choices.len() {
                    return err(&format!("{p}.answer"), format!("answer {a} but there are {} choices (counted from 0)", s.choices.len()));
                }
            }
        }

        // Default end: well after the last event, so that every request finishes or times out
        // and a hint holder gets at least one chance to hand off.
        let run_until_us = match f.run_until_ms {
            Some(ms) => check_time("run_until_ms", ms)?,
            None => {
                let tail = 2.0 * r.timeout_ms + r.detect_ms + if r.hinted_handoff { r.handoff_ms } else { 0.0 };
                (last_at + ms_to_us(tail)).min(ms_to_us(MAX_TIME_MS))
            }
        };

        Ok(Scenario {
            title: f.title.clone(),
            description: f.description.clone(),
            seed: f.seed,
            dcs,
            nodes,
            clients,
            keys,
            pinned,
            values,
            repl: r.clone(),
            latency: net.latency_ms.clone(),
            between_dcs_us: ms_to_us(net.between_dcs_ms),
            loss: net.loss,
            links,
            events,
            op_count: op,
            run_until_us,
        })
    }

    pub fn actor_count(&self) -> usize {
        self.nodes.len() + self.clients.len()
    }

    /// Flat index of an actor (nodes first), as used in partition groups.
    pub fn slot(&self, a: Addr) -> usize {
        match a {
            Addr::Node(n) => n as usize,
            Addr::Client(c) => self.nodes.len() + c as usize,
        }
    }

    pub fn name(&self, a: Addr) -> &str {
        match a {
            Addr::Node(n) => &self.nodes[n as usize].name,
            Addr::Client(c) => &self.clients[c as usize].name,
        }
    }

    pub fn dc_of(&self, a: Addr) -> DcId {
        match a {
            Addr::Node(n) => self.nodes[n as usize].dc,
            Addr::Client(c) => self.clients[c as usize].dc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut v: Value = serde_json::from_str(r#"{"nodes": ["A","B","C"], "events": [{"at_ms": 1, "client": "c", "put": "k", "value": "v"}]}"#).unwrap();
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
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "crash_dc": "mars"}]}"#), "events[0].crash_dc", "unknown datacenter `mars`");
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "crsh": "A"}]}"#), "events[0].crsh", "unknown field `crsh`");
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "crash": "A", "heal": true}]}"#), "events[0]", "several actions");
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "put": "k", "value": "v"}]}"#), "events[0]", "needs `client`");
        check_rejected(&with(r#"{"events": [{"at_ms": 1, "partition": [["A"], ["Q"]]}]}"#), "events[0].partition[1][0]", "unknown node or client `Q`");
        check_rejected(&with(r#"{"network": {"latency_ms": {"mix": [[0.5, 1], [0.6, 2]]}}}"#), "network.latency_ms", "weights sum to");
        check_rejected(&with(r#"{"network": {"loss": 1.5}}"#), "network.loss", "probability");
        check_rejected(&with(r#"{"keys": {"k": ["A", "A", "B"]}}"#), "keys.k[1]", "appears twice");
        check_rejected(&with(r#"{"keys": {"k": ["A", "B"]}}"#), "keys.k", "N=3");
        check_rejected(&with(r#"{"nodes": ["A", "A"]}"#), "nodes[1].id", "listed twice");
        check_rejected(&with(r#"{"nodes": []}"#), "nodes", "at least one node");
        check_rejected(&with(r#"{"replication": {"conflicts": "crdt"}}"#), "replication.conflicts", "unknown variant `crdt`");
        check_rejected(&with(r#"{"run_until_ms": 1e12}"#), "run_until_ms", "cap");
        check_rejected("{\"nodes\": [", "", "EOF while parsing a list at line 1 column 11");
        check_rejected("[1,2]", "", "JSON object");
        check_rejected("", "", "JSON object");
    }

    #[test]
    fn the_streaming_and_the_tree_paths_agree() {
        let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let tree: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(from_value(tree).unwrap(), parse_file(&text).unwrap());
        }
        for bad in [r#"{"nodes": ["A"], "replication": {"w": "two"}}"#, r#"{"nodes": ["A"], "events": [{"at_ms": 1, "crsh": "A"}]}"#, r#"{"nodes": 5}"#] {
            let tree: Value = serde_json::from_str(bad).unwrap();
            assert_eq!(from_value(tree).unwrap_err().path, parse_file(bad).unwrap_err().path, "{bad}");
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
