//! One run of the current experiment and everything the views derive from it. Views read trace
//! events, the report and snapshots — never node internals.

use quorumscope_core::num::fixed;
use quorumscope_core::scenario::{Scenario, ScenarioFile};
use quorumscope_core::Anomaly;
use quorumscope_core::Data;
use quorumscope_core::Tree;

/// Two replicas' Merkle trees: the initiator's, then the peer's.
pub type TreePair = std::rc::Rc<(Tree, Tree)>;
use quorumscope_core::{
    AbandonReason, Ev, Fate, FaultWhat, Level, MerkleStep, Msg, MsgKind, MsgRecord, Recording, TraceEvent,
};
use quorumscope_core::{Addr, KeyId, NodeId};
use quorumscope_core::{Cursor, Sim, Snapshot};
use quorumscope_core::{OpReport, Report};
use std::cell::RefCell;

/// How long (simulated) a dropped message stays visible, fading, where it was lost.
pub const DROP_FADE_US: u64 = 40_000;

pub struct Model {
    pub file: ScenarioFile,
    pub sim: Sim,
    pub report: Report,
    pub anomalies: Vec<Anomaly>,
    pub end_us: u64,
    /// Every operation's messages (ids into the recording), in send order: built once, so a view
    /// can say what of an operation has happened by an instant without scanning the run.
    pub op_msgs: Vec<Vec<u32>>,
    /// When each lesson step is shown (its `at_ms`, or the happening it is tied to), `None` for a
    /// step whose happening never takes place in this run.
    pub step_us: Vec<Option<u64>>,
    /// The anti-entropy exchange (index into the recording's) each step talks about: the one
    /// carrying a Merkle message it is tied to or describes.
    step_exchange: Vec<Option<usize>>,
    /// Keys a read repair or an anti-entropy exchange fixed, and when (in time order): the node
    /// cards keep showing them once the replicas agree again, so a student sees the repair.
    pub repaired: Vec<(u64, KeyId)>,
    /// Riak's sibling limits as the run reached them, in time order: each warning (a put that
    /// left a replica more than `WARN_SIBLINGS` versions, and how many) and the end of each put
    /// every replica refused, so the page says so only once the cursor has passed them.
    sibling_warnings: Vec<(u64, NodeId, KeyId, u32)>,
    refusals_us: Vec<u64>,
    /// Both replicas' trees as the exchange began (exchange index, initiator's, peer's): what the
    /// Merkle view draws for that exchange, however far the cursor has moved since.
    exchange_trees: RefCell<Option<(usize, TreePair)>>,
    /// The last instant asked for: moving forward steps it, moving back seeks from a checkpoint.
    /// Interior mutability because looking is not changing the model.
    cursor: RefCell<Cursor>,
    /// The consistency verdicts, computed the first time the panel (or a selection) asks.
    verdicts: std::cell::OnceCell<Verdicts>,
}

/// Runs with more operations than this are not searched in the browser (the CLI's
/// `run --consistency` checks any run).
pub const MAX_VERDICT_OPS: usize = 400;
/// Nor runs with more than this many on one key (a key's searches grow fastest: 100 operations
/// on one key cost about 0.15 s natively).
pub const MAX_KEY_OPS: usize = 100;
/// Placements each search of a run may try in the browser: a tenth of the CLI's, so that a hard
/// run costs the page a fraction of a second; a search that runs out says "unknown" and why.
/// (Every lesson's searches end far sooner, so the app and the CLI say the same of them.)
pub const RUN_BUDGET: u64 = quorumscope_core::DEFAULT_BUDGET / 10;

use quorumscope_core::Unfolding;

/// The consistency verdicts on a history, model by model ([`quorumscope_core::MODELS`] order),
/// as it unfolds: each violated model from the instant it became impossible.
pub struct Verdicts {
    pub history: quorumscope_core::History,
    pub models: Vec<Unfolding>,
    /// Whether the replicas agreed at the end (runs only: a log says nothing of replicas).
    pub convergent: Option<quorumscope_core::Verdict>,
}

impl Verdicts {
    /// A run's: every model as the run unfolds (the instant of each violation found once).
    pub fn of_run(sim: &Sim) -> Verdicts {
        let report = sim.report();
        // Operations per key (ids index the scenario's keys).
        let mut per_key = vec![0usize; sim.scenario().keys.len()];
        report.ops.iter().for_each(|o| per_key.get_mut(o.ids.key as usize).into_iter().for_each(|n| *n += 1));
        let (ops, busiest) = (report.ops.len(), per_key.iter().copied().max().unwrap_or(0));
        if busiest > MAX_KEY_OPS || ops > MAX_VERDICT_OPS {
            let (history, convergent) = sim.history_and_convergence();
            let why = crate::words::too_many_to_check(ops, busiest, MAX_VERDICT_OPS, MAX_KEY_OPS);
            let models = quorumscope_core::MODELS
                .iter()
                .map(|&model| Unfolding {
                    model,
                    verdict: quorumscope_core::Verdict::not_checked(&why),
                    since: None,
                    described: vec![],
                })
                .collect();
            return Verdicts { history, models, convergent: Some(convergent) };
        }
        let (history, c) = sim.consistency_within(RUN_BUDGET);
        let models = quorumscope_core::unfold(&history, &c, RUN_BUDGET);
        Verdicts { history, models, convergent: c.convergent }
    }

    /// An imported log's, judged whole (a violation dated by its witness, when known).
    pub fn of_log(history: quorumscope_core::History) -> Verdicts {
        let c = quorumscope_core::check_history(&history, quorumscope_core::DEFAULT_BUDGET);
        let models = quorumscope_core::MODELS
            .iter()
            .map(|&model| {
                let verdict = model.of(&c).clone();
                let since = verdict.witness.as_ref().and_then(|w| w.decided_at);
                let described = verdict
                    .witness
                    .iter()
                    .flat_map(|w| &w.ops)
                    .map(|i| quorumscope_core::describe(&history, *i))
                    .collect();
                Unfolding { model, verdict, since, described }
            })
            .collect();
        Verdicts { history, models, convergent: None }
    }

    /// The witness of model `i` as history operation indices (none for convergence or a model
    /// not violated).
    pub fn witness(&self, i: usize) -> &[u32] {
        let w = self.models.get(i).and_then(|u| u.verdict.witness.as_ref());
        w.map_or(&[], |w| w.ops.as_slice())
    }

    /// The witness as the run's operation indices (a history operation's `source`).
    pub fn witness_ops(&self, i: usize) -> Vec<u32> {
        self.witness(i).iter().map(|h| self.history.ops[*h as usize].source).collect()
    }
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Keys repaired by a read repair or a completed exchange, in time order. An exchange's keys count
/// from its start: they differ (and are shown) until its repair, which lands before its end.
fn repaired_keys(rec: &Recording) -> Vec<(u64, KeyId)> {
    let reads = rec.trace.iter().filter_map(|e| match e.ev {
        Ev::ReadRepair { key, .. } => Some((e.at_us, key)),
        _ => None,
    });
    let done = rec.exchanges.iter().filter(|x| x.end_us.is_some());
    let exchanges = done.flat_map(|x| x.keys.iter().map(move |k| (x.start_us, *k)));
    let mut all: Vec<(u64, KeyId)> = reads.chain(exchanges).collect();
    quorumscope_core::order::sort_by_key(&mut all, |(at, k)| (u128::from(*at) << 32) | u128::from(*k));
    all
}

/// The exchange (index into the recording's) that carries the first Merkle message a step is tied
/// to or describes.
fn exchange_of(sim: &Sim, st: &quorumscope_core::scenario::StepDecl) -> Option<usize> {
    let (sc, rec) = (sim.scenario(), sim.recording());
    st.when.iter().chain(&st.describes).filter(|h| h.msg.as_deref() == Some("merkle")).find_map(|h| {
        let at = quorumscope_core::happens_at_us(h, sc, rec)?;
        let node = |n: &Option<String>| n.as_deref().and_then(|n| sc.addr_of(n));
        let ends = [node(&h.from), node(&h.to)];
        rec.exchanges.iter().position(|x| {
            let pair = [Some(Addr::Node(x.initiator)), Some(Addr::Node(x.peer))];
            let between = ends.iter().all(|e| e.is_none() || pair.contains(e));
            between && x.start_us <= at && x.end_us.is_none_or(|e| at <= e)
        })
    })
}

/// The tab's own caps, below the CLI's 500,000 steps and 800,000 messages: the app keeps the
/// whole trace and seek checkpoints, and a run at the CLI's former cap of 1,000,000 steps took
/// 362 MiB of wasm memory (anti-entropy every 250 ms on 64 nodes for an hour), past the tab's
/// 256 MiB bound; at these caps 193 MiB (web/tests/hostile.test.mjs). A run that reaches one
/// says so under the caption.
pub const BROWSER_MAX_STEPS: u64 = 400_000;
pub const BROWSER_MAX_MESSAGES: u64 = 300_000;
/// Merkle hashes a run in the tab may compute: half the CLI's, as wasm hashes slower.
pub const BROWSER_MAX_MERKLE_HASHES: u64 = 15_000_000;

/// The largest first state (`quorumscope_core::state_bytes_at_start`) of a run the tab opens:
/// a quarter of what its checkpoints may take, so that several fit (a state of 256 nodes ×
/// 10,000 keys and 100,000 operations is about 69 MB, and its run took 458 MiB of wasm memory).
pub const BROWSER_MAX_STATE_BYTES: u64 = quorumscope_core::MAX_CHECKPOINT_BYTES / 4;

/// Steps a seek may replay: checkpoints are kept at most this far apart, and a run whose states
/// are too large to keep that many of within `quorumscope_core::MAX_CHECKPOINT_BYTES` stops
/// there (256 nodes × 10,000 keys and 100,000 operations: seeking by replaying from the start
/// froze the page for 17 s; in a run stopped here, 128 nodes × 5,000 keys and 20,000 operations,
/// a seek took 0.5 to 1.5 s in headless Chromium, replay and drawing together).
pub const BROWSER_MAX_SEEK_STEPS: u64 = 16_384;

/// Steps the first slice of a run may take before the page is told it is long: a lesson takes
/// under 300, and 20,000 steps cost about 13 ms of wasm (a run at the tab's cap of 400,000 steps
/// took 257 ms in one go, 288 ms of work in 14 slices; web/tests/e2e.test.mjs).
pub const FIRST_SLICE_STEPS: u64 = 20_000;

/// A run being computed a slice at a time (a long one, so the page stays responsive).
pub struct Building {
    file: ScenarioFile,
    sim: Sim,
    done: bool,
}

impl Building {
    pub fn new(file: ScenarioFile, sc: Scenario) -> Building {
        let sim = Sim::new(sc, Level::Full)
            .with_checkpoints()
            .with_step_cap(BROWSER_MAX_STEPS)
            .with_message_cap(BROWSER_MAX_MESSAGES)
            .with_merkle_hash_cap(BROWSER_MAX_MERKLE_HASHES)
            .with_checkpoint_spacing_cap(BROWSER_MAX_SEEK_STEPS);
        Building { file, sim, done: false }
    }

    /// Runs at most `steps` more steps; true once the run has ended.
    pub fn slice(&mut self, steps: u64) -> bool {
        self.done = self.done || self.sim.run_steps(steps);
        self.done
    }

    /// The simulated time reached and the run's length.
    pub fn progress_us(&self) -> (u64, u64) {
        (self.sim.now_us(), self.sim.scenario().run_until_us)
    }

    /// How much of the run is done, in percent: of its simulated time, or of the tab's step cap
    /// when that comes first.
    pub fn percent(&self) -> u64 {
        let (at, end) = self.progress_us();
        (at.min(end) * 100 / end.max(1)).max(self.sim.steps() * 100 / BROWSER_MAX_STEPS).min(100)
    }

    pub fn file(&self) -> &ScenarioFile {
        &self.file
    }

    /// The finished run as a model (the rest of the run first, if any is left).
    pub fn finish(mut self) -> Model {
        self.slice(u64::MAX);
        Model::of_run(self.file, self.sim)
    }
}

impl Model {
    pub fn new(file: ScenarioFile, sc: Scenario) -> Model {
        Building::new(file, sc).finish()
    }

    fn of_run(file: ScenarioFile, sim: Sim) -> Model {
        let report = sim.report();
        let anomalies = sim.anomalies().to_vec();
        let end_us = sim.scenario().run_until_us;
        let cursor = RefCell::new(sim.cursor());
        let mut op_msgs = vec![Vec::new(); report.ops.len()];
        for (i, m) in sim.recording().messages.iter().enumerate() {
            if let Some(v) = m.payload.op().and_then(|o| op_msgs.get_mut(o as usize)) {
                v.push(i as u32);
            }
        }
        let step_us = quorumscope_core::step_times_us(&file.steps, sim.scenario(), sim.recording());
        let step_exchange = file.steps.iter().map(|st| exchange_of(&sim, st)).collect();
        let exchange_trees = RefCell::new(None);
        let repaired = repaired_keys(sim.recording());
        let trace = &sim.recording().trace;
        let sibling_warnings = trace
            .iter()
            .filter_map(|e| match e.ev {
                Ev::SiblingWarning { node, key, siblings } => Some((e.at_us, node, key, siblings)),
                _ => None,
            })
            .collect();
        // A put, not each replica's refusal of it: counted once its client knows (the history
        // row says "refused" then too).
        let refused = |op: u32| report.ops.get(op as usize).is_some_and(|o| o.outcome == Some("refused"));
        let refusals_us = trace
            .iter()
            .filter(|e| matches!(e.ev, Ev::OpEnd { op, ok: false } if refused(op)))
            .map(|e| e.at_us)
            .collect();
        Model {
            file,
            sim,
            report,
            anomalies,
            end_us,
            op_msgs,
            step_us,
            step_exchange,
            repaired,
            sibling_warnings,
            refusals_us,
            exchange_trees,
            cursor,
            verdicts: std::cell::OnceCell::new(),
        }
    }

    /// What the page says of the sibling limits by `t_us`, if the run has reached one by then.
    pub fn siblings_note(&self, t_us: u64) -> Option<String> {
        let warned = self.sibling_warnings.partition_point(|(at, ..)| *at <= t_us);
        let refused = self.refusals_us.partition_point(|at| *at <= t_us);
        if warned == 0 && refused == 0 {
            return None;
        }
        let first = self.sibling_warnings[..warned]
            .first()
            .map(|(at, node, key, siblings)| (fmt_ms(*at), self.node_name(*node), self.key(*key), *siblings));
        Some(crate::words::siblings_note(first, warned, refused))
    }

    /// The consistency verdicts on this run (computed once, on first use).
    pub fn verdicts(&self) -> &Verdicts {
        self.verdicts.get_or_init(|| Verdicts::of_run(&self.sim))
    }

    /// The exchange the Merkle view shows at `t_us`: the one the caption on screen talks about,
    /// else the one in progress (or just ended), latest first.
    pub fn exchange_for(&self, t_us: u64) -> Option<&quorumscope_core::Exchange> {
        let xs = &self.rec().exchanges;
        let focus = self.step_at(t_us).and_then(|i| self.step_exchange[i]).filter(|x| xs[*x].start_us <= t_us);
        focus.map(|x| &xs[x]).or_else(|| self.exchange_at(t_us))
    }

    /// The two replicas' trees as exchange `x` began.
    pub fn trees_at_start(&self, x: &quorumscope_core::Exchange) -> TreePair {
        let i = self.rec().exchanges.iter().position(|e| e.xid == x.xid && e.start_us == x.start_us).unwrap_or(0);
        let mut cache = self.exchange_trees.borrow_mut();
        if let Some((_, trees)) = cache.as_ref().filter(|(j, _)| *j == i) {
            return std::rc::Rc::clone(trees);
        }
        let snap = self.sim.snapshot_at(x.start_us);
        let trees = std::rc::Rc::new((
            self.sim.shared_tree(&snap, x.initiator, x.peer),
            self.sim.shared_tree(&snap, x.peer, x.initiator),
        ));
        *cache = Some((i, std::rc::Rc::clone(&trees)));
        trees
    }

    /// When an operation completed (succeeded or failed), if it did.
    pub fn op_end_us(&self, op: u32) -> Option<u64> {
        self.report.ops.get(op as usize)?.end_ms.map(|e| (e * 1000.0).round() as u64)
    }

    /// Whether the operation's result is known at `t`: it has completed by then.
    pub fn op_done(&self, op: u32, t_us: u64) -> bool {
        self.op_end_us(op).is_some_and(|e| e <= t_us)
    }

    /// Nodes whose answer to the operation (a put's acknowledgement, a get's reply) has reached
    /// its client by `t`, in order of arrival: the write or read set as it forms.
    pub fn answered_by(&self, op: u32, t_us: u64) -> Vec<NodeId> {
        let msgs = &self.rec().messages;
        let Some(ids) = self.op_msgs.get(op as usize) else { return vec![] };
        let mut got: Vec<(u64, NodeId)> = ids
            .iter()
            .map(|i| &msgs[*i as usize])
            .filter(|m| matches!(m.kind, MsgKind::PutAck | MsgKind::GetReply))
            .filter(|m| m.fate == Fate::Delivered && m.arrive_us <= t_us)
            .filter_map(|m| addr_is_node(m.from).map(|n| (m.arrive_us, n)))
            .collect();
        quorumscope_core::order::sort_by_key(&mut got, |x| (u128::from(x.0) << 32) | u128::from(x.1));
        got.into_iter().map(|x| x.1).collect()
    }

    /// The anomalies the checker could know of at `t` (each at its `at_us`; divergence at the end).
    pub fn anomalies_by(&self, t_us: u64) -> impl Iterator<Item = (usize, &Anomaly)> {
        self.anomalies.iter().enumerate().filter(move |(_, a)| a.at_us <= t_us)
    }

    pub fn sc(&self) -> &Scenario {
        self.sim.scenario()
    }

    pub fn rec(&self) -> &Recording {
        self.sim.recording()
    }

    pub fn snapshot_at(&self, t_us: u64) -> Snapshot {
        let mut c = self.cursor.borrow_mut();
        c.seek(&self.sim, t_us);
        c.snapshot(&self.sim)
    }

    /// Time of the next trace event after `t`, or the end.
    pub fn next_event_after(&self, t_us: u64) -> u64 {
        let tr = &self.rec().trace;
        let i = tr.partition_point(|e| e.at_us <= t_us);
        tr.get(i).map(|e| e.at_us).unwrap_or(self.end_us).min(self.end_us)
    }

    /// The next instant after `t` at which the picture changes by itself: a message leaves, a
    /// node crashes or recovers (or is noticed to), the network splits or heals, a caption starts;
    /// else the end.
    pub fn next_visible_after(&self, t_us: u64) -> u64 {
        let msgs = &self.rec().messages;
        let send = msgs.get(msgs.partition_point(|m| m.sent_us <= t_us)).map(|m| m.sent_us);
        let tr = &self.rec().trace;
        let fault = tr[tr.partition_point(|e| e.at_us <= t_us)..]
            .iter()
            .find(|e| matches!(e.ev, Ev::Fault { .. } | Ev::Detected { .. }))
            .map(|e| e.at_us);
        let step = self.next_step_after(t_us);
        [send, fault, step].into_iter().flatten().fold(self.end_us, u64::min)
    }

    /// When the next lesson step after `t_us` is shown, if one is.
    pub fn next_step_after(&self, t_us: u64) -> Option<u64> {
        self.step_us.iter().flatten().filter(|at| **at > t_us).min().copied()
    }

    /// The lesson step on screen at `t_us`.
    pub fn step_at(&self, t_us: u64) -> Option<usize> {
        quorumscope_core::step_shown_at(&self.step_us, t_us)
    }

    /// Time of the last trace event before `t`, or 0.
    pub fn prev_event_before(&self, t_us: u64) -> u64 {
        let tr = &self.rec().trace;
        let i = tr.partition_point(|e| e.at_us < t_us);
        if i == 0 {
            0
        } else {
            tr[i - 1].at_us
        }
    }

    pub fn in_flight(&self, t_us: u64) -> Vec<(u32, &MsgRecord)> {
        self.sim.in_flight_at(t_us).collect()
    }

    /// Dropped messages whose loss happened within `fade_us` before `t` (drawn fading out).
    pub fn recently_dropped(&self, t_us: u64, fade_us: u64) -> Vec<(u32, &MsgRecord)> {
        let msgs = &self.rec().messages;
        let horizon = t_us.saturating_sub(fade_us + self.rec().max_flight_us);
        let start = msgs.partition_point(|m| m.sent_us < horizon);
        let end = msgs.partition_point(|m| m.sent_us <= t_us);
        msgs[start..end]
            .iter()
            .enumerate()
            .filter(|(_, m)| matches!(m.fate, Fate::Dropped(_)) && m.gone_us() <= t_us && t_us - m.gone_us() < fade_us)
            .map(|(i, m)| ((i + start) as u32, m))
            .collect()
    }

    /// How many trace events happened at or before `t`.
    pub fn events_through(&self, t_us: u64) -> usize {
        self.rec().trace.partition_point(|e| e.at_us <= t_us)
    }

    /// Trace events at or before `t`, the latest `n` of them.
    pub fn recent_events(&self, t_us: u64, n: usize) -> &[TraceEvent] {
        let tr = &self.rec().trace;
        let end = tr.partition_point(|e| e.at_us <= t_us);
        &tr[end.saturating_sub(n)..end]
    }

    /// The anti-entropy exchange running at `t`, if any (the latest started).
    pub fn exchange_at(&self, t_us: u64) -> Option<&quorumscope_core::Exchange> {
        self.rec().exchanges.iter().rev().find(|x| x.start_us <= t_us && x.end_us.is_none_or(|e| t_us <= e + 200_000))
    }

    pub fn node_name(&self, n: NodeId) -> &str {
        &self.sc().nodes[n as usize].name
    }

    pub fn value(&self, v: u32) -> &str {
        &self.sc().values[v as usize]
    }

    pub fn key(&self, k: KeyId) -> &str {
        &self.sc().keys[k as usize]
    }

    /// Values of a copy, with their version, e.g. `book @110.5ms` or `red|blue` for siblings.
    pub fn describe_data(&self, d: &Data) -> String {
        self.describe_data_within(d, usize::MAX)
    }

    /// [`Self::describe_data`], or past `shown` versions their count and the first values: a ring card
    /// with 100 siblings ran down over the ring and its clients.
    pub fn describe_data_within(&self, d: &Data, shown: usize) -> String {
        match d {
            Data::Lww { value, ts_us, .. } => format!("{} @{}", self.value(*value), fmt_ms_i(*ts_us)),
            Data::Arrival { value } => self.value(*value).to_string(),
            Data::Siblings(s) => {
                let sc = self.sc();
                let each = |s: &quorumscope_core::Sibling| {
                    format!("{} ({}:{})", self.value(s.value), sc.clients[s.dot.actor as usize].name, s.dot.counter)
                };
                if s.len() <= shown {
                    return s.iter().map(each).collect::<Vec<_>>().join(" | ");
                }
                // Cut short: the count first, then the first few values (their dots left out).
                let first: Vec<&str> = s.iter().take(shown).map(|s| self.value(s.value)).collect();
                format!("{} versions: {} | …", s.len(), first.join(" | "))
            }
        }
    }

    pub fn values_text(&self, d: Option<&Data>) -> String {
        match d {
            None => "∅".into(),
            Some(d) => d.values().iter().map(|v| self.value(*v)).collect::<Vec<_>>().join(" | "),
        }
    }

    /// The value a message carries, in short (`v1`, `red | blue`, `∅`), if it carries one.
    pub fn msg_value(&self, m: &MsgRecord) -> Option<String> {
        match &m.payload {
            Msg::Put { data, .. } | Msg::ReadRepair { data, .. } | Msg::Handoff { data, .. } => {
                Some(self.values_text(Some(data)))
            }
            Msg::GetReply { data, .. } => Some(self.values_text(data.as_ref())),
            _ => None,
        }
    }

    /// A message in words, as known at `t_us`: its fate only once it has happened.
    pub fn describe_msg(&self, m: &MsgRecord, t_us: u64) -> String {
        let sc = self.sc();
        let (from, to) = (sc.name(m.from), sc.name(m.to));
        let body = match &m.payload {
            Msg::Put { key, data, hint_for, .. } => {
                let hint = hint_for.map(|h| format!(", hint for {}", self.node_name(h))).unwrap_or_default();
                format!("put {}={}{hint}", self.key(*key), self.describe_data(data))
            }
            Msg::PutAck { key, stored: true, .. } => format!("ack for put of {}", self.key(*key)),
            Msg::PutAck { key, stored: false, .. } => {
                format!("refusal of the put of {} (too many siblings)", self.key(*key))
            }
            Msg::Get { key, .. } => format!("get {}", self.key(*key)),
            Msg::GetReply { key, data, .. } => format!(
                "reply {}={}",
                self.key(*key),
                data.as_ref().map(|d| self.describe_data(d)).unwrap_or("∅ (nothing)".into())
            ),
            // Blocking: the get waits for this repair's acknowledgement before it returns.
            Msg::ReadRepair { key, data, ack, .. } => format!(
                "{}read repair {}={}",
                if *ack { "blocking " } else { "" },
                self.key(*key),
                self.describe_data(data)
            ),
            Msg::RepairAck { key, .. } => format!("ack for read repair of {}", self.key(*key)),
            Msg::Handoff { key, data } => format!("hinted handoff {}={}", self.key(*key), self.describe_data(data)),
            Msg::HandoffAck { key, .. } => format!("handoff ack for {}", self.key(*key)),
            Msg::MerkleHashes { level, hashes, .. } => format!("Merkle: {} hash(es) at level {level}", hashes.len()),
            Msg::MerkleDiff { level, differing, .. } => format!("Merkle: {} differ at level {level}", differing.len()),
            Msg::MerkleKeys { keys, .. } => format!("Merkle: digests of {} key(s) in differing leaves", keys.len()),
            Msg::MerkleData { data, want, .. } => format!("Merkle: {} copy(ies), asks for {}", data.len(), want.len()),
            Msg::MerkleAck { .. } => "Merkle: copies received".into(),
        };
        let fate = match m.fate {
            Fate::Dropped(r) if m.gone_us() <= t_us => format!(" — dropped ({})", drop_words(r)),
            _ => String::new(),
        };
        format!("{from} → {to}: {body}{fate}")
    }

    /// What the live region says at `t_us`: what happened at the latest instant with something to
    /// tell, in order (its last three sentences), and what one sender sends alike at once as one
    /// sentence ("alice sends put k=v to A, B, C"). Arrivals are told too, so each step to the next
    /// event says something new.
    pub fn narration(&self, t_us: u64) -> String {
        let events = self.recent_events(t_us, 40);
        let Some(at) = events.iter().rev().find(|e| self.narrate_live(e).is_some()).map(|e| e.at_us) else {
            return String::new();
        };
        let mut said: Vec<String> = Vec::new();
        for e in events.iter().filter(|e| e.at_us == at) {
            let Some(s) = self.narrate_live(e) else { continue };
            let s = s.split_once(": ").map(|x| x.1.to_string()).unwrap_or(s);
            let head = |x: &str| x.rsplit_once(" to ").map(|(h, _)| h.to_string());
            match (said.last_mut(), s.rsplit_once(" to ")) {
                (Some(prev), Some((h, to))) if s.contains(" sends ") && head(prev).as_deref() == Some(h) => {
                    prev.push_str(", ");
                    prev.push_str(to);
                }
                _ => said.push(s),
            }
        }
        let from = said.len().saturating_sub(3);
        format!("{}: {}", fmt_ms(at), said[from..].join("; "))
    }

    /// A trace event for the live region: as in the event log, and arrivals and anti-entropy's
    /// messages too (the log leaves them out for room).
    fn narrate_live(&self, e: &TraceEvent) -> Option<String> {
        let sc = self.sc();
        let (m, arrives) = match &e.ev {
            Ev::Delivered { msg } => (&self.rec().messages[*msg as usize], true),
            Ev::Sent { msg } if self.rec().messages[*msg as usize].kind == MsgKind::Merkle => {
                (&self.rec().messages[*msg as usize], false)
            }
            _ => return self.narrate(e),
        };
        let body = self.describe_msg(m, e.at_us);
        let body = body.split_once(": ").map(|x| x.1).unwrap_or("");
        let (t, from, to) = (fmt_ms(e.at_us), sc.name(m.from), sc.name(m.to));
        Some(if arrives {
            format!("{t}: {to} receives {body} from {from}")
        } else {
            format!("{t}: {from} sends {body} to {to}")
        })
    }

    /// One trace event in words, for the live region and the event log.
    pub fn narrate(&self, e: &TraceEvent) -> Option<String> {
        let sc = self.sc();
        let t = fmt_ms(e.at_us);
        let s = match &e.ev {
            Ev::Scenario { .. } | Ev::Delivered { .. } => return None,
            Ev::Fault { what } => self.narrate_fault(what, false),
            Ev::Detected { what } => self.narrate_fault(what, true),
            Ev::OpStart { op } => {
                let o = &self.report.ops[*op as usize];
                match &o.value {
                    Some(v) => format!("{} starts put {}={} (op {op})", o.client, o.key, v),
                    None => format!("{} starts get {} (op {op})", o.client, o.key),
                }
            }
            Ev::OpEnd { op, ok } => self.narrate_op_end(*op, *ok),
            Ev::Sent { msg } => {
                let m = &self.rec().messages[*msg as usize];
                if m.kind == MsgKind::Merkle {
                    return None;
                }
                // Sender and receiver both: the three puts of one write are three sentences.
                format!(
                    "{} sends {} to {}",
                    sc.name(m.from),
                    self.describe_msg(m, e.at_us).split_once(": ").map(|x| x.1).unwrap_or(""),
                    sc.name(m.to)
                )
            }
            Ev::Dropped { msg, reason } => {
                let m = &self.rec().messages[*msg as usize];
                format!(
                    "{} message {} → {} dropped: {}",
                    m.kind.name(),
                    sc.name(m.from),
                    sc.name(m.to),
                    drop_words(*reason)
                )
            }
            Ev::RequestTimeout { op, node } => {
                // The timeout runs out after the operation may have long completed with others'
                // answers: say so, or the line reads as a failure.
                let done = self.op_end_us(*op).is_some_and(|end| end < e.at_us);
                let already = if done { " (op had already completed with other replicas' answers)" } else { "" };
                format!("{} never answered op {op} before its timeout{already}", self.node_name(*node))
            }
            Ev::Stored { node, key, changed: true, .. } => format!("{} stores {}", self.node_name(*node), self.key(*key)),
            Ev::Stored { node, key, changed: false, .. } => format!(
                "{} keeps its copy of {}: it already had this version or one that wins over it",
                self.node_name(*node),
                self.key(*key)
            ),
            Ev::ReadRepair { node, key, .. } => {
                format!("Read repair brings {} up to date on {}", self.node_name(*node), self.key(*key))
            }
            Ev::PutRefused { node, key, siblings, .. } => format!(
                "{} refuses the put of {}: it would hold {siblings} versions, more than the {} a replica keeps (as Riak's max_siblings)",
                self.node_name(*node),
                self.key(*key),
                quorumscope_core::MAX_SIBLINGS
            ),
            Ev::SiblingWarning { node, key, siblings } => format!(
                "{} now holds {siblings} versions of {}: siblings pile up when writers do not read first (Riak warns past {})",
                self.node_name(*node),
                self.key(*key),
                quorumscope_core::WARN_SIBLINGS
            ),
            Ev::HintStored { holder, for_node, key } => {
                format!(
                    "{} keeps {} with a hint for {} (sloppy quorum)",
                    self.node_name(*holder),
                    self.key(*key),
                    self.node_name(*for_node)
                )
            }
            Ev::HandedOff { holder, for_node, key } => {
                format!(
                    "{} handed {} back to {} and dropped its copy",
                    self.node_name(*holder),
                    self.key(*key),
                    self.node_name(*for_node)
                )
            }
            Ev::Merkle { step, .. } => self.narrate_merkle(step),
        };
        Some(format!("{t}: {s}"))
    }

    fn narrate_fault(&self, what: &FaultWhat, detected: bool) -> String {
        let nodes = |ns: &[NodeId]| ns.iter().map(|n| self.node_name(*n)).collect::<Vec<_>>().join(", ");
        let is = |ns: &[NodeId]| if ns.len() == 1 { "is" } else { "are" };
        match (what, detected) {
            (FaultWhat::Crash { nodes: ns }, false) => format!("{} crashed", nodes(ns)),
            (FaultWhat::Recover { nodes: ns }, false) => {
                format!(
                    "{} recovered with what {} had stored (a crash loses no data here)",
                    nodes(ns),
                    if ns.len() == 1 { "it" } else { "they" }
                )
            }
            (FaultWhat::Partition { .. }, false) => "The network is partitioned".into(),
            (FaultWhat::Heal, false) => "The partition heals".into(),
            (FaultWhat::Crash { nodes: ns }, true) => format!("The cluster notices {} {} down", nodes(ns), is(ns)),
            (FaultWhat::Recover { nodes: ns }, true) => format!("The cluster notices {} {} back", nodes(ns), is(ns)),
            (FaultWhat::Partition { .. }, true) => "The cluster notices the partition".into(),
            (FaultWhat::Heal, true) => "The cluster notices the partition healed".into(),
        }
    }

    fn narrate_op_end(&self, op: u32, ok: bool) -> String {
        let o = &self.report.ops[op as usize];
        let (c, k) = (&o.client, &o.key);
        match (&o.value, ok) {
            (Some(v), true) => {
                format!("{c}'s put {k}={v} succeeded: acknowledged by {}", o.acked_by.clone().unwrap_or_default().join(", "))
            }
            // A refusal is an answer (the sibling limit): say so, not "before the timeout".
            (Some(v), false) if o.outcome == Some("refused") => format!(
                "{c}'s put {k}={v} failed: refused by {} (too many siblings), so it is stored nowhere",
                o.refused_by.join(", ")
            ),
            (Some(v), false) if !o.refused_by.is_empty() => format!(
                "{c}'s put {k}={v} failed: refused by {} (too many siblings) and too few others acknowledged it, so its outcome is indeterminate: it may be stored on those that took it",
                o.refused_by.join(", ")
            ),
            (Some(v), false) => format!(
                "{c}'s put {k}={v} failed: not confirmed, too few acknowledgements before the timeout, so its outcome is indeterminate"
            ),
            (None, true) => format!(
                "{c}'s get {k} returned {} from {}",
                o.values.as_ref().filter(|v| !v.is_empty()).map(|v| v.join(" | ")).unwrap_or("nothing".into()),
                o.replied_by.clone().unwrap_or_default().join(", ")
            ),
            (None, false) => format!("{c}'s get {k} failed: too few replies before the timeout"),
        }
    }

    fn narrate_merkle(&self, step: &MerkleStep) -> String {
        match step {
            MerkleStep::Start { initiator, peer } => format!(
                "Anti-entropy: {} compares Merkle trees with {}",
                self.node_name(*initiator),
                self.node_name(*peer)
            ),
            MerkleStep::Level { level, compared, differing } => {
                format!("Merkle level {level}: {compared} hash(es) compared, {} differ", differing.len())
            }
            MerkleStep::Keys { keys } => format!(
                "Merkle: keys that differ: {}",
                keys.iter().map(|k| self.key(*k)).collect::<Vec<_>>().join(", ")
            ),
            MerkleStep::Done { hashes_compared, keys_exchanged } => {
                format!("Anti-entropy done: {hashes_compared} hash(es) compared, {keys_exchanged} key(s) exchanged")
            }
            MerkleStep::Abandoned { reason } => format!(
                "Anti-entropy exchange abandoned: {}",
                match reason {
                    AbandonReason::PeerUnreachable => "the peer is now believed down or cut off",
                    AbandonReason::Crashed => "the initiator crashed",
                    AbandonReason::NoAnswer => "a step went unanswered through every retry",
                }
            ),
        }
    }

    /// The explanation of quorum overlap for an operation, in one line.
    pub fn quorum_line(&self, op: u32) -> String {
        let r = &self.sc().repl;
        let o = &self.report.ops[op as usize];
        let sum = r.w + r.r;
        let rule = if sum > r.n {
            format!("W+R={sum} > N={}: every read set meets every write set", r.n)
        } else {
            format!("W+R={sum} ≤ N={}: a read set can miss the write set entirely", r.n)
        };
        // The write this read should have seen: the core's one definition (the checker's too).
        let Some(expected) = o.ids.expected else { return format!("{rule}.") };
        let p = &self.report.ops[expected.put as usize];
        let names = |ns: &[NodeId]| ns.iter().map(|n| self.node_name(*n)).collect::<Vec<_>>().join(", ");
        let meet: Vec<NodeId> = o.ids.read_set.iter().copied().filter(|n| p.ids.write_set.contains(n)).collect();
        let extra = if meet.is_empty() {
            self.sets_missed(o, p, sum > r.n)
        } else {
            format!(" — here they meet at {}", names(&meet))
        };
        format!("{rule}{extra} (write set of op {}: {}).", p.index, names(&p.ids.write_set))
    }

    /// Why a read set met no replica of the write set, and how the value reached it anyway if it
    /// did — naming only what happened: the put's own late arrival, or a repair that is on.
    fn sets_missed(&self, o: &OpReport, p: &OpReport, overlap_rule: bool) -> String {
        let r = &self.sc().repl;
        let why = match (p.hinted.is_empty(), o.hinted.is_empty()) {
            (false, _) if overlap_rule => {
                " — yet here they do not meet: under a sloppy quorum the write went to fallbacks"
            }
            (_, false) if overlap_rule => {
                " — yet here they do not meet: under a sloppy quorum the read went to fallbacks"
            }
            _ => " — here they do not meet",
        };
        let got_it = p.ids.values.iter().any(|v| o.ids.values.contains(v));
        if !got_it {
            return why.to_string();
        }
        let late: Vec<&str> =
            o.ids.read_set.iter().filter(|n| p.ids.late_acks.contains(n)).map(|n| self.node_name(*n)).collect();
        if !late.is_empty() {
            return format!(
                "{why}, but the put itself had reached {}: its acknowledgement came after the quorum",
                late.join(", ")
            );
        }
        let mut paths = vec![];
        if r.sloppy_quorum && r.hinted_handoff {
            paths.push("hinted handoff");
        }
        if r.read_repair {
            paths.push("read repair");
        }
        if r.anti_entropy_ms.is_some() {
            paths.push("anti-entropy");
        }
        match paths.as_slice() {
            [] => format!(
                "{why}, but the put itself had reached the read set (its acknowledgement did not count toward W)"
            ),
            _ => format!("{why}, but the value had reached the read set since ({})", paths.join(" or ")),
        }
    }
}

pub fn drop_words(r: quorumscope_core::DropReason) -> &'static str {
    match r {
        quorumscope_core::DropReason::Lost => "lost in the network",
        quorumscope_core::DropReason::NodeDown => "the receiver is down",
        quorumscope_core::DropReason::Partition => "cut off by the partition",
    }
}

pub fn fmt_ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 10_000.0 {
        format!("{} ms", fixed(ms, 0))
    } else {
        format!("{} ms", fixed(ms, 1))
    }
}

fn fmt_ms_i(us: i64) -> String {
    format!("{}ms", fixed(us as f64 / 1000.0, 1))
}

pub fn addr_is_node(a: Addr) -> Option<NodeId> {
    match a {
        Addr::Node(n) => Some(n),
        Addr::Client(_) => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `puts` blind puts of key `k` on nodes A, B and C, `gap_ms` apart from 50 clients, in
    /// siblings mode with `quorums` (`"n": 3, "w": 2, "r": 1`): siblings pile up to the limit.
    pub(crate) fn blind_puts(puts: u32, gap_ms: u32, quorums: &str) -> Model {
        let events: Vec<String> = (0..puts)
            .map(|i| {
                let (at, c) = (i * gap_ms, i % 50);
                format!(r#"{{"at_ms": {at}, "client": "c{c}", "put": "k", "value": "v{i}", "blind": true}}"#)
            })
            .collect();
        let text = format!(
            r#"{{"nodes": ["A", "B", "C"], "replication": {{{quorums}, "conflicts": "siblings"}}, "events": [{}]}}"#,
            events.join(",")
        );
        let (file, sc) = quorumscope_core::parse(&text).unwrap();
        Model::new(file, sc)
    }

    /// A lesson's run, for tests here and in the views.
    pub(crate) fn model(name: &str) -> Model {
        let text = crate::lessons::text(name).unwrap();
        let (file, sc) = quorumscope_core::parse(text).unwrap();
        Model::new(file, sc)
    }

    #[test]
    fn every_lesson_gets_the_verdicts_the_cli_prints() {
        for l in crate::lessons::LESSONS {
            let m = model(l.slug);
            let (_, cli) = m.sim.consistency();
            let app = m.verdicts();
            for u in &app.models {
                assert_eq!(u.verdict.status, u.model.of(&cli).status, "{} {}", l.slug, u.model.name());
                // Violated only from an instant the run reached, with a witness begun by then.
                if let Some(at) = u.since {
                    assert!(at <= m.end_us);
                    let w = u.verdict.witness.as_ref().unwrap();
                    assert!(w.ops.iter().all(|i| app.history.ops[*i as usize].invoke_us <= at), "{}", l.slug);
                }
            }
            assert_eq!(app.convergent.as_ref().map(|c| c.status), cli.convergent.map(|c| c.status));
        }
    }

    /// The sibling note follows the cursor: nothing before the 25th version, the warning once it
    /// is reached, each refusal only once it happened.
    #[test]
    fn the_sibling_note_says_only_what_the_cursor_has_passed() {
        let m = blind_puts(110, 10, r#""n": 3, "w": 2, "r": 1"#);
        let warned_us = m.sibling_warnings[0].0;
        // Each replica warns of each put past 25 (the 26th to the 100th); 10 puts refused by all.
        assert_eq!(m.sibling_warnings.len(), 3 * 75);
        assert_eq!(m.refusals_us.len(), 10, "a put, not each replica's refusal of it");
        let first_refusal_us = m.refusals_us[0];
        // The 26th put (sent at 250 ms) and the 101st (sent at 1,000 ms) arrive after a latency.
        assert!((250_000..260_000).contains(&warned_us) && (1_000_000..1_030_000).contains(&first_refusal_us));
        assert_eq!(m.siblings_note(warned_us - 1), None);
        let warned = m.siblings_note(warned_us).unwrap();
        assert!(warned.contains(" held 26 versions of k: siblings pile up"), "{warned}");
        assert!(warned.ends_with("none refused yet."), "{warned}");
        assert!(m.siblings_note(first_refusal_us - 1).unwrap().ends_with("none refused yet."));
        assert!(m.siblings_note(first_refusal_us).unwrap().ends_with(": 1 put refused so far."));
        assert!(m.siblings_note(m.end_us).unwrap().ends_with(": 10 puts refused so far."));
        // The refused put's end says why it failed: a refusal, not a timeout.
        let end = m.rec().trace.iter().find(|e| matches!(e.ev, Ev::OpEnd { op: 100, .. })).unwrap();
        let said = m.narrate(end).unwrap();
        assert!(
            said.ends_with("c0's put k=v100 failed: refused by C, B, A (too many siblings), so it is stored nowhere"),
            "{said}"
        );
    }

    /// A put refused by one replica and taken by another fails at once if W can no longer be
    /// reached; its end says who refused it and that it may be stored where it was taken.
    #[test]
    fn a_put_refused_by_some_replicas_is_indeterminate_and_says_why() {
        // B is down while A takes 100 blind versions; then a put to both: A refuses, B takes it.
        let mut events: Vec<String> = vec![r#"{"at_ms": 0, "crash": "B"}"#.into()];
        events.extend((0..100).map(|i| {
            format!(r#"{{"at_ms": {}, "client": "c{}", "put": "k", "value": "v{i}", "blind": true}}"#, 1 + i, i % 50)
        }));
        events.push(r#"{"at_ms": 2000, "recover": "B"}"#.into());
        events.push(r#"{"at_ms": 3000, "client": "late", "put": "k", "value": "last", "blind": true}"#.into());
        let text = format!(
            r#"{{"nodes": ["A", "B"], "replication": {{"n": 2, "w": 2, "r": 1, "conflicts": "siblings"}}, "events": [{}]}}"#,
            events.join(",")
        );
        let (file, sc) = quorumscope_core::parse(&text).unwrap();
        let m = Model::new(file, sc);
        let last = m.report.ops.len() as u32 - 1;
        let o = &m.report.ops[last as usize];
        assert_eq!((o.refused_by.clone(), o.outcome), (vec!["A".to_string()], Some("indeterminate")));
        let end = m.rec().trace.iter().find(|e| matches!(e.ev, Ev::OpEnd { op, .. } if op == last)).unwrap();
        let said = m.narrate(end).unwrap();
        assert!(said.ends_with("late's put k=last failed: refused by A (too many siblings) and too few others acknowledged it, so its outcome is indeterminate: it may be stored on those that took it"), "{said}");
    }

    #[test]
    fn a_run_too_busy_to_search_says_so_and_still_knows_convergence() {
        let file = quorumscope_core::bench::workload(3, MAX_KEY_OPS + 20, 1, 1);
        let sc = quorumscope_core::Scenario::from_file(&file).unwrap();
        let m = Model::new(file, sc);
        let v = m.verdicts();
        assert!(v.models.iter().all(|u| u.verdict.status == quorumscope_core::Status::NotChecked));
        assert!(v.models[0].verdict.why.as_deref().unwrap().contains("on its busiest key"));
        assert!(v.convergent.is_some());
    }

    #[test]
    fn the_merkle_view_follows_the_exchange_the_caption_talks_about() {
        let m = model("anti-entropy");
        let pair =
            |t: u64| m.exchange_for(t).map(|x| (m.node_name(x.initiator).to_string(), m.node_name(x.peer).to_string()));
        let ca = Some(("C".to_string(), "A".to_string()));
        assert_eq!(pair(450_000), Some(("A".to_string(), "B".to_string())), "no caption about one: the latest");
        assert_eq!(pair(700_000), ca);
        // After it, other pairs exchange, but the caption on screen is about C and A.
        assert_eq!(m.step_at(1_500_000), Some(3));
        assert_eq!(pair(1_500_000), ca);
        let x = m.exchange_for(1_500_000).unwrap();
        let trees = m.trees_at_start(x);
        assert_ne!(trees.0.hash(1), trees.1.hash(1), "the trees it compared differed");
    }

    #[test]
    fn moving_the_cursor_back_and_forth_gives_the_same_snapshots() {
        let m = model("sloppy-quorum");
        let times = [0, 150_000, 2_500_000, 100_000, 1_200_000, 1_200_000, 0, 2_999_000];
        let first: Vec<Snapshot> = times.iter().map(|t| m.snapshot_at(*t)).collect();
        // Fresh models, each asked once: no state carried over.
        for (t, s) in times.iter().zip(&first) {
            assert_eq!(model("sloppy-quorum").snapshot_at(*t), *s, "at {t}");
        }
        // Before handoff the fallback holds the hint; after it does not.
        assert!(!first[1].nodes[3].hints.is_empty());
        assert!(first[2].nodes[3].hints.is_empty());
    }

    #[test]
    fn stepping_visits_trace_events_in_order() {
        let m = model("stale-read");
        let mut t = 0;
        let mut visited = 0;
        while t < m.end_us {
            let n = m.next_event_after(t);
            assert!(n > t);
            // Nothing happens strictly between t and the next event, so stepping back returns at or before t.
            assert!(m.prev_event_before(n) <= t);
            t = n;
            visited += 1;
        }
        assert!(visited > 5);
    }

    #[test]
    fn narration_says_what_happened_in_words() {
        let m = model("failed-write");
        let words: Vec<String> = m.rec().trace.iter().filter_map(|e| m.narrate(e)).collect();
        assert!(words.iter().any(|w| w.contains("B crashed")));
        assert!(words.iter().any(|w| w.contains("failed") && w.contains("indeterminate")));
        assert!(words.iter().any(|w| w.contains("returned draft from A")));
        assert!(words.iter().any(|w| w.contains("dropped: the receiver is down")));
    }

    #[test]
    fn the_live_region_names_sender_and_receivers_and_changes_at_every_event() {
        let m = model("leaderless-basics");
        let at0 = m.narration(0);
        assert!(
            at0.starts_with("0.0 ms: alice starts put greeting=hello (op 0); alice sends put greeting=hello"),
            "{at0}"
        );
        assert!(at0.ends_with(" to A, B, C"), "{at0}");
        // Stepping from event to event, the sentence is new each time (arrivals are told too).
        for l in crate::lessons::LESSONS {
            let m = model(l.slug);
            let (mut t, mut last) = (0, m.narration(0));
            while t < m.end_us {
                t = m.next_event_after(t);
                let now = m.narration(t);
                // (The end of the run is no event: nothing new happens there.)
                if t < m.end_us {
                    assert_ne!(now, last, "{} at {t} µs", l.slug);
                }
                last = now;
            }
        }
    }

    /// The quorum line names only what happened: here the put itself reached B (its ack came after
    /// the quorum), and no repair is on, so none is cited.
    #[test]
    fn quorum_line_names_a_late_acknowledgement_not_a_repair_that_is_off() {
        let text = r#"{"title":"late ack","nodes":["A","B","C"],"clients":[{"id":"c1"},{"id":"c2"}],"keys":{"x":["A","B","C"]},
 "replication":{"n":3,"w":1,"r":1,"conflicts":"lww","read_repair":false,"hinted_handoff":false},
 "network":{"latency_ms":50,"links":[{"from":"c1","to":"A","latency_ms":1},{"from":"c1","to":"B","latency_ms":5},{"from":"c2","to":"B","latency_ms":1}]},
 "events":[{"at_ms":0,"client":"c1","put":"x","value":"v1"},{"at_ms":100,"client":"c2","get":"x"}],
 "run_until_ms":1000}"#;
        let (file, sc) = quorumscope_core::parse(text).unwrap();
        let line = Model::new(file, sc).quorum_line(1);
        assert!(line.contains("the put itself had reached B: its acknowledgement came after the quorum"), "{line}");
        assert!(!line.contains("read repair") && !line.contains("anti-entropy"), "{line}");
    }

    #[test]
    fn quorum_line_explains_overlap_or_its_absence() {
        let m = model("stale-read");
        assert!(m.quorum_line(1).contains("W+R=2 ≤ N=3") && m.quorum_line(1).contains("do not meet"));
        let m = model("quorum-overlap");
        assert!(m.quorum_line(1).contains("W+R=6 > N=5: every read set meets every write set — here they meet at"));
        let m = model("sloppy-stale-read");
        assert!(m.quorum_line(1).contains("under a sloppy quorum the write went to fallbacks"));
        // After handoff the same read meets the (home) write set's replicas no more, but nothing
        // went to fallbacks for it: the line must not claim otherwise.
        assert!(!m.quorum_line(2).contains("read went to fallbacks"));
        assert!(m.quorum_line(2).contains("the value had reached the read set since"), "{}", m.quorum_line(2));
    }

    #[test]
    fn in_flight_and_dropped_messages_at_an_instant() {
        let m = model("failed-write");
        // Alice's put leaves at 100 ms (5 ms latency): at 102 ms three puts are in the air.
        let f = m.in_flight(102_000);
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|(_, r)| r.kind == MsgKind::Put));
        // At 106 ms those to B and C have just been dropped (they are down) and fade.
        let d = m.recently_dropped(106_000, 50_000);
        assert_eq!(d.len(), 2);
    }
}
