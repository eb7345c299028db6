//! The checker: names anomalies per operation in words a student can read. It assumes every put
//! writes a distinct value, so a value read identifies the put that wrote it.

use crate::client::{OpKind, OpState, Status};
use crate::data::Data;
use crate::ids::{KeyId, NodeId, ValueId};
use crate::scenario::ConflictMode;
use crate::setup::Setup;
use crate::sim::World;
use serde::Serialize;

/// The anomalies the checker names. Each definition is written once, here, and the README and the
/// app repeat it word for word ([`AnomalyKind::definition`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A get returned only values older than a put that had succeeded before the get began: every
    /// value it returned was written by a put that ended before that put started (or it returned
    /// nothing).
    StaleRead,
    /// A get returned a value written by a put that was reported failed: not confirmed, because it
    /// had fewer than W acknowledgements before its timeout — yet stored by some replica. (As
    /// Jepsen names it, such a put's outcome is *indeterminate*: the report says `"outcome":
    /// "indeterminate"` beside `"status": "failed"`.)
    FailedWriteRead,
    /// A client's get lost something that one of its earlier gets of the key (completed before
    /// this one began) had returned. With siblings: a value this get neither returned nor had
    /// replaced (its version is not in the causal context of what this get returned). With lww and
    /// last_arrival: this get returned only values whose puts ended before the put of the newest
    /// value read earlier had started.
    MonotonicRead,
    /// An acknowledged put whose value no node holds at the end (in its store or in a hint),
    /// although no put that replaced it was stored by any node. A put Q replaces P when, with
    /// siblings, Q's causal context contains P's version; with lww, Q started after P was
    /// acknowledged and has the higher timestamp; with last_arrival, Q started after P was
    /// acknowledged.
    LostUpdate,
    /// At the end, the live home replicas of a key hold different values.
    Divergence,
}

impl AnomalyKind {
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
            AnomalyKind::StaleRead => "A get returned only values older than a put that had succeeded before the get began: every value it returned was written by a put that ended before that put started (or it returned nothing).",
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

struct Ctx<'a> {
    s: &'a Setup,
    ops: &'a [OpState],
}

impl Ctx<'_> {
    fn put_of(&self, v: ValueId) -> u32 {
        self.s.put_of_value[v as usize]
    }

    /// The dot of the version that wrote `v` (siblings mode).
    fn dot_of(&self, v: ValueId) -> Option<crate::data::Dot> {
        match &self.ops[self.put_of(v) as usize].written {
            Some(Data::Siblings(s)) => s.first().map(|x| x.dot),
            _ => None,
        }
    }

    /// Had the put that wrote `v` seen version `d` (is `d` in its causal context)?
    fn saw(&self, v: ValueId, d: crate::data::Dot) -> bool {
        match &self.ops[self.put_of(v) as usize].written {
            Some(Data::Siblings(s)) => s.iter().any(|x| x.ctx.contains(d)),
            _ => false,
        }
    }

    fn client(&self, op: u32) -> &str {
        &self.s.sc.clients[self.ops[op as usize].client as usize].name
    }

    fn value(&self, v: ValueId) -> String {
        format!("\"{}\"", self.s.sc.values[v as usize])
    }

    fn values(&self, vs: &[ValueId]) -> String {
        if vs.is_empty() {
            "nothing".into()
        } else {
            vs.iter().map(|v| self.value(*v)).collect::<Vec<_>>().join(" and ")
        }
    }

    fn nodes(&self, ns: &[NodeId]) -> String {
        if ns.is_empty() {
            return "no replica".into();
        }
        ns.iter().map(|n| self.s.sc.nodes[*n as usize].name.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn ms(us: u64) -> String {
        format!("{} ms", crate::num::fixed(us as f64 / 1000.0, if us % 1000 == 0 { 0 } else { 1 }))
    }
}

/// A skew in µs as signed ms: "+5", "-100".
fn signed(us: i64) -> String {
    let s = crate::num::num(us as f64 / 1000.0);
    if us >= 0 {
        format!("+{s}")
    } else {
        s
    }
}

/// Does put `q` replace put `p` (see `AnomalyKind::LostUpdate`)?
fn replaces(q: &OpState, p: &OpState) -> bool {
    let after = || q.start_us.zip(p.end_us).is_some_and(|(qs, pe)| qs > pe);
    match (&q.written, &p.written) {
        (Some(Data::Siblings(qs)), Some(Data::Siblings(ps))) => {
            ps.iter().all(|pv| qs.iter().any(|qv| qv.ctx.contains(pv.dot)))
        }
        (Some(Data::Lww { ts_us: qt, tie: qi, .. }), Some(Data::Lww { ts_us: pt, tie: pi, .. })) => {
            after() && (qt, qi) > (pt, pi)
        }
        (Some(Data::Arrival { .. }), Some(Data::Arrival { .. })) => after(),
        _ => false,
    }
}

fn written_value(op: &OpState) -> Option<ValueId> {
    match op.kind {
        OpKind::Put { value, .. } => Some(value),
        OpKind::Get => None,
    }
}

/// All anomalies of a finished run, ordered by operation.
pub fn check(s: &Setup, w: &World) -> Vec<Anomaly> {
    let c = Ctx { s, ops: &w.ops };
    let mut out = Vec::new();
    let repl = &s.sc.repl;
    let keys = s.sc.keys.len();
    // Indexes, so the whole check is O(ops log ops), not O(ops²): per key, the successful puts
    // sorted by end time, and the puts some replica stored; per (client, key), the client's reads
    // sorted by end time with the newest value read so far. (Only an acknowledged put that
    // vanished scans its key's stored puts.)
    let mut ok_puts: Vec<Vec<(u64, u64, u32)>> = vec![Vec::new(); keys];
    let mut stored_puts: Vec<Vec<u32>> = vec![Vec::new(); keys];
    // (client, key, end, newest value read), grouped by client and key once sorted.
    let mut reads: Vec<(u32, KeyId, u64, Option<(u64, u32, ValueId)>, u32)> = Vec::new();
    for (i, o) in w.ops.iter().enumerate() {
        let k = o.key as usize;
        if written_value(o).is_some() {
            if o.stored() {
                stored_puts[k].push(i as u32);
            }
            if let (Status::Ok, Some(st), Some(e)) = (o.status, o.start_us, o.end_us) {
                ok_puts[k].push((e, st, i as u32));
            }
        } else if let (Status::Ok, Some(e)) = (o.status, o.end_us) {
            // The value of this read whose put started last: the newest thing it saw.
            let newest = o
                .values()
                .into_iter()
                .filter_map(|v| c.ops[c.put_of(v) as usize].start_us.map(|st| (st, i as u32, v)))
                .max_by_key(|x| x.0);
            reads.push((o.client, o.key, e, newest, i as u32));
        }
    }
    for list in &mut ok_puts {
        crate::order::sort_by_key(list, |&(e, st, _)| crate::order::pair(e, st));
    }
    // Each (client, key) run becomes (end, newest value read by then), a running maximum.
    // End times are below 2^32 µs (the scenario caps time at an hour), so all three fit 96 bits.
    crate::order::sort_by_key(&mut reads, |&(cl, k, e, _, _)| {
        assert!(e < 1 << 32, "operation times are capped at one hour, below 2^32 µs");
        (u128::from(cl) << 64) | (u128::from(k) << 32) | u128::from(e)
    });
    let mut best: Option<(u64, u32, ValueId)> = None;
    for i in 0..reads.len() {
        if i == 0 || (reads[i].0, reads[i].1) != (reads[i - 1].0, reads[i - 1].1) {
            best = None;
        }
        if reads[i].3.map(|x| x.0) > best.map(|x| x.0) {
            best = reads[i].3;
        }
        reads[i].3 = best;
    }
    // With siblings, each (client, key) run also becomes its frontier: the values read so far
    // that nothing read since had replaced, each with the read that returned it.
    let siblings = repl.conflicts == ConflictMode::Siblings;
    let mut frontier: Vec<Vec<(ValueId, u32)>> = Vec::with_capacity(if siblings { reads.len() } else { 0 });
    for i in (0..reads.len()).filter(|_| siblings) {
        let mut f = if i == 0 || (reads[i].0, reads[i].1) != (reads[i - 1].0, reads[i - 1].1) {
            vec![]
        } else {
            frontier[i - 1].clone()
        };
        let r = &w.ops[reads[i].4 as usize];
        let got = r.values();
        let ctx = r.result.as_ref().map(|d| d.context()).unwrap_or_default();
        f.retain(|(u, _)| !got.contains(u) && !c.dot_of(*u).is_some_and(|d| ctx.contains(d)));
        for v in got {
            let older = f.iter().any(|(u, _)| c.dot_of(v).is_some_and(|d| c.saw(*u, d)));
            if !older {
                f.push((v, reads[i].4));
            }
        }
        frontier.push(f);
    }

    for (gi, g) in w.ops.iter().enumerate() {
        let gi = gi as u32;
        if g.kind != OpKind::Get || g.status != Status::Ok {
            continue;
        }
        let (gstart, gend) = (g.start_us.unwrap_or(0), g.end_us.unwrap_or(0));
        let vals = g.values();
        let writers: Vec<u32> = vals.iter().map(|v| c.put_of(*v)).collect();
        let replied = g.replied_by();

        // stale_read: a put that succeeded before the get began, and the get returned only
        // values older than it (or nothing). Report the most recent such put.
        // All the values read precede a put P when the last of their puts ended before P
        // started; a put whose end is unknown precedes nothing.
        let writers_end: Option<u64> =
            writers.iter().map(|q| w.ops[*q as usize].end_us).try_fold(0u64, |m, e| e.map(|e| m.max(e)));
        let precedes_all = |p_start: u64| writers.is_empty() || writers_end.is_some_and(|we| we < p_start);
        let puts = &ok_puts[g.key as usize];
        let before = puts.partition_point(|x| x.0 < gstart);
        // Newest first; a put that ended before the read values' puts ended cannot qualify.
        let missed = puts[..before]
            .iter()
            .rev()
            .take_while(|x| writers.is_empty() || writers_end.is_some_and(|we| x.0 > we))
            .find(|x| precedes_all(x.1))
            .map(|x| x.2);
        if let Some(p) = missed {
            let p_op = &w.ops[p as usize];
            let v = written_value(p_op).expect("a put");
            let overlap: Vec<NodeId> = replied.iter().copied().filter(|n| p_op.write_set().contains(n)).collect();
            let why = if overlap.is_empty() {
                let mut why = format!(
                    "The read set ({}) and the write set ({}) do not overlap",
                    c.nodes(&replied),
                    c.nodes(p_op.write_set())
                );
                if repl.w + repl.r <= repl.n {
                    why += &format!(": with W+R={} ≤ N={} they need not.", repl.w + repl.r, repl.n);
                } else if repl.sloppy_quorum {
                    why += &format!(
                        " although W+R={} > N={}: under a sloppy quorum the sets are drawn from whichever nodes were healthy, not from the same N home replicas.",
                        repl.w + repl.r,
                        repl.n
                    );
                } else {
                    why += ".";
                }
                why
            } else {
                let mut why = format!(
                    "{} acknowledged that put and answered this read, but returned an older version",
                    c.nodes(&overlap)
                );
                if repl.conflicts == ConflictMode::Lww {
                    why += " — last-write-wins kept the value with the higher client timestamp";
                }
                why + "."
            };
            out.push(Anomaly {
                kind: crate::check::AnomalyKind::StaleRead,
                op: Some(gi),
                key: g.key,
                related_ops: vec![p],
                nodes: replied.clone(),
                at_us: gend,
                explanation: format!(
                    "{}'s get of `{}` (started {}) returned {}, but {}'s put of {} had already succeeded at {}. {}",
                    c.client(gi),
                    s.sc.keys[g.key as usize],
                    Ctx::ms(gstart),
                    c.values(&vals),
                    c.client(p),
                    c.value(v),
                    Ctx::ms(p_op.end_us.unwrap_or(0)),
                    why
                ),
            });
        }

        // failed_write_read: a value written by a put that was reported failed.
        for (v, q) in vals.iter().zip(&writers) {
            let q_op = &w.ops[*q as usize];
            if q_op.status == Status::Failed {
                out.push(Anomaly {
                    kind: AnomalyKind::FailedWriteRead,
                    op: Some(gi),
                    key: g.key,
                    related_ops: vec![*q],
                    nodes: replied.clone(),
                    at_us: gend,
                    explanation: format!(
                        "{}'s get returned {}, written by {}'s put that was reported failed at {}: not confirmed (acknowledged by {}; W={}), so its outcome was indeterminate to the client — it may or may not have taken effect. It had: a failed put is not rolled back, and the replicas that stored it keep it and serve it.",
                        c.client(gi),
                        c.value(*v),
                        c.client(*q),
                        Ctx::ms(q_op.end_us.unwrap_or(0)),
                        c.nodes(&q_op.acked_by),
                        repl.w
                    ),
                });
            }
        }

        // monotonic_read: see `AnomalyKind::MonotonicRead`. With siblings, something of the
        // frontier of this client's earlier reads is gone and was not replaced; otherwise, the
        // newest value it had read by the time this read began is newer than everything this
        // one got.
        let group = (g.client, g.key);
        let from = reads.partition_point(|x| (x.0, x.1) < group);
        let upto = reads.partition_point(|x| (x.0, x.1) < group || ((x.0, x.1) == group && x.2 <= gstart));
        let seen = if siblings {
            let ctx = g.result.as_ref().map(|d| d.context()).unwrap_or_default();
            (upto > from)
                .then(|| {
                    frontier[upto - 1]
                        .iter()
                        .find(|(u, _)| !vals.contains(u) && !c.dot_of(*u).is_some_and(|d| ctx.contains(d)))
                        .map(|&(u, ei)| (ei, u))
                })
                .flatten()
        } else {
            reads[from..upto].last().and_then(|x| x.3).filter(|x| precedes_all(x.0)).map(|x| (x.1, x.2))
        };
        if let Some((ei, u)) = seen {
            let pu = c.put_of(u);
            let why = if siblings {
                format!(
                    "{} is gone, yet nothing this read returned had replaced it: it is concurrent with them, not older.",
                    c.value(u)
                )
            } else {
                "Time went backwards for this client.".to_string()
            };
            out.push(Anomaly {
                kind: AnomalyKind::MonotonicRead,
                op: Some(gi),
                key: g.key,
                related_ops: vec![ei, pu],
                nodes: replied.clone(),
                at_us: gend,
                explanation: format!(
                    "{} read {} at {}, then read {} at {}. {} The second read asked {}, which had not yet received {}.",
                    c.client(gi),
                    c.values(&w.ops[ei as usize].values()),
                    Ctx::ms(w.ops[ei as usize].end_us.unwrap_or(0)),
                    c.values(&vals),
                    Ctx::ms(gend),
                    why,
                    c.nodes(&replied),
                    c.value(u)
                ),
            });
        }
    }

    // lost_update: see `AnomalyKind::LostUpdate`.
    let mut present = vec![false; s.sc.values.len()];
    for n in &w.nodes {
        for d in n.store.iter().flatten().chain(n.hints.values()) {
            for v in d.values() {
                present[v as usize] = true;
            }
        }
    }
    for (pi, p) in w.ops.iter().enumerate() {
        let Some(v) = written_value(p) else { continue };
        if p.status != Status::Ok || present[v as usize] {
            continue;
        }
        let end = p.end_us.unwrap_or(0);
        if stored_puts[p.key as usize].iter().any(|q| replaces(&w.ops[*q as usize], p)) {
            continue;
        }
        let mut survivors: Vec<ValueId> =
            w.nodes.iter().filter_map(|n| n.read(p.key)).flat_map(|d| d.values()).collect();
        crate::order::sort_u32(&mut survivors);
        survivors.dedup();
        let mut why = String::new();
        if repl.conflicts == ConflictMode::Lww {
            if let Some(&sv) = survivors.first() {
                let q = c.put_of(sv);
                let skew_p = s.sc.clients[p.client as usize].clock_skew_us;
                let skew_q = s.sc.clients[w.ops[q as usize].client as usize].clock_skew_us;
                why = format!(
                    " Last-write-wins kept {} from {}'s put, whose timestamp was higher{}.",
                    c.value(sv),
                    c.client(q),
                    if skew_p != skew_q {
                        format!(
                            " (clock skews: {} {} ms, {} {} ms)",
                            c.client(pi as u32),
                            signed(skew_p),
                            c.client(q),
                            signed(skew_q)
                        )
                    } else {
                        String::new()
                    }
                );
            }
        } else if repl.conflicts == ConflictMode::LastArrival {
            why = " Without versions each replica kept whichever write arrived last.".into();
        }
        out.push(Anomaly {
            kind: AnomalyKind::LostUpdate,
            op: Some(pi as u32),
            key: p.key,
            related_ops: survivors.iter().map(|v| c.put_of(*v)).collect(),
            nodes: p.acked_by.clone(),
            at_us: end,
            explanation: format!(
                "{}'s put of {} succeeded at {} (acknowledged by {}), yet at the end no node holds it, and no put of `{}` that {} was stored anywhere: it was silently discarded.{}",
                c.client(pi as u32),
                c.value(v),
                Ctx::ms(end),
                c.nodes(&p.acked_by),
                s.sc.keys[p.key as usize],
                match repl.conflicts {
                    ConflictMode::Siblings => "had seen it",
                    ConflictMode::Lww => "came after it with a higher timestamp",
                    ConflictMode::LastArrival => "came after it",
                },
                why
            ),
        });
    }

    // divergence: live home replicas of a key hold different values at the end.
    for k in 0..s.sc.keys.len() as KeyId {
        let live: Vec<NodeId> = s.home(k).iter().copied().filter(|n| w.nodes[*n as usize].up).collect();
        let held: Vec<Vec<ValueId>> = live
            .iter()
            .map(|n| {
                let mut v = w.nodes[*n as usize].store[k as usize].as_ref().map(|d| d.values()).unwrap_or_default();
                crate::order::sort_u32(&mut v);
                v
            })
            .collect();
        if held.windows(2).all(|p| p[0] == p[1]) {
            continue;
        }
        let detail: Vec<String> = live
            .iter()
            .zip(&held)
            .map(|(n, v)| format!("{} has {}", s.sc.nodes[*n as usize].name, c.values(v)))
            .collect();
        let hint = match repl.conflicts {
            ConflictMode::LastArrival => {
                " Without versions nothing can tell which copy is right, so there is no repair in this mode (read repair and anti-entropy are off): they will disagree for good."
            }
            _ if repl.anti_entropy_ms.is_none() && !repl.read_repair => {
                " Neither read repair nor anti-entropy is on to reconcile them."
            }
            _ if live.iter().any(|a| live.iter().any(|b| w.actual.group[*a as usize] != w.actual.group[*b as usize])) => {
                " A partition still separates them, so no repair can reach across until it heals."
            }
            _ if repl.anti_entropy_ms.is_none() => {
                " Read repair only fixes what a get happens to read, and anti-entropy is off."
            }
            _ => " Repair had not reached them by the end of the run.",
        };
        out.push(Anomaly {
            kind: AnomalyKind::Divergence,
            op: None,
            key: k,
            related_ops: vec![],
            nodes: live.clone(),
            at_us: w.now,
            explanation: format!(
                "At the end the home replicas of `{}` disagree: {}.{}",
                s.sc.keys[k as usize],
                detail.join("; "),
                hint
            ),
        });
    }
    out
}
