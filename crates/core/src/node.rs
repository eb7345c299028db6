//! Replica logic, sans-IO: a handler gets one input (a message or a timer) and pushes commands
//! (send, set a timer, record) into an output buffer. It never sees the clock beyond `ctx.now_us`, the
//! network, or the RNG; the world loop owns those.

use crate::actor::{Cmd, Ctx, Input, Timer};
use crate::data::Data;
use crate::ids::{Addr, KeyId, NodeId};
use crate::merkle::{leaf_of, Tree};
use crate::msg::Msg;
use crate::scenario::ConflictMode;
use crate::trace::{Ev, MerkleStep};

#[derive(Clone, Debug)]
pub struct AeSession {
    pub xid: u32,
    pub peer: NodeId,
    pub hashes_compared: u64,
    /// Hashes sent in the last MerkleHashes, counted when the peer answers.
    pub in_flight: u32,
}

/// Copies held for unreachable home replicas: (intended replica, key) -> data, in that order.
/// A sorted list rather than a `BTreeMap`: a node holds few hints, and every map type is another
/// copy of the B-tree code in the browser's download.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hints(Vec<((NodeId, KeyId), Data)>);

impl Hints {
    fn find(&self, k: (NodeId, KeyId)) -> Result<usize, usize> {
        self.0.binary_search_by_key(&k, |e| e.0)
    }

    pub fn get(&self, k: (NodeId, KeyId)) -> Option<&Data> {
        self.find(k).ok().map(|i| &self.0[i].1)
    }

    /// Stores `data` for `k`, merged with what is already held.
    pub fn merge(&mut self, k: (NodeId, KeyId), data: &Data) {
        match self.find(k) {
            Ok(i) => {
                self.0[i].1.merge_from(data);
            }
            Err(i) => self.0.insert(i, (k, data.clone())),
        }
    }

    pub fn remove(&mut self, k: (NodeId, KeyId)) {
        if let Ok(i) = self.find(k) {
            self.0.remove(i);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&(NodeId, KeyId), &Data)> {
        self.0.iter().map(|(k, d)| (k, d))
    }

    pub fn values(&self) -> impl Iterator<Item = &Data> {
        self.0.iter().map(|(_, d)| d)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct NodeState {
    pub up: bool,
    /// Own data, by key id.
    pub store: Vec<Option<Data>>,
    /// Copies held for unreachable home replicas: (intended replica, key) -> data.
    pub hints: Hints,
    pub handoff_timer_set: bool,
    pub ae_cursor: usize,
    pub ae: Option<AeSession>,
    /// Exchanges this node has started: with the node's id, a unique exchange id.
    pub exchanges_started: u32,
}

impl NodeState {
    pub fn new(keys: usize) -> NodeState {
        NodeState {
            up: true,
            store: vec![None; keys],
            hints: Hints::default(),
            handoff_timer_set: false,
            ae_cursor: 0,
            ae: None,
            exchanges_started: 0,
        }
    }

    /// What this node answers a get with: its own copy merged with any hinted copies of the key.
    pub fn read(&self, key: KeyId) -> Option<Data> {
        let mut out = self.store[key as usize].clone();
        for ((_, k), d) in self.hints.iter() {
            if *k == key {
                out = Some(Data::merged(out.as_ref(), d));
            }
        }
        out
    }

    fn write(&mut self, ctx: &Ctx, key: KeyId, data: &Data, hint_for: Option<NodeId>, out: &mut Vec<Cmd>) {
        match hint_for {
            Some(home) => {
                self.hints.merge((home, key), data);
                out.push(Cmd::Trace(Ev::HintStored { holder: ctx.node(), for_node: home, key }));
                self.arm_handoff(ctx, out);
            }
            None => {
                let slot = &mut self.store[key as usize];
                match slot {
                    Some(d) => {
                        d.merge_from(data);
                    }
                    None => *slot = Some(data.clone()),
                }
                out.push(Cmd::Trace(Ev::Stored { node: ctx.node(), key, hint_for }));
            }
        }
    }

    pub(crate) fn arm_handoff(&mut self, ctx: &Ctx, out: &mut Vec<Cmd>) {
        if ctx.setup.sc.repl.hinted_handoff && !self.handoff_timer_set && !self.hints.is_empty() {
            self.handoff_timer_set = true;
            out.push(Cmd::Timer { at_us: ctx.now_us + ctx.setup.handoff_us, timer: Timer::Handoff });
        }
    }

    /// The Merkle tree over the keys this node and `peer` are both home replicas of.
    pub(crate) fn shared_tree(&self, ctx: &Ctx, peer: NodeId) -> Tree {
        ctx.setup.shared_tree(|k| self.store[k as usize].as_ref(), ctx.node(), peer)
    }

    fn keys_in_leaves(&self, ctx: &Ctx, peer: NodeId, leaves: &[u32]) -> Vec<(KeyId, u64)> {
        let s = ctx.setup;
        let depth = s.sc.repl.merkle_depth;
        s.shared_keys(ctx.node(), peer)
            .filter(|k| leaves.binary_search(&leaf_of(s.key_pos[*k as usize], depth)).is_ok())
            .filter_map(|k| self.store[k as usize].as_ref().map(|d| (k, d.digest())))
            .collect()
    }

    pub(crate) fn handle(&mut self, ctx: &Ctx, input: Input, out: &mut Vec<Cmd>) {
        match input {
            Input::Message { from, msg } => self.on_message(ctx, from, msg, out),
            Input::Timer(timer) => self.on_timer(ctx, timer, out),
            Input::Recovered => {
                self.up = true;
                // A recovered node resumes handing off the hints it held.
                self.arm_handoff(ctx, out);
            }
            Input::Start(_) => unreachable!("operations start at clients"),
        }
    }

    fn on_message(&mut self, ctx: &Ctx, from: Addr, msg: Msg, out: &mut Vec<Cmd>) {
        debug_assert!(self.up, "the world delivers nothing to a crashed node");
        match msg {
            Msg::Put { op, key, data, hint_for } => {
                self.write(ctx, key, &data, hint_for, out);
                out.push(Cmd::Send { to: from, msg: Msg::PutAck { op, key } });
            }
            Msg::Get { op, key } => {
                out.push(Cmd::Send { to: from, msg: Msg::GetReply { op, key, data: self.read(key) } });
            }
            Msg::ReadRepair { op, key, data, hint_for } => {
                out.push(Cmd::Trace(Ev::ReadRepair { op, node: ctx.node(), key }));
                self.write(ctx, key, &data, hint_for, out);
            }
            Msg::Handoff { key, data } => {
                let digest = data.digest();
                self.write(ctx, key, &data, None, out);
                out.push(Cmd::Send { to: from, msg: Msg::HandoffAck { key, digest } });
            }
            Msg::HandoffAck { key, digest } => {
                let Addr::Node(home) = from else { return };
                // Drop the hint only if it is still what was handed over; a newer hinted write
                // that arrived meanwhile goes on the next round.
                if self.hints.get((home, key)).map(|d| d.digest()) == Some(digest) {
                    self.hints.remove((home, key));
                    out.push(Cmd::Trace(Ev::HandedOff { holder: ctx.node(), for_node: home, key }));
                }
            }
            Msg::MerkleHashes { xid, level, hashes } => {
                let Addr::Node(peer) = from else { return };
                let tree = self.shared_tree(ctx, peer);
                let differing: Vec<u32> =
                    hashes.iter().filter(|(i, h)| tree.hashes[*i as usize] != *h).map(|(i, _)| *i).collect();
                out.push(Cmd::Send { to: from, msg: Msg::MerkleDiff { xid, level, differing } });
            }
            Msg::MerkleDiff { xid, level, differing } => self.on_merkle_diff(ctx, from, xid, level, differing, out),
            Msg::MerkleKeys { xid, leaves, keys } => {
                let Addr::Node(peer) = from else { return };
                let mine = self.keys_in_leaves(ctx, peer, &leaves);
                // Both lists are in key order: a key differs when its digest differs or it is
                // missing on one side.
                let find =
                    |list: &[(KeyId, u64)], k: KeyId| list.binary_search_by_key(&k, |e| e.0).ok().map(|i| list[i].1);
                let mut differ: Vec<KeyId> = keys
                    .iter()
                    .filter(|(k, d)| find(&mine, *k) != Some(*d))
                    .map(|(k, _)| *k)
                    .chain(mine.iter().filter(|(k, _)| find(&keys, *k).is_none()).map(|(k, _)| *k))
                    .collect();
                crate::order::sort_u32(&mut differ);
                differ.dedup();
                // Under last_arrival there is no version to merge by: the initiator's copy goes
                // one way only, or the two sides would simply swap values.
                let data = if ctx.setup.sc.repl.conflicts == ConflictMode::LastArrival {
                    vec![]
                } else {
                    differ.iter().filter_map(|k| self.store[*k as usize].clone().map(|d| (*k, d))).collect()
                };
                out.push(Cmd::Send { to: from, msg: Msg::MerkleData { xid, data, want: differ } });
            }
            Msg::MerkleData { xid, data, want } => {
                for (k, d) in &data {
                    self.write(ctx, *k, d, None, out);
                }
                let initiating = self.ae.as_ref().is_some_and(|s| s.xid == xid);
                if initiating {
                    let reply: Vec<(KeyId, crate::data::Data)> =
                        want.iter().filter_map(|k| self.store[*k as usize].clone().map(|d| (*k, d))).collect();
                    out.push(Cmd::Trace(Ev::Merkle { xid, step: MerkleStep::Keys { keys: want.clone() } }));
                    if !reply.is_empty() {
                        out.push(Cmd::Send { to: from, msg: Msg::MerkleData { xid, data: reply, want: vec![] } });
                    }
                    self.finish_exchange(want.len() as u32, out);
                }
            }
            Msg::PutAck { .. } | Msg::GetReply { .. } => {
                debug_assert!(false, "client messages never reach a node");
            }
        }
    }

    fn on_merkle_diff(&mut self, ctx: &Ctx, from: Addr, xid: u32, level: u32, differing: Vec<u32>, out: &mut Vec<Cmd>) {
        let Some(sess) = self.ae.as_mut().filter(|s| s.xid == xid) else { return };
        let compared = sess.in_flight;
        sess.hashes_compared += compared as u64;
        out.push(Cmd::Trace(Ev::Merkle {
            xid,
            step: MerkleStep::Level { level, compared, differing: differing.clone() },
        }));
        if differing.is_empty() {
            self.finish_exchange(0, out);
            return;
        }
        let peer = sess.peer;
        let depth = ctx.setup.sc.repl.merkle_depth;
        if level < depth {
            let tree = self.shared_tree(ctx, peer);
            let hashes: Vec<(u32, u64)> =
                differing.iter().flat_map(|i| [2 * i, 2 * i + 1]).map(|c| (c, tree.hashes[c as usize])).collect();
            let sess = self.ae.as_mut().expect("checked above");
            sess.in_flight = hashes.len() as u32;
            out.push(Cmd::Send { to: from, msg: Msg::MerkleHashes { xid, level: level + 1, hashes } });
        } else {
            let leaves: Vec<u32> = differing.iter().map(|i| i - (1u32 << depth)).collect();
            let keys = self.keys_in_leaves(ctx, peer, &leaves);
            out.push(Cmd::Send { to: from, msg: Msg::MerkleKeys { xid, leaves, keys } });
        }
    }

    fn finish_exchange(&mut self, keys: u32, out: &mut Vec<Cmd>) {
        if let Some(s) = self.ae.take() {
            out.push(Cmd::Trace(Ev::Merkle {
                xid: s.xid,
                step: MerkleStep::Done { hashes_compared: s.hashes_compared, keys_exchanged: keys },
            }));
        }
    }

    fn on_timer(&mut self, ctx: &Ctx, timer: Timer, out: &mut Vec<Cmd>) {
        let s = ctx.setup;
        match timer {
            Timer::Handoff => {
                self.handoff_timer_set = false;
                if !self.up || !s.sc.repl.hinted_handoff {
                    return;
                }
                for ((home, key), data) in self.hints.iter() {
                    if ctx.view.reachable(s, Addr::Node(ctx.node()), Addr::Node(*home)) {
                        out.push(Cmd::Send {
                            to: Addr::Node(*home),
                            msg: Msg::Handoff { key: *key, data: data.clone() },
                        });
                    }
                }
                self.arm_handoff(ctx, out);
            }
            Timer::AeTick => {
                let period = s.ae_period_us.expect("ticks only run with anti-entropy on");
                out.push(Cmd::Timer { at_us: ctx.now_us + period, timer: Timer::AeTick });
                if !self.up || self.ae.is_some() {
                    return;
                }
                let peers = &s.peers[ctx.node() as usize];
                for i in 0..peers.len() {
                    let peer = peers[(self.ae_cursor + i) % peers.len()];
                    if ctx.view.reachable(s, Addr::Node(ctx.node()), Addr::Node(peer)) {
                        self.ae_cursor = (self.ae_cursor + i + 1) % peers.len();
                        // Unique across the run without a world counter: node ids fit 8 bits.
                        const _: () = assert!(crate::scenario::MAX_NODES <= 256);
                        let xid = (self.exchanges_started << 8) | ctx.node();
                        self.exchanges_started += 1;
                        let root = self.shared_tree(ctx, peer).root();
                        self.ae = Some(AeSession { xid, peer, hashes_compared: 0, in_flight: 1 });
                        out.push(Cmd::Trace(Ev::Merkle {
                            xid,
                            step: MerkleStep::Start { initiator: ctx.node(), peer },
                        }));
                        out.push(Cmd::Send {
                            to: Addr::Node(peer),
                            msg: Msg::MerkleHashes { xid, level: 0, hashes: vec![(1, root)] },
                        });
                        out.push(Cmd::Timer { at_us: ctx.now_us + s.timeout_us, timer: Timer::AeDeadline(xid) });
                        return;
                    }
                }
            }
            Timer::AeDeadline(xid) => {
                if self.ae.as_ref().is_some_and(|a| a.xid == xid) {
                    self.ae = None;
                    out.push(Cmd::Trace(Ev::Merkle { xid, step: MerkleStep::Abandoned }));
                }
            }
            Timer::OpDeadline(_) => debug_assert!(false, "op deadlines belong to clients"),
        }
    }
}
