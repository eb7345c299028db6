//! Quorumscope's core: a pure, deterministic simulation of a Dynamo-style leaderless replicated
//! key-value store. No I/O, no wall clock, no ambient randomness: the same scenario gives the same
//! trace and report, byte for byte, natively and in wasm.
//!
//! This file is the façade: everything the CLI and the app may use is named here, and nothing
//! else is reachable from outside the crate. The app moves a [`Cursor`] and reads the
//! [`Recording`] (trace, messages, exchanges), [`Snapshot`]s and the [`Report`] — never a node's
//! or a client's internals.
//!
//! Entry points: [`scenario::parse`] checks a scenario file, [`Sim`] runs it, [`Sim::report`]
//! summarises it, [`Sim::cursor`] and [`Sim::snapshot_at`] show the state at any instant.

// The simulation's layers, from the bottom: ids and the file; the actor interface; the actors;
// the world that drives them; what comes out.
mod actor;
mod check;
mod client;
mod cost;
mod data;
mod expect;
mod hash;
mod ids;
mod latency;
mod merkle;
mod msg;
mod net;
mod node;
mod out;
pub mod pbs;
mod report;
mod ring;
mod rng;
mod run;
pub mod scenario;
mod setup;
mod sim;
mod snapshot;
mod steps;
#[cfg(test)]
mod testruns;
mod trace;
mod verdict;

// Utilities the app shares with the core, so the bundle carries one copy of each.
pub mod bench;
pub mod num;
pub mod order;

/// The verdicts and the report (the CLI's output).
pub use check::{Anomaly, AnomalyKind, MAX_LISTED_PER_KIND};
/// The state at one instant.
pub use data::{Data, Dot, Sibling, Siblings, MAX_SIBLINGS, WARN_SIBLINGS};
pub use expect::Expected;
pub use hash::hash_u64s;
/// Who is who, and the file's milliseconds against the simulation's microseconds.
pub use ids::{ms_to_us, us_to_ms, Addr, ClientId, DcId, KeyId, NodeId, ValueId};
/// Merkle trees, for the panel that shows an exchange level by level.
pub use merkle::{compare, leaf_of, Tree};
/// What the app draws: the trace, messages in flight, anti-entropy exchanges.
pub use msg::{Msg, MsgKind};
pub use net::Faults;
pub use report::{OpIds, OpReport, OpStatus, OpType, Report, PREFERENCE_LISTED};
/// Placement, for tests and tools that check where a key lands.
pub use ring::Ring;
/// Running a scenario and moving through it.
pub use run::{Cursor, Sim};
pub use scenario::{parse, Scenario, ScenarioError, ScenarioFile};
pub use setup::{MAX_MERGED_VERSIONS, MAX_MERKLE_HASHES, MAX_MESSAGES, MAX_STEPS};
pub use sim::{state_bytes_at_start, MAX_CHECKPOINT_BYTES};
pub use snapshot::{NodeSnap, Snapshot};
/// A lesson's steps against its run: when each is shown, and whether its caption holds.
pub use steps::{happens_at_us, names_message, step_problems, step_shown_at, step_times_us};
pub use trace::{
    AbandonReason, DropReason, Ev, Exchange, Fate, FaultWhat, Level, MerkleStep, MsgRecord, Recording, TraceEvent,
};
/// Consistency verdicts on histories (Jepsen logs, or a run via [`Sim::consistency`]).
pub use verdict::{
    check_history, check_linearizable, check_sequential, describe, history_of_report, parse_jepsen, unfold,
    Consistency, Guarantee, History, HistoryKind, HistoryOp, JepsenError, KeyConsistency, ModelKind, Outcome, Status,
    Unfolding, Value, Verdict, Witness, DEFAULT_BUDGET, GUARANTEES, MODELS,
};

/// Parses, runs and reports in one call.
pub fn run_text(text: &str, level: Level) -> Result<Sim, ScenarioError> {
    let (_, sc) = parse(text)?;
    let mut sim = Sim::new(sc, level);
    sim.run();
    Ok(sim)
}
