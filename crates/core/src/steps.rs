//! A lesson's steps against its run: when each is shown (a step tied to a happening follows it
//! when timings change), and whether what each caption says happens while it is shown.
//!
//! The step on screen at `t` is the one with the latest time at or before `t` (of two at the same
//! time, the later in the file), so step `i` is shown from its time until the next later time.

use crate::ids::{ms_to_us, Addr};
use crate::msg::MsgKind;
use crate::scenario::{Happening, Is, Scenario, StepDecl, MESSAGE_KINDS};
use crate::trace::{Ev, MsgRecord, Recording};

/// The message a happening is about, resolved against the scenario's names.
struct Filter {
    kind: Option<MsgKind>,
    from: Option<Option<Addr>>,
    to: Option<Option<Addr>>,
}

impl Filter {
    fn of(h: &Happening, sc: &Scenario) -> Filter {
        let kind = h.msg.as_deref().and_then(msg_kind);
        // A name nobody in the run has matches no message (`Some(None)`), unlike no name at all.
        let addr = |name: &Option<String>| name.as_deref().map(|n| sc.addr_of(n));
        Filter { kind, from: addr(&h.from), to: addr(&h.to) }
    }

    fn message(&self, h: &Happening, m: &MsgRecord) -> bool {
        self.kind == Some(m.kind)
            && h.op.is_none_or(|o| m.payload.op() == Some(o))
            && self.from.is_none_or(|a| a == Some(m.from))
            && self.to.is_none_or(|a| a == Some(m.to))
    }

    fn matches(&self, h: &Happening, ev: &Ev, rec: &Recording) -> bool {
        let msg = |id: &u32| rec.messages.get(*id as usize).is_some_and(|m| self.message(h, m));
        match (ev, h.is) {
            (Ev::Scenario { index }, Is::Runs) => h.event == Some(*index),
            (Ev::OpStart { op }, Is::Start) => h.msg.is_none() && h.op == Some(*op),
            (Ev::OpEnd { op, ok }, Is::End | Is::Ok | Is::Failed) => {
                h.op == Some(*op) && (h.is == Is::End || (h.is == Is::Ok) == *ok)
            }
            (Ev::Sent { msg: id }, Is::Sent) | (Ev::Delivered { msg: id }, Is::Arrives) => msg(id),
            (Ev::Dropped { msg: id, .. }, Is::Lost) => msg(id),
            _ => false,
        }
    }
}

/// Whether message `m` is one a happening names (any of them, whatever its `count`): what a
/// caption that talks about such messages is about, so the app can slow time while they fly.
pub fn names_message(h: &Happening, sc: &Scenario, m: &MsgRecord) -> bool {
    h.msg.is_some() && Filter::of(h, sc).message(h, m)
}

/// When the `count`-th such happening of the run takes place, if it does.
/// The plain definition, one scan of the trace: what the steps' one-pass search must equal.
pub fn happens_at_us(h: &Happening, sc: &Scenario, rec: &Recording) -> Option<u64> {
    let f = Filter::of(h, sc);
    let mut times: Vec<u64> = rec.trace.iter().filter(|t| f.matches(h, &t.ev, rec)).map(|t| t.at_us).collect();
    crate::order::sort_by_key(&mut times, |t| u128::from(*t));
    times.get(h.count.saturating_sub(1) as usize).copied()
}

/// What a happening is filed under, and what a trace event is looked up by: the scenario event
/// it is, the operation it starts or ends, or a message's kind with its operation (0: any).
type Bucket = (u8, u64, u64);

/// A happening's kind: itself with its count and `ms` cleared.
fn kind_of(h: &Happening) -> Happening {
    Happening { count: 1, ms: 0.0, ..h.clone() }
}

/// The bucket a happening can match in; `None` when it matches nothing (an operation's start
/// that names a message, a message of no known kind, no op or event to name).
fn bucket_of(h: &Happening) -> Option<Bucket> {
    match h.is {
        Is::Runs => h.event.map(|e| (0, u64::from(e), 0)),
        Is::Start if h.msg.is_some() => None,
        Is::Start | Is::End | Is::Ok | Is::Failed => h.op.map(|o| (1, u64::from(o), 0)),
        Is::Sent | Is::Arrives | Is::Lost => {
            let kind = h.msg.as_deref().and_then(msg_kind)?;
            Some((2, kind as u64, h.op.map_or(0, |o| u64::from(o) + 1)))
        }
    }
}

/// The buckets a trace event is looked up in (a message: its operation's, and "any operation").
fn buckets_of(ev: &Ev, rec: &Recording) -> [Option<Bucket>; 2] {
    let message = |id: &u32| {
        let Some(m) = rec.messages.get(*id as usize) else { return [None, None] };
        let op = m.payload.op().map(|o| (2, m.kind as u64, u64::from(o) + 1));
        [Some((2, m.kind as u64, 0)), op]
    };
    match ev {
        Ev::Scenario { index } => [Some((0, u64::from(*index), 0)), None],
        Ev::OpStart { op } | Ev::OpEnd { op, .. } => [Some((1, u64::from(*op), 0)), None],
        Ev::Sent { msg } | Ev::Delivered { msg } | Ev::Dropped { msg, .. } => message(msg),
        _ => [None, None],
    }
}

/// The times of the happenings a lesson's steps name, all found in one pass over the trace:
/// steps name the same happening with many counts and many different happenings (each looked
/// for alone, 1,000 steps over a long trace took 10–20 s).
struct Times {
    /// (a happening's kind, its times in order), filed by bucket.
    known: std::collections::BTreeMap<Bucket, Vec<(Happening, Vec<u64>)>>,
}

impl Times {
    fn new<'h>(sc: &Scenario, rec: &Recording, named: impl IntoIterator<Item = &'h Happening>) -> Times {
        let mut known: std::collections::BTreeMap<Bucket, Vec<(Happening, Vec<u64>)>> = Default::default();
        let mut filters: std::collections::BTreeMap<Bucket, Vec<Filter>> = Default::default();
        for h in named {
            let (f, kind) = (Filter::of(h, sc), kind_of(h));
            let Some(b) = bucket_of(h) else { continue };
            let kinds = known.entry(b).or_default();
            if !kinds.iter().any(|(k, _)| *k == kind) {
                kinds.push((kind, vec![]));
                filters.entry(b).or_default().push(f);
            }
        }
        for t in &rec.trace {
            for b in buckets_of(&t.ev, rec).into_iter().flatten() {
                let (Some(kinds), Some(fs)) = (known.get_mut(&b), filters.get(&b)) else { continue };
                for ((k, times), f) in kinds.iter_mut().zip(fs) {
                    if f.matches(k, &t.ev, rec) {
                        times.push(t.at_us);
                    }
                }
            }
        }
        for times in known.values_mut().flatten().map(|(_, t)| t) {
            crate::order::sort_by_key(times, |t| u128::from(*t));
        }
        Times { known }
    }

    /// When the `count`-th such happening takes place; `None` if it does not (or was not named
    /// when these times were found).
    fn at_us(&self, h: &Happening) -> Option<u64> {
        let b = bucket_of(h)?;
        let kind = kind_of(h);
        let (_, times) = self.known.get(&b)?.iter().find(|(k, _)| *k == kind)?;
        times.get(h.count.saturating_sub(1) as usize).copied()
    }
}

fn msg_kind(name: &str) -> Option<MsgKind> {
    MESSAGE_KINDS.iter().position(|n| *n == name).map(|i| MsgKind::ALL[i])
}

/// Every happening the steps name: their `when`s and what they describe.
fn named(steps: &[StepDecl]) -> impl Iterator<Item = &Happening> {
    steps.iter().flat_map(|s| s.when.iter().chain(&s.describes))
}

/// When each step is shown: its `at_ms`, or with `when` the happening's time (plus its `ms`,
/// never before `at_ms`); `None` when the happening never takes place in this run.
pub fn step_times_us(steps: &[StepDecl], sc: &Scenario, rec: &Recording) -> Vec<Option<u64>> {
    step_times(steps, &Times::new(sc, rec, named(steps)))
}

fn step_times(steps: &[StepDecl], times: &Times) -> Vec<Option<u64>> {
    steps
        .iter()
        .map(|s| {
            let earliest = ms_to_us(s.at_ms);
            let Some(h) = &s.when else { return Some(earliest) };
            let at = times.at_us(h)?;
            let shifted = (at as i64).saturating_add((h.ms * 1000.0).round() as i64).max(0) as u64;
            Some(shifted.max(earliest))
        })
        .collect()
}

/// The step on screen at `t_us`, given the steps' times.
pub fn step_shown_at(times: &[Option<u64>], t_us: u64) -> Option<usize> {
    let shown = times.iter().enumerate().filter_map(|(i, t)| t.filter(|t| *t <= t_us).map(|t| (i, t)));
    shown
        .fold(None, |best: Option<(usize, u64)>, (i, t)| match best {
            Some((_, bt)) if bt > t => best,
            _ => Some((i, t)),
        })
        .map(|(i, _)| i)
}

/// When step `i` stops being shown: the next later step's time, else the end of the run.
pub(crate) fn shown_until_us(times: &[Option<u64>], i: usize, end_us: u64) -> u64 {
    let Some(Some(from)) = times.get(i) else { return 0 };
    let superseded = times.iter().enumerate().any(|(j, t)| j > i && *t == Some(*from));
    if superseded {
        return *from;
    }
    times.iter().flatten().filter(|t| **t > *from).min().copied().unwrap_or(end_us).min(end_us.max(*from))
}

/// What a step names that this run does not have: a node or client, an operation, an event.
fn missing(i: usize, s: &StepDecl, sc: &Scenario, out: &mut Vec<String>) {
    let named = || s.when.iter().chain(&s.describes);
    for name in named().flat_map(|h| [&h.from, &h.to]).flatten().filter(|n| sc.addr_of(n).is_none()) {
        out.push(format!("steps[{i}] names `{name}`, who is not in this run"));
    }
    let ops = named().filter_map(|h| h.op).chain(s.focus_op);
    for o in ops.filter(|o| *o >= sc.op_count) {
        out.push(format!(
            "steps[{i}] names operation {o}, but the events hold {} puts and gets (counted from 0)",
            sc.op_count
        ));
    }
    for e in named().filter_map(|h| h.event).filter(|e| *e as usize >= sc.events.len()) {
        out.push(format!(
            "steps[{i}] names event {e}, but there {} (counted from 0)",
            crate::scenario::resolve::count_words(sc.events.len(), "event")
        ));
    }
}

/// Steps that say something untrue of the run, in words: a step never shown, or a happening it
/// describes that does not take place while it is on screen. Empty when every caption holds.
pub fn step_problems(steps: &[StepDecl], sc: &Scenario, rec: &Recording, end_us: u64) -> Vec<String> {
    let known = Times::new(sc, rec, named(steps));
    let times = step_times(steps, &known);
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        missing(i, s, sc, &mut out);
        let Some(from) = times[i] else {
            out.push(format!("steps[{i}] is never shown: its `when` does not happen in this run"));
            continue;
        };
        let until = shown_until_us(&times, i, end_us);
        for (j, h) in s.describes.iter().enumerate() {
            match known.at_us(h) {
                Some(at) if (from..until).contains(&at) => {}
                Some(at) => out.push(format!(
                    "steps[{i}].describes[{j}] happens at {} ms, but the step is shown from {} to {} ms",
                    crate::num::fixed(at as f64 / 1000.0, 3),
                    crate::num::fixed(from as f64 / 1000.0, 3),
                    crate::num::fixed(until as f64 / 1000.0, 3)
                )),
                None => out.push(format!("steps[{i}].describes[{j}] never happens in this run")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_on_screen_is_the_latest_shown_at_or_before_the_cursor() {
        let times = [Some(0), Some(50), None, Some(50), Some(20)];
        assert_eq!(step_shown_at(&times, 0), Some(0));
        assert_eq!(step_shown_at(&times, 30), Some(4), "a later step of the file shown earlier");
        assert_eq!(step_shown_at(&times, 50), Some(3), "of two at once, the later in the file");
        assert_eq!(shown_until_us(&times, 1, 100), 50, "superseded: never on screen");
        assert_eq!(shown_until_us(&times, 3, 100), 100);
        assert_eq!(shown_until_us(&times, 4, 100), 50);
        assert_eq!(step_shown_at(&[None], 10), None);
    }

    #[test]
    fn a_step_naming_an_operation_or_event_an_edit_dropped_is_valid_never_shown_and_reported() {
        let text = r#"{"nodes": ["A", "B", "C"], "events": [{"at_ms": 0, "client": "c", "put": "k", "value": "v"}],
            "steps": [{"caption": "op 3", "when": {"op": 3}, "focus_op": 3},
                      {"at_ms": 0, "caption": "event 2", "describes": [{"event": 2}]}]}"#;
        let (file, sc) = crate::parse(text).expect("what an edit dropped does not make the file invalid");
        let mut sim = crate::Sim::new(sc, crate::Level::Full);
        sim.run();
        let (sc, rec) = (sim.scenario(), sim.recording());
        assert_eq!(step_times_us(&file.steps, sc, rec), [None, Some(0)]);
        let p = step_problems(&file.steps, sc, rec, sc.run_until_us);
        assert_eq!(
            p,
            [
                "steps[0] names operation 3, but the events hold 1 puts and gets (counted from 0)",
                "steps[0] names operation 3, but the events hold 1 puts and gets (counted from 0)",
                "steps[0] is never shown: its `when` does not happen in this run",
                "steps[1] names event 2, but there is 1 event (counted from 0)",
                "steps[1].describes[0] never happens in this run",
            ]
        );
    }

    #[test]
    fn a_step_naming_someone_not_in_the_run_is_reported_and_its_happening_never_takes_place() {
        let text = r#"{"nodes": ["A", "B", "C"], "replication": {"n": 3, "w": 2, "r": 2},
            "events": [{"at_ms": 0, "client": "c", "put": "k", "value": "v"}],
            "steps": [{"caption": "to D", "when": {"msg": "put", "to": "D"}},
                      {"at_ms": 0, "caption": "to A", "describes": [{"msg": "put", "is": "arrives", "to": "A"}]}]}"#;
        let (file, sc) = crate::parse(text).unwrap();
        let mut sim = crate::Sim::new(sc, crate::Level::Full);
        sim.run();
        let (sc, rec) = (sim.scenario(), sim.recording());
        assert_eq!(step_times_us(&file.steps, sc, rec)[0], None);
        let p = step_problems(&file.steps, sc, rec, sc.run_until_us);
        assert_eq!(
            p,
            [
                "steps[0] names `D`, who is not in this run",
                "steps[0] is never shown: its `when` does not happen in this run"
            ]
        );
    }
}
