//! A run of a scenario: the world plus its recording, checkpoints for seeking, and a [`Cursor`]
//! the app moves through time. The report and snapshots are built from here.

use crate::check::{check, Anomaly, AnomalyKind, Checked};
use crate::ids::{KeyId, NodeId};
use crate::report::Report;
use crate::scenario::Scenario;
use crate::setup::Setup;
use crate::sim::{World, FIRST_CHECKPOINT_EVERY, MAX_CHECKPOINTS, MAX_CHECKPOINT_BYTES, MAX_STEPS};
use crate::snapshot::Snapshot;
use crate::trace::{Level, MsgRecord, Recording};
use std::cell::OnceCell;

pub struct Sim {
    pub(crate) setup: Setup,
    pub(crate) world: World,
    pub(crate) rec: Recording,
    checkpoints: Vec<World>,
    /// What each checkpoint costs (`World::clone_bytes`), and their sum.
    checkpoint_bytes: Vec<u64>,
    checkpoint_bytes_total: u64,
    checkpoint_bytes_cap: u64,
    /// The widest spacing allowed: a seek replays at most this many steps.
    checkpoint_spacing_cap: u64,
    checkpoint_every: u64,
    keep_checkpoints: bool,
    /// The run has ended ([`Sim::run_steps`] returned true).
    finished: bool,
    /// The checker's verdict on the finished run, computed once.
    anomalies: OnceCell<Checked>,
}

/// Steps `w` until everything due at or before `t_us` has happened; the clock then reads `t_us`.
/// The one seek-forward loop: replays record nothing (the full run already has).
fn advance(s: &Setup, w: &mut World, t_us: u64) {
    let mut off = Recording::new(Level::Off);
    while w.step(s, &mut off, t_us) {}
    w.now = t_us;
}

impl Sim {
    pub fn new(sc: Scenario, level: Level) -> Sim {
        let setup = Setup::new(sc);
        let world = World::new(&setup);
        Sim {
            setup,
            world,
            rec: Recording::new(level),
            checkpoints: vec![],
            checkpoint_bytes: vec![],
            checkpoint_bytes_total: 0,
            checkpoint_bytes_cap: MAX_CHECKPOINT_BYTES,
            checkpoint_spacing_cap: u64::MAX,
            checkpoint_every: FIRST_CHECKPOINT_EVERY,
            keep_checkpoints: false,
            finished: false,
            anomalies: OnceCell::new(),
        }
    }

    /// Keeps checkpoints while running, so that a [`Cursor`] can seek quickly.
    pub fn with_checkpoints(mut self) -> Sim {
        self.keep_checkpoints = true;
        self.checkpoint();
        self
    }

    /// Runs to the scenario's end.
    pub fn run(&mut self) {
        while !self.run_steps(u64::MAX) {}
    }

    /// Runs at most `max_steps` more steps; true once the run has finished (then exactly as
    /// [`Sim::run`] leaves it, however it was sliced). The app runs a long one a slice per frame.
    pub fn run_steps(&mut self, max_steps: u64) -> bool {
        if self.finished {
            return true;
        }
        let until = self.setup.sc.run_until_us;
        for _ in 0..max_steps {
            if !self.world.step(&self.setup, &mut self.rec, until) {
                self.finish(until);
                return true;
            }
            if self.keep_checkpoints && self.world.steps.is_multiple_of(self.checkpoint_every) {
                self.checkpoint();
            }
        }
        false
    }

    /// Keeps a copy of the world for seeking. Past `MAX_CHECKPOINTS` of them, or
    /// `MAX_CHECKPOINT_BYTES` (or a lower cap), every other one is dropped and the spacing doubles: memory stays
    /// bounded, and a seek replays at most the spacing. The first (the start) is always kept.
    fn checkpoint(&mut self) {
        let bytes = self.world.clone_bytes();
        self.checkpoints.push(self.world.clone());
        self.checkpoint_bytes.push(bytes);
        self.checkpoint_bytes_total += bytes;
        while self.checkpoints.len() > 1
            && (self.checkpoints.len() > MAX_CHECKPOINTS || self.checkpoint_bytes_total > self.checkpoint_bytes_cap)
        {
            if self.checkpoint_every * 2 > self.checkpoint_spacing_cap {
                // The run stops at the next step, saying which cap (`World::caps`).
                self.setup.max_seekable_steps = self.world.steps;
                break;
            }
            self.checkpoints = self.checkpoints.drain(..).step_by(2).collect();
            self.checkpoint_bytes = self.checkpoint_bytes.drain(..).step_by(2).collect();
            self.checkpoint_bytes_total = self.checkpoint_bytes.iter().sum();
            self.checkpoint_every *= 2;
        }
    }

    /// The checkpoints kept: how many, their bytes (`World::clone_bytes`) and their spacing in
    /// steps (the benchmarks and tests read it).
    pub fn checkpoint_stats(&self) -> (usize, u64, u64) {
        (self.checkpoints.len(), self.checkpoint_bytes_total, self.checkpoint_every)
    }

    fn finish(&mut self, until: u64) {
        self.finished = true;
        // The clock reads the end of the run even when nothing happened near the end — unless
        // the step cap stopped it: then it reads where the run really stopped.
        if !self.truncated() {
            self.world.now = self.world.now.max(until);
        }
    }

    /// How far a run in slices has got: the simulated time reached.
    pub fn now_us(&self) -> u64 {
        self.world.now
    }

    /// Said when the run stopped at a cap (see `World::caps`): which, where, and what was left
    /// undone.
    pub fn truncation_note(&self) -> Option<String> {
        self.world.cap_reached(&self.setup).map(|(limit, what)| {
            let cap = format!("{} {what}", crate::num::grouped(limit));
            format!(
                "the run reached the cap of {cap} at {} ms of {} ms: what was due later did not happen (operations still pending are shown as pending)",
                crate::num::num(crate::ids::us_to_ms(self.world.now)),
                crate::num::num(crate::ids::us_to_ms(self.setup.sc.run_until_us))
            )
        })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.setup.sc
    }

    pub fn recording(&self) -> &Recording {
        &self.rec
    }

    /// Steps taken by the run (at most `MAX_STEPS`).
    pub fn steps(&self) -> u64 {
        self.world.steps
    }

    /// Stopped at a cap: steps, messages sent, Merkle hashes or bytes returned (see `capped`).
    pub fn truncated(&self) -> bool {
        self.world.capped(&self.setup)
    }

    /// A lower bound on checkpoints' bytes than `MAX_CHECKPOINT_BYTES` (tests).
    pub fn with_checkpoint_bytes_cap(mut self, bytes: u64) -> Sim {
        self.checkpoint_bytes_cap = bytes.min(MAX_CHECKPOINT_BYTES);
        self
    }

    /// Checkpoints at most `steps` apart, so that a seek replays at most that many: a run whose
    /// checkpoints would have to be further apart to stay within their bytes stops there, at the
    /// cap on steps kept seekable (the tab: a state of 256 nodes × 10,000 keys and 100,000
    /// operations is about 40 MB, and seeking by replaying from the start froze the page 17 s).
    pub fn with_checkpoint_spacing_cap(mut self, steps: u64) -> Sim {
        self.checkpoint_spacing_cap = steps;
        self
    }

    /// A lower step cap than `MAX_STEPS`, so tests can reach it quickly.
    pub fn with_step_cap(mut self, steps: u64) -> Sim {
        self.setup.max_steps = steps.min(MAX_STEPS);
        self
    }

    /// A lower cap on Merkle hashes than `MAX_MERKLE_HASHES` (tests, and the tab's own cap).
    pub fn with_merkle_hash_cap(mut self, hashes: u64) -> Sim {
        self.setup.max_merkle_hashes = hashes.min(crate::sim::MAX_MERKLE_HASHES);
        self
    }

    /// A lower cap on bytes of values returned than `MAX_RETURNED_BYTES`, so tests reach it.
    pub fn with_returned_bytes_cap(mut self, bytes: u64) -> Sim {
        self.setup.max_returned_bytes = bytes.min(crate::sim::MAX_RETURNED_BYTES);
        self
    }

    /// A lower cap on versions merged than `MAX_MERGED_VERSIONS`, so tests reach it.
    pub fn with_merged_versions_cap(mut self, versions: u64) -> Sim {
        self.setup.max_merged_versions = versions.min(crate::sim::MAX_MERGED_VERSIONS);
        self
    }

    /// A lower cap on values returned than `MAX_RETURNED_VALUES`, so tests reach it.
    pub fn with_returned_values_cap(mut self, values: u64) -> Sim {
        self.setup.max_returned_values = values.min(crate::sim::MAX_RETURNED_VALUES);
        self
    }

    /// A lower cap on messages sent than `MAX_MESSAGES`, so tests can reach it quickly.
    pub fn with_message_cap(mut self, messages: u64) -> Sim {
        self.setup.max_messages = messages.min(crate::sim::MAX_MESSAGES);
        self
    }

    /// A key's preference list: its N home replicas first, then the fallbacks in ring order.
    pub fn preference(&self, key: KeyId) -> &[NodeId] {
        &self.setup.pref[key as usize]
    }

    /// A key's N home replicas.
    pub fn home(&self, key: KeyId) -> &[NodeId] {
        self.setup.home(key)
    }

    /// The Merkle tree nodes `a` and `b` compare, built from `a`'s copies in `snap`.
    pub fn shared_tree(&self, snap: &Snapshot, a: NodeId, b: NodeId) -> crate::merkle::Tree {
        let store = &snap.nodes[a as usize].store;
        self.setup.shared_tree(|k| store.binary_search_by_key(&k, |e| e.0).ok().map(|i| &store[i].1), a, b)
    }

    /// The world as it was once everything due at or before `t_us` had happened.
    fn world_at(&self, t_us: u64) -> World {
        let start = self.checkpoints.partition_point(|w| w.now <= t_us).saturating_sub(1);
        let mut w = match self.checkpoints.get(start) {
            Some(cp) if cp.now <= t_us => cp.clone(),
            _ => World::new(&self.setup),
        };
        advance(&self.setup, &mut w, t_us);
        w
    }

    pub fn snapshot_at(&self, t_us: u64) -> Snapshot {
        Snapshot::of(&self.setup, &self.world_at(t_us))
    }

    /// A cursor at time 0.
    pub fn cursor(&self) -> Cursor {
        Cursor { world: self.world_at(0) }
    }

    /// The checker's anomalies of the finished run (computed on first use, then kept).
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.checked().list
    }

    /// Anomalies found but not listed, by kind (at most `MAX_LISTED_PER_KIND` of a kind are).
    pub fn anomalies_not_listed(&self) -> Vec<(AnomalyKind, u64)> {
        let counts = self.checked().not_listed;
        AnomalyKind::ALL.into_iter().zip(counts).filter(|(_, n)| *n > 0).collect()
    }

    fn checked(&self) -> &Checked {
        self.anomalies.get_or_init(|| check(&self.setup, &self.world))
    }

    /// Messages in the air at `t_us` (sent at or before, not yet arrived or lost). Needs a Full
    /// recording.
    pub fn in_flight_at(&self, t_us: u64) -> impl Iterator<Item = (u32, &MsgRecord)> + '_ {
        // Messages are recorded in send order, so everything sent after t is past this point.
        let end = self.rec.messages.partition_point(|m| m.sent_us <= t_us);
        // Nothing sent longer ago than the longest flight can still be in the air.
        let horizon = t_us.saturating_sub(self.rec.max_flight_us);
        let start = self.rec.messages[..end].partition_point(|m| m.sent_us < horizon);
        self.rec.messages[start..end]
            .iter()
            .enumerate()
            .map(move |(i, m)| (i + start, m))
            .filter(move |(_, m)| m.gone_us() > t_us)
            .map(|(i, m)| (i as u32, m))
    }

    pub fn report(&self) -> Report {
        let mut r = self.report_without_ops();
        r.ops = self.op_reports().collect();
        r
    }

    /// The report with `ops` empty: [`Sim::op_reports`] gives them one at a time.
    pub(crate) fn report_without_ops(&self) -> Report {
        let mut r = Report::without_ops(&self.setup, &self.world, &self.rec, self.anomalies());
        r.stats.truncated = self.truncated();
        r.stats.note = self.truncation_note();
        r.stats.anomalies_not_listed =
            self.anomalies_not_listed().into_iter().map(|(k, n)| (k.name().to_string(), n)).collect();
        r
    }

    /// The report's operations in file order, each made when it is asked for.
    pub(crate) fn op_reports(&self) -> crate::report::OpReports<'_> {
        crate::report::OpReports::new(&self.setup, &self.world)
    }

    /// The full trace as JSON, with names instead of indices (`quorumscope run --trace`).
    pub fn trace_json(&self) -> serde_json::Value {
        let mut v = crate::trace::to_json(&self.setup.sc, &self.rec);
        if !self.setup.sc.steps.is_empty() {
            v["steps"] = self.steps_json();
        }
        v
    }

    /// When each lesson step is shown in this run and until when, and what in its caption does
    /// not hold (`quorumscope check`, and the trace). Needs the full trace.
    pub fn steps_json(&self) -> serde_json::Value {
        let sc = &self.setup.sc;
        let times = crate::steps::step_times_us(&sc.steps, sc, &self.rec);
        let ms = |t: Option<u64>| t.map(|t| serde_json::json!(crate::ids::us_to_ms(t))).unwrap_or_default();
        let shown: Vec<serde_json::Value> = (0..times.len())
            .map(|i| {
                let until = times[i].map(|_| crate::steps::shown_until_us(&times, i, sc.run_until_us));
                serde_json::json!({ "index": i, "shown_ms": ms(times[i]), "until_ms": ms(until) })
            })
            .collect();
        let problems = crate::steps::step_problems(&sc.steps, sc, &self.rec, sc.run_until_us);
        serde_json::json!({ "shown": shown, "problems": problems })
    }
}

/// A position in time that the app moves: moving forward steps the world it holds, moving back
/// seeks from the nearest checkpoint. What the app reads at it is a [`Snapshot`].
#[derive(Clone, Debug)]
pub struct Cursor {
    world: World,
}

impl Cursor {
    pub fn now_us(&self) -> u64 {
        self.world.now
    }

    /// Moves to `t_us`, forward by stepping or back from a checkpoint.
    pub fn seek(&mut self, sim: &Sim, t_us: u64) {
        if self.world.now > t_us {
            self.world = sim.world_at(t_us);
        } else {
            advance(&sim.setup, &mut self.world, t_us);
        }
    }

    pub fn snapshot(&self, sim: &Sim) -> Snapshot {
        Snapshot::of(&sim.setup, &self.world)
    }
}
