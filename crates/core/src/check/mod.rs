//! The checker: names anomalies per operation in words a student can read, one module per
//! anomaly. Values are identified per put (one `ValueId` per put event), so a value read names
//! the put that wrote it even when two puts write the same text.

mod divergence;
mod failed_write;
mod lost_update;
mod monotonic;
mod stale;
mod words;

use crate::client::{OpKind, Status};
use crate::expect::OkPuts;
use crate::ids::{KeyId, NodeId};
use crate::setup::Setup;
use crate::sim::World;
use serde::Serialize;
use words::Words;

/// The anomalies the checker names. Each is defined once, in [`AnomalyKind::definition`]; the
/// README repeats those words and a test checks that it does, and the app shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    StaleRead,
    FailedWriteRead,
    MonotonicRead,
    LostUpdate,
    Divergence,
}

impl AnomalyKind {
    /// Its place in `ALL`.
    pub fn index(self) -> usize {
        AnomalyKind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    pub const ALL: [AnomalyKind; 5] = [
        AnomalyKind::StaleRead,
        AnomalyKind::FailedWriteRead,
        AnomalyKind::MonotonicRead,
        AnomalyKind::LostUpdate,
        AnomalyKind::Divergence,
    ];

    /// The definition, in the words of the doc comments above (and of the README).
    pub fn definition(self) -> &'static str {
        match self {
            AnomalyKind::StaleRead => "A get returned only values older than a put that had succeeded before the get began: every value it returned was written by a put that ended before that put started (or it returned nothing). With siblings, also: it returned a version that such a put had replaced (the put's causal context held it), without that put's value.",
            AnomalyKind::FailedWriteRead => "A get returned a value written by a put that was reported failed: not confirmed, because it had fewer than W acknowledgements before its timeout — yet stored by some replica.",
            AnomalyKind::MonotonicRead => "A client's get lost something that one of its earlier gets of the key (completed before this one began) had returned. With siblings: a value this get neither returned nor had replaced (its version is not in the causal context of what this get returned). With lww and last_arrival: this get returned only values whose puts ended before the put of the newest value read earlier had started.",
            AnomalyKind::LostUpdate => "An acknowledged put whose value no node holds at the end (in its store or in a hint), although no put that replaced it was stored by any node. A put Q replaces P when, with siblings, Q's causal context contains P's version; with lww, Q started after P was acknowledged and has the higher timestamp; with last_arrival, Q started after P was acknowledged.",
            AnomalyKind::Divergence => "At the end, the live home replicas of a key hold different values.",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::StaleRead => "stale_read",
            AnomalyKind::FailedWriteRead => "failed_write_read",
            AnomalyKind::MonotonicRead => "monotonic_read",
            AnomalyKind::LostUpdate => "lost_update",
            AnomalyKind::Divergence => "divergence",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            AnomalyKind::StaleRead => "Stale read",
            AnomalyKind::FailedWriteRead => "Read of a failed write",
            AnomalyKind::MonotonicRead => "Monotonic-read violation",
            AnomalyKind::LostUpdate => "Lost update",
            AnomalyKind::Divergence => "Divergence",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// The operation it is about (none for divergence).
    pub op: Option<u32>,
    pub key: KeyId,
    /// Other operations behind it (the missed put, the earlier read, the failed put...).
    pub related_ops: Vec<u32>,
    /// Nodes involved (replicas that answered, replicas that disagree).
    pub nodes: Vec<NodeId>,
    pub at_us: u64,
    pub explanation: String,
}

/// Anomalies of a kind a run lists at most; the rest are counted (`Checked::not_listed`). 20,000
/// gets each returning 100 values of failed puts made 2,000,000 reads of failed writes: 900 MB
/// of report and 2.8 GB of memory.
pub const MAX_LISTED_PER_KIND: usize = 1_000;

/// What the checker found: the anomalies it lists, and how many more of each kind it found
/// (by `AnomalyKind::ALL` order).
#[derive(Clone, Debug, Default)]
pub struct Checked {
    pub list: Vec<Anomaly>,
    pub not_listed: [u64; AnomalyKind::ALL.len()],
    listed: [usize; AnomalyKind::ALL.len()],
}

impl Checked {
    /// Adds an anomaly of `kind`, made only if its kind has room in the list.
    pub(super) fn add(&mut self, kind: AnomalyKind, make: impl FnOnce() -> Anomaly) {
        let i = kind.index();
        if self.listed[i] < MAX_LISTED_PER_KIND {
            let a = make();
            debug_assert_eq!(a.kind, kind);
            self.list.push(a);
            self.listed[i] += 1;
        } else {
            self.not_listed[i] += 1;
        }
    }
}

/// All anomalies of a finished run: per completed get in operation order its stale read, reads of
/// failed writes and monotonic-read violation; then lost updates; then divergence. Indexes are
/// built once, so the whole check is O(ops log ops), not O(ops²). At most `MAX_LISTED_PER_KIND`
/// of a kind are listed (the first found), the others counted.
pub(crate) fn check(s: &Setup, w: &World) -> Checked {
    let c = Words::new(s, &w.ops);
    let ok_puts = OkPuts::new(s.sc.keys.len(), &w.ops);
    let reads = monotonic::Reads::new(&c);
    let mut out = Checked::default();
    for (gi, g) in w.ops.iter().enumerate() {
        if g.kind != OpKind::Get || g.status != Status::Ok {
            continue;
        }
        let gi = gi as u32;
        if let Some(a) = stale::check(&c, &ok_puts, gi) {
            out.add(a.kind, || a);
        }
        failed_write::check(&c, gi, &mut out);
        if let Some(a) = monotonic::check(&c, &reads, gi) {
            out.add(a.kind, || a);
        }
    }
    lost_update::check(&c, w, &mut out);
    divergence::check(&c, w, &mut out);
    out
}
