//! The scenario file: JSON a person can write by hand and a link can carry.
//!
//! Two layers. [`ScenarioFile`] is the JSON contract, field for field, and round-trips through
//! serde (the visualizer appends interventions to it and exports it). [`Scenario`] is the checked,
//! index-resolved form the simulator runs; [`Scenario::from_file`] is the only way to get one, so
//! the simulator never sees an unknown node, W > N or a negative time.

use crate::latency::Latency;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkSpec {
    pub from: String,
    pub to: String,
    pub latency_ms: Latency,
    /// By default a link override applies both ways.
    #[serde(skip_serializing_if = "is_default")]
    pub one_way: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub at_ms: f64,
    pub action: Action,
}

/// A narrated step of a lesson: a caption shown from `at_ms`, optionally a question that pauses
/// the run until the student answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepDecl {
    pub at_ms: f64,
    pub caption: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reveal: Option<String>,
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
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "pins_as_object")]
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

fn pins_as_object<S: Serializer>(pins: &[(String, Vec<String>)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(pins.len()))?;
    for (k, v) in pins {
        m.serialize_entry(k, v)?;
    }
    m.end()
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

// ---------------------------------------------------------------------------------------------
// Reading a file. The JSON tree is read by hand rather than through derived `Deserialize`: every
// problem gets its exact path (`network.links[0].latency_ms`), and the browser carries one small
// reader instead of a deserializer per type (that saved about a tenth of the app's download).

/// Parses scenario text. Errors name the field (`replication.w`, `events[3]`) and the problem.
pub fn parse_file(text: &str) -> Result<ScenarioFile, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::new(
            "",
            format!("the scenario is {} bytes; the limit is {MAX_SCENARIO_BYTES}", text.len()),
        ));
    }
    if text.trim_start().chars().next() != Some('{') {
        return Err(ScenarioError::new("", "a scenario is a JSON object: it starts with `{`"));
    }
    // Malformed JSON is reported with its line and column.
    let v: Value = serde_json::from_str(text).map_err(|e| ScenarioError::new("", e.to_string()))?;
    from_value(&v)
}

/// `a.b`, or `b` at the top.
fn join(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

/// A JSON value in a message, shortened: a whole object in an error helps nobody.
fn shown(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// The fields of one JSON object, each read with its path; fields not in `known` are rejected.
struct Fields<'a> {
    m: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn of(v: &'a Value, path: &'a str, what: &str, known: &[&str]) -> Result<Self, ScenarioError> {
        let Value::Object(m) = v else {
            return Err(ScenarioError::new(path, format!("{what} is a JSON object, got {}", shown(v))));
        };
        if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(ScenarioError::new(
                join(path, k),
                format!("unknown field `{k}`, expected one of {}", known.join(", ")),
            ));
        }
        Ok(Fields { m, path })
    }

    fn err<T>(&self, k: &str, msg: String) -> Result<T, ScenarioError> {
        Err(ScenarioError::new(join(self.path, k), msg))
    }

    /// A field that is present and not `null`.
    fn get(&self, k: &str) -> Option<&'a Value> {
        self.m.get(k).filter(|v| !v.is_null())
    }

    fn f64_or(&self, k: &str, default: f64) -> Result<f64, ScenarioError> {
        match self.m.get(k) {
            None => Ok(default),
            Some(v) => v.as_f64().map_or_else(|| self.err(k, format!("must be a number, got {}", shown(v))), Ok),
        }
    }

    fn opt_f64(&self, k: &str) -> Result<Option<f64>, ScenarioError> {
        self.get(k).map(|_| self.f64_or(k, 0.0)).transpose()
    }

    fn u64_or(&self, k: &str, default: u64) -> Result<u64, ScenarioError> {
        match self.m.get(k) {
            None => Ok(default),
            Some(v) => {
                v.as_u64().map_or_else(|| self.err(k, format!("must be a whole number >= 0, got {}", shown(v))), Ok)
            }
        }
    }

    fn u32_or(&self, k: &str, default: u32) -> Result<u32, ScenarioError> {
        let x = self.u64_or(k, u64::from(default))?;
        u32::try_from(x).map_or_else(|_| self.err(k, format!("{x} is too large")), Ok)
    }

    fn bool_or(&self, k: &str, default: bool) -> Result<bool, ScenarioError> {
        match self.m.get(k) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => self.err(k, format!("must be true or false, got {}", shown(v))),
        }
    }

    fn string_or(&self, k: &str, default: &str) -> Result<String, ScenarioError> {
        match self.m.get(k) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => self.err(k, format!("must be a string, got {}", shown(v))),
        }
    }

    fn opt_string(&self, k: &str) -> Result<Option<String>, ScenarioError> {
        self.get(k).map(|_| self.string_or(k, "")).transpose()
    }

    fn string(&self, k: &str, what: &str) -> Result<String, ScenarioError> {
        if !self.m.contains_key(k) {
            return Err(ScenarioError::new(self.path, format!("{what} needs `{k}`")));
        }
        self.string_or(k, "")
    }

    /// A list, read item by item with `item(value, "path[i]")`; absent means empty.
    fn list<T>(
        &self,
        k: &str,
        mut item: impl FnMut(&'a Value, &str) -> Result<T, ScenarioError>,
    ) -> Result<Vec<T>, ScenarioError> {
        match self.m.get(k) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                let path = join(self.path, k);
                items.iter().enumerate().map(|(i, v)| item(v, &format!("{path}[{i}]"))).collect()
            }
            Some(v) => self.err(k, format!("must be a list, got {}", shown(v))),
        }
    }
}

fn string_at(v: &Value, path: &str) -> Result<String, ScenarioError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| ScenarioError::new(path, format!("must be a string, got {}", shown(v))))
}

fn latency_at(v: &Value, path: &str) -> Result<Latency, ScenarioError> {
    // The latency reader's messages start with the exact path they are about, e.g.
    // "network.latency_ms.mix[1]: ..." or "network.latency_ms.pareto.alpha must be > 0".
    Latency::from_json(v, path).map_err(|m| {
        let end = m.find(": ").or_else(|| m.find(' ')).unwrap_or(0);
        ScenarioError::new(&m[..end], m[end..].trim_start_matches(':').trim())
    })
}

/// Turns a JSON tree into a file, naming the exact field of any problem.
pub fn from_value(v: &Value) -> Result<ScenarioFile, ScenarioError> {
    const TOP: [&str; 11] = [
        "title",
        "description",
        "seed",
        "nodes",
        "clients",
        "keys",
        "replication",
        "network",
        "events",
        "run_until_ms",
        "steps",
    ];
    let f = Fields::of(v, "", "a scenario", &TOP)?;
    if !f.m.contains_key("nodes") {
        return Err(ScenarioError::new("nodes", "missing: a scenario lists its nodes"));
    }
    let keys = match f.m.get("keys") {
        None => Vec::new(),
        Some(Value::Object(m)) => {
            // The JSON object's keys come in name order (serde_json's map is sorted).
            let pins = Fields { m, path: "keys" };
            let mut keys = Vec::with_capacity(m.len());
            for name in m.keys() {
                keys.push((name.clone(), pins.list(name, string_at)?));
            }
            keys
        }
        Some(v) => {
            return f.err("keys", format!("maps each pinned key to its home nodes (an object), got {}", shown(v)))
        }
    };
    Ok(ScenarioFile {
        title: f.string_or("title", "")?,
        description: f.string_or("description", "")?,
        seed: f.u64_or("seed", 0)?,
        nodes: f.list("nodes", node_at)?,
        clients: f.list("clients", client_at)?,
        keys,
        replication: f
            .get("replication")
            .map_or_else(|| Ok(Replication::default()), |r| replication_at(r, "replication"))?,
        network: f.get("network").map_or_else(|| Ok(NetworkSpec::default()), |n| network_at(n, "network"))?,
        events: f.list("events", event_at)?,
        run_until_ms: f.opt_f64("run_until_ms")?,
        steps: f.list("steps", step_at)?,
    })
}

fn replication_at(v: &Value, path: &str) -> Result<Replication, ScenarioError> {
    const KNOWN: [&str; 13] = [
        "n",
        "w",
        "r",
        "sloppy_quorum",
        "hinted_handoff",
        "read_repair",
        "anti_entropy_ms",
        "conflicts",
        "timeout_ms",
        "detect_ms",
        "handoff_ms",
        "merkle_depth",
        "vnodes",
    ];
    let f = Fields::of(v, path, "`replication`", &KNOWN)?;
    let d = Replication::default();
    let conflicts = match f.string_or("conflicts", d.conflicts.name())?.as_str() {
        "lww" => ConflictMode::Lww,
        "siblings" => ConflictMode::Siblings,
        "last_arrival" => ConflictMode::LastArrival,
        other => {
            return f
                .err("conflicts", format!("unknown variant `{other}`, expected one of lww, siblings, last_arrival"))
        }
    };
    Ok(Replication {
        n: f.u32_or("n", d.n)?,
        w: f.u32_or("w", d.w)?,
        r: f.u32_or("r", d.r)?,
        sloppy_quorum: f.bool_or("sloppy_quorum", d.sloppy_quorum)?,
        hinted_handoff: f.bool_or("hinted_handoff", d.hinted_handoff)?,
        read_repair: f.bool_or("read_repair", d.read_repair)?,
        anti_entropy_ms: f.opt_f64("anti_entropy_ms")?,
        conflicts,
        timeout_ms: f.f64_or("timeout_ms", d.timeout_ms)?,
        detect_ms: f.f64_or("detect_ms", d.detect_ms)?,
        handoff_ms: f.f64_or("handoff_ms", d.handoff_ms)?,
        merkle_depth: f.u32_or("merkle_depth", d.merkle_depth)?,
        vnodes: f.u32_or("vnodes", d.vnodes)?,
    })
}

fn network_at(v: &Value, path: &str) -> Result<NetworkSpec, ScenarioError> {
    let f = Fields::of(v, path, "`network`", &["latency_ms", "between_dcs_ms", "loss", "links"])?;
    let latency_ms = match f.m.get("latency_ms") {
        None => Latency::default(),
        Some(l) => latency_at(l, &join(path, "latency_ms"))?,
    };
    Ok(NetworkSpec {
        latency_ms,
        between_dcs_ms: f.f64_or("between_dcs_ms", 0.0)?,
        loss: f.f64_or("loss", 0.0)?,
        links: f.list("links", |v, p| {
            let l = Fields::of(v, p, "a link", &["from", "to", "latency_ms", "one_way"])?;
            let latency = l.m.get("latency_ms").ok_or_else(|| ScenarioError::new(p, "a link needs `latency_ms`"))?;
            Ok(LinkSpec {
                from: l.string("from", "a link")?,
                to: l.string("to", "a link")?,
                latency_ms: latency_at(latency, &join(p, "latency_ms"))?,
                one_way: l.bool_or("one_way", false)?,
            })
        })?,
    })
}

/// A node: `"A"` or `{"id": "A", "dc": "us"}`.
fn node_at(v: &Value, path: &str) -> Result<NodeDecl, ScenarioError> {
    if let Value::String(id) = v {
        return Ok(NodeDecl { id: id.clone(), dc: None });
    }
    if !v.is_object() {
        return Err(ScenarioError::new(
            path,
            format!("a node is a name or {{\"id\": ..., \"dc\": ...}}, got {}", shown(v)),
        ));
    }
    let f = Fields::of(v, path, "a node", &["id", "dc"])?;
    Ok(NodeDecl { id: f.string("id", "a node object")?, dc: f.opt_string("dc")? })
}

fn client_at(v: &Value, path: &str) -> Result<ClientDecl, ScenarioError> {
    let f = Fields::of(v, path, "a client", &["id", "dc", "clock_skew_ms"])?;
    Ok(ClientDecl {
        id: f.string("id", "a client")?,
        dc: f.opt_string("dc")?,
        clock_skew_ms: f.f64_or("clock_skew_ms", 0.0)?,
    })
}

fn step_at(v: &Value, path: &str) -> Result<StepDecl, ScenarioError> {
    let f = Fields::of(v, path, "a step", &["at_ms", "caption", "predict", "choices", "answer", "reveal"])?;
    if !f.m.contains_key("at_ms") {
        return Err(ScenarioError::new(path, "a step needs `at_ms`"));
    }
    let answer = f.get("answer").map(|_| f.u64_or("answer", 0).map(|a| a as usize)).transpose()?;
    Ok(StepDecl {
        at_ms: f.f64_or("at_ms", 0.0)?,
        caption: f.string("caption", "a step")?,
        predict: f.opt_string("predict")?,
        choices: f.list("choices", string_at)?,
        answer,
        reveal: f.opt_string("reveal")?,
    })
}

/// An event: `at_ms` and exactly one action (`put`, `get`, `crash`, ...).
fn event_at(v: &Value, path: &str) -> Result<EventDecl, ScenarioError> {
    const KINDS: [&str; 8] = ["put", "get", "crash", "recover", "crash_dc", "recover_dc", "partition", "heal"];
    const ALLOWED: [&str; 12] = [
        "at_ms",
        "client",
        "value",
        "blind",
        "put",
        "get",
        "crash",
        "recover",
        "crash_dc",
        "recover_dc",
        "partition",
        "heal",
    ];
    let f = Fields::of(v, path, "an event", &ALLOWED).map_err(|mut e| {
        if e.path != path {
            e.message = format!(
                "{} (an event has at_ms and one of {})",
                e.message.split(", expected").next().unwrap_or_default(),
                KINDS.join(", ")
            );
        }
        e
    })?;
    if !f.m.contains_key("at_ms") {
        return Err(ScenarioError::new(path, "an event needs `at_ms`"));
    }
    let at_ms = f.f64_or("at_ms", 0.0)?;
    let kinds: Vec<&str> = KINDS.iter().copied().filter(|k| f.m.contains_key(*k)).collect();
    let kind = match kinds.as_slice() {
        [one] => *one,
        [] => return Err(ScenarioError::new(path, format!("says nothing to do: add one of {}", KINDS.join(", ")))),
        many => {
            return Err(ScenarioError::new(
                path,
                format!("has several actions ({}); one event does one thing", many.join(", ")),
            ))
        }
    };
    let what = format!("a {kind} event");
    let only = |fields: &[&str]| -> Result<(), ScenarioError> {
        match f.m.keys().find(|k| *k != "at_ms" && *k != kind && !fields.contains(&k.as_str())) {
            Some(k) => f.err(k, format!("field `{k}` does not belong to {what}")),
            None => Ok(()),
        }
    };
    let action = match kind {
        "put" => {
            only(&["client", "value", "blind"])?;
            Action::Put {
                client: f.string("client", &what)?,
                key: f.string("put", &what)?,
                value: f.string("value", &what)?,
                blind: f.bool_or("blind", false)?,
            }
        }
        "get" => {
            only(&["client"])?;
            Action::Get { client: f.string("client", &what)?, key: f.string("get", &what)? }
        }
        "partition" => {
            only(&[])?;
            Action::Partition(f.list("partition", |g, p| match g {
                Value::Array(names) => {
                    names.iter().enumerate().map(|(i, n)| string_at(n, &format!("{p}[{i}]"))).collect()
                }
                other => Err(ScenarioError::new(p, format!("a group is a list of names, got {}", shown(other)))),
            })?)
        }
        "heal" => {
            only(&[])?;
            if f.m["heal"] != Value::Bool(true) {
                return f.err("heal", format!("must be true, got {}", shown(&f.m["heal"])));
            }
            Action::Heal
        }
        _ => {
            only(&[])?;
            let name = f.string(kind, &what)?;
            match kind {
                "crash" => Action::Crash(name),
                "recover" => Action::Recover(name),
                "crash_dc" => Action::CrashDc(name),
                _ => Action::RecoverDc(name),
            }
        }
    };
    Ok(EventDecl { at_ms, action })
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
    Put {
        client: ClientId,
        key: KeyId,
        value: ValueId,
        blind: bool,
        op: u32,
    },
    Get {
        client: ClientId,
        key: KeyId,
        op: u32,
    },
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
    /// Preference lists fixed by the file, by key id (ascending).
    pub pinned: Vec<(KeyId, Vec<NodeId>)>,
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
        return Err(ScenarioError::new(
            path,
            format!("{} ms is past the {} ms (one hour) cap", crate::num::num(ms), crate::num::num(MAX_TIME_MS)),
        ));
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
    latency_at(&l.to_json(), path).map(|_| ())
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
                return err(
                    &format!("{p}.clock_skew_ms"),
                    format!("must be a finite number of ms within ±{}", crate::num::num(MAX_TIME_MS)),
                );
            }
            if let Some(dc) = &c.dc {
                if !dcs.contains(dc) {
                    return err(
                        &format!("{p}.dc"),
                        format!("no node is in datacenter `{dc}` (known: {})", dcs.join(", ")),
                    );
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
            return err(
                "replication.r",
                format!(
                    "R={} must be between 1 and N={}: a read cannot wait for more replies than there are replicas",
                    r.r, r.n
                ),
            );
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
                return err(
                    "replication.anti_entropy_ms",
                    format!("the period must be at least 1 ms (or null for off), got {}", crate::num::num(ae)),
                );
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
        if !net.between_dcs_ms.is_finite()
            || net.between_dcs_ms < 0.0
            || net.between_dcs_ms > crate::latency::MAX_LATENCY_MS
        {
            return err(
                "network.between_dcs_ms",
                format!(
                    "must be 0 to {} ms, got {}",
                    crate::num::num(crate::latency::MAX_LATENCY_MS),
                    crate::num::num(net.between_dcs_ms)
                ),
            );
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

        // Pinned keys are named first, so their ids come in ascending order.
        let mut pinned = Vec::new();
        for (k, list) in &f.keys {
            let p = format!("keys.{k}");
            let kid = key_idx(k, &p, &mut keys)?;
            let mut ids = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let id = node_idx(name)
                    .ok_or_else(|| ScenarioError::new(format!("{p}[{j}]"), format!("unknown node `{name}`")))?;
                if ids.contains(&id) {
                    return err(&format!("{p}[{j}]"), format!("node `{name}` appears twice in the preference list"));
                }
                ids.push(id);
            }
            if (ids.len() as u32) < r.n {
                return err(
                    &p,
                    format!("the preference list names {} node(s) but N={} home replicas are needed", ids.len(), r.n),
                );
            }
            assert!(pinned.last().is_none_or(|(last, _)| *last < kid), "pinned keys get ascending ids");
            pinned.push((kid, ids));
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
                    Err(ScenarioError::new(
                        format!("{p}.{field}"),
                        format!("unknown node or client `{name}` (clients used in links must be listed in `clients`)"),
                    ))
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
                    ScenarioError::new(
                        format!("{p}.{field}"),
                        format!("unknown datacenter `{dc}` (known: {})", dcs.join(", ")),
                    )
                })?;
                Ok((0..nn).filter(|n| nodes[*n as usize].dc == d as DcId).collect())
            };
            let node = |name: &str, field: &str| -> Result<NodeId, ScenarioError> {
                node_idx(name)
                    .ok_or_else(|| ScenarioError::new(format!("{p}.{field}"), format!("unknown node `{name}`")))
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
            if texts.iter().flatten().any(|t| t.len() > MAX_TEXT_LEN)
                || s.choices.iter().any(|c| c.len() > MAX_TEXT_LEN)
            {
                return err(&p, format!("captions and questions are limited to {MAX_TEXT_LEN} bytes"));
            }
            if s.choices.len() > 8 {
                return err(&format!("{p}.choices"), "at most 8 choices".into());
            }
            if let Some(a) = s.answer {
                if a >= s.choices.len() {
                    return err(
                        &format!("{p}.answer"),
                        format!("answer {a} but there are {} choices (counted from 0)", s.choices.len()),
                    );
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
        check_rejected(r#"{"events": []}"#, "nodes", "lists its nodes");
    }

    #[test]
    fn every_lesson_round_trips_through_its_json() {
        let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
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
