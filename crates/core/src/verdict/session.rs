//! The session guarantees of Terry et al., per client and key, each decided as a search for an
//! order of the key's writes (everyone's) and the client's operations that the register allows
//! under that guarantee's constraints only:
//! - read-your-writes: each read comes after every write the client made before it;
//! - monotonic reads: the client's reads keep their order;
//! - monotonic writes: the client's writes keep their order, as seen by any reader whose own
//!   reads keep theirs;
//! - writes-follow-reads: a write the client made after reading comes after what it read, as
//!   seen by any such reader.
//!
//! "Before" within a client is real time (one operation ended before the other began): a client
//! may have several operations open at once. Other clients' writes are free, lazy plain writes.
//! Sequential consistency keeps all these constraints at once, so it implies each guarantee.

use super::explain::{minimize, Witness};
use super::history::History;
pub use super::history::{Guarantee, GUARANTEES};
use super::search::{Found, Meter, Problem, Shared};
use super::sequential::Builder;
use super::{Status, Verdict};

/// A session search's budget in tries times the key's operations (a try scans them).
const WORK_PER_SEARCH: u64 = 20_000_000;

/// Keys with more operations than this are not searched for the session guarantees: building a
/// search lists, for each read, every write before it (10,000 reads and 10,000 writes of one key
/// took 700 MB and 13 s), and the budget left each search about a dozen tries anyway.
pub const MAX_SESSION_OPS: usize = 4_096;

/// A client's operations on a key, split.
struct Mine {
    all: Vec<u32>,
    seen: Vec<u32>,
    wrote: Vec<u32>,
    others_wrote: Vec<u32>,
}

fn mine(h: &History, ops: &[u32], c: u32) -> Mine {
    let all: Vec<u32> = ops.iter().copied().filter(|i| h.ops[*i as usize].client == c).collect();
    let seen = all.iter().copied().filter(|i| h.ops[*i as usize].observes()).collect();
    let wrote = all.iter().copied().filter(|i| h.ops[*i as usize].may_write()).collect();
    let others_wrote =
        ops.iter().copied().filter(|i| h.ops[*i as usize].client != c && h.ops[*i as usize].may_write()).collect();
    Mine { all, seen, wrote, others_wrote }
}

/// The problem for guarantee `g` of client `c`, seen by reader `d` (monotonic writes and
/// writes-follow-reads only; `d` may be `c`).
fn problem(h: &History, ops: &[u32], mines: &[Mine], g: Guarantee, c: u32, d: u32, keep: &[u32]) -> Problem {
    let regs = [h.ops[ops[0] as usize].key];
    let m = &mines[c as usize];
    let mut b = Builder::new(h, &regs, keep, ops);
    match g {
        Guarantee::MonotonicReads => {
            b.chain(&m.seen);
            b.free(&m.wrote);
        }
        Guarantee::ReadYourWrites => {
            let mut wrote: Vec<u32> = vec![];
            for &op in &m.all {
                let o = &h.ops[op as usize];
                if o.observes() {
                    let before = wrote.iter().copied().filter(|s| h.ops[b.steps[*s as usize].op as usize].precedes(o));
                    b.add(op, before.collect());
                } else if let Some(s) = b.add(op, vec![]) {
                    if b.steps[s as usize].required {
                        wrote.push(s);
                    }
                }
            }
        }
        Guarantee::MonotonicWrites => {
            b.chain(&m.wrote);
            b.chain(&mines[d as usize].seen);
        }
        Guarantee::WritesFollowReads => {
            let seen: Vec<u32> =
                if d == c { b.chain(&m.seen) } else { m.seen.iter().filter_map(|op| b.add(*op, vec![])).collect() };
            for &op in &m.wrote {
                let o = &h.ops[op as usize];
                let preds =
                    seen.iter().copied().filter(|s| h.ops[b.steps[*s as usize].op as usize].precedes(o)).collect();
                b.add(op, preds);
            }
            if d != c {
                b.chain(&mines[d as usize].seen);
            }
        }
    }
    b.free(&m.others_wrote);
    b.finish()
}

/// Whether the guarantee constrains anything for `c` (else it holds trivially).
fn applies(m: &Mine, g: Guarantee) -> bool {
    match g {
        Guarantee::MonotonicReads => m.seen.len() >= 2,
        Guarantee::ReadYourWrites => m.wrote.first().is_some_and(|w| m.seen.iter().any(|r| r > w)),
        Guarantee::MonotonicWrites => m.wrote.len() >= 2,
        Guarantee::WritesFollowReads => m.seen.first().is_some_and(|r| m.wrote.iter().any(|w| w > r)),
    }
}

/// Every guarantee's verdict for every client on `key` (in [`GUARANTEES`] order).
/// Per guarantee, the clients (with their verdicts) for whom it does not hold on the key of
/// `ops`: only those are kept (every key and client's "held" took 256 MB on 10,000 keys).
pub(crate) fn check_key(h: &History, ops: &[u32], budget: u64, meter: &Meter) -> Vec<Vec<(u32, Verdict)>> {
    let clients = 0..h.clients.len() as u32;
    if ops.is_empty() {
        return GUARANTEES.iter().map(|_| vec![]).collect();
    }
    let mines: Vec<Mine> = clients.clone().map(|c| mine(h, ops, c)).collect();
    if ops.len() > MAX_SESSION_OPS {
        let why = format!(
            "the key has {} operations, more than the {} the session guarantees are searched on",
            ops.len(),
            MAX_SESSION_OPS
        );
        return all_unknown(&mines, &why);
    }
    // Readers whose own reads keep their order, and so can witness another client's writes.
    let mut readers = vec![];
    for d in clients.clone().filter(|d| !mines[*d as usize].seen.is_empty()) {
        if meter.spent() {
            // Leaving a reader out could hide a violation: nothing on this key can be told.
            return all_unknown(&mines, &meter.why());
        }
        let p = problem(h, ops, &mines, Guarantee::MonotonicReads, d, d, ops);
        if meter.solve(&p, ops.len() as u64, budget).is_order() {
            readers.push(d);
        }
    }
    let at = Search { h, ops, mines: &mines, readers: &readers, budget, meter };
    GUARANTEES
        .iter()
        .map(|g| clients.clone().map(|c| (c, at.check(*g, c))).filter(|(_, v)| v.status != Status::Held).collect())
        .collect()
}

/// Every applicable guarantee of every client unknown, for `why`.
fn all_unknown(mines: &[Mine], why: &str) -> Vec<Vec<(u32, Verdict)>> {
    GUARANTEES
        .iter()
        .map(|g| {
            (0..mines.len() as u32)
                .filter(|c| applies(&mines[*c as usize], *g))
                .map(|c| (c, Verdict::unknown(why.to_string())))
                .collect()
        })
        .collect()
}

/// What every search on one key shares.
struct Search<'a> {
    h: &'a History,
    ops: &'a [u32],
    mines: &'a [Mine],
    readers: &'a [u32],
    budget: u64,
    meter: &'a Meter,
}

impl Search<'_> {
    /// The verdict on guarantee `g` for client `c` on the key.
    fn check(&self, g: Guarantee, c: u32) -> Verdict {
        let Search { h, ops, mines, budget, meter, .. } = *self;
        let m = &mines[c as usize];
        if !applies(m, g) {
            return Verdict::held();
        }
        // Each try costs a pass over the key's operations: fewer tries on long histories.
        let budget = budget.min(WORK_PER_SEARCH / ops.len().max(1) as u64).max(1);
        let mut unknown = None;
        for d in self.readers_for(g, c) {
            if meter.spent() {
                return Verdict::unknown(meter.why());
            }
            // Building a problem passes over all the key's operations.
            match meter.solve(&problem(h, ops, mines, g, c, d, ops), ops.len() as u64, budget) {
                Found::Order(_) => {}
                Found::Budget { tries } => unknown = Some(format!("the search tried {tries} placements (its budget)")),
                Found::Impossible { .. } => return self.violated(g, c, d, budget),
            }
        }
        unknown.map_or_else(Verdict::held, Verdict::unknown)
    }

    /// The readers whose view bears on `g` for `c`: a reader bears on c's writes only if it saw
    /// one of them (or, for writes-follow-reads, a value c read): leaving the others out is
    /// weaker, so a violation found is still one.
    fn readers_for(&self, g: Guarantee, c: u32) -> Vec<u32> {
        let (h, mines) = (self.h, self.mines);
        let m = &mines[c as usize];
        let shown: Vec<super::Value> = match g {
            Guarantee::WritesFollowReads => m.all.iter().flat_map(|i| h.ops[*i as usize].values.clone()).collect(),
            _ => m.wrote.iter().map(|i| h.ops[*i as usize].new_value()).collect(),
        };
        let saw = |d: &u32| {
            mines[*d as usize].seen.iter().any(|i| h.ops[*i as usize].values.iter().any(|v| shown.contains(v)))
        };
        match g {
            Guarantee::MonotonicWrites | Guarantee::WritesFollowReads => {
                self.readers.iter().copied().filter(saw).collect()
            }
            _ => vec![c],
        }
    }

    /// The violation of `g` for `c` as reader `d` sees it, cut down to a small witness.
    fn violated(&self, g: Guarantee, c: u32, d: u32, budget: u64) -> Verdict {
        let Search { h, ops, mines, meter, .. } = *self;
        let mut steps: Vec<u32> = problem(h, ops, mines, g, c, d, ops).steps.iter().map(|s| s.op).collect();
        crate::order::sort_u32(&mut steps);
        let mut shared = Shared { left: budget, each: (budget / 20).max(1) };
        let witness = minimize(steps, |keep| {
            meter.charge(ops.len() as u64);
            shared.impossible(&problem(h, ops, mines, g, c, d, keep))
        });
        meter.charge(budget - shared.left);
        let text = super::explain::session(h, g, c, &witness);
        Verdict::violated(Witness { ops: witness, explanation: text, decided_at: None })
    }
}
