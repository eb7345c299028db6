//! `lost_update`: see [`AnomalyKind::LostUpdate`].

use super::words::{skews, written_value, Words};
use super::{Anomaly, AnomalyKind};
use crate::client::{OpState, Status};
use crate::data::{Data, DotSet};
use crate::ids::ValueId;
use crate::scenario::ConflictMode;
use crate::sim::World;

/// Does put `q` replace put `p` (see `AnomalyKind::LostUpdate`)?
fn replaces(q: &OpState, p: &OpState) -> bool {
    let after = || q.start_us.zip(p.end_us).is_some_and(|(qs, pe)| qs > pe);
    let (Some(qw), Some(pw)) = (&q.written, &p.written) else { return false };
    match (qw, pw) {
        (Data::Siblings(qs), Data::Siblings(ps)) => ps.iter().all(|pv| qs.iter().any(|qv| qv.ctx.contains(pv.dot))),
        (Data::Lww { ts_us: qt, tie: qi, .. }, Data::Lww { ts_us: pt, tie: pi, .. }) => after() && (qt, qi) > (pt, pi),
        (Data::Arrival { .. }, Data::Arrival { .. }) => after(),
        // One mode per scenario: the first of a pair names it, and the compiler lists it here.
        (Data::Siblings(_) | Data::Lww { .. } | Data::Arrival { .. }, _) => false,
    }
}

/// Per key, what its stored puts could replace, so that a vanished put asks once instead of
/// scanning them all ([`replaces`] is the definition; [`Replacers::replaced`] answers the same).
struct Replacers {
    /// With siblings: every dot in the context of a stored put.
    seen: Vec<DotSet>,
    /// Otherwise: the stored puts by start, each with the highest (timestamp, tie) among it and
    /// every put that started after it (zero without timestamps).
    later: Vec<Vec<(u64, (i64, u64))>>,
}

impl Replacers {
    fn new(stored_puts: &[Vec<u32>], ops: &[OpState]) -> Replacers {
        let mut seen = Vec::with_capacity(stored_puts.len());
        let mut later = Vec::with_capacity(stored_puts.len());
        for puts in stored_puts {
            let qs = || puts.iter().map(|q| &ops[*q as usize]);
            seen.push(DotSet::union_many(qs().filter_map(|q| match &q.written {
                Some(Data::Siblings(s)) => Some(s.replaced()),
                _ => None,
            })));
            let mut l: Vec<(u64, (i64, u64))> = qs()
                .filter_map(|q| {
                    let order = match q.written.as_ref()? {
                        Data::Lww { ts_us, tie, .. } => (*ts_us, *tie),
                        Data::Arrival { .. } => (0, 0),
                        Data::Siblings(_) => return None,
                    };
                    Some((q.start_us?, order))
                })
                .collect();
            crate::order::sort_by_key(&mut l, |x| u128::from(x.0));
            for i in (0..l.len().saturating_sub(1)).rev() {
                l[i].1 = l[i].1.max(l[i + 1].1);
            }
            later.push(l);
        }
        Replacers { seen, later }
    }

    /// Did one of `stored` (the stored puts of `p`'s key) replace `p`?
    fn replaced(&self, stored: &[u32], ops: &[OpState], p: &OpState) -> bool {
        let later = &self.later[p.key as usize];
        let first_after = |pe: u64| later.get(later.partition_point(|x| x.0 <= pe));
        match &p.written {
            None => false,
            Some(Data::Siblings(ps)) if ps.len() == 1 => self.seen[p.key as usize].contains(ps[0].dot),
            Some(Data::Siblings(_)) => stored.iter().any(|q| replaces(&ops[*q as usize], p)),
            Some(Data::Lww { ts_us, tie, .. }) => p.end_us.and_then(first_after).is_some_and(|x| x.1 > (*ts_us, *tie)),
            Some(Data::Arrival { .. }) => p.end_us.and_then(first_after).is_some(),
        }
    }
}

pub(super) fn check(c: &Words, w: &World, out: &mut super::Checked) {
    let s = c.s;
    let mut present = vec![false; s.sc.values.len()];
    for n in &w.nodes {
        for d in n.store.iter().flatten().map(|d| &**d).chain(n.hints.values()) {
            for v in d.values() {
                present[v as usize] = true;
            }
        }
    }
    // The puts some replica stored, per key: only an acknowledged put that vanished scans them.
    let mut stored_puts: Vec<Vec<u32>> = vec![Vec::new(); s.sc.keys.len()];
    for (i, o) in w.ops.iter().enumerate().filter(|(_, o)| written_value(o).is_some() && o.stored()) {
        stored_puts[o.key as usize].push(i as u32);
    }
    let by = Replacers::new(&stored_puts, &w.ops);
    for (pi, p) in w.ops.iter().enumerate() {
        let Some(v) = written_value(p) else { continue };
        if p.status != Status::Ok || present[v as usize] {
            continue;
        }
        if by.replaced(&stored_puts[p.key as usize], &w.ops, p) {
            continue;
        }
        let survivors = winners(c, w, p);
        let end = p.end_us.unwrap_or(0);
        // Known once the key settled (no copy of it arriving, stored or kept since): before, a
        // copy of the value could still be on its way to a replica that keeps it.
        let lost_by = end.max(w.key_settled_us[p.key as usize]);
        out.add(AnomalyKind::LostUpdate, || Anomaly {
            kind: AnomalyKind::LostUpdate,
            op: Some(pi as u32),
            key: p.key,
            related_ops: survivors.iter().map(|v| c.put_of(*v)).collect(),
            nodes: p.acked_by.clone(),
            at_us: lost_by,
            explanation: format!(
                "{}'s put of {} succeeded at {} (acknowledged by {}), yet by {} no node held it, and no put of `{}` that {} was stored anywhere: it was silently discarded.{}",
                c.client(pi as u32),
                c.value(v),
                Words::ms(end),
                c.nodes(&p.acked_by),
                Words::ms(lost_by),
                s.sc.keys[p.key as usize],
                s.sc.repl.conflicts.replacing(),
                why(c, pi as u32, &survivors)
            ),
        });
    }
}

/// The values held at the end that beat put `p`: under lww only those with a higher timestamp
/// (first those on a replica that acknowledged `p`, which is where they replaced it), otherwise
/// every value still held of the key.
fn winners(c: &Words, w: &World, p: &OpState) -> Vec<ValueId> {
    let held_on = |n: &crate::node::NodeState| n.read(p.key).map(|d| d.values()).unwrap_or_default();
    let mut on_acked: Vec<ValueId> = p.acked_by.iter().flat_map(|n| held_on(&w.nodes[*n as usize])).collect();
    let mut all: Vec<ValueId> = w.nodes.iter().flat_map(held_on).collect();
    for list in [&mut on_acked, &mut all] {
        crate::order::sort_u32(list);
        list.dedup();
    }
    let beats = |v: &ValueId| match (&c.ops[c.put_of(*v) as usize].written, &p.written) {
        (Some(Data::Lww { ts_us: qt, tie: qi, .. }), Some(Data::Lww { ts_us: pt, tie: pi, .. })) => (qt, qi) > (pt, pi),
        _ => true,
    };
    let mut out: Vec<ValueId> = on_acked.into_iter().filter(beats).collect();
    let rest: Vec<ValueId> = all.into_iter().filter(|v| beats(v) && !out.contains(v)).collect();
    out.extend(rest);
    out
}

/// What kept the value out: last-write-wins and its clocks, or the absence of versions.
fn why(c: &Words, pi: u32, survivors: &[ValueId]) -> String {
    match c.s.sc.repl.conflicts {
        ConflictMode::Lww => {
            let Some(&sv) = survivors.first() else { return String::new() };
            let q = c.put_of(sv);
            let skews = skews(c, pi, Some(q));
            // It cannot have started after this put was acknowledged (it would have replaced it):
            // it overlapped it, or came before it and won on its clock.
            let (qo, po) = (&c.ops[q as usize], &c.ops[pi as usize]);
            let earlier = qo.end_us.zip(po.start_us).is_some_and(|(qe, ps)| qe < ps);
            let which = if earlier { "earlier put" } else { "concurrent put (the two overlapped in time)" };
            format!(
                " Last-write-wins kept {} from {}'s {which}, whose timestamp was higher{skews}.",
                c.value(sv),
                c.client(q)
            )
        }
        ConflictMode::LastArrival => " Without versions each replica kept whichever write arrived last.".into(),
        ConflictMode::Siblings => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacers_answer_as_the_scan_of_every_stored_put() {
        let (mut asked, mut replaced) = (0, 0);
        for sim in crate::testruns::runs(600) {
            let ops = &sim.world.ops;
            let mut stored: Vec<Vec<u32>> = vec![Vec::new(); sim.setup.sc.keys.len()];
            for (i, o) in ops.iter().enumerate().filter(|(_, o)| written_value(o).is_some() && o.stored()) {
                stored[o.key as usize].push(i as u32);
            }
            let by = Replacers::new(&stored, ops);
            for p in ops.iter().filter(|o| written_value(o).is_some()) {
                let want = stored[p.key as usize].iter().any(|q| replaces(&ops[*q as usize], p));
                assert_eq!(by.replaced(&stored[p.key as usize], ops, p), want);
                asked += 1;
                replaced += usize::from(want);
            }
        }
        assert!(replaced > 1_000 && asked - replaced > 1_000, "{replaced} of {asked} replaced");
    }
}
