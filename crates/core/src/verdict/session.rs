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
//! Sequential consistency keeps all these constraints at once, so it implies each guarantee.

use super::explain::{minimize, Witness};
use super::history::History;
use super::search::{solve, Found, Problem};
use super::sequential::Builder;
use super::Verdict;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    ReadYourWrites,
    MonotonicReads,
    MonotonicWrites,
    WritesFollowReads,
}

pub const GUARANTEES: [Guarantee; 4] =
    [Guarantee::ReadYourWrites, Guarantee::MonotonicReads, Guarantee::MonotonicWrites, Guarantee::WritesFollowReads];

impl Guarantee {
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "read_your_writes",
            Guarantee::MonotonicReads => "monotonic_reads",
            Guarantee::MonotonicWrites => "monotonic_writes",
            Guarantee::WritesFollowReads => "writes_follow_reads",
        }
    }
}

/// A client's operations on a key, split.
struct Mine {
    all: Vec<u32>,
    seen: Vec<u32>,
    wrote: Vec<u32>,
    others_wrote: Vec<u32>,
}

fn mine(h: &History, key: u32, c: u32) -> Mine {
    let ops: Vec<u32> = h.ops_of_key(key);
    let all: Vec<u32> = ops.iter().copied().filter(|i| h.ops[*i as usize].client == c).collect();
    let seen = all.iter().copied().filter(|i| h.ops[*i as usize].observes()).collect();
    let wrote = all.iter().copied().filter(|i| h.ops[*i as usize].may_write()).collect();
    let others_wrote =
        ops.iter().copied().filter(|i| h.ops[*i as usize].client != c && h.ops[*i as usize].may_write()).collect();
    Mine { all, seen, wrote, others_wrote }
}

/// The problem for guarantee `g` of client `c`, seen by reader `d` (monotonic writes and
/// writes-follow-reads only; `d` may be `c`).
fn problem(h: &History, key: u32, g: Guarantee, c: u32, d: u32, keep: &[u32]) -> Problem {
    let regs = [key];
    let m = mine(h, key, c);
    let mut b = Builder::new(h, &regs, keep);
    match g {
        Guarantee::MonotonicReads => {
            b.chain(&m.seen);
            b.free(&m.wrote);
        }
        Guarantee::ReadYourWrites => {
            let mut before = vec![];
            for &op in &m.all {
                if h.ops[op as usize].observes() {
                    b.add(op, before.clone());
                } else if let Some(s) = b.add(op, vec![]) {
                    if b.steps[s as usize].required {
                        before.push(s);
                    }
                }
            }
        }
        Guarantee::MonotonicWrites => {
            b.chain(&m.wrote);
            b.chain(&mine(h, key, d).seen);
        }
        Guarantee::WritesFollowReads => {
            let seen: Vec<u32> =
                if d == c { b.chain(&m.seen) } else { m.seen.iter().filter_map(|op| b.add(*op, vec![])).collect() };
            for &op in &m.wrote {
                let preds = seen.iter().copied().filter(|s| b.steps[*s as usize].op < op).collect();
                b.add(op, preds);
            }
            if d != c {
                b.chain(&mine(h, key, d).seen);
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

/// The verdict on guarantee `g` for client `c` on `key`.
pub(crate) fn check(h: &History, key: u32, g: Guarantee, c: u32, budget: u64) -> Verdict {
    let m = mine(h, key, c);
    if !applies(&m, g) {
        return Verdict::held();
    }
    let ops = h.ops_of_key(key);
    let readers: Vec<u32> = match g {
        Guarantee::MonotonicWrites | Guarantee::WritesFollowReads => (0..h.clients.len() as u32).collect(),
        _ => vec![c],
    };
    let mut unknown = None;
    for d in readers {
        if g == Guarantee::MonotonicWrites || g == Guarantee::WritesFollowReads {
            let md = mine(h, key, d);
            // A reader whose reads go back by themselves says nothing about c's writes.
            if md.seen.is_empty() || !solve(&problem(h, key, Guarantee::MonotonicReads, d, d, &ops), budget).is_order()
            {
                continue;
            }
        }
        match solve(&problem(h, key, g, c, d, &ops), budget) {
            Found::Order(_) => {}
            Found::Budget { tries } => unknown = Some(format!("the search tried {tries} placements (its budget)")),
            Found::Impossible { .. } => {
                let mut steps: Vec<u32> = problem(h, key, g, c, d, &ops).steps.iter().map(|s| s.op).collect();
                crate::order::sort_u32(&mut steps);
                let witness = minimize(steps, |keep| solve(&problem(h, key, g, c, d, keep), budget).impossible());
                let text = super::explain::session(h, g, c, &witness);
                return Verdict::violated(Witness { ops: witness, explanation: text, decided_at: None });
            }
        }
    }
    unknown.map_or_else(Verdict::held, Verdict::unknown)
}
