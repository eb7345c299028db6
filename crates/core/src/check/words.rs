//! The checker's vocabulary: names of clients, values, nodes and times as the explanations say them.

use crate::client::{OpKind, OpState};
use crate::data::{Data, Dot};
use crate::ids::{NodeId, ValueId};
use crate::setup::Setup;

/// The run being checked, and how the checker names its parts in words.
pub(super) struct Words<'a> {
    pub s: &'a Setup,
    pub ops: &'a [OpState],
}

impl Words<'_> {
    pub fn put_of(&self, v: ValueId) -> u32 {
        self.s.put_of_value[v as usize]
    }

    /// The dot of the version that wrote `v` (siblings mode).
    pub fn dot_of(&self, v: ValueId) -> Option<Dot> {
        match &self.ops[self.put_of(v) as usize].written {
            Some(Data::Siblings(s)) => s.first().map(|x| x.dot),
            _ => None,
        }
    }

    /// Had the put that wrote `v` seen version `d` (is `d` in its causal context)?
    pub fn saw(&self, v: ValueId, d: Dot) -> bool {
        match &self.ops[self.put_of(v) as usize].written {
            Some(Data::Siblings(s)) => s.iter().any(|x| x.ctx.contains(d)),
            _ => false,
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
