//! A neutral history: what clients asked of a key-value register and what they were told, with
//! the instants each operation began and ended. Both a Jepsen log and a simulator run become one.

use serde::Serialize;

/// A value a register holds: `None` is nil, the empty register every key starts as; `Some(i)`
/// indexes [`History::values`].
pub type Value = Option<u32>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Read,
    Write,
    /// Compare-and-set: `expect` -> `value`.
    Cas,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It took effect at one instant between invoke and complete.
    Ok,
    /// It certainly did not take effect. (A failed compare-and-set did run: it found another
    /// value than the one expected, which is an observation, like a read.)
    Fail,
    /// Indeterminate: it may have taken effect at any instant after its invoke, or never.
    Info,
}

/// One operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryOp {
    /// The process (Jepsen) or client (simulator) that issued it; indexes [`History::clients`].
    pub client: u32,
    /// Indexes [`History::keys`].
    pub key: u32,
    pub kind: HistoryKind,
    /// Read: the values returned (one for a register; several siblings make the key
    /// multi-valued). Write: `[written]`. Cas: `[expected, new]`.
    pub values: Vec<Value>,
    pub invoke_us: u64,
    /// `None` while it never completed (indeterminate operations).
    pub complete_us: Option<u64>,
    pub outcome: Outcome,
    /// Where it came from: the log line of its completion (Jepsen) or the report's op index.
    pub source: u32,
}

/// Operations in the order they were invoked, with the names they refer to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub ops: Vec<HistoryOp>,
    pub clients: Vec<String>,
    pub keys: Vec<String>,
    pub values: Vec<String>,
    /// What `source` means: `"line"` for a log, `"op"` for a simulator report.
    pub source_name: &'static str,
    /// Interned names: [values, clients, keys], text -> id. A scan would be quadratic in a run
    /// with thousands of keys and values; one map per kind is looked up by `&str`, without
    /// allocating a key for a name already known (100 siblings per read made that a tenth of a
    /// report's time).
    interned: [std::collections::BTreeMap<String, u32>; 3],
}

impl HistoryOp {
    /// The value a write installs, or a cas installs if it succeeds.
    pub fn new_value(&self) -> Value {
        match self.kind {
            HistoryKind::Read => None,
            HistoryKind::Write => self.values[0],
            HistoryKind::Cas => self.values[1],
        }
    }

    /// Whether it changes the register (a write or cas that succeeded or may have).
    pub fn may_write(&self) -> bool {
        self.kind != HistoryKind::Read && self.outcome != Outcome::Fail
    }

    /// Whether it tells what the register held: a completed read, or a failed cas.
    pub fn observes(&self) -> bool {
        match self.kind {
            HistoryKind::Read => self.outcome == Outcome::Ok,
            HistoryKind::Write => false,
            HistoryKind::Cas => self.outcome == Outcome::Fail,
        }
    }

    /// Whether `self` ended before `other` began (real-time order).
    pub fn precedes(&self, other: &HistoryOp) -> bool {
        self.complete_us.is_some_and(|c| c < other.invoke_us)
    }
}

impl History {
    /// An empty history whose operations' `source` means `source_name`.
    /// The same names, without operations (for a prefix of this history).
    pub(crate) fn names_only(&self) -> History {
        History {
            ops: vec![],
            clients: self.clients.clone(),
            keys: self.keys.clone(),
            values: self.values.clone(),
            source_name: self.source_name,
            interned: self.interned.clone(),
        }
    }

    pub fn new(source_name: &'static str) -> History {
        History { source_name, ..History::default() }
    }

    /// Interns a value's text.
    pub fn value_id(&mut self, text: &str) -> u32 {
        intern(&mut self.interned[0], &mut self.values, text)
    }

    pub fn client_id(&mut self, name: &str) -> u32 {
        intern(&mut self.interned[1], &mut self.clients, name)
    }

    pub fn key_id(&mut self, name: &str) -> u32 {
        intern(&mut self.interned[2], &mut self.keys, name)
    }

    /// The text of a value (`nil` for the empty register).
    pub fn value_text(&self, v: Value) -> &str {
        v.map_or("nil", |i| &self.values[i as usize])
    }

    /// Indices of the operations on each key, in invoke order: one pass, so checking every key
    /// costs the operations once, not once per key.
    pub fn ops_by_key(&self) -> Vec<Vec<u32>> {
        let mut by_key = vec![Vec::new(); self.keys.len()];
        for (i, o) in self.ops.iter().enumerate() {
            by_key[o.key as usize].push(i as u32);
        }
        by_key
    }

    /// Whether some read among `ops` (one key's) returned several values (siblings).
    pub fn multi_valued(&self, ops: &[u32]) -> bool {
        ops.iter().map(|i| &self.ops[*i as usize]).any(|o| o.kind == HistoryKind::Read && o.values.len() > 1)
    }

    /// Sorts the operations by invoke time (stable), as every checker expects.
    pub fn sort_by_invoke(&mut self) {
        crate::order::sort_by_key(&mut self.ops, |o| u128::from(o.invoke_us));
    }
}

fn intern(index: &mut std::collections::BTreeMap<String, u32>, names: &mut Vec<String>, name: &str) -> u32 {
    if let Some(id) = index.get(name) {
        return *id;
    }
    let id = names.len() as u32;
    index.insert(name.to_string(), id);
    names.push(name.to_string());
    id
}

/// The session guarantees judged per client (Terry et al.), named here so that the checks and
/// the explanations can both use them without importing each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    ReadYourWrites,
    MonotonicReads,
    MonotonicWrites,
    WritesFollowReads,
}

pub const GUARANTEES: [Guarantee; 4] =
    [Guarantee::ReadYourWrites, Guarantee::MonotonicReads, Guarantee::MonotonicWrites, Guarantee::WritesFollowReads];

impl Guarantee {
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "read_your_writes",
            Guarantee::MonotonicReads => "monotonic_reads",
            Guarantee::MonotonicWrites => "monotonic_writes",
            Guarantee::WritesFollowReads => "writes_follow_reads",
        }
    }
}
