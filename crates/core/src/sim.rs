//! The world loop: owns simulated time, the event queue, the network and the one RNG, and hands
//! each input to the node or client it is for.
//!
//! Determinism: the queue is ordered by (time, sequence number); every collection iterated is
//! ordered; the RNG is drawn only here, in a fixed order (latency, then loss, per message sent).

use crate::client::{ClientState, OpKind, OpState};
use crate::node::NodeState;
use crate::ring::Ring;
use crate::scenario::{ms_to_us, Addr, Event, KeyId, NodeId, Scenario};
use crate::trace::{DropReason, Ev, Fate, FaultWhat, Level, Msg, MsgRecord, Recording};
use crate::Rng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A run stops after this many steps whatever the scenario says, so no input can hang it.
pub const MAX_STEPS: u64 = 50_000_000;
/// Checkpoints kept for seeking; when exceeded, every other one is dropped and the spacing doubles.
pub const MAX_CHECKPOINTS: usize = 256;
pub const FIRST_CHECKPOINT_EVERY: u64 = 1024;

/// Static facts derived from the scenario once: placement, shared key ranges, periods.
#[derive(Debug)]
pub struct Setup {
    pub sc: Scenario,
    pub ring: Ring,
    /// Preference list of every key: home replicas first, then fallbacks.
    pub pref: Vec<Vec<NodeId>>,
    /// Ring position of every key.
    pub key_pos: Vec<u64>,
    /// `is_home[key][node]`.
    pub is_home: Vec<Vec<bool>>,
    /// Anti-entropy peers of every node: nodes it is a home replica with for some key.
    pub peers: Vec<Vec<NodeId>>,
    pub timeout_us: u64,
    pub detect_us: u64,
    pub handoff_us: u64,
    pub ae_period_us: Option<u64>,
    /// Put op -> value it writes, and value -> put op.
    pub put_of_value: Vec<u32>,
    /// Events in the order they run: by time, then file order.
    pub order: Vec<u32>,
}

impl Setup {
    pub fn new(sc: Scenario) -> Setup {
        let names: Vec<&str> = sc.nodes.iter().map(|n| n.name.as_str()).collect();
        let ring = Ring::new(&names, sc.repl.vnodes);
        let pref: Vec<Vec<NodeId>> = (0..sc.keys.len())
            .map(|k| match sc.pinned.binary_search_by_key(&(k as KeyId), |p| p.0) {
                Ok(i) => sc.pinned[i].1.clone(),
                Err(_) => ring.preference_list(&sc.keys[k]),
            })
            .collect();
        let key_pos = sc.keys.iter().map(|k| Ring::key_position(k)).collect();
        let n = sc.repl.n as usize;
        let is_home: Vec<Vec<bool>> = pref
            .iter()
            .map(|p| {
                let mut v = vec![false; sc.nodes.len()];
                for h in &p[..n] {
                    v[*h as usize] = true;
                }
                v
            })
            .collect();
        let mut peers = vec![Vec::new(); sc.nodes.len()];
        for (a, list) in peers.iter_mut().enumerate() {
            for b in 0..sc.nodes.len() {
                if a != b && is_home.iter().any(|h| h[a] && h[b]) {
                    list.push(b as NodeId);
                }
            }
        }
        let mut put_of_value = vec![u32::MAX; sc.values.len()];
        for te in &sc.events {
            if let Event::Put { value, op, .. } = te.event {
                put_of_value[value as usize] = op;
            }
        }
        // Run order: by time, then file order (the sort is stable).
        let mut order: Vec<u32> = (0..sc.events.len() as u32).collect();
        crate::order::sort_by_key(&mut order, |&i| u128::from(sc.events[i as usize].at_us));
        let r = &sc.repl;
        Setup {
            timeout_us: ms_to_us(r.timeout_ms),
            detect_us: ms_to_us(r.detect_ms),
            handoff_us: ms_to_us(r.handoff_ms),
            ae_period_us: r.anti_entropy_ms.map(ms_to_us),
            sc,
            ring,
            pref,
            key_pos,
            is_home,
            peers,
            put_of_value,
            order,
        }
    }

    /// Keys for which both nodes are home replicas, in key order.
    pub fn shared_keys(&self, a: NodeId, b: NodeId) -> impl Iterator<Item = KeyId> + '_ {
        self.is_home.iter().enumerate().filter(move |(_, h)| h[a as usize] && h[b as usize]).map(|(k, _)| k as KeyId)
    }

    /// The Merkle tree two replicas compare: over the keys they are both home replicas of, built
    /// from one side's copies (`store` is indexed by key id).
    pub fn shared_tree<'a>(
        &self,
        store: impl Fn(KeyId) -> Option<&'a crate::data::Data>,
        a: NodeId,
        b: NodeId,
    ) -> crate::merkle::Tree {
        crate::merkle::Tree::build(
            self.sc.repl.merkle_depth,
            self.shared_keys(a, b).filter_map(|k| store(k).map(|d| (self.key_pos[k as usize], d.digest()))),
        )
    }

    pub fn home(&self, key: KeyId) -> &[NodeId] {
        &self.pref[key as usize][..self.sc.repl.n as usize]
    }
}

/// Who is up and who can talk to whom — either as things are, or as the cluster believes.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    pub up: Vec<bool>,
    /// Partition group of every actor (nodes first, then clients); all 0 when healed.
    pub group: Vec<u16>,
}

impl Faults {
    fn new(sc: &Scenario) -> Faults {
        Faults { up: vec![true; sc.nodes.len()], group: vec![0; sc.actor_count()] }
    }

    pub fn reachable(&self, s: &Setup, a: Addr, b: Addr) -> bool {
        let up = |x: Addr| match x {
            Addr::Node(n) => self.up[n as usize],
            Addr::Client(_) => true,
        };
        up(a) && up(b) && self.group[s.sc.slot(a)] == self.group[s.sc.slot(b)]
    }

    fn apply(&mut self, w: &FaultWhat) {
        match w {
            FaultWhat::Crash { nodes } => nodes.iter().for_each(|n| self.up[*n as usize] = false),
            FaultWhat::Recover { nodes } => nodes.iter().for_each(|n| self.up[*n as usize] = true),
            FaultWhat::Partition { groups } => self.group.clone_from(groups),
            FaultWhat::Heal => self.group.iter_mut().for_each(|g| *g = 0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Handoff(NodeId),
    AeTick(NodeId),
    /// Retransmission deadline of one anti-entropy step: (initiator, exchange, step).
    AeRetry(NodeId, u32, u32),
    OpDeadline(u32),
}

/// What a handler asks the world to do.
#[derive(Debug)]
pub enum Cmd {
    Send { to: Addr, msg: Msg },
    Timer { at_us: u64, timer: Timer },
    Trace(Ev),
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

/// What a handler may look at.
pub struct Ctx<'a> {
    pub now: u64,
    pub me: NodeId,
    pub setup: &'a Setup,
    /// The cluster's belief about faults, `detect_ms` behind reality.
    pub view: &'a Faults,
    pub next_xid: &'a mut u32,
}

#[derive(Clone, Debug)]
enum Due {
    Deliver { id: u32, from: Addr, to: Addr, msg: Msg, lost: bool },
    Timer(Timer),
    Detect(FaultWhat),
}

#[derive(Clone, Debug)]
struct Queued {
    at_us: u64,
    seq: u64,
    due: Due,
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
    pub nodes: Vec<NodeState>,
    pub clients: Vec<ClientState>,
    pub ops: Vec<OpState>,
    pub actual: Faults,
    pub view: Faults,
    next_msg: u32,
    next_xid: u32,
    /// Next entry of `Setup::order` to run.
    next_event: usize,
    pub steps: u64,
    /// Scratch buffer for handler output; always empty between steps.
    out: CmdBuf,
    /// The actor whose handler is running: the sender of whatever it sends.
    current: Addr,
}

impl World {
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
            actual: Faults::new(sc),
            view: Faults::new(sc),
            next_msg: 0,
            next_xid: 0,
            next_event: 0,
            steps: 0,
            out: CmdBuf::default(),
            current: Addr::Node(0),
        };
        if let Some(period) = s.ae_period_us {
            // Stagger the nodes' rounds across the period so they do not all start at once.
            let count = sc.nodes.len() as u64;
            for n in 0..count {
                w.push(period + period * n / count, Due::Timer(Timer::AeTick(n as NodeId)));
            }
        }
        w
    }

    fn push(&mut self, at_us: u64, due: Due) {
        self.seq += 1;
        self.queue.push(Queued { at_us, seq: self.seq, due });
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

    /// Runs one step if it happens at or before `until_us`. Scenario events run before queued
    /// items due at the same instant.
    pub fn step(&mut self, s: &Setup, rec: &mut Recording, until_us: u64) -> bool {
        let Some(t) = self.next_time(s) else { return false };
        if t > until_us || self.steps >= MAX_STEPS {
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
            match q.due {
                Due::Deliver { id, from, to, msg, lost } => self.deliver(s, rec, id, from, to, msg, lost),
                Due::Timer(timer) => self.fire(s, rec, timer),
                Due::Detect(what) => {
                    self.view.apply(&what);
                    rec.push(t, Ev::Detected { what });
                }
            }
        }
        self.flush(s, rec);
        true
    }

    fn run_event(&mut self, s: &Setup, rec: &mut Recording, idx: u32) {
        rec.push(self.now, Ev::Scenario { index: idx });
        let fault = match &s.sc.events[idx as usize].event {
            Event::Put { client, op, .. } | Event::Get { client, op, .. } => {
                let (c, o) = (*client, *op);
                self.current = Addr::Client(c);
                let mut op_state = std::mem::replace(&mut self.ops[o as usize], OpState::new(0, 0, OpKind::Get));
                let mut ctx = Ctx { now: self.now, me: 0, setup: s, view: &self.view, next_xid: &mut self.next_xid };
                self.clients[c as usize].start(&mut ctx, c, o, &mut op_state, &mut self.out.0);
                self.ops[o as usize] = op_state;
                return;
            }
            Event::Crash(nodes) => FaultWhat::Crash { nodes: nodes.clone() },
            Event::Recover(nodes) => FaultWhat::Recover { nodes: nodes.clone() },
            Event::Partition(groups) => FaultWhat::Partition { groups: groups.clone() },
            Event::Heal => FaultWhat::Heal,
        };
        self.actual.apply(&fault);
        match &fault {
            FaultWhat::Crash { nodes } => nodes.iter().for_each(|n| self.nodes[*n as usize].up = false),
            FaultWhat::Recover { nodes } => {
                for n in nodes {
                    let node = &mut self.nodes[*n as usize];
                    node.up = true;
                    // A recovered node resumes handing off the hints it held.
                    let ctx = Ctx { now: self.now, me: *n, setup: s, view: &self.view, next_xid: &mut self.next_xid };
                    node.arm_handoff(&ctx, &mut self.out.0);
                }
            }
            _ => {}
        }
        rec.push(self.now, Ev::Fault { what: fault.clone() });
        self.push(self.now + s.detect_us, Due::Detect(fault));
    }

    #[allow(clippy::too_many_arguments)]
    fn deliver(&mut self, s: &Setup, rec: &mut Recording, id: u32, from: Addr, to: Addr, msg: Msg, lost: bool) {
        let drop = if lost {
            Some(DropReason::Lost)
        } else if matches!(to, Addr::Node(n) if !self.actual.up[n as usize]) {
            Some(DropReason::NodeDown)
        } else if self.actual.group[s.sc.slot(from)] != self.actual.group[s.sc.slot(to)] {
            Some(DropReason::Partition)
        } else {
            None
        };
        if rec.level == Level::Full {
            rec.messages[id as usize].fate = match drop {
                Some(r) => Fate::Dropped(r),
                None => Fate::Delivered,
            };
        }
        if let Some(reason) = drop {
            rec.push(self.now, Ev::Dropped { msg: id, reason });
            return;
        }
        rec.push(self.now, Ev::Delivered { msg: id });
        self.current = to;
        if let (Addr::Node(n), Some(op)) = (to, msg.op()) {
            self.ops[op as usize].arrived(n, &msg);
        }
        let Addr::Node(from_node) = from else {
            // From a client to a node.
            let Addr::Node(n) = to else { unreachable!("clients only talk to nodes") };
            let mut ctx = Ctx { now: self.now, me: n, setup: s, view: &self.view, next_xid: &mut self.next_xid };
            self.nodes[n as usize].on_message(&mut ctx, from, msg, &mut self.out.0);
            return;
        };
        match to {
            Addr::Node(n) => {
                let mut ctx = Ctx { now: self.now, me: n, setup: s, view: &self.view, next_xid: &mut self.next_xid };
                self.nodes[n as usize].on_message(&mut ctx, from, msg, &mut self.out.0);
            }
            Addr::Client(c) => {
                let op = msg.op().expect("nodes answer clients about an op");
                let mut ctx = Ctx { now: self.now, me: 0, setup: s, view: &self.view, next_xid: &mut self.next_xid };
                let op_state = &mut self.ops[op as usize];
                self.clients[c as usize].on_message(&mut ctx, op, op_state, from_node, msg, &mut self.out.0);
            }
        }
    }

    fn fire(&mut self, s: &Setup, rec: &mut Recording, timer: Timer) {
        let _ = rec;
        match timer {
            Timer::OpDeadline(op) => {
                let c = self.ops[op as usize].client;
                self.current = Addr::Client(c);
                let ctx = Ctx { now: self.now, me: 0, setup: s, view: &self.view, next_xid: &mut self.next_xid };
                self.clients[c as usize].on_deadline(&ctx, op, &mut self.ops[op as usize], &mut self.out.0);
            }
            Timer::Handoff(n) | Timer::AeTick(n) | Timer::AeRetry(n, ..) => {
                self.current = Addr::Node(n);
                let mut ctx = Ctx { now: self.now, me: n, setup: s, view: &self.view, next_xid: &mut self.next_xid };
                self.nodes[n as usize].on_timer(&mut ctx, timer, &mut self.out.0);
            }
        }
    }

    /// Applies what handlers asked for: sends get a latency and maybe a loss from the RNG.
    fn flush(&mut self, s: &Setup, rec: &mut Recording) {
        let mut out = std::mem::take(&mut self.out.0);
        for cmd in out.drain(..) {
            match cmd {
                Cmd::Trace(ev) => rec.push(self.now, ev),
                Cmd::Timer { at_us, timer } => self.push(at_us, Due::Timer(timer)),
                Cmd::Send { to, msg } => {
                    let from = self.current;
                    let latency_us = self.latency_us(s, from, to);
                    let lost = self.rng.chance(s.sc.loss);
                    // A lost message is drawn stopping halfway, where it was lost.
                    let at_us = self.now + if lost { latency_us / 2 } else { latency_us };
                    let id = self.next_msg;
                    self.next_msg += 1;
                    rec.messages_sent += 1;
                    rec.max_flight_us = rec.max_flight_us.max(at_us - self.now);
                    if rec.level == Level::Full {
                        rec.messages.push(MsgRecord {
                            from,
                            to,
                            kind: msg.kind(),
                            sent_us: self.now,
                            arrive_us: at_us,
                            fate: Fate::InFlight,
                            payload: msg.clone(),
                        });
                    }
                    rec.push(self.now, Ev::Sent { msg: id });
                    self.push(at_us, Due::Deliver { id, from, to, msg, lost });
                }
            }
        }
        self.out.0 = out;
    }

    fn latency_us(&mut self, s: &Setup, from: Addr, to: Addr) -> u64 {
        if let Some(l) = s.sc.links.iter().find(|l| l.from == from && l.to == to) {
            return l.latency.sample_us(&mut self.rng);
        }
        let base = s.sc.latency.sample_us(&mut self.rng);
        if s.sc.dc_of(from) != s.sc.dc_of(to) {
            base + s.sc.between_dcs_us
        } else {
            base
        }
    }
}
