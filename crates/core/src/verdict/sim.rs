//! A simulator run as a history: puts are writes, gets are reads. A put that failed or never
//! finished is indeterminate (nothing in the simulation rolls a write back, so it may have
//! taken effect). A get that returned several siblings makes its key multi-valued.

use super::explain::Witness;
use super::history::{History, HistoryKind, HistoryOp, Outcome};
use super::{check_history, Consistency, Verdict, DEFAULT_BUDGET};
use crate::ids::ms_to_us;
use crate::report::{OpReport, OpStatus, OpType, Report};
use crate::run::Sim;

/// The history of a finished run's report (times in microseconds; `source` is the op index).
pub fn history_of_report(r: &Report) -> History {
    history_of_ops(&r.ops)
}

/// The history of a run's operation reports, in file order (one at a time: they need not all be
/// held at once).
pub(crate) fn history_of_ops<O: std::borrow::Borrow<OpReport>>(ops: impl IntoIterator<Item = O>) -> History {
    let mut h = History::new("op");
    for op in ops {
        let op = op.borrow();
        let Some(start_ms) = op.start_ms else { continue };
        let client = h.client_id(&op.client);
        let key = h.key_id(&op.key);
        let (kind, values, outcome) = match (op.op, op.status) {
            (OpType::Put, status) => {
                let v = op.value.as_deref().map(|s| h.value_id(s));
                let outcome = match (status, op.outcome) {
                    (OpStatus::Ok, _) => Outcome::Ok,
                    (_, Some("refused")) => Outcome::Fail, // every replica refused it: it did not happen
                    _ => Outcome::Info,
                };
                (HistoryKind::Write, vec![v], outcome)
            }
            (OpType::Get, OpStatus::Ok) => {
                let got = op.values.as_deref().unwrap_or_default();
                let mut vs: Vec<_> = got.iter().map(|s| Some(h.value_id(s))).collect();
                if vs.is_empty() {
                    vs.push(None);
                }
                (HistoryKind::Read, vs, Outcome::Ok)
            }
            (OpType::Get, _) => continue, // a get that did not answer saw nothing
        };
        let complete_us = if outcome == Outcome::Ok { op.end_ms.map(ms_to_us) } else { None };
        h.ops.push(HistoryOp {
            client,
            key,
            kind,
            values,
            invoke_us: ms_to_us(start_ms),
            complete_us,
            outcome,
            source: op.index,
        });
    }
    h.sort_by_invoke();
    h
}

/// Whether every replica holding a key holds the same values at the end of the run.
pub fn convergence(r: &Report) -> Verdict {
    // (key, first holder, its values), sorted by key: looked up, not searched (10,000 keys on
    // 256 nodes spent seconds comparing names).
    let mut keys: Vec<(&str, &str, &[String])> = vec![];
    let mut split = vec![];
    for (node, held) in &r.final_state.0 {
        for (key, values) in held {
            match keys.binary_search_by(|(k, _, _)| (*k).cmp(key.as_str())) {
                Err(at) => keys.insert(at, (key, node, values)),
                Ok(i) if keys[i].2 != values.as_slice() => {
                    let (first, vs) = (keys[i].1, keys[i].2);
                    split.push(format!(
                        "{key}: {first} holds [{}] but {node} holds [{}]",
                        vs.join(", "),
                        values.join(", ")
                    ))
                }
                Ok(_) => {}
            }
        }
    }
    if split.is_empty() {
        return Verdict::held();
    }
    let n = split.len();
    split.truncate(3);
    let explanation = format!(
        "When the run ended the replicas still disagreed ({n} disagreement{}): {}.",
        if n == 1 { "" } else { "s" },
        split.join("; ")
    );
    Verdict::violated(Witness { ops: vec![], explanation, decided_at: None })
}

impl Sim {
    /// The run's history and every model's verdict on it (not part of [`Sim::report`]).
    pub fn consistency(&self) -> (History, Consistency) {
        self.consistency_within(DEFAULT_BUDGET)
    }

    /// [`Sim::consistency`] with each search trying at most `budget` placements (the app keeps
    /// a page responsive with a smaller one; a search that runs out answers "unknown").
    pub fn consistency_within(&self, budget: u64) -> (History, Consistency) {
        self.judged(&self.report_without_ops(), budget)
    }

    /// The verdicts, given the run's report without its operations (for convergence): a caller
    /// that has it already does not make the checker and every anomaly's words again (at the
    /// caps that was a fifth of a run's time and memory).
    fn judged(&self, report: &crate::report::Report, budget: u64) -> (History, Consistency) {
        let h = history_of_ops(self.op_reports());
        let mut c = check_history(&h, budget);
        c.convergent = Some(convergence(report));
        (h, c)
    }

    /// The run's history without any verdict but convergence (for a run too long to search).
    pub fn history_and_convergence(&self) -> (History, Verdict) {
        (history_of_ops(self.op_reports()), convergence(&self.report_without_ops()))
    }

    /// [`Sim::consistency_json`] for a run whose report (without its operations) is made already.
    pub(crate) fn consistency_json_of(&self, report: &crate::report::Report) -> serde_json::Value {
        let (h, c) = self.judged(report, DEFAULT_BUDGET);
        c.to_json(&h)
    }

    /// [`Sim::consistency`] as JSON (`quorumscope run --consistency`).
    pub fn consistency_json(&self) -> serde_json::Value {
        let (h, c) = self.consistency();
        c.to_json(&h)
    }
}
