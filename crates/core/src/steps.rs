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
        let kind = h.msg.as_ref().and_then(|k| MESSAGE_KINDS.iter().position(|n| n == k)).map(|i| MsgKind::ALL[i]);
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
pub fn happens_at_us(h: &Happening, sc: &Scenario, rec: &Recording) -> Option<u64> {
    Times { sc, rec, known: vec![] }.at_us(h)
}

/// The times of the happenings of a run, each kind found once: a lesson's steps name the same
/// happening with many counts (each asked alone, 1,000 steps over a long trace took 10–20 s).
struct Times<'a> {
    sc: &'a Scenario,
    rec: &'a Recording,
    /// (a happening with its count and `ms` cleared, its sorted times)
    known: Vec<(Happening, Vec<u64>)>,
}

impl Times<'_> {
    fn at_us(&mut self, h: &Happening) -> Option<u64> {
        let kind = Happening { count: 1, ms: 0.0, ..h.clone() };
        let i = match self.known.iter().position(|(k, _)| *k == kind) {
            Some(i) => i,
            None => {
                // Every time such a happening takes place, in order.
                let (filter, rec) = (Filter::of(h, self.sc), self.rec);
                let mut times: Vec<u64> =
                    rec.trace.iter().filter(|t| filter.matches(h, &t.ev, rec)).map(|t| t.at_us).collect();
                crate::order::sort_by_key(&mut times, |t| u128::from(*t));
                self.known.push((kind, times));
                self.known.len() - 1
            }
        };
        self.known[i].1.get(h.count.saturating_sub(1) as usize).copied()
    }
}

/// When each step is shown: its `at_ms`, or with `when` the happening's time (plus its `ms`,
/// never before `at_ms`); `None` when the happening never takes place in this run.
pub fn step_times_us(steps: &[StepDecl], sc: &Scenario, rec: &Recording) -> Vec<Option<u64>> {
    step_times(steps, &mut Times { sc, rec, known: vec![] })
}

fn step_times(steps: &[StepDecl], times: &mut Times) -> Vec<Option<u64>> {
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
    let mut known = Times { sc, rec, known: vec![] };
    let times = step_times(steps, &mut known);
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
