//! What a replica stores for one key, and how two copies merge. One representation per conflict
//! mode; a scenario uses exactly one.
//!
//! `siblings` shows the sibling semantics of Riak (`allow_mult=true`) and Dynamo's shopping cart,
//! tracked the way dotted version vectors track it (Preguiça et al.; Riak 2.0's `dvv_enabled`):
//! every put gets a unique *dot* (the client that coordinated it, and that client's n-th put of the
//! key) and carries the *exact* causal context of its client's last get of the key — the set of
//! dots that get returned, together with every dot those had replaced. A version is obsolete
//! exactly when another version's context contains its dot. A blind put carries an empty context
//! and replaces nothing.
//!
//! Why a set of dots and not a version vector with the client as actor: a vector entry `c: 2`
//! claims "saw c's first and second puts", which is false when c's two puts were concurrent
//! (written with no context, or reaching different replicas). Riak can summarise with a vector
//! because its actors are the coordinating vnodes, whose updates are sequential; here the client
//! coordinates, so the context is kept exactly. Every path — puts, read repair, anti-entropy,
//! hinted handoff — merges copies with the same join ([`Data::merge_from`]), which is commutative,
//! associative and idempotent, so no order of delivery loses or resurrects a version.

use crate::hash::hash_u64s;
use crate::ids::{ClientId, ValueId};
use crate::scenario::ConflictMode;
use std::sync::Arc;

/// Everything that differs between conflict modes, in one place: adding a mode means one arm in
/// each `match` below (the compiler lists them), and the representation in [`Data`].
impl ConflictMode {
    /// The version a put writes. `client_puts` counts the client's puts so far (LWW's tie-break);
    /// `key_puts` is this put's number among the client's puts of the key (its dot); `context` is
    /// what the client's last get of the key returned, `None` for a blind put.
    pub(crate) fn new_version(self, value: ValueId, w: NewVersion) -> Data {
        match self {
            ConflictMode::Lww => {
                Data::Lww { value, ts_us: w.clock_us, tie: ((w.client as u64) << 32) | w.client_puts as u64 }
            }
            ConflictMode::LastArrival => Data::Arrival { value },
            // The new version replaces exactly what the client's last get returned (and what those
            // had replaced); a blind put replaces nothing.
            ConflictMode::Siblings => Data::Siblings(Arc::new(Siblings::one(Sibling {
                value,
                dot: Dot { actor: w.client, counter: w.key_puts },
                ctx: w.context.unwrap_or_default(),
            }))),
        }
    }

    /// Does a get join its replies' versions? Without versions there is nothing to compare: the
    /// get returns the reply that arrived last.
    pub(crate) fn merges_replies(self) -> bool {
        match self {
            ConflictMode::Lww | ConflictMode::Siblings => true,
            ConflictMode::LastArrival => false,
        }
    }

    /// Does the mode track causality (versions a put replaced, so concurrent writes survive side
    /// by side)? The checker judges monotonic reads and replacement by it.
    pub fn causal(self) -> bool {
        match self {
            ConflictMode::Siblings => true,
            ConflictMode::Lww | ConflictMode::LastArrival => false,
        }
    }

    /// Can replicas repair each other (read repair, anti-entropy)? Not under `last_arrival`: with
    /// no version there is no rule to pick the copy to keep, and pushing one copy over another (as
    /// a repair without versions would) only moves values around between replicas, forever. A real
    /// store without versions could do no better.
    pub fn repairs(self) -> bool {
        match self {
            ConflictMode::Lww | ConflictMode::Siblings => true,
            ConflictMode::LastArrival => false,
        }
    }

    /// One sentence for the UI: what the mode does and which real system's design it shows.
    pub fn design(self) -> &'static str {
        match self {
            ConflictMode::Lww => "Last write wins, as in Cassandra and Riak's last_write_wins: each write carries its client's clock, and a replica keeps the copy with the higher timestamp, so a write from a client whose clock runs behind can silently lose.",
            ConflictMode::Siblings => "Siblings as in Riak (allow_mult) and Dynamo's cart, tracked like dotted version vectors: every write gets a unique dot and replaces exactly the versions its client's last read returned, so a concurrent write is never lost and a replaced one never comes back.",
            ConflictMode::LastArrival => "Without versions no replica can tell which of two copies is newer, so there is nothing to repair by: read repair and anti-entropy are off in this mode, and replicas that disagree stay that way.",
        }
    }

    /// The checker's words for why a replica that had a put still answered with an older version.
    pub(crate) fn why_older_answer(self) -> &'static str {
        match self {
            ConflictMode::Lww => " — last-write-wins kept the value with the higher client timestamp",
            ConflictMode::Siblings | ConflictMode::LastArrival => "",
        }
    }

    /// The checker's words for what a put must have done to replace another (`lost_update`).
    pub(crate) fn replacing(self) -> &'static str {
        match self {
            ConflictMode::Siblings => "had seen it",
            ConflictMode::Lww => "started after it was acknowledged, with a higher timestamp,",
            ConflictMode::LastArrival => "started after it was acknowledged",
        }
    }
}

/// A put that would give a replica more than this many versions (siblings) of one key is refused,
/// as Riak refuses writes past `max_siblings` (100 by default). The cap is on puts: repair,
/// handoff and anti-entropy merge versions other replicas already took, so after a partition a
/// replica can hold up to this many per side, and no more than the puts that were accepted.
pub const MAX_SIBLINGS: usize = 100;
/// A put that leaves a replica more than this many siblings of a key is warned of, each time, as
/// Riak's `riak_kv_vnode` logs "Too many siblings" when `NumSiblings > warn_siblings` (25).
pub const WARN_SIBLINGS: usize = 25;

impl Data {
    /// How many versions (siblings) this copy holds: 1 unless in siblings mode.
    pub fn versions(&self) -> usize {
        match self {
            Data::Siblings(s) => s.len(),
            Data::Lww { .. } | Data::Arrival { .. } => 1,
        }
    }
}

/// What a new version is made from, besides its value (see [`ConflictMode::new_version`]).
pub(crate) struct NewVersion {
    pub client: ClientId,
    /// The client's clock: simulated time plus its skew.
    pub clock_us: i64,
    pub client_puts: u32,
    pub key_puts: u32,
    pub context: Option<DotSet>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dot {
    pub actor: ClientId,
    pub counter: u32,
}

/// An exact set of dots: a causal context, never summarised. Kept as runs of consecutive
/// counters per actor — `(actor, first, last)`, sorted, disjoint and never adjacent, so equal sets
/// are equal runs — because a client that reads and then writes a key, again and again, has a
/// context of every dot before: as a list of dots that grew with each put (10,000 get-then-put
/// pairs of one key took minutes and gigabytes), as runs it stays one per writer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DotSet(std::sync::Arc<[(ClientId, u32, u32)]>);

impl DotSet {
    /// The set of `dots`, in any order, with repeats.
    pub fn of(dots: Vec<Dot>) -> DotSet {
        DotSet::union([], dots)
    }

    /// The union of `sets` and `dots`.
    pub fn union<'a>(sets: impl IntoIterator<Item = &'a DotSet>, dots: impl IntoIterator<Item = Dot>) -> DotSet {
        let mut runs: Vec<(ClientId, u32, u32)> = sets.into_iter().flat_map(|s| s.0.iter().copied()).collect();
        runs.extend(dots.into_iter().map(|d| (d.actor, d.counter, d.counter)));
        crate::order::sort_by_key(&mut runs, |r| crate::order::pair(u64::from(r.0), u64::from(r.1)));
        let mut out: Vec<(ClientId, u32, u32)> = Vec::with_capacity(runs.len());
        for r in runs {
            match out.last_mut() {
                Some(last) if last.0 == r.0 && u64::from(r.1) <= u64::from(last.2) + 1 => last.2 = last.2.max(r.2),
                _ => out.push(r),
            }
        }
        DotSet(out.into())
    }

    /// The union of two sets in one pass over their runs (a merge joins two replicas' unions).
    pub(crate) fn union_of_two(a: &DotSet, b: &DotSet) -> DotSet {
        if Arc::ptr_eq(&a.0, &b.0) || a.0 == b.0 {
            return a.clone();
        }
        let (x, y) = (&a.0[..], &b.0[..]);
        let mut out: Vec<(ClientId, u32, u32)> = Vec::with_capacity(x.len() + y.len());
        let (mut i, mut j) = (0, 0);
        while i < x.len() || j < y.len() {
            let r = if j == y.len() || (i < x.len() && (x[i].0, x[i].1) <= (y[j].0, y[j].1)) {
                i += 1;
                x[i - 1]
            } else {
                j += 1;
                y[j - 1]
            };
            match out.last_mut() {
                Some(last) if last.0 == r.0 && u64::from(r.1) <= u64::from(last.2) + 1 => last.2 = last.2.max(r.2),
                _ => out.push(r),
            }
        }
        let u = DotSet(out.into());
        debug_assert_eq!(u, DotSet::union([a, b], []));
        u
    }

    /// The union of many sets, merged a batch at a time so the runs in hand stay within a few
    /// times the result's (a key's every context may hold the same long runs).
    pub(crate) fn union_many<'a>(sets: impl IntoIterator<Item = &'a DotSet>) -> DotSet {
        let mut acc = DotSet::default();
        let mut batch: Vec<&DotSet> = Vec::new();
        let mut runs = 0;
        for set in sets {
            runs += set.0.len();
            batch.push(set);
            if runs > 4 * acc.0.len() + 4096 {
                acc = DotSet::union(batch.drain(..).chain([&acc]), []);
                runs = 0;
            }
        }
        DotSet::union(batch.into_iter().chain([&acc]), [])
    }

    /// The runs `(actor, first, last)`, sorted by actor then first counter.
    pub(crate) fn runs(&self) -> &[(ClientId, u32, u32)] {
        &self.0
    }

    pub fn contains(&self, d: Dot) -> bool {
        let i = self.0.partition_point(|r| (r.0, r.1) <= (d.actor, d.counter));
        i > 0 && self.0[i - 1].0 == d.actor && self.0[i - 1].2 >= d.counter
    }

    /// How many dots.
    pub fn len(&self) -> usize {
        self.0.iter().map(|r| (r.2 - r.1) as usize + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sibling {
    pub value: ValueId,
    pub dot: Dot,
    /// What the writer had seen: the exact dots this version replaces, transitively (it is the
    /// context of a get, which includes everything the versions it returned had replaced).
    pub ctx: DotSet,
}

/// A copy's versions in siblings mode, sorted by dot, none obsolete, with the union of their
/// contexts kept beside them: a merge and a reader's context then join two such unions instead
/// of every version's context (64 writers chaining get-then-put on one key spent most of a
/// 100-second run re-merging the same contexts). The union of the kept versions' contexts is
/// the union of every context ever merged in, because a context is closed: a version's context
/// holds the context of every version it names (it is a get's context, the union of what the get
/// returned and what those had replaced), so whatever replaced a version had seen all it had.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Siblings {
    list: Vec<Sibling>,
    replaced: DotSet,
    /// The Merkle digest of these versions, made once: anti-entropy asks it of every key at every
    /// tree it builds (100 siblings of 1,000 keys took 27 s of hashing them again).
    digest: u64,
}

impl Siblings {
    fn new(list: Vec<Sibling>, replaced: DotSet) -> Siblings {
        let mut xs = Vec::with_capacity(1 + 3 * list.len());
        xs.push(3u64);
        for sib in &list {
            xs.extend([sib.value as u64, sib.dot.actor as u64, sib.dot.counter as u64]);
        }
        Siblings { digest: hash_u64s(&xs), list, replaced }
    }

    pub(crate) fn one(s: Sibling) -> Siblings {
        Siblings::new(vec![s.clone()], s.ctx)
    }

    /// Every dot the versions replaced: the union of their contexts.
    pub fn replaced(&self) -> &DotSet {
        &self.replaced
    }

    /// The same versions: the same dots, since a dot names one put (its value and context).
    fn same_versions(&self, other: &Siblings) -> bool {
        let same =
            self.list.len() == other.list.len() && self.list.iter().zip(&other.list).all(|(a, b)| a.dot == b.dot);
        debug_assert_eq!(same, self.list == other.list, "a dot names one version");
        same
    }
}

impl std::ops::Deref for Siblings {
    type Target = [Sibling];
    fn deref(&self) -> &[Sibling] {
        &self.list
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Data {
    /// Last write wins: `(ts_us, tie)` orders writes; tie = client index << 32 | client's put count.
    Lww { value: ValueId, ts_us: i64, tie: u64 },
    /// Concurrent writes kept side by side; sorted by dot, none obsolete. Shared, not copied:
    /// every reply, repair and recorded message carrying a replica's copy points at the same
    /// siblings (3,000 gets with R = 256 of 100 siblings, traced, held 768,000 copies: 2.1 GB).
    Siblings(Arc<Siblings>),
    /// No version at all.
    Arrival { value: ValueId },
}

impl Data {
    /// Merges `incoming` into `self`; true when `self` changed.
    pub fn merge_from(&mut self, incoming: &Data) -> bool {
        // A scenario has one conflict mode: mixing representations is a bug in the simulator.
        const ONE_MODE: &str = "a scenario has one conflict mode";
        match &mut *self {
            Data::Lww { ts_us, tie, .. } => {
                let Data::Lww { ts_us: t2, tie: i2, .. } = incoming else { unreachable!("{ONE_MODE}") };
                let newer = (*t2, *i2) > (*ts_us, *tie);
                if newer {
                    *self = incoming.clone();
                }
                newer
            }
            Data::Arrival { value } => {
                let Data::Arrival { value: v2 } = incoming else { unreachable!("{ONE_MODE}") };
                let changed = value != v2;
                *value = *v2;
                changed
            }
            Data::Siblings(mine) => {
                let Data::Siblings(theirs) = incoming else { unreachable!("{ONE_MODE}") };
                if Arc::ptr_eq(mine, theirs) {
                    return false;
                }
                let Some(keep) = join_siblings(mine, theirs) else { return false };
                // What came in, when it was all of it, is shared rather than copied (each get's
                // answer held its own copy of up to 100 siblings).
                *mine = if keep.same_versions(theirs) { Arc::clone(theirs) } else { Arc::new(keep) };
                true
            }
        }
    }

    /// `self` merged with `other`, without changing either.
    pub fn merged(a: Option<&Data>, b: &Data) -> Data {
        match a {
            None => b.clone(),
            Some(a) => {
                let mut m = a.clone();
                m.merge_from(b);
                m
            }
        }
    }

    /// Would merging `newest` into this copy change it? (i.e. is this copy behind?)
    pub fn is_behind(copy: Option<&Data>, newest: &Data) -> bool {
        match copy {
            None => true,
            Some(c) => {
                let mut c2 = c.clone();
                c2.merge_from(newest)
            }
        }
    }

    pub fn values(&self) -> Vec<ValueId> {
        match self {
            Data::Lww { value, .. } | Data::Arrival { value } => vec![*value],
            Data::Siblings(s) => s.iter().map(|s| s.value).collect(),
        }
    }

    /// The causal context a reader takes away: the exact dots of these siblings and of everything
    /// they replaced.
    pub fn context(&self) -> DotSet {
        match self {
            Data::Siblings(s) => DotSet::union([&s.replaced], s.iter().map(|sib| sib.dot)),
            // No causality is tracked: a reader's put replaces nothing by context.
            Data::Lww { .. } | Data::Arrival { .. } => DotSet::default(),
        }
    }

    /// Stable digest for Merkle leaves.
    pub fn digest(&self) -> u64 {
        match self {
            Data::Lww { value, ts_us, tie } => hash_u64s(&[1, *value as u64, *ts_us as u64, *tie]),
            Data::Arrival { value } => hash_u64s(&[2, *value as u64]),
            Data::Siblings(s) => s.digest,
        }
    }
}

/// The join of two sibling sets (each sorted by dot, none obsolete): every version of either side
/// that no version of either side has in its context, sorted by dot. Linear in the siblings and
/// the two sides' unions of contexts; `None` when that is `mine` unchanged (nothing is copied
/// then: most merges, as most replies and repairs bring nothing new).
fn join_siblings(mine: &Siblings, theirs: &Siblings) -> Option<Siblings> {
    let replaced = DotSet::union_of_two(&mine.replaced, &theirs.replaced);
    let mut keep: Vec<&Sibling> = Vec::with_capacity(mine.len() + theirs.len());
    let (mut i, mut j) = (0, 0);
    // Both sides are sorted by dot: one pass merges them, a version on both sides taken once.
    while i < mine.len() || j < theirs.len() {
        let next = match (mine.list.get(i), theirs.list.get(j)) {
            (Some(a), Some(b)) if a.dot == b.dot => {
                j += 1;
                i += 1;
                a
            }
            (Some(a), Some(b)) if a.dot < b.dot => {
                i += 1;
                a
            }
            (_, Some(b)) => {
                j += 1;
                b
            }
            (Some(a), None) => {
                i += 1;
                a
            }
            (None, None) => unreachable!("the loop runs while one side has versions"),
        };
        if !replaced.contains(next.dot) {
            keep.push(next);
        }
    }
    debug_assert_eq!(replaced, DotSet::union(keep.iter().map(|s| &s.ctx), []), "contexts are closed");
    if keep.len() == mine.len() && keep.iter().zip(mine.iter()).all(|(a, b)| a.dot == b.dot) {
        debug_assert_eq!(replaced, mine.replaced);
        return None;
    }
    Some(Siblings::new(keep.into_iter().cloned().collect(), replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dots(ds: &[(u32, u32)]) -> DotSet {
        DotSet::of(ds.iter().map(|&(actor, counter)| Dot { actor, counter }).collect())
    }

    fn sib(value: ValueId, actor: u32, counter: u32, ctx: &[(u32, u32)]) -> Data {
        Data::Siblings(Arc::new(Siblings::one(Sibling { value, dot: Dot { actor, counter }, ctx: dots(ctx) })))
    }

    #[test]
    fn lww_keeps_highest_timestamp_then_tie() {
        let mut a = Data::Lww { value: 1, ts_us: 10, tie: 5 };
        assert!(!a.merge_from(&Data::Lww { value: 2, ts_us: 9, tie: 99 }));
        assert!(a.merge_from(&Data::Lww { value: 3, ts_us: 10, tie: 6 }));
        assert_eq!(a.values(), vec![3]);
    }

    #[test]
    fn concurrent_puts_become_siblings_and_a_contextual_put_replaces_them() {
        // Dynamo's cart: two writers that had both read D2 write concurrently...
        let mut d = sib(2, 0, 2, &[(0, 1)]);
        d.merge_from(&sib(3, 1, 1, &[(0, 1), (0, 2)]));
        d.merge_from(&sib(4, 2, 1, &[(0, 1), (0, 2)]));
        assert_eq!(d.values(), vec![3, 4], "D3 and D4 are siblings; D2 is replaced by both");
        // ...and a reconciling write with the context of a read of both replaces both.
        let ctx = d.context();
        assert_eq!(ctx, dots(&[(0, 1), (0, 2), (1, 1), (2, 1)]));
        d.merge_from(&Data::Siblings(Arc::new(Siblings::one(Sibling {
            value: 5,
            dot: Dot { actor: 0, counter: 3 },
            ctx,
        }))));
        assert_eq!(d.values(), vec![5]);
    }

    #[test]
    fn blind_put_replaces_nothing_and_merge_is_order_independent() {
        let a = sib(1, 0, 1, &[]);
        let b = sib(2, 0, 2, &[]);
        let c = sib(3, 1, 1, &[(0, 1)]);
        let orders = [[&a, &b, &c], [&c, &b, &a], [&b, &a, &c]];
        let results: Vec<Vec<u32>> = orders
            .iter()
            .map(|o| {
                let mut d = o[0].clone();
                d.merge_from(o[1]);
                d.merge_from(o[2]);
                d.values()
            })
            .collect();
        assert_eq!(results[0], vec![2, 3], "blind put 2 stays beside 3; 1 is replaced by 3");
        assert!(results.iter().all(|r| *r == results[0]));
    }

    #[test]
    fn a_context_names_exact_dots_not_a_count_per_client() {
        // Client 0's two puts are concurrent (no context). A reader that saw only the second one
        // replaces only the second: "0:2" does not imply "0:1".
        let mut d = sib(1, 0, 1, &[]);
        d.merge_from(&sib(2, 0, 2, &[]));
        d.merge_from(&sib(3, 1, 1, &[(0, 2)]));
        assert_eq!(d.values(), vec![1, 3]);
    }

    #[test]
    fn replacement_is_transitive_through_versions_a_replica_never_saw() {
        // 2 replaced 1, 3 replaced 2 (its context includes 2's). A replica that holds 1 and only
        // ever hears of 3 drops 1, in either order.
        let one = sib(1, 0, 1, &[]);
        let three = sib(3, 2, 1, &[(0, 1), (1, 1)]);
        let (mut a, mut b) = (one.clone(), three.clone());
        a.merge_from(&three);
        b.merge_from(&one);
        assert_eq!(a.values(), vec![3]);
        assert_eq!(a, b);
    }

    #[test]
    fn a_context_is_kept_as_runs_and_means_exactly_its_dots() {
        let d = dots(&[(0, 3), (0, 1), (0, 2), (0, 5), (1, 1), (0, 2)]);
        assert_eq!(d.runs(), [(0, 1, 3), (0, 5, 5), (1, 1, 1)]);
        assert_eq!(d.len(), 5);
        let has = |a, c| d.contains(Dot { actor: a, counter: c });
        assert!(has(0, 1) && has(0, 3) && has(0, 5) && has(1, 1));
        assert!(!has(0, 0) && !has(0, 4) && !has(0, 6) && !has(1, 2) && !has(2, 1));
        // Adding the gap joins the runs: the same set has the same runs, however it was made.
        let joined = DotSet::union([&d], [Dot { actor: 0, counter: 4 }]);
        assert_eq!(joined, dots(&[(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 1)]));
        assert_eq!(joined.runs(), [(0, 1, 5), (1, 1, 1)]);
    }

    #[test]
    fn arrival_takes_whatever_came_last() {
        let mut a = Data::Arrival { value: 1 };
        assert!(a.merge_from(&Data::Arrival { value: 0 }));
        assert_eq!(a.values(), vec![0]);
    }

    #[test]
    fn behind_means_merge_would_change_it() {
        let old = Data::Lww { value: 1, ts_us: 1, tie: 0 };
        let new = Data::Lww { value: 2, ts_us: 2, tie: 0 };
        assert!(Data::is_behind(Some(&old), &new));
        assert!(!Data::is_behind(Some(&new), &old));
        assert!(Data::is_behind(None, &new));
        assert_ne!(old.digest(), new.digest());
    }
}
