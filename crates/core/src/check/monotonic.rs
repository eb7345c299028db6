//! `monotonic_read`: see [`AnomalyKind::MonotonicRead`]. With siblings, something of the frontier
//! of this client's earlier reads is gone and was not replaced; otherwise, the newest value it had
//! read by the time this read began is newer than everything this one got.

use super::words::{why_dropped, writers_end, Words};
use super::{Anomaly, AnomalyKind};
use crate::client::{OpKind, Status};
use crate::data::DotSet;
use crate::ids::{ClientId, KeyId, ValueId};

/// One completed get, indexed by (client, key, end).
#[derive(Clone)]
struct Read {
    client: ClientId,
    key: KeyId,
    end_us: u64,
    op: u32,
    /// The newest value this client had read of the key by this read's end, with the start of
    /// its put and the read that returned it: (put start, read, value).
    newest: Option<(u64, u32, ValueId)>,
}

/// Every client's completed gets of each key in end order, with what they had read so far.
pub(super) struct Reads {
    reads: Vec<Read>,
    /// With siblings, per read: the values read so far that nothing read since had replaced,
    /// each with the read that returned it.
    frontier: Vec<Vec<(ValueId, u32)>>,
}

impl Reads {
    pub(super) fn new(c: &Words) -> Reads {
        let mut reads: Vec<Read> = Vec::new();
        for (i, o) in c.ops.iter().enumerate() {
            let (OpKind::Get, Status::Ok, Some(end_us)) = (o.kind, o.status, o.end_us) else { continue };
            // The value of this read whose put started last: the newest thing it saw.
            let newest = o
                .values()
                .into_iter()
                .filter_map(|v| c.ops[c.put_of(v) as usize].start_us.map(|st| (st, i as u32, v)))
                .max_by_key(|x| x.0);
            reads.push(Read { client: o.client, key: o.key, end_us, op: i as u32, newest });
        }
        // End times are below 2^32 µs (the scenario caps time at an hour), so all three fit 96 bits.
        crate::order::sort_by_key(&mut reads, |r| {
            assert!(r.end_us < 1 << 32, "operation times are capped at one hour, below 2^32 µs");
            (u128::from(r.client) << 64) | (u128::from(r.key) << 32) | u128::from(r.end_us)
        });
        // Each (client, key) run becomes a running maximum of the newest value read.
        let mut best: Option<(u64, u32, ValueId)> = None;
        for i in 0..reads.len() {
            if i == 0 || !same_group(&reads[i], &reads[i - 1]) {
                best = None;
            }
            if reads[i].newest.map(|x| x.0) > best.map(|x| x.0) {
                best = reads[i].newest;
            }
            reads[i].newest = best;
        }
        let frontier = if c.s.sc.repl.conflicts.causal() { frontiers(c, &reads) } else { vec![] };
        Reads { reads, frontier }
    }

    /// The reads of (client, key) that ended at or before `t_us`, as a range of indices.
    fn before(&self, client: ClientId, key: KeyId, t_us: u64) -> std::ops::Range<usize> {
        let group = (client, key);
        let from = self.reads.partition_point(|x| (x.client, x.key) < group);
        let upto = self
            .reads
            .partition_point(|x| (x.client, x.key) < group || ((x.client, x.key) == group && x.end_us <= t_us));
        from..upto
    }
}

/// The values, sorted, to be searched.
fn sorted(vs: &[ValueId]) -> Vec<ValueId> {
    let mut v = vs.to_vec();
    crate::order::sort_u32(&mut v);
    v
}

fn same_group(a: &Read, b: &Read) -> bool {
    (a.client, a.key) == (b.client, b.key)
}

fn frontiers(c: &Words, reads: &[Read]) -> Vec<Vec<(ValueId, u32)>> {
    let mut frontier: Vec<Vec<(ValueId, u32)>> = Vec::with_capacity(reads.len());
    for i in 0..reads.len() {
        let mut f = if i == 0 || !same_group(&reads[i], &reads[i - 1]) { vec![] } else { frontier[i - 1].clone() };
        let r = &c.ops[reads[i].op as usize];
        let got = r.values();
        let ctx = r.result.as_ref().map(|d| d.context()).unwrap_or_default();
        // Asked once per value of the frontier: sorted, so a wide frontier against many
        // values read is not their product (100 × 100 per read made this a second).
        let got_sorted = sorted(&got);
        f.retain(|(u, _)| got_sorted.binary_search(u).is_err() && !c.dot_of(*u).is_some_and(|d| ctx.contains(d)));
        // v is older than a value u of the frontier when u's put had seen v's version. Only the
        // frontier kept from earlier reads is asked: the values one read returns are siblings of
        // one copy, none in another's context (a join keeps no version another has replaced).
        // Each u is asked (got × frontier questions) unless merging the versions they had seen
        // once is less work: many values read against a wide frontier of short contexts.
        let kept = f.len();
        let runs: usize = f.iter().flat_map(|(u, _)| c.contexts(*u)).map(|s| s.runs().len()).sum();
        let merged = (got.len() * kept > runs).then(|| DotSet::union_many(f.iter().flat_map(|(u, _)| c.contexts(*u))));
        debug_assert!(got.iter().all(|v| c.dot_of(*v).is_none_or(|d| got.iter().all(|u| !c.saw(*u, d)))));
        for v in got {
            let older = c.dot_of(v).is_some_and(|d| match &merged {
                Some(seen) => seen.contains(d),
                None => f[..kept].iter().any(|(u, _)| c.saw(*u, d)),
            });
            if !older {
                f.push((v, reads[i].op));
            }
        }
        frontier.push(f);
    }
    frontier
}

pub(super) fn check(c: &Words, reads: &Reads, gi: u32) -> Option<Anomaly> {
    let g = &c.ops[gi as usize];
    let (gstart, gend) = (g.start_us.unwrap_or(0), g.end_us.unwrap_or(0));
    let vals = g.values();
    let earlier = reads.before(g.client, g.key, gstart);
    let siblings = c.s.sc.repl.conflicts.causal();
    let (ei, u) = if siblings {
        let ctx = g.result.as_ref().map(|d| d.context()).unwrap_or_default();
        let last = earlier.end.checked_sub(1).filter(|_| !earlier.is_empty())?;
        let vals_sorted = sorted(&vals);
        reads.frontier[last]
            .iter()
            .find(|(u, _)| vals_sorted.binary_search(u).is_err() && !c.dot_of(*u).is_some_and(|d| ctx.contains(d)))
            .map(|&(u, ei)| (ei, u))?
    } else {
        let we = writers_end(c, &vals);
        let precedes_all = |p_start: u64| vals.is_empty() || we.is_some_and(|we| we < p_start);
        reads.reads[earlier].last().and_then(|x| x.newest).filter(|x| precedes_all(x.0)).map(|x| (x.1, x.2))?
    };
    let why = if siblings {
        format!(
            "{} is gone, yet nothing this read returned had replaced it: it is concurrent with them, not older.",
            c.value(u)
        )
    } else {
        "Time went backwards for this client.".to_string()
    };
    let replied = g.replied_by();
    // What the second read's replicas did with the value: the mode's words when one had it.
    let cause = why_dropped(c, gi, u).unwrap_or_else(|| {
        format!("The second read asked {}, which had not yet received {}.", c.nodes(&replied), c.value(u))
    });
    Some(Anomaly {
        kind: AnomalyKind::MonotonicRead,
        op: Some(gi),
        key: g.key,
        related_ops: vec![ei, c.put_of(u)],
        nodes: replied.clone(),
        at_us: gend,
        explanation: format!(
            "{} read {} at {}, then read {} at {}. {} {}",
            c.client(gi),
            c.values(&c.ops[ei as usize].values()),
            Words::ms(c.ops[ei as usize].end_us.unwrap_or(0)),
            c.values(&vals),
            Words::ms(gend),
            why,
            cause
        ),
    })
}
