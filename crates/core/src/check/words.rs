//! The checker's vocabulary: names of clients, values, nodes and times as the explanations say them.

use crate::client::{OpKind, OpState};
use crate::data::{Data, Dot};
use crate::ids::{NodeId, ValueId};
use crate::scenario::ConflictMode;
use crate::setup::Setup;

/// The run being checked, and how the checker names its parts in words.
pub(super) struct Words<'a> {
    pub s: &'a Setup,
    pub ops: &'a [OpState],
    /// Per value, the dot of the version that wrote it (siblings mode): looked up for every
    /// value every get returned, so read once here rather than through each put's stored copy.
    dots: Vec<Option<Dot>>,
}

impl<'a> Words<'a> {
    pub fn new(s: &'a Setup, ops: &'a [OpState]) -> Words<'a> {
        let dot = |p: u32| match ops.get(p as usize)?.written.as_ref()? {
            Data::Siblings(s) => s.first().map(|x| x.dot),
            Data::Lww { .. } | Data::Arrival { .. } => None,
        };
        let dots = s.put_of_value.iter().map(|p| dot(*p)).collect();
        Words { s, ops, dots }
    }

    pub fn put_of(&self, v: ValueId) -> u32 {
        self.s.put_of_value[v as usize]
    }

    /// The value put `p` wrote.
    pub fn value_of(&self, p: u32) -> ValueId {
        written_value(&self.ops[p as usize]).expect("a put")
    }

    /// The dot of the version that wrote `v` (siblings mode).
    pub fn dot_of(&self, v: ValueId) -> Option<Dot> {
        self.dots[v as usize]
    }

    /// The causal contexts of the version the put that wrote `v` stored (siblings mode; else none).
    pub fn contexts(&self, v: ValueId) -> impl Iterator<Item = &crate::data::DotSet> {
        let written = match &self.ops[self.put_of(v) as usize].written {
            Some(Data::Siblings(s)) => &s[..],
            Some(Data::Lww { .. } | Data::Arrival { .. }) | None => &[],
        };
        written.iter().map(|x| &x.ctx)
    }

    /// Had the put that wrote `v` seen version `d` (is `d` in its causal context)?
    pub fn saw(&self, v: ValueId, d: Dot) -> bool {
        match &self.ops[self.put_of(v) as usize].written {
            Some(Data::Siblings(s)) => s.iter().any(|x| x.ctx.contains(d)),
            Some(Data::Lww { .. } | Data::Arrival { .. }) | None => false,
        }
    }

    pub fn client(&self, op: u32) -> &str {
        &self.s.sc.clients[self.ops[op as usize].client as usize].name
    }

    pub fn value(&self, v: ValueId) -> String {
        format!("\"{}\"", self.s.sc.values[v as usize])
    }

    pub fn values(&self, vs: &[ValueId]) -> String {
        if vs.is_empty() {
            "nothing".into()
        } else {
            vs.iter().map(|v| self.value(*v)).collect::<Vec<_>>().join(" and ")
        }
    }

    pub fn nodes(&self, ns: &[NodeId]) -> String {
        if ns.is_empty() {
            return "no replica".into();
        }
        ns.iter().map(|n| self.s.sc.nodes[*n as usize].name.as_str()).collect::<Vec<_>>().join(", ")
    }

    pub fn ms(us: u64) -> String {
        format!("{} ms", crate::num::fixed(us as f64 / 1000.0, if us.is_multiple_of(1000) { 0 } else { 1 }))
    }
}

/// A skew in µs as signed ms: "+5", "-100".
pub(super) fn signed(us: i64) -> String {
    let s = crate::num::num(us as f64 / 1000.0);
    if us >= 0 {
        format!("+{s}")
    } else {
        s
    }
}

/// The value a put writes; `None` for a get.
pub(super) fn written_value(op: &OpState) -> Option<ValueId> {
    match op.kind {
        OpKind::Put { value, .. } => Some(value),
        OpKind::Get => None,
    }
}

/// When the last of the puts behind a get's values ended; `None` if one has not ended. A put
/// P follows all those values when this is before P's start (and always when the get returned
/// nothing).
pub(super) fn writers_end(c: &Words, values: &[ValueId]) -> Option<u64> {
    values.iter().map(|v| c.ops[c.put_of(*v) as usize].end_us).try_fold(0u64, |m, e| e.map(|e| m.max(e)))
}

/// Why get `gi`'s answer lacks value `v` though a replica it asked had it — in the words of the
/// mechanism that dropped it — or `None` when no replica it heard from had received `v` by the
/// time the get began (then the sets simply missed each other).
pub(super) fn why_dropped(c: &Words, gi: u32, v: ValueId) -> Option<String> {
    let g = &c.ops[gi as usize];
    let p = &c.ops[c.put_of(v) as usize];
    let replies = &g.replies[..g.answered_with];
    let holds = |d: &Option<std::sync::Arc<Data>>| d.as_ref().is_some_and(|d| d.values().contains(&v));
    let mode = c.s.sc.repl.conflicts;
    if let Some((x, _)) = replies.iter().find(|(_, d)| holds(d)) {
        let kept = g.values();
        let x = c.nodes(&[*x]);
        return Some(match mode {
            ConflictMode::LastArrival => {
                let last = replies.last().map(|r| c.nodes(&[r.0])).unwrap_or_default();
                format!("{x} returned {}, but with no versions to compare the client kept the reply that arrived last ({last}'s).", c.value(v))
            }
            ConflictMode::Lww => format!(
                "{x} returned {}, but last-write-wins kept {}, whose timestamp was higher{}.",
                c.value(v),
                c.values(&kept),
                skews(c, c.put_of(v), kept.first().map(|w| c.put_of(*w)))
            ),
            ConflictMode::Siblings => format!("{x} returned {}, yet the answer does not hold it.", c.value(v)),
        });
    }
    let gstart = g.start_us?;
    let had: Vec<NodeId> = replies.iter().map(|r| r.0).filter(|n| p.reached_by(*n, gstart)).collect();
    let copy = &replies.iter().find(|r| Some(&r.0) == had.first())?.1;
    let held = copy.as_ref().map(|d| d.values()).unwrap_or_default();
    let vv = v;
    let (r, v) = (c.nodes(&had), c.value(v));
    Some(match mode {
        ConflictMode::Lww => format!(
            "{r} had received {v} before this read began but kept {}: last-write-wins keeps the copy whose client's timestamp is higher{}.",
            c.values(&held),
            skews(c, c.put_of(vv), held.first().map(|w| c.put_of(*w)))
        ),
        ConflictMode::LastArrival => format!(
            "{r} had received {v} before this read began, but {} arrived there after it and, with no versions, replaced it.",
            c.values(&held)
        ),
        ConflictMode::Siblings => format!("{r} had received {v} before this read began, but a version that had seen it replaced it."),
    })
}

/// " (clock skews: a +5 ms, b -100 ms)" when the two puts' clients' clocks differ, else "".
pub(super) fn skews(c: &Words, p: u32, q: Option<u32>) -> String {
    let Some(q) = q else { return String::new() };
    let sc = &c.s.sc;
    let skew = |op: u32| sc.clients[c.ops[op as usize].client as usize].clock_skew_us;
    if skew(p) == skew(q) {
        return String::new();
    }
    format!(" (clock skews: {} {} ms, {} {} ms)", c.client(p), signed(skew(p)), c.client(q), signed(skew(q)))
}
