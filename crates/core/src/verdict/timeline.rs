//! Verdicts as a history unfolds (the app's honest time). The history as it stood at an instant
//! keeps the operations begun by then; those not answered by then are indeterminate (a write may
//! yet take effect, a read has told nothing). A model only goes from held to violated as time
//! goes on, so the instant each became impossible is found once, by bisection over the instants
//! operations completed, and its witness is cut from the history as it stood then.

use super::history::{Guarantee, History, HistoryKind, Outcome};
use super::{check_history, describe, Consistency, Status, Verdict, GUARANTEES};

/// The models of the consistency map, strongest first (convergence, which only a finished run
/// can decide, is [`Consistency::convergent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Linearizable,
    Sequential,
    Causal,
    Session(Guarantee),
}

pub const MODELS: [ModelKind; 7] = [
    ModelKind::Linearizable,
    ModelKind::Sequential,
    ModelKind::Causal,
    ModelKind::Session(GUARANTEES[0]),
    ModelKind::Session(GUARANTEES[1]),
    ModelKind::Session(GUARANTEES[2]),
    ModelKind::Session(GUARANTEES[3]),
];

impl ModelKind {
    /// The name in the CLI's JSON.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Linearizable => "linearizable",
            ModelKind::Sequential => "sequential",
            ModelKind::Causal => "causal",
            ModelKind::Session(g) => g.name(),
        }
    }

    /// Its verdict in `c`.
    pub fn of(self, c: &Consistency) -> &Verdict {
        match self {
            ModelKind::Linearizable => &c.linearizable,
            ModelKind::Sequential => &c.sequential,
            ModelKind::Causal => &c.causal,
            ModelKind::Session(g) => &c.sessions[GUARANTEES.iter().position(|x| *x == g).unwrap_or(0)],
        }
    }
}

/// One model's verdict as the history unfolds: held until `since`, then `verdict`. For a model
/// not violated, `since` is `None` and `verdict` is the whole history's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfolding {
    pub model: ModelKind,
    pub verdict: Verdict,
    /// The first instant (history time) at which the history as it stood could not satisfy it.
    pub since: Option<u64>,
    /// The witness's operations as they stood then (an answer that came later is not told).
    pub described: Vec<String>,
}

impl History {
    /// The history as it stood at `cut`: operations begun by then; an answer that came later is
    /// not known yet, so such a write or compare-and-set is indeterminate and such a read left
    /// out. (A put refused outright has no answer time and stays failed.)
    pub fn prefix(&self, cut: u64) -> History {
        self.prefix_kept(cut).0
    }

    /// [`History::prefix`], and the index in `self` of each operation it kept.
    fn prefix_kept(&self, cut: u64) -> (History, Vec<u32>) {
        let (mut p, mut kept) = (self.names_only(), vec![]);
        for (i, o) in self.ops.iter().enumerate().take_while(|(_, o)| o.invoke_us <= cut) {
            let late = o.complete_us.is_some_and(|c| c > cut);
            if late && o.kind == HistoryKind::Read {
                continue;
            }
            let mut o = o.clone();
            if late {
                (o.complete_us, o.outcome) = (None, Outcome::Info);
            }
            p.ops.push(o);
            kept.push(i as u32);
        }
        (p, kept)
    }
}

/// Every model of [`MODELS`] as `h` unfolds, given `c`, the verdicts on the whole of `h`.
pub fn unfold(h: &History, c: &Consistency, budget: u64) -> Vec<Unfolding> {
    let mut cuts: Vec<u64> = h.ops.iter().filter_map(|o| o.complete_us).collect();
    crate::order::sort_by_key(&mut cuts, |c| u128::from(*c));
    cuts.dedup();
    // Each prefix checked at most once, whichever model's bisection asks for it.
    type Probe = (Consistency, History, Vec<u32>);
    let mut probes: Vec<Option<Probe>> = vec![None; cuts.len()];
    let mut probe = |i: usize| -> Probe {
        probes[i]
            .get_or_insert_with(|| {
                let (p, kept) = h.prefix_kept(cuts[i]);
                (check_history(&p, budget), p, kept)
            })
            .clone()
    };
    MODELS
        .iter()
        .map(|&model| {
            let whole = model.of(c);
            if whole.status != Status::Violated || cuts.is_empty() {
                return Unfolding { model, verdict: whole.clone(), since: None, described: vec![] };
            }
            let violated = |v: &Consistency| model.of(v).status == Status::Violated;
            let (mut lo, mut hi) = (0usize, cuts.len() - 1);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if violated(&probe(mid).0) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            let (at, p, kept) = probe(hi);
            // The whole history is violated, so its last prefix is; should a budget make a
            // prefix's search give up, the whole history's witness stands.
            if !violated(&at) {
                let described = whole.witness.iter().flat_map(|w| &w.ops).map(|i| describe(h, *i)).collect();
                return Unfolding { model, verdict: whole.clone(), since: Some(cuts[hi]), described };
            }
            let mut verdict = model.of(&at).clone();
            let mut described = vec![];
            if let Some(w) = &mut verdict.witness {
                described = w.ops.iter().map(|i| describe(&p, *i)).collect();
                // Indices into the prefix, made indices into `h`.
                w.ops.iter_mut().for_each(|i| *i = kept[*i as usize]);
            }
            Unfolding { model, verdict, since: Some(cuts[hi]), described }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{parse_jepsen, DEFAULT_BUDGET};

    const STALE: &str = "INFO  jepsen.util - 0\t:invoke\t:write\t1\n\
                         INFO  jepsen.util - 0\t:ok\t:write\t1\n\
                         INFO  jepsen.util - 1\t:invoke\t:write\t2\n\
                         INFO  jepsen.util - 2\t:invoke\t:read\tnil\n\
                         INFO  jepsen.util - 2\t:ok\t:read\t2\n\
                         INFO  jepsen.util - 3\t:invoke\t:read\tnil\n\
                         INFO  jepsen.util - 3\t:ok\t:read\t1\n\
                         INFO  jepsen.util - 1\t:ok\t:write\t2\n";

    #[test]
    fn a_witness_names_the_history_s_operations_and_tells_only_what_was_known_then() {
        // A read still open when the stale read answers (left out of that prefix, so indices
        // shift), and a write answered only later.
        let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\n\
                   INFO  jepsen.util - 0\t:ok\t:write\t1\n\
                   INFO  jepsen.util - 4\t:invoke\t:read\tnil\n\
                   INFO  jepsen.util - 1\t:invoke\t:write\t2\n\
                   INFO  jepsen.util - 2\t:invoke\t:read\tnil\n\
                   INFO  jepsen.util - 2\t:ok\t:read\t2\n\
                   INFO  jepsen.util - 3\t:invoke\t:read\tnil\n\
                   INFO  jepsen.util - 3\t:ok\t:read\t1\n\
                   INFO  jepsen.util - 1\t:ok\t:write\t2\n\
                   INFO  jepsen.util - 4\t:ok\t:read\t2\n";
        let h = parse_jepsen(log).unwrap();
        let c = check_history(&h, DEFAULT_BUDGET);
        let lin = &unfold(&h, &c, DEFAULT_BUDGET)[0];
        assert_eq!(lin.since, Some(8));
        let w = lin.verdict.witness.as_ref().unwrap();
        // Every witness operation is one of h's, begun by line 8; process 4's read is not in it.
        for (i, text) in w.ops.iter().zip(&lin.described) {
            let o = &h.ops[*i as usize];
            assert!(o.invoke_us <= 8 && o.client != h.clients.iter().position(|c| c == "4").unwrap() as u32);
            assert!(text.starts_with(&format!("process {}", h.clients[o.client as usize])), "{text}");
        }
        assert_eq!(w.ops, vec![0, 3, 4], "process 4's read (index 1) left out of the prefix shifts its indices");
        // Process 1's write, answered on line 9, is told at line 8 as not answered yet.
        let (p, kept) = h.prefix_kept(8);
        assert_eq!(
            describe(&p, kept.iter().position(|k| *k == 2).unwrap() as u32),
            "process 1 tried to write 2 (outcome unknown) (from line 4, never answered)"
        );
    }

    #[test]
    fn a_prefix_keeps_what_had_begun_and_leaves_later_answers_unknown() {
        let h = parse_jepsen(STALE).unwrap();
        let p = h.prefix(5);
        // Lines 1-5: both writes begun, the first read answered; the second write not answered.
        assert_eq!(p.ops.len(), 3);
        assert_eq!(p.ops[1].outcome, Outcome::Info);
        assert_eq!(p.ops[1].complete_us, None);
        // A read begun but not answered is left out.
        assert_eq!(h.prefix(6).ops.len(), 3);
        assert_eq!(h.prefix(8), h);
    }

    #[test]
    fn linearizability_becomes_impossible_when_the_stale_read_answers() {
        let h = parse_jepsen(STALE).unwrap();
        let c = check_history(&h, DEFAULT_BUDGET);
        let u = unfold(&h, &c, DEFAULT_BUDGET);
        let lin = &u[0];
        assert_eq!((lin.model, lin.verdict.status), (ModelKind::Linearizable, Status::Violated));
        assert_eq!(lin.since, Some(7), "process 3's read of 1 answers on line 7");
        assert_eq!(lin.since, c.linearizable.witness.as_ref().and_then(|w| w.decided_at));
        // Its witness holds only operations begun by then, and the prefix just before is fine.
        let w = lin.verdict.witness.as_ref().unwrap();
        assert!(w.ops.iter().all(|i| h.ops[*i as usize].invoke_us <= 7));
        assert_eq!(check_history(&h.prefix(6), DEFAULT_BUDGET).linearizable.status, Status::Held);
        assert_eq!(lin.described.len(), w.ops.len());
        // Sequentially it is fine: 1, read 1, 2, read 2 is an order (each process has one op).
        assert_eq!((u[1].verdict.status, u[1].since), (Status::Held, None));
    }
}
