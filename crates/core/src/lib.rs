//! Quorumscope's core: a pure, deterministic simulation of a Dynamo-style leaderless replicated
//! key-value store. No I/O, no wall clock, no ambient randomness: the same scenario gives the same
//! trace and report, byte for byte, natively and in wasm.
//!
//! Entry points: [`scenario::parse`] checks a scenario file, [`Sim`] runs it, [`Sim::report`]
//! summarises it, [`Sim::snapshot_at`] shows the state at any instant.

mod actor;
pub mod bench;
pub mod check;
pub mod client;
pub mod data;
mod expect;
pub mod hash;
pub mod ids;
pub mod latency;
pub mod merkle;
pub mod msg;
mod net;
pub mod node;
pub mod num;
pub mod order;
pub mod report;
pub mod ring;
mod rng;
pub mod run;
pub mod scenario;
mod setup;
pub mod sim;
pub mod snapshot;
pub mod trace;

pub use expect::Expected;
pub use net::Faults;
pub use report::Report;
pub use rng::Rng;
pub use run::{Cursor, Sim};
pub use scenario::{parse, Scenario, ScenarioError, ScenarioFile};
pub use snapshot::Snapshot;
pub use trace::Level;

/// Parses, runs and reports in one call.
pub fn run_text(text: &str, level: Level) -> Result<Sim, ScenarioError> {
    let (_, sc) = parse(text)?;
    let mut sim = Sim::new(sc, level);
    sim.run();
    Ok(sim)
}
