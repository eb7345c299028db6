//! The world loop: owns simulated time, the event queue, the network and the one RNG, and hands
//! each input to the actor it is for through one [`World::dispatch`].
//!
//! Determinism: the queue is ordered by (time, sequence number); every collection iterated is
//! ordered; the RNG is drawn only in `net::send`, in a fixed order (latency, then loss, per message).

use crate::actor::{Cmd, Ctx, Input, Timer};
use crate::client::{ClientState, OpKind, OpState};
use crate::cost;
use crate::ids::Addr;
use crate::msg::Msg;
use crate::net::{self, Faults, Flight};
use crate::node::NodeState;
use crate::rng::Rng;
use crate::scenario::Event;
use crate::setup::Setup;
use crate::trace::{Ev, Fate, FaultWhat, Level, MsgRecord, Recording};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

pub use crate::setup::{
    MAX_MERGED_VERSIONS, MAX_MERKLE_HASHES, MAX_MESSAGES, MAX_RETURNED_BYTES, MAX_RETURNED_VALUES, MAX_STEPS,
};
/// Checkpoints kept for seeking; when exceeded, every other one is dropped and the spacing doubles.
pub const MAX_CHECKPOINTS: usize = 256;
pub const FIRST_CHECKPOINT_EVERY: u64 = 1024;
/// ... and bytes they may take together (`World::clone_bytes`), thinned the same way past it
/// (the first, the start of the run, is always kept). Counted, not only numbered: a checkpoint
/// of 256 nodes × 10,000 keys and 100,000 operations is about 40 MB, and 256 of them took the
/// tab past 1.2 GiB of wasm memory. The tab's whole bound is 256 MiB.
pub const MAX_CHECKPOINT_BYTES: u64 = 64 << 20;

/// What a state of `sc`'s run costs at its start (`World::clone_bytes` of it), worked out from
/// the scenario alone: every node's store and every client's contexts have a slot per key, and
/// every operation its state. It only grows as the run goes, so the tab refuses a run whose
/// start is already too large to keep copies of for seeking.
pub fn state_bytes_at_start(sc: &crate::scenario::Scenario) -> u64 {
    let (nodes, clients, keys) = (sc.nodes.len(), sc.clients.len(), sc.keys.len());
    let timers = if sc.repl.anti_entropy_ms.is_some() { nodes } else { 0 };
    let bytes = cost::WORLD
        + timers * cost::QUEUED
        + keys * 8
        + nodes * keys * cost::SLOT
        + clients * keys * (cost::CONTEXT + 4)
        + sc.op_count as usize * cost::OP;
    bytes as u64
}

/// The scratch buffer is empty whenever a world is cloned, so cloning starts a new one.
#[derive(Debug, Default)]
struct CmdBuf(Vec<Cmd>);

impl Clone for CmdBuf {
    fn clone(&self) -> Self {
        debug_assert!(self.0.is_empty());
        CmdBuf(Vec::new())
    }
}

#[derive(Clone, Debug)]
enum Due {
    Deliver {
        id: u32,
        from: Addr,
        to: Addr,
        msg: Msg,
        flight: Flight,
    },
    Timer(Addr, Timer),
    Detect(FaultWhat),
    /// A scenario event waiting for an operation (`after`), now due.
    Event(u32),
}

/// The queue orders small entries: a put to 256 replicas queues 256 deliveries at once, and
/// sifting 120-byte entries through a heap that deep was a third of such a run.
#[derive(Clone, Debug)]
struct Queued {
    at_us: u64,
    seq: u64,
    due: Box<Due>,
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        (self.at_us, self.seq) == (o.at_us, o.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    // Reversed: BinaryHeap is a max-heap and the earliest item must come out first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at_us, o.seq).cmp(&(self.at_us, self.seq))
    }
}

/// The whole mutable state of a run. Cloning it is a checkpoint.
#[derive(Clone, Debug)]
pub struct World {
    pub now: u64,
    seq: u64,
    queue: BinaryHeap<Queued>,
    rng: Rng,
    pub(crate) nodes: Vec<NodeState>,
    pub(crate) clients: Vec<ClientState>,
    pub(crate) ops: Vec<OpState>,
    pub(crate) actual: Faults,
    pub(crate) view: Faults,
    next_msg: u32,
    /// Next entry of `Setup::order` to run.
    next_event: usize,
    pub steps: u64,
    /// Merkle hashes the replicas have computed (metered: see `MAX_MERKLE_HASHES`).
    pub merkle_hashes: u64,
    /// Bytes of values the gets have returned (metered: see `MAX_RETURNED_BYTES`).
    pub returned_bytes: u64,
    /// ... and how many values (`MAX_RETURNED_VALUES`).
    pub returned_values: u64,
    /// Versions in the copies replicas stored and clients merged (`MAX_MERGED_VERSIONS`).
    pub merged_versions: u64,
    /// Per key, the last instant a replica stored (or kept its own over) a copy of it, or a
    /// message carrying a copy (put, read repair, handoff) arrived or was lost: after it, who holds which value of the key no longer
    /// changes unless something new happens to it. The checker dates a lost update with it.
    pub(crate) key_settled_us: Vec<u64>,
    /// Scratch buffer for handler output; always empty between steps.
    out: CmdBuf,
    /// The actor whose handler is running: the sender of whatever it sends.
    current: Addr,
}

impl World {
    /// About how many bytes a clone of this world allocates: what a checkpoint costs. What
    /// clones share (siblings, causal contexts) is not counted.
    pub(crate) fn clone_bytes(&self) -> u64 {
        let fixed = cost::WORLD + self.queue.len() * cost::QUEUED + self.key_settled_us.len() * 8;
        fixed as u64
            + self.nodes.iter().map(NodeState::clone_bytes).sum::<u64>()
            + self.clients.iter().map(ClientState::clone_bytes).sum::<u64>()
            + self.ops.iter().map(OpState::clone_bytes).sum::<u64>()
    }

    pub fn new(s: &Setup) -> World {
        let sc = &s.sc;
        let mut ops = Vec::with_capacity(sc.op_count as usize);
        for te in &sc.events {
            match te.event {
                Event::Put { client, key, value, blind, .. } => {
                    ops.push(OpState::new(client, key, OpKind::Put { value, blind }))
                }
                Event::Get { client, key, .. } => ops.push(OpState::new(client, key, OpKind::Get)),
                _ => {}
            }
        }
        let mut w = World {
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            rng: Rng::new(sc.seed),
            nodes: (0..sc.nodes.len()).map(|_| NodeState::new(sc.keys.len())).collect(),
            clients: vec![ClientState::new(sc.keys.len()); sc.clients.len()],
            ops,
            actual: Faults::new(sc.nodes.len(), sc.actor_count()),
            view: Faults::new(sc.nodes.len(), sc.actor_count()),
            next_msg: 0,
            merkle_hashes: 0,
            returned_bytes: 0,
            returned_values: 0,
            merged_versions: 0,
            next_event: 0,
            steps: 0,
            key_settled_us: vec![0; sc.keys.len()],
            out: CmdBuf::default(),
            current: Addr::Node(0),
        };
        if let Some(period) = s.ae_period_us {
            // Stagger the nodes' rounds across the period so they do not all start at once.
            let count = sc.nodes.len() as u64;
            for n in 0..count {
                w.push(period + period * n / count, Due::Timer(Addr::Node(n as u32), Timer::AeTick));
            }
        }
        w
    }

    fn push(&mut self, at_us: u64, due: Due) {
        self.seq += 1;
        self.queue.push(Queued { at_us, seq: self.seq, due: Box::new(due) });
    }

    /// Time of the next thing to happen, if any.
    pub fn next_time(&self, s: &Setup) -> Option<u64> {
        let ev = s.order.get(self.next_event).map(|i| s.sc.events[*i as usize].at_us);
        let q = self.queue.peek().map(|q| q.at_us);
        match (ev, q) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The run-time caps, in one table: (used so far, the limit, what is counted).
    fn caps(&self, s: &Setup) -> [(u64, u64, &'static str); 7] {
        [
            (self.steps, s.max_steps, "steps"),
            (u64::from(self.next_msg), s.max_messages, "messages sent"),
            (self.merkle_hashes, s.max_merkle_hashes, "Merkle hashes computed by anti-entropy"),
            (self.returned_values, s.max_returned_values, "values returned by gets"),
            (self.returned_bytes, s.max_returned_bytes, "bytes of values returned by gets"),
            (self.merged_versions, s.max_merged_versions, "versions merged by replicas and clients"),
            (self.steps, s.max_seekable_steps, "steps the tab can keep seekable for a run this large"),
        ]
    }

    /// The run has reached a cap.
    pub fn capped(&self, s: &Setup) -> bool {
        self.caps(s).iter().any(|(used, limit, _)| used >= limit)
    }

    /// The cap the run has reached, if any: its limit and what it counts.
    pub fn cap_reached(&self, s: &Setup) -> Option<(u64, &'static str)> {
        self.caps(s).into_iter().find(|(used, limit, _)| used >= limit).map(|(_, limit, what)| (limit, what))
    }

    /// Runs one step if it happens at or before `until_us`. Scenario events run before queued
    /// items due at the same instant.
    pub fn step(&mut self, s: &Setup, rec: &mut Recording, until_us: u64) -> bool {
        let Some(t) = self.next_time(s) else { return false };
        if t > until_us || self.capped(s) {
            return false;
        }
        debug_assert!(t >= self.now, "time never runs backwards");
        self.now = t;
        self.steps += 1;
        let ev_due = s.order.get(self.next_event).is_some_and(|i| s.sc.events[*i as usize].at_us == t);
        if ev_due {
            let idx = s.order[self.next_event];
            self.next_event += 1;
            self.run_event(s, rec, idx);
        } else {
            let q = self.queue.pop().expect("next_time saw it");
            match *q.due {
                Due::Deliver { id, from, to, msg, flight } => self.deliver(s, rec, id, from, to, msg, flight),
                Due::Timer(to, timer) => self.dispatch(s, to, Input::Timer(timer)),
                Due::Detect(what) => {
                    self.view.apply(&what);
                    rec.push(t, Ev::Detected { what });
                }
                Due::Event(idx) => self.run_event(s, rec, idx),
            }
        }
        self.flush(s, rec);
        true
    }

    /// The one place a handler runs: the context is built here and nowhere else.
    fn dispatch(&mut self, s: &Setup, to: Addr, input: Input) {
        self.current = to;
        let ctx = Ctx { now_us: self.now, me: to, setup: s, view: &self.view };
        let out = &mut self.out.0;
        match to {
            Addr::Node(n) => self.nodes[n as usize].handle(&ctx, input, out),
            Addr::Client(c) => {
                let op = match &input {
                    Input::Start(op) | Input::Timer(Timer::OpDeadline(op)) => *op,
                    Input::Message { msg, .. } => msg.op().expect("nodes answer clients about an op"),
                    _ => unreachable!("clients get starts, replies and deadlines"),
                };
                self.clients[c as usize].handle(&ctx, op, &mut self.ops[op as usize], input, out);
            }
        }
    }

    fn run_event(&mut self, s: &Setup, rec: &mut Recording, idx: u32) {
        rec.push(self.now, Ev::Scenario { index: idx });
        let fault = match &s.sc.events[idx as usize].event {
            Event::Put { client, op, .. } | Event::Get { client, op, .. } => {
                return self.dispatch(s, Addr::Client(*client), Input::Start(*op));
            }
            Event::Crash(nodes) => FaultWhat::Crash { nodes: nodes.clone() },
            Event::Recover(nodes) => FaultWhat::Recover { nodes: nodes.clone() },
            Event::Partition(groups) => FaultWhat::Partition { groups: groups.clone() },
            Event::Heal => FaultWhat::Heal,
        };
        self.actual.apply(&fault);
        match &fault {
            // A crashed node runs no handler: it simply stops.
            FaultWhat::Crash { nodes } => nodes.iter().for_each(|n| self.nodes[*n as usize].up = false),
            FaultWhat::Recover { nodes } => {
                for n in nodes {
                    self.dispatch(s, Addr::Node(*n), Input::Recovered);
                }
            }
            _ => {}
        }
        rec.push(self.now, Ev::Fault { what: fault.clone() });
        self.push(self.now + s.detect_us, Due::Detect(fault));
    }

    #[allow(clippy::too_many_arguments)]
    fn deliver(&mut self, s: &Setup, rec: &mut Recording, id: u32, from: Addr, to: Addr, msg: Msg, flight: Flight) {
        let drop = net::arrival(s, &self.actual, &flight, from, to);
        if rec.level == Level::Full {
            rec.messages[id as usize].fate = match drop {
                Some(r) => Fate::Dropped(r),
                None => Fate::Delivered,
            };
        }
        if let Msg::Put { key, .. } | Msg::ReadRepair { key, .. } | Msg::Handoff { key, .. } = msg {
            self.key_settled_us[key as usize] = self.now;
        }
        if let Some(reason) = drop {
            rec.push(self.now, Ev::Dropped { msg: id, reason });
            return;
        }
        rec.push(self.now, Ev::Delivered { msg: id });
        debug_assert!(matches!(from, Addr::Node(_)) || matches!(to, Addr::Node(_)), "clients only talk to nodes");
        // Which replicas a put or a read repair really reached and stored: the checker needs it.
        // The world sees the replica's answer leave (a refused put is answered `stored: false`).
        let reached = match (to, &msg) {
            (Addr::Node(n), Msg::Put { op, .. } | Msg::ReadRepair { op, .. }) => Some((n, *op, msg.kind())),
            _ => None,
        };
        self.dispatch(s, to, Input::Message { from, msg });
        if let Some((n, op, kind)) = reached {
            let refused =
                self.out.0.iter().any(|c| matches!(c, Cmd::Send { msg: Msg::PutAck { stored: false, .. }, .. }));
            if !refused {
                self.ops[op as usize].arrived(n, kind, self.now);
            }
        }
    }

    /// Applies what handlers asked for: sends are given their flight by the network.
    fn flush(&mut self, s: &Setup, rec: &mut Recording) {
        let mut out = std::mem::take(&mut self.out.0);
        for cmd in out.drain(..) {
            match cmd {
                Cmd::Trace(ev) => {
                    match ev {
                        Ev::OpEnd { op, .. } => {
                            self.schedule_after(s, op);
                            let values = self.ops[op as usize].result.as_ref().map(|d| d.values()).unwrap_or_default();
                            self.returned_values += values.len() as u64;
                            self.returned_bytes +=
                                values.iter().map(|v| s.sc.values[*v as usize].len() as u64).sum::<u64>();
                        }
                        Ev::Stored { key, .. } => self.key_settled_us[key as usize] = self.now,
                        _ => {}
                    }
                    rec.push(self.now, ev)
                }
                Cmd::Timer { at_us, timer } => self.push(at_us, Due::Timer(self.current, timer)),
                Cmd::Send { to, msg } => self.send(s, rec, to, msg),
                Cmd::Hashed(n) => self.merkle_hashes += n,
                Cmd::Merged(n) => self.merged_versions += n,
            }
        }
        self.out.0 = out;
    }

    /// Queues the events that wait for operation `op`, which has just completed: each `ms` after
    /// now, but not before its own `at_ms`.
    fn schedule_after(&mut self, s: &Setup, op: u32) {
        for &idx in &s.after_op[op as usize] {
            let te = &s.sc.events[idx as usize];
            let delay_us = te.after.map_or(0, |(_, d)| d);
            self.push(te.at_us.max(self.now + delay_us), Due::Event(idx));
        }
    }

    fn send(&mut self, s: &Setup, rec: &mut Recording, to: Addr, msg: Msg) {
        let from = self.current;
        let flight = net::send(s, &mut self.rng, self.now, from, to, msg.kind());
        let id = self.next_msg;
        self.next_msg += 1;
        rec.messages_sent += 1;
        rec.max_flight_us = rec.max_flight_us.max(flight.due_us() - self.now);
        if rec.level == Level::Full {
            rec.messages.push(MsgRecord {
                from,
                to,
                kind: msg.kind(),
                sent_us: self.now,
                arrive_us: flight.arrive_us,
                lost_at_us: flight.lost_at_us,
                fate: Fate::InFlight,
                payload: msg.clone(),
            });
        }
        rec.push(self.now, Ev::Sent { msg: id });
        self.push(flight.due_us(), Due::Deliver { id, from, to, msg, flight });
    }
}

#[cfg(test)]
mod tests {
    use crate::cost;
    use crate::data::{Data, DotSet};
    use std::mem::size_of;
    use std::sync::Arc;

    /// The cost of a run's first state, worked out from its scenario, is what its world counts.
    #[test]
    fn the_cost_of_the_first_state_is_known_from_the_scenario() {
        let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let (_, sc) = crate::scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let want = super::state_bytes_at_start(&sc);
            let setup = crate::setup::Setup::new(sc);
            assert_eq!(super::World::new(&setup).clone_bytes(), want, "{}", path.display());
        }
    }

    /// The fixed costs a checkpoint is counted with are at least what each item takes here.
    #[test]
    fn the_costs_of_a_copy_are_at_least_the_real_sizes() {
        let real = [
            (cost::SLOT, size_of::<Option<Box<Data>>>()),
            (cost::DATA, size_of::<Data>()),
            (cost::OP, size_of::<crate::client::OpState>()),
            (cost::QUEUED, size_of::<super::Queued>() + size_of::<super::Due>()),
            (cost::WORLD, size_of::<super::World>()),
            (cost::HINT, size_of::<((u32, u32), Data)>()),
            (cost::CONTEXT, size_of::<Option<DotSet>>()),
            (cost::RTT, size_of::<Option<(u64, u64)>>()),
            (cost::ROOT, size_of::<Option<u64>>()),
            (cost::ASKED, size_of::<(u32, Option<u32>)>()),
            (cost::NODE, size_of::<u32>()),
            (cost::REPLY, size_of::<(u32, Option<Arc<Data>>)>()),
            (cost::NODE_AND_U64, size_of::<(u32, u64)>()),
        ];
        for (i, (counted, size)) in real.into_iter().enumerate() {
            assert!(counted >= size, "cost #{i}: counted {counted} bytes, takes {size}");
        }
    }
}
