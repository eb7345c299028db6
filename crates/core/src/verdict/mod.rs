//! Consistency verdicts: which models a history satisfies, each with a witness when it does not.
//! Linearizability per key (`linear.rs`), sequential consistency (`sequential.rs`), the four
//! session guarantees (`session.rs`), all by one search (`search.rs`); witnesses and their
//! sentences in `explain.rs`. Histories come from Jepsen logs (`jepsen.rs`) or simulator runs
//! (`sim.rs`).

mod explain;
mod history;
mod jepsen;
mod linear;
mod search;
mod sequential;
mod session;
mod sim;
mod timeline;

pub use explain::{describe, Witness};
pub use history::{History, HistoryKind, HistoryOp, Outcome, Value};
pub use jepsen::{parse_jepsen, JepsenError};
pub use session::{Guarantee, GUARANTEES};
pub use sim::history_of_report;
pub use timeline::{unfold, ModelKind, Unfolding, MODELS};

use search::Meter;
use serde_json::{json, Value as Json};

/// Placements each search may try before it answers "unknown".
pub const DEFAULT_BUDGET: u64 = 2_000_000;

/// The work, in steps, all of one run's session searches may do together (see [`Meter`]). At
/// 3,000,000 one of the Jepsen etcd histories in `shared/reference` lost four verdicts to it (a
/// test keeps them all); the worst run found spends 1.0–1.3 s natively on them at this limit.
const SESSION_WORK_PER_RUN: u64 = 10_000_000;

/// A search value for a history value.
pub(crate) fn val(v: Value) -> search::Val {
    v.map_or(0, |i| i + 1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Held,
    Violated,
    Unknown,
    NotChecked,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Violated => "violated",
            Status::Unknown => "unknown",
            Status::NotChecked => "not_checked",
        }
    }
}

/// One model's verdict: held, violated (with its witness), or unknown / not checked (with why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub why: Option<String>,
    pub witness: Option<Witness>,
}

impl Verdict {
    pub fn held() -> Verdict {
        Verdict { status: Status::Held, why: None, witness: None }
    }

    pub fn violated(w: Witness) -> Verdict {
        Verdict { status: Status::Violated, why: None, witness: Some(w) }
    }

    pub fn unknown(why: String) -> Verdict {
        Verdict { status: Status::Unknown, why: Some(why), witness: None }
    }

    pub fn not_checked(why: &str) -> Verdict {
        Verdict { status: Status::NotChecked, why: Some(why.to_string()), witness: None }
    }

    /// The weakest of several: any violation (the first), else any unknown, else any not
    /// checked, else held.
    pub fn all(vs: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut out = Verdict::held();
        let rank = |s: Status| {
            [Status::Held, Status::NotChecked, Status::Unknown, Status::Violated].iter().position(|x| *x == s)
        };
        for v in vs {
            if rank(v.status) > rank(out.status) {
                out = v;
            }
        }
        out
    }

    fn to_json(&self, h: &History) -> Json {
        let mut v = json!({ "verdict": self.status.name() });
        if let Some(why) = &self.why {
            v["why"] = json!(why);
        }
        if let Some(w) = &self.witness {
            v["witness"] = Json::Array(w.ops.iter().map(|i| op_json(h, *i)).collect());
            v["explanation"] = json!(w.explanation);
            if let Some(t) = w.decided_at {
                v[format!("decided_at_{}", time_unit(h))] = json!(t);
            }
        }
        v
    }
}

/// What a history's times count: log lines, or microseconds of a run.
fn time_unit(h: &History) -> &'static str {
    if h.source_name == "line" {
        "line"
    } else {
        "us"
    }
}

fn op_json(h: &History, i: u32) -> Json {
    let o = &h.ops[i as usize];
    let kind = match o.kind {
        HistoryKind::Read => "read",
        HistoryKind::Write => "write",
        HistoryKind::Cas => "cas",
    };
    let outcome = match o.outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "fail",
        Outcome::Info => "info",
    };
    let values: Vec<&str> = o.values.iter().map(|v| h.value_text(*v)).collect();
    json!({
        h.source_name: o.source,
        "client": h.clients[o.client as usize],
        "key": h.keys[o.key as usize],
        "f": kind,
        "values": values,
        "outcome": outcome,
        format!("invoke_{}", time_unit(h)): o.invoke_us,
        format!("complete_{}", time_unit(h)): o.complete_us,
        "text": describe(h, i),
    })
}

/// One key's verdicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyConsistency {
    pub key: u32,
    /// Some read returned siblings: not a single-value register.
    pub multi_valued: bool,
    pub linearizable: Verdict,
    pub sequential: Verdict,
    /// Per guarantee (in [`GUARANTEES`] order), the clients for whom it does not hold, with
    /// their verdicts (every other client's is held).
    pub sessions: Vec<Vec<(u32, Verdict)>>,
}

/// Every model's verdict on a history, per key and overall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consistency {
    pub keys: Vec<KeyConsistency>,
    pub linearizable: Verdict,
    pub sequential: Verdict,
    pub causal: Verdict,
    /// Per guarantee, over every key and client.
    pub sessions: Vec<Verdict>,
    /// Only for simulator runs: did the replicas agree in the end.
    pub convergent: Option<Verdict>,
}

const SIBLINGS: &str = "a read returned several siblings, so this key is not a single-value register; it is \
                        judged by the session guarantees and convergence only";

/// Checks every model on `h` (sorted by invoke), each search trying at most `budget` placements.
pub fn check_history(h: &History, budget: u64) -> Consistency {
    check_history_within(h, budget, SESSION_WORK_PER_RUN)
}

/// [`check_history`] with all the session searches together doing at most `session_work`.
fn check_history_within(h: &History, budget: u64, session_work: u64) -> Consistency {
    let by_key = h.ops_by_key();
    let meter = Meter::new(session_work);
    let keys: Vec<KeyConsistency> =
        (0..h.keys.len() as u32).map(|k| check_key(h, k, &by_key[k as usize], budget, &meter)).collect();
    let single: Vec<u32> = keys.iter().filter(|k| !k.multi_valued).map(|k| k.key).collect();
    let lin_all = Verdict::all(keys.iter().filter(|k| !k.multi_valued).map(|k| k.linearizable.clone()));
    // Each key's restriction of a sequential order is one, so a key's violation is the whole's.
    let per_key = Verdict::all(keys.iter().filter(|k| !k.multi_valued).map(|k| k.sequential.clone()));
    let mut sequential = if single.len() <= 1 || lin_all.status == Status::Held || per_key.status != Status::Held {
        per_key
    } else {
        // Keys together: each try costs a pass over every operation, so fewer tries.
        let scale = (h.ops.len() as u64 / 1_000).max(1);
        sequential::check(h, &single, budget / scale)
    };
    if single.len() < keys.len() && sequential.status == Status::Held {
        sequential = Verdict::not_checked(SIBLINGS);
    }
    Consistency {
        linearizable: Verdict::all(keys.iter().map(|k| k.linearizable.clone())),
        sequential,
        causal: Verdict::not_checked(
            "causal consistency is not checked yet (it can be decided soundly when written values are distinct: \
             Bouajjani et al., POPL 2017)",
        ),
        sessions: (0..GUARANTEES.len())
            .map(|g| Verdict::all(keys.iter().flat_map(|k| k.sessions[g].iter().map(|(_, v)| v.clone()))))
            .collect(),
        convergent: None,
        keys,
    }
}

/// Sequential consistency alone (the search itself, not implied by linearizability), over
/// every single-value key together.
pub fn check_sequential(h: &History, budget: u64) -> Verdict {
    let by_key = h.ops_by_key();
    let single: Vec<u32> = (0..h.keys.len() as u32).filter(|k| !h.multi_valued(&by_key[*k as usize])).collect();
    sequential::check(h, &single, budget)
}

/// Linearizability alone, over every single-value key.
pub fn check_linearizable(h: &History, budget: u64) -> Verdict {
    let by_key = h.ops_by_key();
    let keys = by_key.iter().map(|ops| {
        if h.multi_valued(ops) {
            Verdict::not_checked(SIBLINGS)
        } else {
            linear::check_key(h, ops, budget)
        }
    });
    Verdict::all(keys)
}

/// `ops`: the key's operations, in invoke order.
fn check_key(h: &History, key: u32, ops: &[u32], budget: u64, meter: &Meter) -> KeyConsistency {
    let multi_valued = h.multi_valued(ops);
    let sessions = session::check_key(h, ops, budget, meter);
    if multi_valued {
        let (linearizable, sequential) = (Verdict::not_checked(SIBLINGS), Verdict::not_checked(SIBLINGS));
        return KeyConsistency { key, multi_valued, linearizable, sequential, sessions };
    }
    let linearizable = linear::check_key(h, ops, budget);
    let sequential = if linearizable.status == Status::Held {
        Verdict::held() // a linearization keeps every client's order
    } else {
        let sc = sequential::check(h, &[key], budget);
        let broken = sessions.iter().flatten().map(|(_, v)| v).find(|v| v.status == Status::Violated);
        match (sc.status, broken) {
            (Status::Unknown, Some(v)) => implied_violation(v),
            _ => sc,
        }
    };
    KeyConsistency { key, multi_valued, linearizable, sequential, sessions }
}

/// Sequential consistency implies each session guarantee: a broken one is its witness too.
fn implied_violation(v: &Verdict) -> Verdict {
    let mut v = v.clone();
    if let Some(w) = &mut v.witness {
        w.explanation = format!("{} Sequential consistency implies this guarantee, so it fails too.", w.explanation);
    }
    v
}

impl Consistency {
    /// The CLI's JSON: the linearizability verdict at the top (true, false, or null when
    /// unknown or not checked), then every model, then per key.
    pub fn to_json(&self, h: &History) -> Json {
        let lin = &self.linearizable;
        let top = match lin.status {
            Status::Held => json!(true),
            Status::Violated => json!(false),
            _ => Json::Null,
        };
        let w = lin.witness.as_ref();
        json!({
            "linearizable": top,
            "witness": w.map(|w| Json::Array(w.ops.iter().map(|i| op_json(h, *i)).collect())),
            "explanation": w.map(|w| w.explanation.clone()).or(lin.why.clone()),
            "models": self.models_json(h),
            "keys": self.keys.iter().map(|k| key_json(h, k)).collect::<Vec<_>>(),
            "counts": { "ops": h.ops.len(), "clients": h.clients.len(), "keys": h.keys.len() },
        })
    }

    fn models_json(&self, h: &History) -> Json {
        let mut m = json!({
            "linearizable": self.linearizable.to_json(h),
            "sequential": self.sequential.to_json(h),
            "causal": self.causal.to_json(h),
        });
        for (g, v) in GUARANTEES.iter().zip(&self.sessions) {
            m[g.name()] = v.to_json(h);
        }
        if let Some(c) = &self.convergent {
            m["convergent"] = c.to_json(h);
        }
        m
    }
}

fn key_json(h: &History, k: &KeyConsistency) -> Json {
    let mut v = json!({
        "key": h.keys[k.key as usize],
        "multi_valued": k.multi_valued,
        "linearizable": k.linearizable.to_json(h),
        "sequential": k.sequential.to_json(h),
    });
    for (g, per_client) in GUARANTEES.iter().zip(&k.sessions) {
        let bad: Vec<Json> = per_client
            .iter()
            .map(|(c, v)| json!({ "client": h.clients[*c as usize], "verdict": v.to_json(h) }))
            .collect();
        let all = Verdict::all(per_client.iter().map(|(_, v)| v.clone()));
        v[g.name()] = json!({ "verdict": all.status.name(), "clients": bad });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per key, guarantee and client, the session verdict (held when not listed).
    fn sessions(c: &Consistency, clients: usize) -> Vec<Verdict> {
        let mut out = vec![];
        for k in &c.keys {
            for listed in &k.sessions {
                for client in 0..clients as u32 {
                    let v = listed.iter().find(|(c, _)| *c == client).map(|(_, v)| v.clone());
                    out.push(v.unwrap_or_else(Verdict::held));
                }
            }
        }
        out
    }

    /// The run-wide limit only ever turns a verdict into "unknown", saying why, and the
    /// default limit changes nothing on small runs.
    #[test]
    fn the_run_wide_limit_on_session_searches_only_makes_verdicts_unknown() {
        let (mut cut, mut kept) = (0, 0);
        for sim in crate::testruns::runs(40) {
            let (h, _) = sim.consistency();
            let whole = sessions(&check_history_within(&h, DEFAULT_BUDGET, u64::MAX), h.clients.len());
            let default = sessions(&check_history(&h, DEFAULT_BUDGET), h.clients.len());
            assert_eq!(whole, default);
            for limit in [0, 40, 400] {
                let why = Meter::new(limit).why();
                let limited = sessions(&check_history_within(&h, DEFAULT_BUDGET, limit), h.clients.len());
                for (l, w) in limited.iter().zip(&whole) {
                    if l == w {
                        kept += 1;
                    } else {
                        assert_eq!((l.status, l.why.as_deref()), (Status::Unknown, Some(why.as_str())), "was {w:?}");
                        cut += 1;
                    }
                }
            }
        }
        assert!(cut > 100 && kept > 100, "the limit cut {cut} verdicts and kept {kept}");
    }

    /// The run-wide limit is above what real histories need: on none of the Jepsen etcd histories
    /// in `shared/reference` does a session search go unsearched for it. The limit acts only
    /// there (it is asked before a search starts), so their verdicts are those of no limit.
    #[test]
    fn the_run_wide_limit_leaves_every_jepsen_history_as_it_is() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/jepsen-etcd");
        let mut logs = 0;
        for entry in std::fs::read_dir(&dir).expect("the reference data is expected at ../shared") {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "log") {
                continue;
            }
            let mut h = parse_jepsen(&std::fs::read_to_string(&path).unwrap()).unwrap();
            h.sort_by_invoke();
            let why = Meter::new(SESSION_WORK_PER_RUN).why();
            let cut = sessions(&check_history(&h, DEFAULT_BUDGET), h.clients.len())
                .into_iter()
                .filter(|v| v.why.as_deref() == Some(why.as_str()))
                .count();
            assert_eq!(cut, 0, "{}: {cut} session verdicts left unsearched by the limit", path.display());
            logs += 1;
        }
        assert_eq!(logs, 52);
    }
}
