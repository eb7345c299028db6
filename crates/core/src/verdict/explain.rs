//! Witnesses and their explanation. A witness is a set of operations that cannot be ordered
//! even when every other write is relaxed (allowed to take effect at any instant after it began,
//! any number of times, or never) and every other read is dropped; it is cut down by deletion
//! until removing any one operation would let it be ordered.

use super::history::{Guarantee, History, HistoryKind, HistoryOp, Outcome};

/// A violated model's proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// History operation indices, in invoke order.
    pub ops: Vec<u32>,
    pub explanation: String,
    /// The instant (history time) by which the model had become impossible, when known.
    pub decided_at: Option<u64>,
}

/// At most this many sub-histories are searched while cutting a witness down; past it the
/// witness is what was left (still a witness, maybe not minimal).
pub(crate) const MAX_WITNESS_CHECKS: usize = 400;

/// Deletes chunks, then single operations, while `impossible` stays true of what is left
/// (delta debugging's coarse-to-fine passes). The last pass leaves a 1-minimal set.
pub(crate) fn minimize(items: Vec<u32>, mut impossible: impl FnMut(&[u32]) -> bool) -> Vec<u32> {
    let mut keep = items;
    let mut chunk = (keep.len() / 2).max(1);
    let mut checks = 0;
    loop {
        let mut i = 0;
        while i < keep.len() {
            let end = (i + chunk).min(keep.len());
            let trial: Vec<u32> = keep[..i].iter().chain(&keep[end..]).copied().collect();
            checks += 1;
            if checks > MAX_WITNESS_CHECKS {
                return keep;
            }
            if impossible(&trial) {
                keep = trial;
            } else {
                i = end;
            }
        }
        if chunk == 1 {
            return keep;
        }
        chunk /= 2;
    }
}

fn who(h: &History, o: &HistoryOp) -> String {
    let name = &h.clients[o.client as usize];
    if h.source_name == "line" {
        format!("process {name}")
    } else {
        name.clone()
    }
}

fn what(h: &History, o: &HistoryOp) -> String {
    let v = |i: usize| h.value_text(o.values[i]).to_string();
    let unknown = if o.outcome == Outcome::Info { " (outcome unknown)" } else { "" };
    match (o.kind, o.outcome) {
        (HistoryKind::Read, _) => {
            let all: Vec<String> = o.values.iter().map(|x| h.value_text(*x).to_string()).collect();
            format!("read {}", all.join(" and "))
        }
        (HistoryKind::Write, Outcome::Info) => format!("tried to write {}{unknown}", v(0)),
        (HistoryKind::Write, _) => format!("wrote {}", v(0)),
        (HistoryKind::Cas, Outcome::Fail) => format!("found the value was not {}", v(0)),
        (HistoryKind::Cas, Outcome::Info) => format!("tried to change {} to {}{unknown}", v(0), v(1)),
        (HistoryKind::Cas, Outcome::Ok) => format!("changed {} to {}", v(0), v(1)),
    }
}

fn span(h: &History, o: &HistoryOp) -> String {
    match (h.source_name, o.complete_us) {
        ("line", Some(c)) => format!("lines {}–{c}", o.invoke_us),
        ("line", None) => format!("from line {}, never answered", o.invoke_us),
        (_, _) => format!("op {}", o.source),
    }
}

/// "process 3 wrote 4 (lines 10–12)".
pub fn describe(h: &History, i: u32) -> String {
    let o = &h.ops[i as usize];
    format!("{} {} ({})", who(h, o), what(h, o), span(h, o))
}

fn list(h: &History, ops: &[u32]) -> String {
    let mut parts: Vec<String> = ops.iter().take(6).map(|i| describe(h, *i)).collect();
    if ops.len() > 6 {
        parts.push(format!("and {} more", ops.len() - 6));
    }
    parts.join("; ")
}

/// A stale read in the witness: a write (or a read of it) that ended before a read began that
/// returned something else.
fn stale_pair(h: &History, w: &[u32]) -> Option<(u32, u32)> {
    let op = |i: &u32| &h.ops[*i as usize];
    let reads = || w.iter().filter(|i| op(i).kind == HistoryKind::Read && op(i).observes());
    for r in reads().rev() {
        let before = w.iter().rev().filter(|a| op(a).precedes(op(r)) && op(a).outcome == Outcome::Ok);
        for a in before {
            let shown = if op(a).kind == HistoryKind::Read { op(a).values[0] } else { op(a).new_value() };
            if !op(r).values.contains(&shown) {
                return Some((*a, *r));
            }
        }
    }
    None
}

/// Why a key's history cannot be linearized.
pub(crate) fn linear(h: &History, w: &[u32], _cut_us: u64) -> String {
    let op = |i: u32| &h.ops[i as usize];
    let relaxed = "every other write was allowed to take effect at any instant after it began, or never";
    if let [r] = w {
        return format!("{} returned a value that no write could have produced by then ({relaxed}).", describe(h, *r));
    }
    if let Some((a, r)) = stale_pair(h, w) {
        let seen = if op(a).kind == HistoryKind::Read { "read" } else { "wrote" };
        let v = if op(a).kind == HistoryKind::Read { op(a).values[0] } else { op(a).new_value() };
        return format!(
            "{} {seen} {} and ended before {}'s read began, yet that read returned {}: no single order of the \
             writes explains both ({} operations: {}; {relaxed}).",
            who(h, op(a)),
            h.value_text(v),
            who(h, op(r)),
            h.value_text(op(r).values[0]),
            w.len(),
            list(h, w)
        );
    }
    format!(
        "No order of these {} operations respects both real time and what each returned: {} ({relaxed}).",
        w.len(),
        list(h, w)
    )
}

/// Why no order keeps each client's own order.
pub(crate) fn sequential(h: &History, w: &[u32]) -> String {
    format!(
        "Even ignoring real time between clients, no single order that keeps each client's operations in the \
         order it issued them explains what these {} operations returned: {}.",
        w.len(),
        list(h, w)
    )
}

/// Why a session guarantee failed for client `c`.
pub(crate) fn session(h: &History, g: Guarantee, c: u32, w: &[u32]) -> String {
    let name = if h.source_name == "line" {
        format!("process {}", h.clients[c as usize])
    } else {
        h.clients[c as usize].clone()
    };
    let rule = match g {
        Guarantee::ReadYourWrites => "a read must see the client's own earlier writes or something newer",
        Guarantee::MonotonicReads => "a later read must not return something older than an earlier read did",
        Guarantee::MonotonicWrites => "the client's writes must take effect in the order it made them",
        Guarantee::WritesFollowReads => "a write made after a read must come after what that read returned",
    };
    format!(
        "{} broke {}: {rule}, and no order of the writes does that for these {} operations: {}.",
        name,
        g.name().replace('_', " "),
        w.len(),
        list(h, w)
    )
}
