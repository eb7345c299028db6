//! Jepsen's register log (`INFO  jepsen.util - 3 :invoke :write 4`, tab-separated), as in the etcd histories
//! Porcupine tests against. One event a line, in real-time order; the line number stands in for
//! time (only the order matters). Lines that are not events (harness chatter) are skipped; a
//! line that is an event but cannot be read is an error naming it.

use super::history::{History, HistoryKind, HistoryOp, Outcome, Value};
use std::fmt;

/// Bounds on untrusted input.
pub const MAX_LOG_BYTES: usize = 64 << 20;
pub const MAX_LOG_OPS: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JepsenError {
    /// 1-based; 0 for the file as a whole.
    pub line: u32,
    pub message: String,
}

impl fmt::Display for JepsenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// One event line, split.
struct Event<'a> {
    process: &'a str,
    phase: &'a str,
    kind: HistoryKind,
    arg: Vec<&'a str>,
}

/// Parses a whole log into a history on one key (`"register"`).
pub fn parse_jepsen(text: &str) -> Result<History, JepsenError> {
    if text.len() > MAX_LOG_BYTES {
        return Err(JepsenError { line: 0, message: format!("larger than {MAX_LOG_BYTES} bytes") });
    }
    let mut h = History::new("line");
    h.key_id("register");
    // (process id, index of its open operation)
    let mut open: Vec<(u32, usize)> = vec![];
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let err = |message: String| JepsenError { line: line_no, message };
        let Some(ev) = split(line).map_err(err)? else { continue };
        let client = h.client_id(ev.process);
        let slot = open.iter().position(|(c, _)| *c == client);
        if ev.phase == ":invoke" {
            if slot.is_some() {
                return Err(err(format!("process {} invokes while its last operation is open", ev.process)));
            }
            if h.ops.len() >= MAX_LOG_OPS {
                return Err(err(format!("more than {MAX_LOG_OPS} operations")));
            }
            let values = values(&mut h, ev.kind, &ev.arg, true).map_err(err)?;
            let op = HistoryOp {
                client,
                key: 0,
                kind: ev.kind,
                values,
                invoke_us: u64::from(line_no),
                complete_us: None,
                outcome: Outcome::Info,
                source: line_no,
            };
            open.push((client, h.ops.len()));
            h.ops.push(op);
            continue;
        }
        let Some(slot) = slot else {
            return Err(err(format!("process {} completes an operation it never invoked", ev.process)));
        };
        let (_, at) = open.swap_remove(slot);
        complete(&mut h, at, &ev, line_no).map_err(err)?;
    }
    Ok(h)
}

/// Applies a completion line to the open operation `at`.
fn complete(h: &mut History, at: usize, ev: &Event, line_no: u32) -> Result<(), String> {
    if h.ops[at].kind != ev.kind {
        let invoked = h.ops[at].kind;
        return Err(format!("completes a {:?} but the process invoked a {invoked:?}", ev.kind));
    }
    let outcome = match ev.phase {
        ":ok" => Outcome::Ok,
        ":fail" => Outcome::Fail,
        _ => Outcome::Info,
    };
    if outcome == Outcome::Info {
        return Ok(()); // never completes: it may take effect at any later instant, or never
    }
    let timed_out = ev.arg == [":timed-out"];
    if outcome == Outcome::Ok && ev.kind == HistoryKind::Read {
        h.ops[at].values = values(h, ev.kind, &ev.arg, false)?;
    } else if !timed_out && ev.kind != HistoryKind::Read {
        let returned = values(h, ev.kind, &ev.arg, false)?;
        if returned != h.ops[at].values {
            return Err(format!("completion's value {} differs from the invocation's", ev.arg.join(" ")));
        }
    }
    let op = &mut h.ops[at];
    op.outcome = outcome;
    op.complete_us = Some(u64::from(line_no));
    op.source = line_no;
    Ok(())
}

/// `Ok(None)` for a line that is not an event.
fn split(line: &str) -> Result<Option<Event<'_>>, String> {
    let Some(at) = line.find("jepsen.util - ") else { return Ok(None) };
    let mut t = line[at + "jepsen.util - ".len()..].split_whitespace();
    let (Some(process), Some(phase)) = (t.next(), t.next()) else { return Ok(None) };
    if !process.bytes().all(|b| b.is_ascii_digit()) || !phase.starts_with(':') {
        return Ok(None);
    }
    if ![":invoke", ":ok", ":fail", ":info"].contains(&phase) {
        return Err(format!("unknown event type {phase}"));
    }
    let kind = match t.next() {
        Some(":read") => HistoryKind::Read,
        Some(":write") => HistoryKind::Write,
        Some(":cas") => HistoryKind::Cas,
        Some(f) => return Err(format!("unknown operation {f} (a register has :read, :write and :cas)")),
        None => return Err("the operation is missing".into()),
    };
    let arg: Vec<&str> = t.collect();
    Ok(Some(Event { process, phase, kind, arg }))
}

/// The value(s) of an argument: `nil`, `4`, `[1 4]`. An invoked read carries `nil`.
fn values(h: &mut History, kind: HistoryKind, arg: &[&str], invoke: bool) -> Result<Vec<Value>, String> {
    let text = arg.join(" ");
    let one = |h: &mut History, s: &str| -> Result<Value, String> {
        match s {
            "nil" => Ok(None),
            _ if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Ok(Some(h.value_id(s))),
            _ => Err(format!("cannot read the value {s:?}")),
        }
    };
    match kind {
        HistoryKind::Read if invoke => Ok(vec![None]),
        HistoryKind::Read | HistoryKind::Write => Ok(vec![one(h, &text)?]),
        HistoryKind::Cas => {
            let inner = text.strip_prefix('[').and_then(|s| s.strip_suffix(']'));
            let parts: Vec<&str> = inner.map(|s| s.split_whitespace().collect()).unwrap_or_default();
            if parts.len() != 2 {
                return Err(format!("a cas takes [expected new], not {text:?}"));
            }
            Ok(vec![one(h, parts[0])?, one(h, parts[1])?])
        }
    }
}
