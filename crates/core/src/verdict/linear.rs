//! Linearizability, per key (P-compositionality: a history is linearizable if and only if each
//! key's sub-history is), by the search in `search.rs` with real-time order. When a key's
//! history is not linearizable, the shortest prefix that is not (the moment it became
//! impossible) is found by bisection, and a witness is cut from it.

use super::explain::{minimize, Witness};
use super::history::{History, Outcome};
use super::search::{solve, Act, Found, Jump, Order, Problem, Shared, Step};
use super::{val, Verdict};

/// The key's operations in `keep`, as the history stood at `cut_us` (later operations left out,
/// those still open then indeterminate); the key's other writes become jumps.
pub(crate) fn problem(h: &History, key_ops: &[u32], keep: &[u32], cut_us: u64) -> Problem {
    let (mut steps, mut invoke_us, mut complete_us) = (vec![], vec![], vec![]);
    for &i in keep {
        let o = &h.ops[i as usize];
        let done = o.complete_us.filter(|c| *c <= cut_us && o.outcome != Outcome::Info);
        if o.invoke_us > cut_us {
            continue;
        }
        let (act, required) = if o.observes() {
            let Some(_) = done else { continue };
            (observation(o), true)
        } else if o.may_write() {
            (effect(o), done.is_some())
        } else {
            continue;
        };
        steps.push(Step { act, reg: 0, required, op: i, lazy: false });
        invoke_us.push(o.invoke_us);
        complete_us.push(if required { done.unwrap_or(u64::MAX) } else { u64::MAX });
    }
    let mut jumps: Vec<Jump> = vec![];
    for &i in key_ops {
        let o = &h.ops[i as usize];
        if keep.binary_search(&i).is_ok() || !o.may_write() || o.invoke_us > cut_us {
            continue;
        }
        let j = Jump { reg: 0, val: val(o.new_value()), after_us: o.invoke_us };
        match jumps.iter_mut().find(|x| x.val == j.val) {
            Some(x) => x.after_us = x.after_us.min(j.after_us),
            None => jumps.push(j),
        }
    }
    Problem { steps, order: Order::RealTime { invoke_us, complete_us }, jumps, regs: 1 }
}

/// What a read or failed cas saw.
pub(crate) fn observation(o: &super::history::HistoryOp) -> Act {
    match o.kind {
        super::HistoryKind::Cas => Act::CasFail(val(o.values[0])),
        _ => Act::Read(o.values.iter().map(|v| val(*v)).collect()),
    }
}

/// What a write or cas does.
pub(crate) fn effect(o: &super::history::HistoryOp) -> Act {
    match o.kind {
        super::HistoryKind::Cas => Act::Cas(val(o.values[0]), val(o.values[1])),
        _ => Act::Write(val(o.values[0])),
    }
}

/// The verdict on one key.
pub(crate) fn check_key(h: &History, ops: &[u32], budget: u64) -> Verdict {
    match solve(&problem(h, ops, ops, u64::MAX), budget) {
        Found::Order(_) => Verdict::held(),
        Found::Budget { tries } => Verdict::unknown(format!(
            "the search tried {tries} placements of operations (its budget) without finding an order or ruling \
             every order out"
        )),
        Found::Impossible { .. } => {
            let cut_us = first_impossible_cut(h, ops, budget);
            let mut shared = Shared { left: budget.saturating_mul(4), each: budget };
            let impossible = |keep: &[u32]| shared.impossible(&problem(h, ops, keep, cut_us));
            let in_cut: Vec<u32> = ops.iter().copied().filter(|i| h.ops[*i as usize].invoke_us <= cut_us).collect();
            let witness = minimize(in_cut, impossible);
            let text = super::explain::linear(h, &witness, cut_us);
            Verdict::violated(Witness { ops: witness, explanation: text, decided_at: Some(cut_us) })
        }
    }
}

/// The earliest completion by which the key's history could no longer be linearized.
fn first_impossible_cut(h: &History, ops: &[u32], budget: u64) -> u64 {
    let mut cuts: Vec<u64> = ops.iter().filter_map(|i| h.ops[*i as usize].complete_us).collect();
    crate::order::sort_by_key(&mut cuts, |c| u128::from(*c));
    cuts.dedup();
    let (mut lo, mut hi) = (0usize, cuts.len().saturating_sub(1));
    // Invariant: the prefix at cuts[hi] is impossible (the whole history is).
    while lo < hi {
        let mid = (lo + hi) / 2;
        if solve(&problem(h, ops, ops, cuts[mid]), budget).impossible() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    cuts.get(hi).copied().unwrap_or(u64::MAX)
}
