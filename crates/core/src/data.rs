//! What a replica stores for one key, and how two copies merge. One representation per conflict
//! mode; a scenario uses exactly one.
//!
//! `siblings` uses dotted version vectors with the *client* as actor (the client coordinates its
//! own requests here): every put gets a unique dot (client, n) and carries the version vector of
//! what its client last read of the key. A sibling is obsolete when another sibling's context
//! covers its dot. A blind put carries an empty context and so replaces nothing.

use crate::hash::hash_u64s;
use crate::scenario::{ClientId, ValueId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dot {
    pub actor: ClientId,
    pub counter: u32,
}

/// A version vector: (actor, max counter), sorted by actor, no zero entries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Vv(pub Vec<(ClientId, u32)>);

impl Vv {
    pub fn get(&self, actor: ClientId) -> u32 {
        match self.0.binary_search_by_key(&actor, |e| e.0) {
            Ok(i) => self.0[i].1,
            Err(_) => 0,
        }
    }

    pub fn covers(&self, d: Dot) -> bool {
        self.get(d.actor) >= d.counter
    }

    pub fn bump(&mut self, d: Dot) {
        match self.0.binary_search_by_key(&d.actor, |e| e.0) {
            Ok(i) => self.0[i].1 = self.0[i].1.max(d.counter),
            Err(i) => self.0.insert(i, (d.actor, d.counter)),
        }
    }

    pub fn join(&mut self, o: &Vv) {
        for &(a, c) in &o.0 {
            self.bump(Dot { actor: a, counter: c });
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sibling {
    pub value: ValueId,
    pub dot: Dot,
    /// What the writer had seen: the siblings this one replaces.
    pub ctx: Vv,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Data {
    /// Last write wins: `(ts_us, tie)` orders writes; tie = client index << 32 | client's put count.
    Lww { value: ValueId, ts_us: i64, tie: u64 },
    /// Concurrent writes kept side by side; sorted by dot, none obsolete.
    Siblings(Vec<Sibling>),
    /// No version at all.
    Arrival { value: ValueId },
}

impl Data {
    /// Merges `incoming` into `self`; true when `self` changed.
    pub fn merge_from(&mut self, incoming: &Data) -> bool {
        match (&mut *self, incoming) {
            (Data::Lww { ts_us, tie, .. }, Data::Lww { ts_us: t2, tie: i2, .. }) => {
                if (*t2, *i2) > (*ts_us, *tie) {
                    *self = incoming.clone();
                    true
                } else {
                    false
                }
            }
            (Data::Arrival { value }, Data::Arrival { value: v2 }) => {
                let changed = value != v2;
                *value = *v2;
                changed
            }
            (Data::Siblings(mine), Data::Siblings(theirs)) => {
                let mut all: Vec<Sibling> = mine.iter().chain(theirs.iter()).cloned().collect();
                crate::order::sort_by_key(&mut all, |s| {
                    crate::order::pair(u64::from(s.dot.actor), u64::from(s.dot.counter))
                });
                all.dedup_by_key(|s| s.dot);
                let keep: Vec<Sibling> = all
                    .iter()
                    .filter(|s| !all.iter().any(|t| t.dot != s.dot && t.ctx.covers(s.dot)))
                    .cloned()
                    .collect();
                let changed = keep != *mine;
                *mine = keep;
                changed
            }
            // A scenario has one conflict mode; mixing is a bug in the simulator.
            _ => unreachable!("a scenario has one conflict mode"),
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

    /// The causal context a reader takes away: everything these siblings had seen, plus them.
    pub fn context(&self) -> Vv {
        let mut vv = Vv::default();
        if let Data::Siblings(s) = self {
            for sib in s {
                vv.join(&sib.ctx);
                vv.bump(sib.dot);
            }
        }
        vv
    }

    /// Stable digest for Merkle leaves.
    pub fn digest(&self) -> u64 {
        match self {
            Data::Lww { value, ts_us, tie } => hash_u64s(&[1, *value as u64, *ts_us as u64, *tie]),
            Data::Arrival { value } => hash_u64s(&[2, *value as u64]),
            Data::Siblings(s) => {
                let mut xs = vec![3u64];
                for sib in s {
                    xs.extend([sib.value as u64, sib.dot.actor as u64, sib.dot.counter as u64]);
                }
                hash_u64s(&xs)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sib(value: ValueId, actor: u32, counter: u32, ctx: &[(u32, u32)]) -> Data {
        Data::Siblings(vec![Sibling { value, dot: Dot { actor, counter }, ctx: Vv(ctx.to_vec()) }])
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
        let mut d = sib(2, 0, 2, &[]);
        d.merge_from(&sib(3, 1, 1, &[(0, 2)]));
        d.merge_from(&sib(4, 2, 1, &[(0, 2)]));
        assert_eq!(d.values(), vec![3, 4], "D3 and D4 are siblings; D2 is replaced by both");
        // ...and a reconciling write with the context of a read of both replaces both.
        let ctx = d.context();
        assert_eq!(ctx, Vv(vec![(0, 2), (1, 1), (2, 1)]));
        d.merge_from(&Data::Siblings(vec![Sibling { value: 5, dot: Dot { actor: 0, counter: 3 }, ctx }]));
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
