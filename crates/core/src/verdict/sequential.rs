//! Sequential consistency: one order of all operations that keeps each client's operations in
//! the order it issued them, ignoring real time between clients. Not compositional (keys are
//! searched together) and NP-complete in general, so the search has a budget and may answer
//! "unknown". Also home of [`Builder`], which the session guarantees share.

use super::explain::{minimize, Witness};
use super::history::History;
use super::linear::{effect, observation};
use super::search::{solve, Act, Found, Jump, Order, Problem, Shared, Step};
use super::{val, Verdict};

/// Builds a problem with explicit predecessors from chosen operations.
pub(crate) struct Builder<'a> {
    h: &'a History,
    keep: &'a [u32],
    /// Every operation on the problem's keys, in history order.
    scope: &'a [u32],
    regs: &'a [u32],
    pub steps: Vec<Step>,
    preds: Vec<Vec<u32>>,
}

impl<'a> Builder<'a> {
    /// `regs`: the keys in the problem (a key's register is its position); `keep`: the
    /// operations allowed in (others' writes become jumps); `scope`: every operation on `regs`,
    /// in history order (so that a problem on one key costs that key's operations, not all).
    pub fn new(h: &'a History, regs: &'a [u32], keep: &'a [u32], scope: &'a [u32]) -> Builder<'a> {
        Builder { h, keep, scope, regs, steps: vec![], preds: vec![] }
    }

    /// Adds operation `op` after `preds`; its step index, or `None` if it is no step (left out,
    /// or an operation that neither saw nor changed anything).
    pub fn add(&mut self, op: u32, preds: Vec<u32>) -> Option<u32> {
        let o = &self.h.ops[op as usize];
        let reg = self.regs.iter().position(|k| *k == o.key)? as u32;
        if self.keep.binary_search(&op).is_err() {
            return None;
        }
        let (act, required) = if o.observes() {
            (observation(o), true)
        } else if o.may_write() {
            (effect(o), o.outcome == super::Outcome::Ok)
        } else {
            return None;
        };
        self.steps.push(Step { act, reg, required, op, lazy: false });
        self.preds.push(preds);
        Some(self.steps.len() as u32 - 1)
    }

    /// Adds one client's `ops` (in invoke order) in its own order: each after the required ones
    /// that ended before it began (a client may have several operations open at once). Only the
    /// latest of those are listed; the rest follow by transitivity. One pass over the steps
    /// sorted by completion, not a scan of every earlier step for each (a client's 50,000
    /// operations took seconds, and each step's list kept room for all of them).
    pub fn chain(&mut self, ops: &[u32]) -> Vec<u32> {
        let h = self.h;
        let in_order = ops.windows(2).all(|w| h.ops[w[0] as usize].invoke_us <= h.ops[w[1] as usize].invoke_us);
        let added: Vec<u32> = ops.iter().filter_map(|o| self.add(*o, vec![])).collect();
        let steps = &self.steps;
        let op = |s: u32| &h.ops[steps[s as usize].op as usize];
        if !in_order || added.iter().any(|s| op(*s).complete_us.is_some_and(|c| c < op(*s).invoke_us)) {
            return self.chain_by_scan(&added);
        }
        // The required steps that ended, by completion: the ones before an operation are a prefix.
        let mut ended: Vec<(u64, u32)> = added
            .iter()
            .filter(|s| steps[**s as usize].required)
            .filter_map(|s| op(*s).complete_us.map(|c| (c, *s)))
            .collect();
        crate::order::sort_by_key(&mut ended, |e| u128::from(e.0));
        let (mut next, mut latest_us) = (0, 0);
        // The steps before so far that ended at or after the latest invoke among them.
        let mut last: Vec<u32> = vec![];
        for &s in &added {
            let invoke_us = op(s).invoke_us;
            let was = next;
            while next < ended.len() && ended[next].0 < invoke_us {
                latest_us = latest_us.max(op(ended[next].1).invoke_us);
                last.push(ended[next].1);
                next += 1;
            }
            if next > was {
                last.retain(|t| op(*t).complete_us.is_some_and(|c| c >= latest_us));
            }
            let mut preds = last.clone();
            crate::order::sort_u32(&mut preds);
            self.preds[s as usize] = preds;
        }
        added
    }

    /// [`Builder::chain`] by its definition, for steps already added: each step's predecessors
    /// from a scan of the steps before it.
    fn chain_by_scan(&mut self, added: &[u32]) -> Vec<u32> {
        for (i, &s) in added.iter().enumerate() {
            let of = |t: &u32| &self.h.ops[self.steps[*t as usize].op as usize];
            let o = of(&s);
            let before: Vec<u32> =
                added[..i].iter().copied().filter(|t| self.steps[*t as usize].required && of(t).precedes(o)).collect();
            let latest_us = before.iter().map(|t| of(t).invoke_us).max().unwrap_or(0);
            self.preds[s as usize] =
                before.iter().copied().filter(|t| of(t).complete_us.is_some_and(|c| c >= latest_us)).collect();
        }
        added.to_vec()
    }

    /// Adds writes free of order, as lazy plain writes (a compare-and-set's comparison is
    /// dropped: weaker, so a violation found is still one). Writes of one value are
    /// interchangeable, so each goes after the previous one (required ones first): the search
    /// need not try both orders of twins.
    pub fn free(&mut self, ops: &[u32]) {
        let ok = |o: &u32| self.h.ops[*o as usize].outcome == super::Outcome::Ok;
        let ordered: Vec<u32> = ops.iter().copied().filter(ok).chain(ops.iter().copied().filter(|o| !ok(o))).collect();
        // (step, its register and value)
        let mut added: Vec<(u32, u128)> = vec![];
        for op in ordered {
            let Some(s) = self.add(op, vec![]) else { continue };
            let v = val(self.h.ops[op as usize].new_value());
            let me = &mut self.steps[s as usize];
            me.act = Act::Write(v);
            me.lazy = true;
            added.push((s, u128::from(me.reg) << 32 | u128::from(v)));
        }
        // Each twin goes after the previous one: sorted stably by register and value, a step's
        // neighbour before it is its twin.
        crate::order::sort_by_key(&mut added, |a| a.1);
        for pair in added.windows(2) {
            if pair[0].1 == pair[1].1 {
                self.preds[pair[1].0 as usize] = vec![pair[0].0];
            }
        }
    }

    /// The problem; writes on the problem's keys left out become jumps.
    pub fn finish(self) -> Problem {
        let mut jumps: Vec<Jump> = vec![];
        for &i in self.scope {
            let o = &self.h.ops[i as usize];
            let Some(reg) = self.regs.iter().position(|k| *k == o.key) else { continue };
            if !o.may_write() || self.keep.binary_search(&i).is_ok() {
                continue;
            }
            let j = Jump { reg: reg as u32, val: val(o.new_value()), after_us: 0 };
            if !jumps.contains(&j) {
                jumps.push(j);
            }
        }
        // Steps in invoke order, so the search tries real time's order first (usually right).
        let mut order: Vec<u32> = (0..self.steps.len() as u32).collect();
        crate::order::sort_by_key(&mut order, |s| u128::from(self.steps[*s as usize].op));
        let mut at = vec![0u32; order.len()];
        for (new, old) in order.iter().enumerate() {
            at[*old as usize] = new as u32;
        }
        let steps = order.iter().map(|s| self.steps[*s as usize].clone()).collect();
        let preds = order.iter().map(|s| self.preds[*s as usize].iter().map(|q| at[*q as usize]).collect()).collect();
        Problem { steps, order: Order::Preds(preds), jumps, regs: self.regs.len() }
    }
}

/// Every client's operations on `keys`, in the order it issued them.
/// `scope`: every operation on `keys`, in history order.
pub(crate) fn problem(h: &History, keys: &[u32], scope: &[u32], keep: &[u32]) -> Problem {
    let mut b = Builder::new(h, keys, keep, scope);
    let mut mine: Vec<Vec<u32>> = vec![Vec::new(); h.clients.len()];
    for &i in scope {
        mine[h.ops[i as usize].client as usize].push(i);
    }
    for ops in &mine {
        b.chain(ops);
    }
    b.finish()
}

/// The verdict on `keys` together.
pub(crate) fn check(h: &History, keys: &[u32], budget: u64) -> Verdict {
    let mut on = vec![false; h.keys.len()];
    for k in keys {
        on[*k as usize] = true;
    }
    let all: Vec<u32> = (0..h.ops.len() as u32).filter(|i| on[h.ops[*i as usize].key as usize]).collect();
    // NP-complete: a tenth of the budget, so a hard history costs a fraction of a second.
    let budget = (budget / 10).max(1);
    match solve(&problem(h, keys, &all, &all), budget) {
        Found::Order(_) => Verdict::held(),
        Found::Budget { tries } => Verdict::unknown(format!(
            "checking sequential consistency is NP-complete; the search tried {tries} placements (its budget) \
             without finding an order that keeps every client's own order or ruling them all out"
        )),
        Found::Impossible { .. } => {
            let mut shared = Shared { left: budget, each: (budget / 10).max(1) };
            let witness = minimize(all.clone(), |keep| shared.impossible(&problem(h, keys, &all, keep)));
            let text = super::explain::sequential(h, &witness);
            Verdict::violated(Witness { ops: witness, explanation: text, decided_at: None })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::history::{HistoryKind, HistoryOp};
    use crate::verdict::Outcome;

    /// Seeded histories of one client with operations overlapping or not, some never completed
    /// or failed, sorted by invoke.
    fn history(seed: u64) -> History {
        let mut next = crate::testruns::below(seed);
        let mut h = History::new("op");
        h.client_id("c");
        h.key_id("k");
        h.value_id("v");
        let mut t = 0;
        for i in 0..1 + next(60) {
            t += next(4);
            let outcome = [Outcome::Ok, Outcome::Ok, Outcome::Ok, Outcome::Fail, Outcome::Info][next(5) as usize];
            let (kind, values) =
                if next(2) == 0 { (HistoryKind::Read, vec![None]) } else { (HistoryKind::Write, vec![Some(0)]) };
            let complete_us = (outcome != Outcome::Info).then_some(t + next(12));
            h.ops.push(HistoryOp {
                client: 0,
                key: 0,
                kind,
                values,
                invoke_us: t,
                complete_us,
                outcome,
                source: i as u32,
            });
        }
        h
    }

    #[test]
    fn the_sweep_chains_as_the_scan_does() {
        let mut preds = 0;
        for seed in 0..2_000 {
            let h = history(seed);
            let ops: Vec<u32> = (0..h.ops.len() as u32).collect();
            let (mut a, mut b) = (Builder::new(&h, &[0], &ops, &ops), Builder::new(&h, &[0], &ops, &ops));
            let added: Vec<u32> = ops.iter().filter_map(|o| b.add(*o, vec![])).collect();
            assert_eq!(a.chain(&ops), b.chain_by_scan(&added));
            assert_eq!(a.preds, b.preds, "seed {seed}");
            preds += a.preds.iter().filter(|p| p.len() > 1).count();
        }
        assert!(preds > 1_000, "{preds} steps after several at once");
    }
}
