use super::scan;
use super::*;
use crate::latency::Latency;
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Reading a file. The JSON tree is read by hand rather than through derived `Deserialize`: every
// problem gets its exact path (`network.links[0].latency_ms`), and the browser carries one small
// reader instead of a deserializer per type (that saved about a tenth of the app's download).

/// Scenario bytes as text; bytes that are not UTF-8 are an error saying where the first one is.
pub fn text_of(bytes: Vec<u8>) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let (line, column) = line_column(before, at);
        ScenarioError::new(
            scan::path_at(before, at),
            format!(
                "the file is not UTF-8 text: byte {at} (line {line}, column {column}) is {:#04x}",
                e.as_bytes()[at]
            ),
        )
    })
}

/// The refusal of a scenario of `size` bytes (a count, or "more than …" when only a prefix was read).
pub fn too_big(size: &str) -> String {
    format!(
        "the scenario is {size} bytes; the limit is {} bytes (16 MiB)",
        crate::num::grouped(MAX_SCENARIO_BYTES as u64)
    )
}

/// Parses scenario text. Errors name the field (`replication.w`, `events[3]`) and the problem.
pub fn parse_file(text: &str) -> Result<ScenarioFile, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::new("", too_big(&crate::num::grouped(text.len() as u64))));
    }
    // A byte-order mark, as some editors write before UTF-8 text, is no part of the JSON (RFC
    // 8259 lets a reader ignore it); refusing it said "it starts with `{`" of a file that does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ScenarioError::new("", "the file is empty: a scenario is a JSON object, starting with `{`"));
    }
    if !text.trim_start().starts_with('{') {
        return Err(ScenarioError::new("", "a scenario is a JSON object: it starts with `{`"));
    }
    if let Some((at, cap, what)) = past_value_cap(text) {
        let cap = crate::num::grouped(cap as u64);
        let msg = format!("the file holds more than {cap} JSON {what} (the limit; the first past it at byte {at})");
        return Err(ScenarioError::new("", msg));
    }
    from_value(&parse_json(text)?)
}

/// JSON text as a tree. Malformed JSON is reported at the field where it breaks, with its line and
/// column; a name given twice in one object is refused (JSON readers keep one of the two silently,
/// so the file would not mean what it seems to).
pub fn parse_json(text: &str) -> Result<Value, ScenarioError> {
    let v = serde_json::from_str(text).map_err(|e| {
        let at = byte_at(text, e.line(), e.column());
        ScenarioError::new(scan::path_at(text, at), e.to_string())
    })?;
    if let Some(r) = scan::first_repeat(text) {
        let (line, column) = line_column(text, r.at);
        let msg = format!(
            "given twice in one object (the second time at line {line}, column {column}); give each field once"
        );
        return Err(ScenarioError::new(r.path, msg));
    }
    Ok(v)
}

/// The byte at serde_json's `line` (from 1) and `column` (bytes into the line).
fn byte_at(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.bytes().enumerate().filter(|(_, b)| *b == b'\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1)
    };
    (start + column).min(text.len())
}

/// Line and column (both from 1) of byte `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..at];
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    (line, 1 + at - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1))
}

/// Where the file's JSON values pass `MAX_JSON_VALUES` or its objects `MAX_JSON_OBJECTS`
/// (byte, cap, what), counted without parsing: every `{`, `[` and `,` outside strings is at most
/// one more value (a count never below the real one but for the first), every `{` an object.
fn past_value_cap(text: &str) -> Option<(usize, usize, &'static str)> {
    let (mut count, mut objects, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' | b',' => {
                count += 1;
                objects += usize::from(b == b'{');
                if count > super::MAX_JSON_VALUES {
                    return Some((i, super::MAX_JSON_VALUES, "values"));
                }
                if objects > super::MAX_JSON_OBJECTS {
                    return Some((i, super::MAX_JSON_OBJECTS, "objects"));
                }
            }
            _ => {}
        }
    }
    None
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
        item: impl FnMut(&'a Value, &str) -> Result<T, ScenarioError>,
    ) -> Result<Vec<T>, ScenarioError> {
        self.list_of_at_most(k, usize::MAX, item)
    }

    /// A list refused, before its items are read, when it has more than `max` of them.
    fn list_of_at_most<T>(
        &self,
        k: &str,
        max: usize,
        mut item: impl FnMut(&'a Value, &str) -> Result<T, ScenarioError>,
    ) -> Result<Vec<T>, ScenarioError> {
        match self.m.get(k) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.len() > max => {
                let (n, cap) = (crate::num::grouped(items.len() as u64), crate::num::grouped(max as u64));
                self.err(k, format!("{n} items; the limit is {cap}"))
            }
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

pub(super) fn latency_at(v: &Value, path: &str) -> Result<Latency, ScenarioError> {
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
        steps: f.list_of_at_most("steps", super::MAX_LESSON_STEPS, step_at)?,
    })
}

fn replication_at(v: &Value, path: &str) -> Result<Replication, ScenarioError> {
    const KNOWN: [&str; 14] = [
        "n",
        "w",
        "r",
        "sloppy_quorum",
        "hinted_handoff",
        "read_repair",
        "blocking_read_repair",
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
    let conflicts = f.string_or("conflicts", d.conflicts.name())?;
    let Some(conflicts) = ConflictMode::from_name(&conflicts) else {
        let names: Vec<&str> = ConflictMode::ALL.iter().map(|m| m.name()).collect();
        return f.err("conflicts", format!("unknown variant `{conflicts}`, expected one of {}", names.join(", ")));
    };
    let read_repair = f.bool_or("read_repair", d.read_repair)?;
    let blocking_read_repair = f.bool_or("blocking_read_repair", d.blocking_read_repair)?;
    if blocking_read_repair && !read_repair {
        return f.err(
            "blocking_read_repair",
            "blocking read repair is a kind of read repair: set `read_repair` to true too".to_string(),
        );
    }
    Ok(Replication {
        n: f.u32_or("n", d.n)?,
        w: f.u32_or("w", d.w)?,
        r: f.u32_or("r", d.r)?,
        sloppy_quorum: f.bool_or("sloppy_quorum", d.sloppy_quorum)?,
        hinted_handoff: f.bool_or("hinted_handoff", d.hinted_handoff)?,
        read_repair,
        blocking_read_repair,
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
    let f = Fields::of(v, path, "`network`", &["latency_ms", "latency_by_kind_ms", "between_dcs_ms", "loss", "links"])?;
    let latency_ms = match f.m.get("latency_ms") {
        None => Latency::default(),
        Some(l) => latency_at(l, &join(path, "latency_ms"))?,
    };
    Ok(NetworkSpec {
        latency_ms,
        latency_by_kind_ms: by_kind_at(&f, &join(path, "latency_by_kind_ms"))?,
        between_dcs_ms: f.f64_or("between_dcs_ms", 0.0)?,
        loss: f.f64_or("loss", 0.0)?,
        links: f.list_of_at_most("links", super::MAX_LINKS, |v, p| {
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

/// `latency_by_kind_ms`: an object from message kind names to latencies, in name order.
fn by_kind_at(f: &Fields, path: &str) -> Result<Vec<(String, Latency)>, ScenarioError> {
    match f.get("latency_by_kind_ms") {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, l)| {
                let p = join(path, k);
                if !MESSAGE_KINDS.contains(&k.as_str()) {
                    let known = MESSAGE_KINDS.join(", ");
                    return Err(ScenarioError::new(p, format!("unknown message kind `{k}`, expected one of {known}")));
                }
                // serde_json's map iterates in name order, so the list comes sorted.
                Ok((k.clone(), latency_at(l, &p)?))
            })
            .collect(),
        Some(v) => f.err(
            "latency_by_kind_ms",
            format!(
                "maps message kinds (put, put_ack, get, get_reply, ...) to latencies (an object), got {}",
                shown(v)
            ),
        ),
    }
}

/// An event's `after`: `{"op": index, "ms": delay}`.
fn after_at(v: &Value, path: &str) -> Result<After, ScenarioError> {
    let f = Fields::of(v, path, "`after`", &["op", "ms"])?;
    if !f.m.contains_key("op") {
        return Err(ScenarioError::new(path, "`after` needs `op` (the index of an earlier put or get)"));
    }
    let op = f.u32_or("op", 0)?;
    Ok(After { op, ms: f.f64_or("ms", 0.0)? })
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

/// A happening: `{"op": 1, "is": "end"}`, `{"msg": "put_ack", "is": "arrives", "op": 0, "to":
/// "A", "count": 3}` or `{"event": 2}`; `ms` only where it is a step's `when`.
fn happening_at(v: &Value, path: &str, when: bool) -> Result<Happening, ScenarioError> {
    let known: &[&str] = &["op", "msg", "event", "is", "from", "to", "count", "ms"];
    let f = Fields::of(v, path, "a happening", if when { known } else { &known[..7] })?;
    let op = f.get("op").map(|_| f.u32_or("op", 0)).transpose()?;
    let msg = f.opt_string("msg")?;
    let event = f.get("event").map(|_| f.u32_or("event", 0)).transpose()?;
    if let Some(k) = msg.as_ref().filter(|k| !MESSAGE_KINDS.contains(&k.as_str())) {
        return f.err("msg", format!("unknown message kind `{k}`, expected one of {}", MESSAGE_KINDS.join(", ")));
    }
    let allowed: &[Is] = match (&msg, event, op) {
        (Some(_), None, _) => &[Is::Sent, Is::Arrives, Is::Lost],
        (None, Some(_), None) => &[Is::Runs],
        (None, None, Some(_)) => &[Is::Start, Is::End, Is::Ok, Is::Failed],
        _ => return Err(ScenarioError::new(path, "a happening names `op`, `msg` (maybe with `op`) or `event`")),
    };
    let is_name = f.string_or("is", allowed[0].name())?;
    let Some(is) = allowed.iter().copied().find(|i| i.name() == is_name) else {
        let names: Vec<&str> = allowed.iter().map(|i| i.name()).collect();
        return f.err("is", format!("`{is_name}` here; this happening can be {}", names.join(", ")));
    };
    let (from, to) = (f.opt_string("from")?, f.opt_string("to")?);
    if msg.is_none() && (from.is_some() || to.is_some()) {
        return Err(ScenarioError::new(path, "`from` and `to` belong to a `msg` happening"));
    }
    let count = f.u32_or("count", 1)?;
    if count == 0 {
        return f.err("count", "counts from 1 (the first such happening)".into());
    }
    Ok(Happening { op, msg, event, is, from, to, count, ms: f.f64_or("ms", 0.0)? })
}

fn step_at(v: &Value, path: &str) -> Result<StepDecl, ScenarioError> {
    let known = ["at_ms", "when", "describes", "caption", "predict", "choices", "answer", "reveal", "focus_op"];
    let f = Fields::of(v, path, "a step", &known)?;
    if !f.m.contains_key("at_ms") && !f.m.contains_key("when") {
        return Err(ScenarioError::new(path, "a step needs `at_ms` (or `when`)"));
    }
    let answer = f.get("answer").map(|_| f.u64_or("answer", 0).map(|a| a as usize)).transpose()?;
    let focus_op =
        f.get("focus_op").map(|_| f.u64_or("focus_op", 0).map(|o| o.min(u64::from(u32::MAX)) as u32)).transpose()?;
    let when = f.get("when").map(|w| happening_at(w, &join(path, "when"), true)).transpose()?;
    Ok(StepDecl {
        at_ms: f.f64_or("at_ms", 0.0)?,
        when,
        describes: f.list_of_at_most("describes", super::MAX_STEP_DESCRIBES, |v, p| happening_at(v, p, false))?,
        caption: f.string("caption", "a step")?,
        predict: f.opt_string("predict")?,
        choices: f.list_of_at_most("choices", super::MAX_STEP_CHOICES, string_at)?,
        answer,
        reveal: f.opt_string("reveal")?,
        focus_op,
    })
}

/// An event: `at_ms` and exactly one action (`put`, `get`, `crash`, ...).
fn event_at(v: &Value, path: &str) -> Result<EventDecl, ScenarioError> {
    const KINDS: [&str; 8] = ["put", "get", "crash", "recover", "crash_dc", "recover_dc", "partition", "heal"];
    const ALLOWED: [&str; 13] = [
        "at_ms",
        "after",
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
    if !f.m.contains_key("at_ms") && !f.m.contains_key("after") {
        return Err(ScenarioError::new(path, "an event needs `at_ms` (or `after`)"));
    }
    let at_ms = f.f64_or("at_ms", 0.0)?;
    let after = f.get("after").map(|a| after_at(a, &join(path, "after"))).transpose()?;
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
    let action = action_at(&f, kind)?;
    Ok(EventDecl { at_ms, action, after })
}

/// The action of an event of `kind`, with only the fields that kind takes.
fn action_at(f: &Fields, kind: &str) -> Result<Action, ScenarioError> {
    let what = format!("a {kind} event");
    let only = |fields: &[&str]| -> Result<(), ScenarioError> {
        match f.m.keys().find(|k| *k != "at_ms" && *k != "after" && *k != kind && !fields.contains(&k.as_str())) {
            Some(k) => f.err(k, format!("field `{k}` does not belong to {what}")),
            None => Ok(()),
        }
    };
    Ok(match kind {
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
    })
}

/// Parses and checks scenario text in one go.
pub fn parse(text: &str) -> Result<(ScenarioFile, Scenario), ScenarioError> {
    let file = parse_file(text)?;
    let sc = Scenario::from_file(&file)?;
    Ok((file, sc))
}
