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
use crate::ids::ValueId;
use crate::setup::Setup;

/// The write a get should have seen, and whether the get missed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Index of the put.
    pub put: u32,
    /// True when everything the get returned is older than this put: a stale read.
    pub missed: bool,
}

/// Per key, the successful puts as (end, start, op), sorted by end then start. Built once per run
/// so each question below is a binary search, not a scan of every operation.
pub(crate) struct OkPuts(Vec<Vec<(u64, u64, u32)>>);

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
        OkPuts(per_key)
    }

    /// What get `g` should have seen (see the module's definition); `None` when no put of its key
    /// had succeeded before it began, or `g` is not a completed get.
    pub(crate) fn expected(&self, s: &Setup, ops: &[OpState], g: &OpState) -> Option<Expected> {
        if g.kind != OpKind::Get || g.status != Status::Ok {
            return None;
        }
        let gstart = g.start_us?;
        let puts = &self.0[g.key as usize];
        let before = puts.partition_point(|x| x.0 < gstart);
        let newest = puts[..before].last()?;
        let writers: Vec<u32> = g.values().iter().map(|v| writer(s, *v)).collect();
        // All the values read precede a put P when the last of their puts ended before P started;
        // a put whose end is unknown precedes nothing.
        let writers_end: Option<u64> =
            writers.iter().map(|q| ops[*q as usize].end_us).try_fold(0u64, |m, e| e.map(|e| m.max(e)));
        let precedes_all = |p_start: u64| writers.is_empty() || writers_end.is_some_and(|we| we < p_start);
        // Newest first; a put that ended before the read values' puts ended cannot qualify.
        let missed = puts[..before]
            .iter()
            .rev()
            .take_while(|x| writers.is_empty() || writers_end.is_some_and(|we| x.0 > we))
            .find(|x| precedes_all(x.1));
        let missed = missed.map(|x| x.2).or_else(|| replaced_version(ops, &puts[..before], g));
        Some(match missed {
            Some(p) => Expected { put: p, missed: true },
            None => Expected { put: newest.2, missed: false },
        })
    }
}

/// With siblings: the newest of `puts` (succeeded before `g` began) whose causal context held a
/// version `g` returned, when `g` did not return that put's own value — `g` showed a version the
/// put had replaced.
fn replaced_version(ops: &[OpState], puts: &[(u64, u64, u32)], g: &OpState) -> Option<u32> {
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
