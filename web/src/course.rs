//! The embedding API for course sites, version 1: a host page drives an embedded app with
//! `postMessage` and hears what the student does (README, "Embedding API"). Every message is a
//! plain object `{"quorumscope": 1, "type": ...}`; one typed enum per direction, so an unknown
//! type or a wrong field is an `error` message, never a panic.
//!
//! Reading a command (by hand, field by field, with errors naming the field) and deciding what it
//! does are plain functions over `serde_json::Value` and the state (tested natively); the hook
//! only moves messages between the window and them.

use crate::lessons;
use crate::state::{Action, AppState, Setting};
use crate::words;
use quorumscope_core::scenario::edit::{add_event, apply_setting};
use quorumscope_core::scenario::{ConflictMode, ScenarioFile};
use serde::Serialize;
use serde_json::Value;
use yew::prelude::*;

/// The contract's version: `quorumscope` in every message.
pub const VERSION: u32 = 1;
/// Playing, `time` goes to the host at most this often (real ms): a message per frame would
/// flood it.
pub const TIME_EVERY_MS: f64 = 250.0;

/// Host → app. Each variant refuses fields it does not know.
#[derive(Debug, PartialEq)]
pub enum Command {
    Load {
        lesson: Option<String>,
        scenario: Option<Value>,
        link: Option<String>,
    },
    /// A helper attached after `ready` went out asks for it again.
    Hello {},
    Play {},
    Pause {},
    Seek {
        t_ms: f64,
    },
    Speed {
        value: f64,
    },
    Set(Settings),
    Intervene {
        event: Value,
    },
    Select {
        op: u32,
    },
    Configure {
        panels: Option<Vec<String>>,
        scale: Option<u8>,
        theme: Option<String>,
    },
    GetState {
        id: Value,
    },
    /// A figure of a view at this instant, answered by `figure` with the same `id`.
    Export {
        id: Value,
        what: crate::figure::What,
        format: crate::figure::Format,
    },
}

/// The settings a `set` may change, as the scenario file names them; any subset, applied in
/// this order.
#[derive(Debug, Default, PartialEq)]
pub struct Settings {
    pub nodes: Option<usize>,
    pub datacenters: Option<usize>,
    pub n: Option<u32>,
    pub w: Option<u32>,
    pub r: Option<u32>,
    pub sloppy_quorum: Option<bool>,
    pub hinted_handoff: Option<bool>,
    pub read_repair: Option<bool>,
    pub blocking_read_repair: Option<bool>,
    /// `null` turns anti-entropy off; absent leaves it.
    pub anti_entropy_ms: Option<Option<f64>>,
    pub conflicts: Option<String>,
    pub seed: Option<u64>,
    pub loss: Option<f64>,
}

/// App → host.
#[derive(Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    Ready {
        version: u32,
        lessons: Vec<&'static str>,
    },
    State(Box<StateReply>),
    Time {
        t_ms: f64,
        playing: bool,
    },
    Checkpoint {
        step: usize,
        text: String,
        choices: Vec<String>,
    },
    Answered {
        step: usize,
        choice: usize,
        correct: bool,
        statement: Statement,
    },
    LessonComplete {
        lesson: String,
        score: usize,
        of: usize,
        statement: Statement,
    },
    Anomaly {
        kind: &'static str,
        op: Option<u32>,
        explanation: String,
        t_ms: f64,
    },
    /// `id`: the `id` of the command refused, when it had one (`get-state`, `export`), so that
    /// a host waiting for its answer hears the refusal instead.
    Error {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<Value>,
    },
    /// `data`: the SVG's text, or the PNG as a `data:image/png;base64,...` URL.
    Figure {
        id: Value,
        what: crate::figure::What,
        format: crate::figure::Format,
        name: String,
        data: String,
    },
}

/// An xAPI-shaped statement (verb, object, result) that a host can forward to a learning record
/// store after adding its actor.
#[derive(Debug, PartialEq, Serialize)]
pub struct Statement {
    pub verb: Verb,
    pub object: Object,
    pub result: Outcome,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Verb {
    pub id: &'static str,
    pub display: LangMap,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct LangMap {
    #[serde(rename = "en-US")]
    pub en_us: String,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Object {
    pub id: String,
    pub definition: Definition,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Definition {
    pub name: LangMap,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub score: Score,
    pub success: bool,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Score {
    pub raw: usize,
    pub max: usize,
}

fn statement(verb: &'static str, object: String, name: String, raw: usize, max: usize, success: bool) -> Statement {
    Statement {
        verb: Verb { id: verb_id(verb), display: LangMap { en_us: verb.to_string() } },
        object: Object { id: object, definition: Definition { name: LangMap { en_us: name } } },
        result: Outcome { score: Score { raw, max }, success },
    }
}

fn verb_id(verb: &str) -> &'static str {
    if verb == "answered" {
        "http://adlnet.gov/expapi/verbs/answered"
    } else {
        "http://adlnet.gov/expapi/verbs/completed"
    }
}

/// The answer to `get-state`: only what has happened by the cursor.
#[derive(Debug, PartialEq, Serialize)]
pub struct StateReply {
    pub id: Value,
    pub t_ms: f64,
    pub end_ms: f64,
    pub playing: bool,
    pub lesson: Option<String>,
    pub edited: bool,
    /// The question open now, if any (its step), and the answers given (step, choice).
    pub question: Option<usize>,
    pub answers: Vec<(usize, usize)>,
    /// The file as JSON (see [`file_value`]).
    pub scenario: Value,
    pub ops: Vec<OpDone>,
    pub anomalies: Vec<AnomalySeen>,
    /// A long run being computed in slices (after a `load`, say) while everything above still
    /// describes the experiment on screen; `null` when none is.
    pub computing: Option<Computing>,
}

/// What is being computed: its title and how far, in percent.
#[derive(Debug, PartialEq, Serialize)]
pub struct Computing {
    pub title: String,
    pub percent: u64,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct OpDone {
    pub index: u32,
    pub client: String,
    pub op: &'static str,
    pub key: String,
    pub value: Option<String>,
    pub ok: bool,
    pub end_ms: f64,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct AnomalySeen {
    pub kind: &'static str,
    pub op: Option<u32>,
    pub t_ms: f64,
    pub explanation: String,
}

/// Why a message could not be read, in the host developer's terms: the type, and the field.
fn unreadable(kind: &str, why: &str) -> String {
    let shown: String = kind.chars().take(40).collect();
    format!("Quorumscope could not read the \"{shown}\" message: {why} (see the embedding API, version 1).")
}

/// A command's fields, read by name; each wrong one is an error naming it.
struct Fields<'a> {
    kind: &'a str,
    obj: &'a serde_json::Map<String, Value>,
    /// The fields asked for so far: any other is refused ([`Fields::done`]).
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn wrong(&self, name: &str, what: &str) -> String {
        unreadable(self.kind, &format!("{name} must be {what}"))
    }
    /// The field, or `None` when absent (`null` counts as given: a caller decides).
    fn take(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        self.obj.get(name)
    }
    fn opt<T>(&mut self, name: &'static str, what: &str, f: impl Fn(&Value) -> Option<T>) -> Result<Option<T>, String> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => f(v).map(Some).ok_or_else(|| self.wrong(name, what)),
        }
    }
    fn need<T>(&mut self, name: &'static str, what: &str, f: impl Fn(&Value) -> Option<T>) -> Result<T, String> {
        self.opt(name, what, f)?.ok_or_else(|| self.wrong(name, what))
    }
    fn string(&mut self, name: &'static str) -> Result<Option<String>, String> {
        self.opt(name, "a string", |v| v.as_str().map(str::to_string))
    }
    fn number(&mut self, name: &'static str) -> Result<f64, String> {
        self.need(name, "a number", Value::as_f64)
    }
    fn uint<T: TryFrom<u64>>(&mut self, name: &'static str) -> Result<Option<T>, String> {
        self.opt(name, "a whole number", |v| v.as_u64().and_then(|n| T::try_from(n).ok()))
    }
    fn bool(&mut self, name: &'static str) -> Result<Option<bool>, String> {
        self.opt(name, "true or false", Value::as_bool)
    }
    fn value(&mut self, name: &'static str) -> Value {
        self.take(name).cloned().unwrap_or(Value::Null)
    }
    /// What is left is not a field of this type.
    fn done(self) -> Result<(), String> {
        match self.obj.keys().find(|k| !self.known.contains(&k.as_str())) {
            Some(k) => {
                Err(unreadable(self.kind, &format!("it has no field \"{}\"", k.chars().take(40).collect::<String>())))
            }
            None => Ok(()),
        }
    }
}

/// Reads a message from the host. `None`: not ours at all (no `quorumscope` field), ignored
/// silently, since pages post all sorts of messages. `Some(Err)`: ours but unreadable.
pub fn read(v: Value) -> Option<Result<Command, String>> {
    let obj = v.as_object()?;
    let version = obj.get("quorumscope")?;
    if version.as_f64() != Some(f64::from(VERSION)) {
        return Some(Err("This Quorumscope speaks version 1 of the embedding API.".to_string()));
    }
    let Some(kind) = obj.get("type").and_then(Value::as_str) else {
        return Some(Err(unreadable("", "type must be a string")));
    };
    let mut f = Fields { kind, obj, known: vec!["quorumscope", "type"] };
    Some(command(&mut f).and_then(|c| f.done().map(|()| c)))
}

fn command(f: &mut Fields) -> Result<Command, String> {
    Ok(match f.kind {
        "load" => Command::Load {
            lesson: f.string("lesson")?,
            scenario: f.take("scenario").cloned(),
            link: f.string("link")?,
        },
        "hello" => Command::Hello {},
        "play" => Command::Play {},
        "pause" => Command::Pause {},
        "seek" => Command::Seek { t_ms: f.number("t_ms")? },
        "speed" => Command::Speed { value: f.number("value")? },
        "set" => Command::Set(settings(f)?),
        "intervene" => {
            Command::Intervene { event: f.take("event").cloned().ok_or_else(|| f.wrong("event", "an object"))? }
        }
        "select" => Command::Select { op: f.uint("op")?.ok_or_else(|| f.wrong("op", "a whole number"))? },
        "configure" => Command::Configure {
            panels: f.opt("panels", "an array of names", |v| {
                v.as_array()?.iter().map(|n| n.as_str().map(str::to_string)).collect()
            })?,
            scale: f.uint("scale")?,
            theme: f.string("theme")?,
        },
        "get-state" => Command::GetState { id: f.value("id") },
        "export" => Command::Export {
            id: f.value("id"),
            what: f.need("what", "ring or spacetime", |v| crate::figure::What::from_name(v.as_str()?))?,
            format: f.need("format", "svg or png", |v| crate::figure::Format::from_name(v.as_str()?))?,
        },
        _ => return Err(unreadable(f.kind, "an unknown type")),
    })
}

fn settings(f: &mut Fields) -> Result<Settings, String> {
    Ok(Settings {
        nodes: f.uint("nodes")?,
        datacenters: f.uint("datacenters")?,
        n: f.uint("n")?,
        w: f.uint("w")?,
        r: f.uint("r")?,
        sloppy_quorum: f.bool("sloppy_quorum")?,
        hinted_handoff: f.bool("hinted_handoff")?,
        read_repair: f.bool("read_repair")?,
        blocking_read_repair: f.bool("blocking_read_repair")?,
        anti_entropy_ms: match f.take("anti_entropy_ms") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => Some(Some(v.as_f64().ok_or_else(|| f.wrong("anti_entropy_ms", "a number or null"))?)),
        },
        conflicts: f.string("conflicts")?,
        seed: f.uint("seed")?,
        loss: f.opt("loss", "a number", Value::as_f64)?,
    })
}

/// [`read`] for a message as the browser delivers it: into a JSON tree through the JSON reader
/// the bundle already has for scenarios, then read by hand (no serde derive, serde error text or
/// float formatter in the bundle).
/// With the command's `id`, if it has one, for the `error` that refuses it.
fn read_js(data: &wasm_bindgen::JsValue) -> Option<(Result<Command, String>, Option<Value>)> {
    if !data.is_object() {
        return None;
    }
    let text = js_sys::JSON::stringify(data).ok().and_then(|t| t.as_string());
    match text.and_then(|t| serde_json::from_str::<Value>(&t).ok()) {
        Some(v) => {
            let id = v.get("id").filter(|id| !id.is_null()).cloned();
            read(v).map(|r| (r, id))
        }
        None => Some((Err(unreadable("", "it is not plain JSON")), None)),
    }
}

/// What a command asks of the page: actions for the reducer, a reply, a link to open
/// (asynchronously: a packed experiment is unpacked by the browser), or why it cannot be done
/// (and then the experiment is left unchanged).
#[derive(Debug, PartialEq)]
pub enum Plan {
    Do(Vec<Action>),
    Reply(Event),
    OpenLink(String),
    Figure(Value, crate::figure::What, crate::figure::Format),
}

pub fn plan(s: &AppState, c: Command) -> Result<Plan, String> {
    let one = |a: Action| Ok(Plan::Do(vec![a]));
    match c {
        Command::Load { lesson: Some(l), scenario: None, link: None } => match lessons::text(&l) {
            Some(_) => one(Action::LoadLesson(l)),
            None => Err(unknown_lesson(&l)),
        },
        Command::Load { lesson: None, scenario: Some(v), link: None } => {
            let file = quorumscope_core::scenario::from_value(&v).map_err(|e| words::not_loaded(&e.to_string()))?;
            quorumscope_core::Scenario::from_file(&file).map_err(|e| words::not_loaded(&e.to_string()))?;
            one(Action::LoadFile(Box::new(file)))
        }
        Command::Load { lesson: None, scenario: None, link: Some(l) } => Ok(Plan::OpenLink(l)),
        Command::Load { .. } => Err("load takes exactly one of lesson, scenario and link.".to_string()),
        Command::Hello {} => Ok(Plan::Reply(ready())),
        Command::Play {} if s.playing => Ok(Plan::Do(vec![])),
        Command::Pause {} if !s.playing => Ok(Plan::Do(vec![])),
        Command::Play {} | Command::Pause {} if s.asking() => {
            Err("a question is waiting for the student's answer.".to_string())
        }
        Command::Play {} | Command::Pause {} => one(Action::TogglePlay),
        Command::Seek { t_ms } if t_ms.is_finite() && t_ms >= 0.0 => {
            one(Action::Seek(quorumscope_core::ms_to_us(t_ms.min(quorumscope_core::scenario::MAX_TIME_MS))))
        }
        Command::Seek { .. } => Err("seek needs t_ms, a time in ms from 0.".to_string()),
        Command::Speed { value } if value.is_finite() && value > 0.0 => one(Action::SetSpeed(value)),
        Command::Speed { .. } => Err("speed needs value, simulated ms per real ms (above 0).".to_string()),
        Command::Set(settings) => plan_settings(s, settings),
        Command::Intervene { event } => plan_event(s, event),
        Command::Select { op } if (op as usize) < s.model.report.ops.len() => one(Action::SelectOp(op)),
        Command::Select { .. } => Err("select names no operation of this run.".to_string()),
        Command::Configure { panels, scale, theme } => plan_configure(panels, scale, theme),
        Command::GetState { id } => Ok(Plan::Reply(Event::State(Box::new(state_reply(s, id))))),
        Command::Export { id, what, format } => Ok(Plan::Figure(id, what, format)),
    }
}

/// Every field is checked before any is applied: a wrong one refuses the whole command.
fn plan_configure(panels: Option<Vec<String>>, scale: Option<u8>, theme: Option<String>) -> Result<Plan, String> {
    let mut out = vec![];
    let theme = match theme.as_deref() {
        Some(name) => Some(crate::link::Theme::from_name(name).ok_or("configure's theme is light, dark or auto.")?),
        None => None,
    };
    if let Some(names) = panels {
        let known: Vec<_> = names.iter().take(8).filter_map(|n| crate::panel::Panel::from_name(n)).collect();
        if known.len() != names.len() {
            return Err("configure's panels: history, spacetime, controls, inspector, merkle, legend.".to_string());
        }
        out.push(Action::SetPanels(known));
    }
    match scale {
        Some(k @ 1..=3) => out.push(Action::SetScale(k)),
        Some(_) => return Err("configure's scale is 1, 2 or 3.".to_string()),
        None => {}
    }
    out.extend(theme.map(Action::SetTheme));
    Ok(Plan::Do(out))
}

/// The settings in order, each checked on the file it would give: the first that makes the run
/// invalid is refused and none is applied.
fn plan_settings(s: &AppState, st: Settings) -> Result<Plan, String> {
    let conflicts = match st.conflicts.as_deref() {
        Some(name) => Some(ConflictMode::from_name(name).ok_or("set's conflicts: lww, siblings or last_arrival.")?),
        None => None,
    };
    let all: Vec<Setting> = [
        st.nodes.map(Setting::Nodes),
        st.datacenters.map(Setting::Datacenters),
        st.n.map(Setting::N),
        st.w.map(Setting::W),
        st.r.map(Setting::R),
        st.sloppy_quorum.map(Setting::Sloppy),
        st.hinted_handoff.map(Setting::HintedHandoff),
        st.read_repair.map(Setting::ReadRepair),
        st.blocking_read_repair.map(Setting::BlockingReadRepair),
        st.anti_entropy_ms.map(Setting::AntiEntropy),
        conflicts.map(Setting::Conflicts),
        st.seed.map(Setting::Seed),
        st.loss.map(Setting::Loss),
    ]
    .into_iter()
    .flatten()
    .collect();
    let file = all.iter().fold(s.model.file.clone(), |f, x| apply_setting(&f, x));
    quorumscope_core::Scenario::from_file(&file).map_err(|e| e.to_string())?;
    Ok(Plan::Do(all.into_iter().map(Action::Set).collect()))
}

/// A scenario event object, read by the scenario reader itself (so it takes exactly what a file's
/// `events` entries take, with the same messages); it runs at the current time.
fn plan_event(s: &AppState, mut event: Value) -> Result<Plan, String> {
    let obj = event.as_object_mut().ok_or("intervene's event is an object, as in a scenario's events.")?;
    obj.insert("at_ms".into(), Value::from(0));
    let mut file = file_value(&s.model.file);
    file["events"] = Value::Array(vec![event]);
    let read = quorumscope_core::scenario::from_value(&file).map_err(|e| e.to_string())?;
    let action = read.events.into_iter().next().ok_or("intervene's event is missing.")?.action;
    let edited = add_event(&s.model.file, s.t_us, action.clone());
    quorumscope_core::Scenario::from_file(&edited).map_err(|e| e.to_string())?;
    Ok(Plan::Do(vec![Action::Intervene(action)]))
}

/// A scenario file as a JSON tree, through the text writer and reader the bundle already has
/// for Export (each other serializer of the file's types would add a copy of their code).
fn file_value(file: &ScenarioFile) -> Value {
    serde_json::to_string(file).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null)
}

/// The state at the cursor: operations completed and anomalies detected by then, never later.
pub fn state_reply(s: &AppState, id: Value) -> StateReply {
    let m = &s.model;
    let t_ms = s.t_us as f64 / 1000.0;
    let ops = m
        .report
        .ops
        .iter()
        .filter(|o| m.op_done(o.index, s.t_us))
        .map(|o| OpDone {
            index: o.index,
            client: o.client.clone(),
            op: o.op.name(),
            key: o.key.clone(),
            value: o.value.clone(),
            ok: o.status == quorumscope_core::OpStatus::Ok,
            end_ms: o.end_ms.unwrap_or(t_ms),
        })
        .collect();
    StateReply {
        id,
        t_ms,
        end_ms: m.end_us as f64 / 1000.0,
        playing: s.playing,
        lesson: s.lesson.clone(),
        edited: s.edited,
        question: s.question,
        answers: s.answers.iter().copied().filter(|(_, c)| *c != usize::MAX).collect(),
        scenario: file_value(&m.file),
        ops,
        anomalies: m.anomalies.iter().filter(|a| a.at_us <= s.t_us).map(anomaly_seen).collect(),
        computing: s.pending.as_ref().map(|p| Computing { title: p.title.clone(), percent: s.pending_pct }),
    }
}

fn anomaly_seen(a: &quorumscope_core::Anomaly) -> AnomalySeen {
    AnomalySeen { kind: a.kind.name(), op: a.op, t_ms: a.at_us as f64 / 1000.0, explanation: a.explanation.clone() }
}

/// What the hook remembers between renders to tell the host what changed.
#[derive(Clone, Default)]
pub struct Seen {
    model: Option<std::rc::Rc<crate::model::Model>>,
    t_us: u64,
    question: Option<usize>,
    answers: usize,
    completed: bool,
    last_time_ms: Option<f64>,
}

/// The events for the host since the last state it saw: a question opening, answers, the lesson
/// complete, anomalies the cursor passed (moving forward, in time order), the time while playing
/// (every [`TIME_EVERY_MS`] of real time `now_ms`).
pub fn events(seen: &mut Seen, s: &AppState, now_ms: f64) -> Vec<Event> {
    let mut out = vec![];
    let same_run = seen.model.as_ref().is_some_and(|m| std::rc::Rc::ptr_eq(m, &s.model));
    if !same_run {
        *seen = Seen { model: Some(std::rc::Rc::clone(&s.model)), t_us: s.t_us, ..Seen::default() };
    }
    let steps = &s.model.file.steps;
    if s.question != seen.question && s.asking() {
        if let Some((q, st)) = s.question.and_then(|q| Some((q, steps.get(q)?))) {
            let text = st.predict.clone().unwrap_or_else(|| st.caption.clone());
            out.push(Event::Checkpoint { step: q, text, choices: st.choices.clone() });
        }
    }
    for &(step, choice) in s.answers.iter().skip(seen.answers) {
        if choice != usize::MAX {
            out.push(answered(s, step, choice));
        }
    }
    if !seen.completed && !s.edited {
        if let Some(done) = completed(s) {
            seen.completed = true;
            out.push(done);
        }
    }
    if s.t_us > seen.t_us {
        let mut passed: Vec<_> =
            s.model.anomalies.iter().filter(|a| a.at_us > seen.t_us && a.at_us <= s.t_us).collect();
        quorumscope_core::order::sort_by_key(&mut passed, |a| u128::from(a.at_us));
        out.extend(passed.into_iter().map(|a| {
            let a = anomaly_seen(a);
            Event::Anomaly { kind: a.kind, op: a.op, explanation: a.explanation, t_ms: a.t_ms }
        }));
    }
    if s.playing && seen.last_time_ms.is_none_or(|l| now_ms - l >= TIME_EVERY_MS) {
        seen.last_time_ms = Some(now_ms);
        out.push(Event::Time { t_ms: s.t_us as f64 / 1000.0, playing: true });
    }
    (seen.t_us, seen.question, seen.answers) = (s.t_us, s.question, s.answers.len());
    out
}

fn lesson_id(s: &AppState) -> String {
    format!("urn:quorumscope:lesson:{}", s.lesson.as_deref().unwrap_or("experiment"))
}

fn answered(s: &AppState, step: usize, choice: usize) -> Event {
    let st = s.model.file.steps.get(step);
    let correct = st.and_then(|st| st.answer) == Some(choice);
    let name = st.and_then(|st| st.predict.clone()).unwrap_or_default();
    let object = format!("{}:step:{step}", lesson_id(s));
    let statement = statement("answered", object, name, usize::from(correct), 1, correct);
    Event::Answered { step, choice, correct, statement }
}

/// `lesson-complete` once every question of an unchanged lesson is answered: the score is the
/// answers that were right.
fn completed(s: &AppState) -> Option<Event> {
    let lesson = s.lesson.clone()?;
    let asked: Vec<_> = s.model.file.steps.iter().enumerate().filter(|(_, st)| !st.choices.is_empty()).collect();
    if asked.is_empty() {
        return None;
    }
    let mut score = 0;
    for (i, st) in &asked {
        let (_, choice) = s.answers.iter().find(|(a, _)| a == i)?;
        score += usize::from(st.answer == Some(*choice));
    }
    let of = asked.len();
    let statement = statement("completed", lesson_id(s), s.model.sc().title.clone(), score, of, score == of);
    Some(Event::LessonComplete { lesson, score, of, statement })
}

/// The first message: the contract's version and the lessons a `load` may name.
pub fn ready() -> Event {
    Event::Ready { version: VERSION, lessons: lessons::LESSONS.iter().map(|l| l.slug).collect() }
}

/// Turns the page's listener on: commands from the parent window (and from `origin` only, when
/// the link pins one) are read and carried out; events go back to the parent. Nothing is sent
/// or heard when the app is not in a frame.
#[hook]
pub fn use_course(state: &UseReducerHandle<AppState>, origin: Option<String>) {
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    let seen = use_mut_ref(Seen::default);
    let target = origin.clone().unwrap_or_else(|| "*".to_string());
    {
        let target = target.clone();
        use_effect_with(origin, move |origin| listen(latest, origin.clone(), target));
    }
    let deps = (std::rc::Rc::clone(&state.model), state.t_us, state.question, state.answers.len(), state.playing);
    let s = state.clone();
    use_effect_with(deps, move |_| {
        for ev in events(&mut seen.borrow_mut(), &s, crate::dom::perf_now()) {
            post(&ev, &target);
        }
    });
}

type Latest = std::rc::Rc<std::cell::RefCell<UseReducerHandle<AppState>>>;

/// The parent window, when the app is in a frame.
fn parent() -> Option<web_sys::Window> {
    let w = web_sys::window()?;
    let p = w.parent().ok().flatten()?;
    (!js_sys::Object::is(&w, &p)).then_some(p)
}

fn listen(latest: Latest, origin: Option<String>, target: String) -> Box<dyn FnOnce()> {
    use wasm_bindgen::JsCast;
    let (Some(window), Some(parent)) = (web_sys::window(), parent()) else { return Box::new(|| ()) };
    post(&ready(), &target);
    let on_message =
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let from_parent = e.source().is_some_and(|src| js_sys::Object::is(&src, &parent));
            if !from_parent || origin.as_ref().is_some_and(|o| *o != e.origin()) {
                return;
            }
            match read_js(&e.data()) {
                None => {}
                Some((Err(message), id)) => post(&Event::Error { message, id }, &target),
                Some((Ok(c), _)) => carry_out(&latest, c, &target),
            }
        });
    let f: &js_sys::Function = on_message.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("message", f);
    Box::new(move || {
        let _ = window.remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        drop(on_message);
    })
}

/// Carries out one command. `get-state` waits a task, so that the render of the commands before
/// it has happened and the answer describes them.
fn carry_out(latest: &Latest, c: Command, target: &str) {
    let (latest, target) = (std::rc::Rc::clone(latest), target.to_string());
    if let Command::GetState { id } = c {
        gloo_timers::callback::Timeout::new(0, move || {
            let s = latest.borrow().clone();
            post(&Event::State(Box::new(state_reply(&s, id))), &target);
        })
        .forget();
        return;
    }
    let s = latest.borrow().clone();
    match plan(&s, c) {
        Ok(Plan::Do(actions)) => actions.into_iter().for_each(|a| s.dispatch(a)),
        Ok(Plan::Reply(ev)) => post(&ev, &target),
        Ok(Plan::OpenLink(link)) => wasm_bindgen_futures::spawn_local(async move {
            let (hash, query) =
                link.split_once('?').map(|(h, q)| (h.to_string(), q.to_string())).unwrap_or((link, String::new()));
            let mut f = crate::link::parse_in_browser(&hash, &query).await;
            let s = latest.borrow().clone();
            match (&f.shared, &f.lesson) {
                (Some(Err(e)), _) => post(&Event::Error { message: words::not_loaded(e), id: None }, &target),
                (None, Some(l)) if lessons::text(l).is_none() => {
                    post(&Event::Error { message: unknown_lesson(l), id: None }, &target)
                }
                (None, None) => post(
                    &Event::Error { message: "load's link has no lesson and no experiment.".to_string(), id: None },
                    &target,
                ),
                _ => {
                    f.view = s.view.clone();
                    s.dispatch(Action::OpenFragment(Box::new(f)));
                }
            }
        }),
        Ok(Plan::Figure(id, what, format)) => wasm_bindgen_futures::spawn_local(async move {
            let name = crate::figure::file_name(s.lesson.as_deref(), what, s.t_us, format);
            match crate::figure::make(what, format).await {
                Ok(data) => post(&Event::Figure { id, what, format, name, data }, &target),
                Err(message) => post(&Event::Error { message, id: Some(id) }, &target),
            }
        }),
        Err(message) => post(&Event::Error { message, id: None }, &target),
    }
}

/// Sends an event to the parent window, as a plain object with `quorumscope: 1`: written by the
/// JSON writer the bundle has for Export and parsed by the browser (a second serializer would add
/// a copy of every event's code).
fn post(ev: &Event, target: &str) {
    let Some(p) = parent() else { return };
    let Some(v) = serde_json::to_string(ev).ok().and_then(|t| js_sys::JSON::parse(&t).ok()) else { return };
    let _ = js_sys::Reflect::set(&v, &"quorumscope".into(), &VERSION.into());
    let _ = p.post_message(&v, target);
}

fn unknown_lesson(l: &str) -> String {
    words::Unopened::Lesson(l.to_string()).why()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::rc::Rc;
    use yew::Reducible;

    fn cmd(v: Value) -> Result<Command, String> {
        read(v).expect("ours")
    }

    fn lesson(slug: &str) -> AppState {
        AppState::from_lesson(slug)
    }

    /// A host's `load` of a long run: the app keeps answering about the experiment on screen,
    /// saying what it is computing and how far, and then about the new one.
    #[test]
    fn a_load_of_a_long_run_is_said_to_be_computing_until_it_opens() {
        let long = serde_json::to_value(quorumscope_core::bench::workload(8, 6_000, 16, 5)).unwrap();
        let mut s = Rc::new(lesson("stale-read"));
        let Ok(Plan::Do(actions)) = plan(&s, cmd(json!({"quorumscope": 1, "type": "load", "scenario": long})).unwrap())
        else {
            panic!("a valid load")
        };
        for a in actions {
            s = s.reduce(a);
        }
        let during = state_reply(&s, json!(1));
        let c = during.computing.expect("computing in slices");
        assert_eq!(c.title, "Benchmark: 8 nodes, 6000 operations");
        assert!(c.percent < 100);
        assert_eq!(during.lesson.as_deref(), Some("stale-read"), "still the experiment on screen");
        let mut slices = 0;
        while s.pending.is_some() {
            s = s.reduce(Action::BuildSlice(20_000));
            slices += 1;
            assert!(slices < 10_000, "the run ends");
        }
        let after = state_reply(&s, json!(2));
        assert_eq!((after.computing, after.lesson), (None, None));
        assert_eq!(after.scenario["title"], long["title"]);
    }

    #[test]
    fn messages_without_the_envelope_are_not_ours_and_a_wrong_version_is_an_error() {
        assert!(read(json!({"type": "play"})).is_none());
        assert!(read(json!("hello")).is_none());
        assert!(read(json!({"quorumscope": 2, "type": "play"})).unwrap().is_err());
    }

    #[test]
    fn every_command_reads_and_unknown_types_or_fields_are_typed_errors() {
        assert_eq!(cmd(json!({"quorumscope": 1, "type": "play"})), Ok(Command::Play {}));
        assert_eq!(cmd(json!({"quorumscope": 1, "type": "hello"})), Ok(Command::Hello {}));
        assert_eq!(cmd(json!({"quorumscope": 1, "type": "seek", "t_ms": 120.5})), Ok(Command::Seek { t_ms: 120.5 }));
        assert_eq!(
            cmd(json!({"quorumscope": 1, "type": "get-state", "id": 7})),
            Ok(Command::GetState { id: json!(7) })
        );
        assert_eq!(
            cmd(json!({"quorumscope": 1, "type": "set", "w": 1, "anti_entropy_ms": null})),
            Ok(Command::Set(Settings { w: Some(1), anti_entropy_ms: Some(None), ..Settings::default() }))
        );
        for bad in [
            json!({"quorumscope": 1, "type": "dance"}),
            json!({"quorumscope": 1}),
            json!({"quorumscope": 1, "type": "seek"}),
            json!({"quorumscope": 1, "type": "seek", "t_ms": "soon"}),
            json!({"quorumscope": 1, "type": "play", "loud": true}),
            json!({"quorumscope": 1, "type": "set", "quorum": 2}),
        ] {
            let e = cmd(bad.clone()).unwrap_err();
            assert!(e.contains("could not read"), "{bad}: {e}");
        }
        let e = |v: Value| cmd(v).unwrap_err();
        assert!(e(json!({"quorumscope": 1, "type": "seek", "t_ms": "soon"})).contains("t_ms must be a number"));
        assert!(e(json!({"quorumscope": 1, "type": "set", "quorum": 2})).contains("no field \"quorum\""));
        assert!(e(json!({"quorumscope": 1, "type": "set", "w": -1})).contains("w must be a whole number"));
        assert!(e(json!({"quorumscope": 1, "type": "dance"})).contains("\"dance\" message: an unknown type"));
        assert!(e(json!({"quorumscope": 1, "type": "export", "what": "ring", "format": "gif"})).contains("format"));
        assert_eq!(
            cmd(json!({"quorumscope": 1, "type": "export", "what": "spacetime", "format": "png"})),
            Ok(Command::Export {
                id: Value::Null,
                what: crate::figure::What::Spacetime,
                format: crate::figure::Format::Png
            })
        );
    }

    #[test]
    fn plans_map_onto_the_apps_actions_and_refuse_what_it_cannot_do() {
        let s = lesson("stale-read");
        let p = |v: Value| plan(&s, cmd(v).unwrap());
        assert_eq!(
            p(json!({"quorumscope": 1, "type": "load", "lesson": "sloppy-quorum"})),
            Ok(Plan::Do(vec![Action::LoadLesson("sloppy-quorum".into())]))
        );
        let e = p(json!({"quorumscope": 1, "type": "load", "lesson": "nope"})).unwrap_err();
        assert!(e.contains("no lesson called \"nope\""), "{e}");
        assert!(p(json!({"quorumscope": 1, "type": "load", "scenario": {"nodes": 3}})).unwrap_err().contains("not"));
        assert!(p(json!({"quorumscope": 1, "type": "load", "lesson": "stale-read", "link": "#x"})).is_err());
        assert_eq!(p(json!({"quorumscope": 1, "type": "seek", "t_ms": 10})), Ok(Plan::Do(vec![Action::Seek(10_000)])));
        assert!(p(json!({"quorumscope": 1, "type": "seek", "t_ms": -1})).is_err());
        assert_eq!(
            p(json!({"quorumscope": 1, "type": "set", "n": 3, "w": 2, "read_repair": false, "conflicts": "siblings"})),
            Ok(Plan::Do(vec![
                Action::Set(Setting::N(3)),
                Action::Set(Setting::W(2)),
                Action::Set(Setting::ReadRepair(false)),
                Action::Set(Setting::Conflicts(ConflictMode::Siblings)),
            ]))
        );
        assert!(p(json!({"quorumscope": 1, "type": "set", "conflicts": "crdt"})).is_err());
        assert!(p(json!({"quorumscope": 1, "type": "select", "op": 999})).is_err());
        assert_eq!(
            p(json!({"quorumscope": 1, "type": "configure", "scale": 2})),
            Ok(Plan::Do(vec![Action::SetScale(2)]))
        );
        assert!(p(json!({"quorumscope": 1, "type": "configure", "panels": ["history", "bogus"]})).is_err());
        assert_eq!(
            p(json!({"quorumscope": 1, "type": "configure", "theme": "dark", "scale": 2})),
            Ok(Plan::Do(vec![Action::SetScale(2), Action::SetTheme(crate::link::Theme::Dark)]))
        );
        assert_eq!(
            p(json!({"quorumscope": 1, "type": "configure", "theme": "auto"})),
            Ok(Plan::Do(vec![Action::SetTheme(crate::link::Theme::Auto)]))
        );
        let e = p(json!({"quorumscope": 1, "type": "configure", "theme": "sepia", "scale": 2})).unwrap_err();
        assert_eq!(e, "configure's theme is light, dark or auto.");
    }

    #[test]
    fn hello_is_answered_by_ready_again_and_changes_nothing() {
        let s = lesson("stale-read");
        assert_eq!(plan(&s, cmd(json!({"quorumscope": 1, "type": "hello"})).unwrap()), Ok(Plan::Reply(ready())));
        assert!(cmd(json!({"quorumscope": 1, "type": "hello", "id": 1})).unwrap_err().contains("no field \"id\""));
    }

    #[test]
    fn an_intervention_is_read_by_the_scenario_reader_and_checked_against_the_run() {
        let s = lesson("stale-read");
        let node = s.model.file.nodes[0].id.clone();
        let ok = plan(&s, cmd(json!({"quorumscope": 1, "type": "intervene", "event": {"crash": node}})).unwrap());
        assert!(matches!(ok, Ok(Plan::Do(ref a)) if matches!(a[..], [Action::Intervene(_)])), "{ok:?}");
        let bad = plan(&s, cmd(json!({"quorumscope": 1, "type": "intervene", "event": {"crash": "zz"}})).unwrap());
        assert!(bad.is_err());
    }

    /// Plays a lesson to its first question with the reducer, as the page does.
    fn to_first_question(slug: &str) -> Rc<AppState> {
        let mut s = Rc::new(lesson(slug));
        for _ in 0..20_000 {
            if s.asking() {
                return s;
            }
            s = if s.playing { s.reduce(Action::Tick(50.0)) } else { s.reduce(Action::TogglePlay) };
        }
        panic!("no question in {slug}");
    }

    #[test]
    fn a_question_answers_and_the_lesson_completes_with_its_score() {
        let mut seen = Seen::default();
        let mut s = to_first_question("stale-read");
        let evs = events(&mut seen, &s, 0.0);
        let q = s.question.unwrap();
        assert!(evs.iter().any(|e| matches!(e, Event::Checkpoint { step, .. } if *step == q)), "{evs:?}");
        let mut right = 0;
        let mut total = 0;
        loop {
            let q = s.question.unwrap();
            let answer = s.model.file.steps[q].answer.unwrap_or(0);
            // Wrong on the first question, right on the others.
            let choice = if total == 0 { (answer + 1) % s.model.file.steps[q].choices.len() } else { answer };
            total += 1;
            right += usize::from(choice == answer);
            s = s.reduce(Action::Answer(q, choice));
            let evs = events(&mut seen, &s, 0.0);
            let a = evs.iter().find_map(|e| match e {
                Event::Answered { step, correct, statement, .. } if *step == q => {
                    Some((*correct, statement.result.success))
                }
                _ => None,
            });
            assert_eq!(a, Some((choice == answer, choice == answer)));
            if let Some(Event::LessonComplete { score, of, statement, .. }) =
                evs.iter().find(|e| matches!(e, Event::LessonComplete { .. }))
            {
                assert_eq!((*score, *of), (right, total));
                assert_eq!((statement.result.score.raw, statement.result.score.max), (right, total));
                assert_eq!(statement.verb.id, "http://adlnet.gov/expapi/verbs/completed");
                return;
            }
            s = s.reduce(Action::Continue);
            for _ in 0..20_000 {
                if s.asking() {
                    break;
                }
                s = if s.playing { s.reduce(Action::Tick(50.0)) } else { s.reduce(Action::TogglePlay) };
            }
            assert!(s.asking(), "the lesson ended without completing");
        }
    }

    #[test]
    fn state_and_anomalies_are_only_what_happened_by_the_cursor() {
        let s = Rc::new(lesson("stale-read"));
        let first = s.model.anomalies.iter().map(|a| a.at_us).min().expect("stale-read has an anomaly");
        let before = state_reply(&s.clone().reduce(Action::ToggleReveal).reduce(Action::Seek(first - 1)), json!(1));
        assert!(before.anomalies.is_empty());
        assert!(before.ops.iter().all(|o| o.end_ms <= before.t_ms));
        let mut seen = Seen::default();
        let open = s.reduce(Action::ToggleReveal);
        events(&mut seen, &open, 0.0);
        let after = open.reduce(Action::Seek(first));
        let evs = events(&mut seen, &after, 0.0);
        assert!(evs.iter().any(|e| matches!(e, Event::Anomaly { .. })), "{evs:?}");
        let r = state_reply(&after, json!("x"));
        assert_eq!(r.anomalies.len(), after.model.anomalies.iter().filter(|a| a.at_us <= first).count());
        assert_eq!(r.id, json!("x"));
    }

    #[test]
    fn time_goes_out_at_most_four_times_a_second() {
        let mut seen = Seen::default();
        let mut s = lesson("stale-read");
        s.playing = true;
        let times = (0..40).filter(|i| {
            s.t_us += 1000;
            events(&mut seen, &s, f64::from(*i) * 25.0).iter().any(|e| matches!(e, Event::Time { .. }))
        });
        assert_eq!(times.count(), 4);
    }

    /// The README's tables are the contract: every type both ways is in them.
    #[test]
    fn the_readme_documents_every_message_type() {
        let readme = include_str!("../../README.md");
        let api = &readme[readme.find("### Embedding API (version 1)").expect("section")..];
        for t in [
            "load",
            "play",
            "pause",
            "seek",
            "speed",
            "set",
            "intervene",
            "select",
            "configure",
            "hello",
            "get-state",
            "ready",
            "state",
            "time",
            "checkpoint",
            "answered",
            "lesson-complete",
            "anomaly",
            "error",
        ] {
            let first_cell = |l: &str| l.split(" | ").next().unwrap_or("").contains(&format!("`{t}`"));
            assert!(api.lines().any(|l| l.starts_with("| `") && first_cell(l)), "{t}");
        }
    }

    #[test]
    fn events_serialize_with_their_type_in_kebab_case() {
        let v = serde_json::to_value(ready()).unwrap();
        assert_eq!(v["type"], "ready");
        assert_eq!(v["version"], 1);
        assert!(v["lessons"].as_array().unwrap().iter().any(|l| l == "stale-read"));
        let v = serde_json::to_value(Event::Error { message: "m".into(), id: None }).unwrap();
        assert_eq!(v, json!({"type": "error", "message": "m"}));
        let v = serde_json::to_value(Event::Error { message: "m".into(), id: Some(json!("qs-3")) }).unwrap();
        assert_eq!(v, json!({"type": "error", "message": "m", "id": "qs-3"}));
    }
}
