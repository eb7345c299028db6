//! The one definition of "the write a read should have seen". The checker's stale-read verdict,
//! the report, the app's quorum line and the ring's W marks all read it, so they always cite the
//! same write.
//!
//! A get G of key k *should have seen* put P when P succeeded (W acknowledgements) before G began.
//! Among those puts: if G returned only values that precede one of them (each value's put ended
//! before that put started), G is stale and the newest such put is the one it missed; otherwise it
//! is the newest of them, which G saw or raced with. With siblings, G is also stale when it returned
//! a version that one of those puts had replaced (its causal context held it), and not that put's
//! value: it showed a version already superseded.

use crate::client::{OpKind, OpState, Status};
use crate::data::Data;
use crate::ids::{ClientId, ValueId};
use crate::setup::Setup;

/// The write a get should have seen, and whether the get missed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Index of the put.
    pub put: u32,
    /// True when everything the get returned is older than this put: a stale read.
    pub missed: bool,
}

/// Per key, the successful puts as (end, start, op), sorted by end then start, with a tree of
/// their latest starts; and, with siblings, per get the newest of them that had replaced a version
/// the get returned. Built once per run so each question below is a binary search or a descent,
/// not a scan of every earlier put.
pub(crate) struct OkPuts {
    per_key: Vec<Vec<(u64, u64, u32)>>,
    /// Per key, the latest start over each power-of-two block of `per_key` (see [`MaxTree`]).
    starts: Vec<MaxTree>,
    /// Per operation: [`replaced_version`] of that get, precomputed; `NONE` when there is none
    /// (and for every put).
    replaced: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl OkPuts {
    pub(crate) fn new(keys: usize, ops: &[OpState]) -> OkPuts {
        let mut per_key: Vec<Vec<(u64, u64, u32)>> = vec![Vec::new(); keys];
        for (i, o) in ops.iter().enumerate() {
            if let (OpKind::Put { .. }, Status::Ok, Some(st), Some(e)) = (o.kind, o.status, o.start_us, o.end_us) {
                per_key[o.key as usize].push((e, st, i as u32));
            }
        }
        for list in &mut per_key {
            crate::order::sort_by_key(list, |&(e, st, _)| crate::order::pair(e, st));
        }
        let starts = per_key.iter().map(|l| MaxTree::new(l.iter().map(|x| x.1))).collect();
        let replaced = replaced_versions(ops, &per_key);
        OkPuts { per_key, starts, replaced }
    }

    /// What get `gi` should have seen (see the module's definition); `None` when no put of its key
    /// had succeeded before it began, or `gi` is not a completed get.
    pub(crate) fn expected(&self, s: &Setup, ops: &[OpState], gi: u32) -> Option<Expected> {
        let g = &ops[gi as usize];
        if g.kind != OpKind::Get || g.status != Status::Ok {
            return None;
        }
        let gstart = g.start_us?;
        let puts = &self.per_key[g.key as usize];
        let before = puts.partition_point(|x| x.0 < gstart);
        let newest = puts[..before].last()?;
        let writers: Vec<u32> = g.values().iter().map(|v| writer(s, *v)).collect();
        // All the values read precede a put P when the last of their puts ended before P started;
        // a put whose end is unknown precedes nothing.
        let writers_end: Option<u64> =
            writers.iter().map(|q| ops[*q as usize].end_us).try_fold(0u64, |m, e| e.map(|e| m.max(e)));
        // The newest put (last in end order) that started after the read values' puts had all
        // ended; only one that ended after them can qualify.
        let missed = match writers_end {
            _ if writers.is_empty() => Some(newest.2),
            None => None,
            Some(we) => {
                let from = puts[..before].partition_point(|x| x.0 <= we);
                self.starts[g.key as usize].last_above(from, before, we).map(|i| puts[i].2)
            }
        };
        let missed = missed.or_else(|| Some(self.replaced[gi as usize]).filter(|&p| p != NONE));
        Some(match missed {
            Some(p) => Expected { put: p, missed: true },
            None => Expected { put: newest.2, missed: false },
        })
    }
}

/// A segment tree of maxima over a list of numbers: which is the last position in a range
/// holding a number above a bound, in O(log n).
pub(crate) struct MaxTree {
    /// Leaves from `leaves` on; each inner node `i` holds the maximum of `2i` and `2i + 1`. An
    /// empty list is one empty leaf.
    t: Vec<u64>,
    leaves: usize,
}

impl MaxTree {
    pub(crate) fn new(xs: impl ExactSizeIterator<Item = u64>) -> MaxTree {
        let leaves = xs.len().next_power_of_two();
        let mut t = vec![0u64; 2 * leaves];
        for (i, x) in xs.enumerate() {
            t[leaves + i] = x;
        }
        for i in (1..leaves).rev() {
            t[i] = t[2 * i].max(t[2 * i + 1]);
        }
        MaxTree { t, leaves }
    }

    /// The last position in `from..to` whose number is above `bound`.
    pub(crate) fn last_above(&self, from: usize, to: usize, bound: u64) -> Option<usize> {
        self.descend(1, 0, self.leaves, from, to, bound)
    }

    fn descend(&self, node: usize, lo: usize, hi: usize, from: usize, to: usize, bound: u64) -> Option<usize> {
        if hi <= from || lo >= to || self.t[node] <= bound {
            return None;
        }
        if hi - lo == 1 {
            return Some(lo);
        }
        let mid = (lo + hi) / 2;
        self.descend(2 * node + 1, mid, hi, from, to, bound)
            .or_else(|| self.descend(2 * node, lo, mid, from, to, bound))
    }
}

/// Per operation, [`replaced_version`] of each completed get with siblings against the puts of its
/// key that succeeded before it began (`NONE` otherwise). One sweep per key over its puts in end
/// order: each put marks the dots of its causal context with its position, in one segment tree per
/// writer over that writer's counters (a context is runs of counters, so a put marks a few
/// ranges), and a get asks each dot it returned for the latest put whose context held it.
fn replaced_versions(ops: &[OpState], per_key: &[Vec<(u64, u64, u32)>]) -> Vec<u32> {
    let mut out = vec![NONE; ops.len()];
    // Per key, the gets to answer, as (how many of the key's puts succeeded before it began, get).
    let mut asks: Vec<Vec<(usize, u32)>> = vec![Vec::new(); per_key.len()];
    for (i, g) in ops.iter().enumerate() {
        if let (OpKind::Get, Status::Ok, Some(st), Some(Data::Siblings(_))) = (g.kind, g.status, g.start_us, &g.result)
        {
            let puts = &per_key[g.key as usize];
            asks[g.key as usize].push((puts.partition_point(|x| x.0 < st), i as u32));
        }
    }
    let sibs = |op: u32| match &ops[op as usize].written {
        Some(Data::Siblings(s)) => &s[..],
        _ => &[],
    };
    let got = |op: u32| match &ops[op as usize].result {
        Some(Data::Siblings(s)) => &s[..],
        _ => &[],
    };
    for (puts, asks) in per_key.iter().zip(&mut asks) {
        if asks.is_empty() {
            continue;
        }
        crate::order::sort_by_key(asks, |a| a.0 as u128);
        // One tree per writer, as large as the highest counter of that writer seen in this key.
        let mut top: Vec<u32> = Vec::new();
        let mut see = |actor: ClientId, counter: u32| {
            if top.len() <= actor as usize {
                top.resize(actor as usize + 1, 0);
            }
            top[actor as usize] = top[actor as usize].max(counter);
        };
        for p in puts {
            for r in sibs(p.2).iter().flat_map(|m| m.ctx.runs()) {
                see(r.0, r.2);
            }
        }
        for a in asks.iter() {
            for s in got(a.1) {
                see(s.dot.actor, s.dot.counter);
            }
        }
        let mut marks: Vec<Marks> = top.iter().map(|&t| Marks::new(t as usize + 1)).collect();
        let mut next = 0;
        for &(before, gi) in asks.iter() {
            while next < before {
                for r in sibs(puts[next].2).iter().flat_map(|m| m.ctx.runs()) {
                    marks[r.0 as usize].mark(r.1 as usize, r.2 as usize, next as u32 + 1);
                }
                next += 1;
            }
            let g = &ops[gi as usize];
            let latest =
                got(gi).iter().map(|s| marks[s.dot.actor as usize].at(s.dot.counter as usize)).max().unwrap_or(0);
            let Some(p) = latest.checked_sub(1) else { continue };
            let shown = |op: u32| sibs(op).iter().any(|m| got(gi).iter().any(|s| s.dot == m.dot));
            // Every later put's context held none of the dots; this one's held one. It replaced
            // that version unless the get also returned its own value (a join never does both).
            let p = p as usize;
            out[gi as usize] =
                if !shown(puts[p].2) { puts[p].2 } else { replaced_version(ops, &puts[..p], g).unwrap_or(NONE) };
        }
    }
    out
}

/// Per counter of one writer, the latest mark covering it: range marks with increasing values,
/// point questions, each O(log n) (a segment tree whose nodes keep the marks of their ranges).
struct Marks {
    t: Vec<u32>,
    leaves: usize,
}

impl Marks {
    fn new(n: usize) -> Marks {
        let leaves = n.next_power_of_two();
        Marks { t: vec![0; 2 * leaves], leaves }
    }

    /// Marks counters `first..=last` with `m`.
    fn mark(&mut self, first: usize, last: usize, m: u32) {
        let (mut l, mut r) = (first + self.leaves, last + 1 + self.leaves);
        while l < r {
            if l & 1 == 1 {
                self.t[l] = self.t[l].max(m);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                self.t[r] = self.t[r].max(m);
            }
            l /= 2;
            r /= 2;
        }
    }

    /// The latest mark covering counter `i` (0 if none).
    fn at(&self, i: usize) -> u32 {
        let mut n = i + self.leaves;
        let mut m = 0;
        while n >= 1 {
            m = m.max(self.t[n]);
            n /= 2;
        }
        m
    }
}

/// With siblings: the newest of `puts` (succeeded before `g` began) whose causal context held a
/// version `g` returned, when `g` did not return that put's own value — `g` showed a version the
/// put had replaced. The definition, by a scan; [`replaced_versions`] answers it for every get at
/// once.
pub(crate) fn replaced_version(ops: &[OpState], puts: &[(u64, u64, u32)], g: &OpState) -> Option<u32> {
    let Some(Data::Siblings(got)) = &g.result else { return None };
    puts.iter().rev().map(|x| x.2).find(|&p| match &ops[p as usize].written {
        Some(Data::Siblings(mine)) => {
            let shown = got.iter().any(|s| mine.iter().any(|m| m.dot == s.dot));
            !shown && got.iter().any(|s| mine.iter().any(|m| m.ctx.contains(s.dot)))
        }
        _ => false,
    })
}

/// The put that wrote value `v` (every put writes a distinct value).
pub(crate) fn writer(s: &Setup, v: ValueId) -> u32 {
    s.put_of_value[v as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testruns::runs;

    /// The definition as first written: a scan of every put of the key for every get.
    fn expected_by_scan(s: &Setup, ops: &[OpState], g: &OpState) -> Option<Expected> {
        if g.kind != OpKind::Get || g.status != Status::Ok {
            return None;
        }
        let gstart = g.start_us?;
        let mut puts: Vec<(u64, u64, u32)> = (0..ops.len() as u32)
            .filter_map(|i| {
                let o = &ops[i as usize];
                match (o.kind, o.status, o.start_us, o.end_us) {
                    (OpKind::Put { .. }, Status::Ok, Some(st), Some(e)) if o.key == g.key && e < gstart => {
                        Some((e, st, i))
                    }
                    _ => None,
                }
            })
            .collect();
        crate::order::sort_by_key(&mut puts, |&(e, st, _)| crate::order::pair(e, st));
        let newest = puts.last()?;
        let writers: Vec<u32> = g.values().iter().map(|v| writer(s, *v)).collect();
        let writers_end: Option<u64> =
            writers.iter().map(|q| ops[*q as usize].end_us).try_fold(0u64, |m, e| e.map(|e| m.max(e)));
        let precedes_all = |p_start: u64| writers.is_empty() || writers_end.is_some_and(|we| we < p_start);
        let missed = puts
            .iter()
            .rev()
            .take_while(|x| writers.is_empty() || writers_end.is_some_and(|we| x.0 > we))
            .find(|x| precedes_all(x.1));
        let missed = missed.map(|x| x.2).or_else(|| replaced_version(ops, &puts, g));
        Some(match missed {
            Some(p) => Expected { put: p, missed: true },
            None => Expected { put: newest.2, missed: false },
        })
    }

    #[test]
    fn the_indexed_answer_is_the_scan_on_generated_runs() {
        let (mut gets, mut missed, mut replaced) = (0, 0, 0);
        for sim in runs(600) {
            let ops = &sim.world.ops;
            let ok = OkPuts::new(sim.setup.sc.keys.len(), ops);
            for (i, g) in ops.iter().enumerate() {
                let want = expected_by_scan(&sim.setup, ops, g);
                assert_eq!(ok.expected(&sim.setup, ops, i as u32), want, "op {i} of {:?}", sim.setup.sc.title);
                gets += usize::from(want.is_some());
                missed += usize::from(want.is_some_and(|e| e.missed));
                replaced += usize::from(ok.replaced[i] != NONE);
            }
        }
        // The runs exercise every branch: gets with an expected put, stale ones, and ones that
        // showed a replaced version.
        assert!(gets > 3_000 && missed > 20 && replaced > 0, "{gets} gets, {missed} missed, {replaced} replaced");
    }

    #[test]
    fn the_tree_finds_the_last_number_above_a_bound() {
        let xs = [5u64, 1, 9, 3, 9, 2, 7];
        let t = MaxTree::new(xs.iter().copied());
        for from in 0..=xs.len() {
            for to in from..=xs.len() {
                for bound in 0..11 {
                    let want = (from..to).rev().find(|i| xs[*i] > bound);
                    assert_eq!(t.last_above(from, to, bound), want, "{from}..{to} above {bound}");
                }
            }
        }
    }
}
