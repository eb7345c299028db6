//! Replica logic, sans-IO: a handler gets one input (a message or a timer) and pushes commands
//! (send, set a timer, record) into an output buffer. It never sees the clock beyond `ctx.now_us`, the
//! network, or the RNG; the world loop owns those.

use crate::actor::{Cmd, Ctx, Input, Timer};
use crate::data::{Data, MAX_SIBLINGS, WARN_SIBLINGS};
use crate::ids::{Addr, KeyId, NodeId};
use crate::merkle::{leaf_of, Tree};
use crate::msg::Msg;
use crate::trace::{AbandonReason, Ev, MerkleStep};

/// Anti-entropy runs over node-to-node connections, so its steps are retried the way TCP retries
/// a segment, with TCP's retransmission timer (RFC 6298, Linux's bounds): the timeout starts at
/// 1 s, then follows the round trips measured to that peer (smoothed RTT + 4 × RTT variance, at
/// least 200 ms; every answer is a sample, as with TCP timestamps, and the estimate is kept per
/// peer across exchanges, as Linux caches it per destination), and doubles with each
/// retransmission up to 60 s. Exchanges are not bounded by the clients'
/// `timeout_ms`: one is abandoned only when the initiator believes its peer unreachable (its
/// detected view of crashes and partitions), when the initiator crashes, or when one step goes
/// unanswered through `AE_MAX_RETRIES` retransmissions (Linux's `tcp_retries2`).
pub const AE_RTO_INITIAL_US: u64 = 1_000_000;
pub const AE_RTO_MIN_US: u64 = 200_000;
pub const AE_RTO_MAX_US: u64 = 60_000_000;
pub const AE_MAX_RETRIES: u32 = 15;

#[derive(Clone, Debug)]
pub struct AeSession {
    pub xid: u32,
    pub peer: NodeId,
    pub hashes_compared: u64,
    /// Hashes sent in the last MerkleHashes, counted when the peer answers.
    pub in_flight: u32,
    /// The request awaiting an answer, sent again when its retransmission timer fires first.
    pub pending: Msg,
    /// Which step `pending` is, so that the timer of an answered step does nothing.
    pub step: u32,
    /// Retransmissions of `pending` so far.
    pub retries: u32,
    /// When `pending` was last sent.
    pub sent_us: u64,
    /// TCP's retransmission state: timeout, smoothed round trip and its variance.
    pub rto_us: u64,
    pub srtt_us: Option<u64>,
    pub rttvar_us: u64,
    /// Keys found to differ, reported when the exchange is done.
    pub keys: u32,
}

impl AeSession {
    /// Is `pending` the request that `answer` answers? Duplicates (answers to retransmissions)
    /// and stragglers from earlier steps are not.
    fn awaits(&self, xid: u32, answer: &Msg) -> bool {
        self.xid == xid
            && match (&self.pending, answer) {
                (Msg::MerkleHashes { level, .. }, Msg::MerkleDiff { level: l, .. }) => level == l,
                (Msg::MerkleKeys { .. }, Msg::MerkleData { .. }) => true,
                (Msg::MerkleData { .. }, Msg::MerkleAck { .. }) => true,
                _ => false,
            }
    }

    /// An answer came: update the round-trip estimate (Jacobson/Karels), timed from the step's
    /// last transmission, as TCP's timestamps option times every answer. (Karn's rule — no sample
    /// after a retransmission — kept the backed-off timeout so long under heavy loss that
    /// exchanges stalled for tens of seconds; an answer to the earlier transmission reads short
    /// here, and the 200 ms floor bounds it.)
    fn answered(&mut self, now: u64) {
        let r = now - self.sent_us;
        let (srtt, var) = match self.srtt_us {
            None => (r, r / 2),
            Some(s) => ((7 * s + r) / 8, (3 * self.rttvar_us + s.abs_diff(r)) / 4),
        };
        self.srtt_us = Some(srtt);
        self.rttvar_us = var;
        self.rto_us = (srtt + 4 * var).clamp(AE_RTO_MIN_US, AE_RTO_MAX_US);
    }
}

/// Copies held for unreachable home replicas: (intended replica, key) -> data, in that order.
/// A sorted list rather than a `BTreeMap`: a node holds few hints, and every map type is another
/// copy of the B-tree code in the browser's download.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hints(Vec<Hint>);

/// A hint: the home it waits for and its key, and the copy held for it.
type Hint = ((NodeId, KeyId), Data);

impl Hints {
    fn find(&self, k: (NodeId, KeyId)) -> Result<usize, usize> {
        self.0.binary_search_by_key(&k, |e| e.0)
    }

    pub fn get(&self, k: (NodeId, KeyId)) -> Option<&Data> {
        self.find(k).ok().map(|i| &self.0[i].1)
    }

    /// Stores `data` for `k` in place of what is held.
    pub fn set(&mut self, k: (NodeId, KeyId), data: Data) {
        match self.find(k) {
            Ok(i) => self.0[i].1 = data,
            Err(i) => self.0.insert(i, (k, data)),
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

    /// The hints grouped by the home they wait for, in order: a handoff round skips a home it
    /// cannot reach in one step instead of asking for each of its hints (10,000 hints for
    /// partitioned homes, asked every millisecond, took 8.7 s).
    pub fn by_home(&self) -> impl Iterator<Item = (NodeId, &[Hint])> {
        let mut rest = &self.0[..];
        std::iter::from_fn(move || {
            let home = rest.first()?.0 .0;
            let (group, after) = rest.split_at(rest.partition_point(|e| e.0 .0 == home));
            rest = after;
            Some((home, group))
        })
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
    /// Own data, by key id; boxed, so a key the node does not hold costs 8 bytes, not 32 (256
    /// nodes by 10,000 keys took 82 MB, and again in every checkpoint the app keeps).
    pub store: Vec<Option<Box<Data>>>,
    /// Copies held for unreachable home replicas: (intended replica, key) -> data.
    pub hints: Hints,
    pub handoff_timer_set: bool,
    pub ae_cursor: usize,
    pub ae: Option<AeSession>,
    /// Exchanges this node has started: with the node's id, a unique exchange id.
    pub exchanges_started: u32,
    /// Round-trip estimate to each anti-entropy peer (smoothed RTT, variance), by node id; grown
    /// as peers are met.
    pub ae_rtt: Vec<Option<(u64, u64)>>,
    /// The root of the tree shared with each peer, by node id, while no copy of a key the two
    /// share has changed here since it was built: a round between replicas that agree compares
    /// roots only, and rebuilding both trees for it was most of a long run's anti-entropy work.
    roots: Vec<Option<u64>>,
}

impl NodeState {
    /// About how many bytes a copy of this state allocates (a checkpoint clones it): its own
    /// vectors and each boxed copy; siblings are shared, not copied (`Data::Siblings` is an `Arc`).
    pub(crate) fn clone_bytes(&self) -> u64 {
        use crate::cost;
        let held = self.store.iter().filter(|d| d.is_some()).count();
        let bytes = self.store.len() * cost::SLOT
            + held * cost::DATA
            + self.hints.0.len() * cost::HINT
            + self.ae_rtt.len() * cost::RTT
            + self.roots.len() * cost::ROOT;
        bytes as u64
    }

    pub fn new(keys: usize) -> NodeState {
        NodeState {
            up: true,
            store: vec![None; keys],
            hints: Hints::default(),
            handoff_timer_set: false,
            ae_cursor: 0,
            ae: None,
            exchanges_started: 0,
            ae_rtt: vec![],
            roots: vec![],
        }
    }

    /// What this node answers a get with: its own copy merged with any hinted copies of the key.
    pub fn read(&self, key: KeyId) -> Option<Data> {
        let mut out = self.store[key as usize].as_deref().cloned();
        for ((_, k), d) in self.hints.iter() {
            if *k == key {
                out = Some(Data::merged(out.as_ref(), d));
            }
        }
        out
    }

    /// A client's put: stored unless the key would pass `MAX_SIBLINGS` versions here (then
    /// refused, as Riak does); a warning each time it leaves more than `WARN_SIBLINGS`. Repair, handoff and
    /// anti-entropy merges are never refused: they carry versions some replica already took, so
    /// the cap bounds what each side of a partition accepts, not the union after it heals.
    #[allow(clippy::too_many_arguments)]
    fn put(
        &mut self,
        ctx: &Ctx,
        op: u32,
        key: KeyId,
        data: &Data,
        hint_for: Option<NodeId>,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let held = self.held(key, hint_for);
        let before = held.map_or(0, |d| d.versions());
        let merged = Data::merged(held, data);
        let after = merged.versions();
        // Metered whether or not it is kept: the merge is made either way.
        out.push(Cmd::Merged(after as u64));
        let node = ctx.node();
        if after > MAX_SIBLINGS && after > before {
            out.push(Cmd::Trace(Ev::PutRefused { op, node, key, siblings: after as u32 }));
            return false;
        }
        // Riak warns on every put past the limit, not once: so does the trace.
        if after > WARN_SIBLINGS {
            out.push(Cmd::Trace(Ev::SiblingWarning { node, key, siblings: after as u32 }));
        }
        self.write_merged(ctx, key, merged, hint_for, out);
        true
    }

    /// [`NodeState::write`] of `merged`, what is held merged with what came, already made (a
    /// put makes it to count its versions: merging again doubled a put's work and memory).
    fn write_merged(&mut self, ctx: &Ctx, key: KeyId, merged: Data, hint_for: Option<NodeId>, out: &mut Vec<Cmd>) {
        match hint_for {
            Some(home) => {
                self.hints.set((home, key), merged);
                out.push(Cmd::Trace(Ev::HintStored { holder: ctx.node(), for_node: home, key }));
                self.arm_handoff(ctx, out);
            }
            None => {
                let slot = &mut self.store[key as usize];
                let changed = slot.as_deref() != Some(&merged);
                *slot = Some(Box::new(merged));
                if changed {
                    // The trees shared with the key's other home replicas no longer hold.
                    for peer in ctx.setup.home(key) {
                        if let Some(root) = self.roots.get_mut(*peer as usize) {
                            *root = None;
                        }
                    }
                }
                out.push(Cmd::Trace(Ev::Stored { node: ctx.node(), key, hint_for, changed }));
            }
        }
    }

    /// Stores `data` for `key` (or as a hint for `hint_for`), merged with what is held.
    fn write(&mut self, ctx: &Ctx, key: KeyId, data: &Data, hint_for: Option<NodeId>, out: &mut Vec<Cmd>) {
        let merged = Data::merged(self.held(key, hint_for), data);
        out.push(Cmd::Merged(merged.versions() as u64));
        self.write_merged(ctx, key, merged, hint_for, out);
    }

    /// What this node holds of `key` in its store, or as a hint for `hint_for`.
    fn held(&self, key: KeyId, hint_for: Option<NodeId>) -> Option<&Data> {
        match hint_for {
            Some(home) => self.hints.get((home, key)),
            None => self.store[key as usize].as_deref(),
        }
    }

    pub(crate) fn arm_handoff(&mut self, ctx: &Ctx, out: &mut Vec<Cmd>) {
        if ctx.setup.sc.repl.hinted_handoff && !self.handoff_timer_set && !self.hints.is_empty() {
            self.handoff_timer_set = true;
            out.push(Cmd::Timer { at_us: ctx.now_us + ctx.setup.handoff_us, timer: Timer::Handoff });
        }
    }

    /// The root of the tree shared with `peer`, built only if a copy it covers changed since it
    /// was last built.
    fn shared_root(&mut self, ctx: &Ctx, peer: NodeId, out: &mut Vec<Cmd>) -> u64 {
        if let Some(Some(root)) = self.roots.get(peer as usize) {
            debug_assert_eq!(*root, self.shared_tree(ctx, peer, &mut vec![]).root(), "a kept root is the tree's");
            return *root;
        }
        let root = self.shared_tree(ctx, peer, out).root();
        if self.roots.len() <= peer as usize {
            self.roots.resize(peer as usize + 1, None);
        }
        self.roots[peer as usize] = Some(root);
        root
    }

    /// The Merkle tree over the keys this node and `peer` are both home replicas of.
    pub(crate) fn shared_tree(&self, ctx: &Ctx, peer: NodeId, out: &mut Vec<Cmd>) -> Tree {
        self.shared_tree_under(ctx, peer, &[1], out)
    }

    /// The part of that tree at and below the nodes `under` (sorted heap indices), built from
    /// the keys there only: what a step of an exchange reads (`Setup::shared_tree_under`).
    fn shared_tree_under(&self, ctx: &Ctx, peer: NodeId, under: &[u32], out: &mut Vec<Cmd>) -> Tree {
        let tree = ctx.setup.shared_tree_under(|k| self.store[k as usize].as_deref(), ctx.node(), peer, under);
        out.push(Cmd::Hashed(tree.hashes()));
        tree
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
                let stored = self.put(ctx, op, key, &data, hint_for, out);
                out.push(Cmd::Send { to: from, msg: Msg::PutAck { op, key, stored } });
            }
            Msg::Get { op, key } => {
                out.push(Cmd::Send { to: from, msg: Msg::GetReply { op, key, data: self.read(key) } });
            }
            Msg::ReadRepair { op, key, data, hint_for, ack } => {
                out.push(Cmd::Trace(Ev::ReadRepair { op, node: ctx.node(), key }));
                self.write(ctx, key, &data, hint_for, out);
                if ack {
                    out.push(Cmd::Send { to: from, msg: Msg::RepairAck { op, key } });
                }
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
                let differing: Vec<u32> = if let [(1, root)] = hashes[..] {
                    // The first step compares roots only.
                    if self.shared_root(ctx, peer, out) != root {
                        vec![1]
                    } else {
                        vec![]
                    }
                } else {
                    let mut asked: Vec<u32> = hashes.iter().map(|(i, _)| *i).collect();
                    asked.sort_unstable();
                    asked.dedup();
                    let tree = self.shared_tree_under(ctx, peer, &asked, out);
                    hashes.iter().filter(|(i, h)| tree.hash(*i) != *h).map(|(i, _)| *i).collect()
                };
                out.push(Cmd::Send { to: from, msg: Msg::MerkleDiff { xid, level, differing } });
            }
            Msg::MerkleDiff { xid, level, differing } => self.on_merkle_diff(ctx, xid, level, differing, out),
            Msg::MerkleKeys { xid, leaves, keys } => self.on_merkle_keys(ctx, from, xid, leaves, keys, out),
            Msg::MerkleData { xid, data, want } => self.on_merkle_data(ctx, from, xid, data, want, out),
            Msg::MerkleAck { xid } => {
                let Some(sess) = self.ae.as_mut().filter(|s| s.awaits(xid, &Msg::MerkleAck { xid })) else { return };
                sess.answered(ctx.now_us);
                let keys = sess.keys;
                self.finish_exchange(keys, out);
            }
            Msg::PutAck { .. } | Msg::GetReply { .. } | Msg::RepairAck { .. } => {
                debug_assert!(false, "client messages never reach a node");
            }
        }
    }

    /// The responder's last comparison: which keys in the differing leaves differ, sent back with
    /// its own copies of them and a request for the initiator's.
    #[allow(clippy::too_many_arguments)]
    fn on_merkle_keys(
        &mut self,
        ctx: &Ctx,
        from: Addr,
        xid: u32,
        leaves: Vec<u32>,
        keys: Vec<(KeyId, u64)>,
        out: &mut Vec<Cmd>,
    ) {
        let Addr::Node(peer) = from else { return };
        let mine = self.keys_in_leaves(ctx, peer, &leaves);
        // Both lists are in key order: a key differs when its digest differs or it is
        // missing on one side.
        let find = |list: &[(KeyId, u64)], k: KeyId| list.binary_search_by_key(&k, |e| e.0).ok().map(|i| list[i].1);
        let mut differ: Vec<KeyId> = keys
            .iter()
            .filter(|(k, d)| find(&mine, *k) != Some(*d))
            .map(|(k, _)| *k)
            .chain(mine.iter().filter(|(k, _)| find(&keys, *k).is_none()).map(|(k, _)| *k))
            .collect();
        crate::order::sort_u32(&mut differ);
        differ.dedup();
        // (Never under last_arrival, which has no anti-entropy: see `ConflictMode::repairs`.)
        let data = differ.iter().filter_map(|k| self.store[*k as usize].as_deref().cloned().map(|d| (*k, d))).collect();
        out.push(Cmd::Send { to: from, msg: Msg::MerkleData { xid, data, want: differ } });
    }

    /// Copies of differing keys. At the responder: the initiator's copies (store, acknowledge). At
    /// the initiator: the responder's copies and the keys it wants (store, send ours or finish).
    #[allow(clippy::too_many_arguments)]
    fn on_merkle_data(
        &mut self,
        ctx: &Ctx,
        from: Addr,
        xid: u32,
        data: Vec<(KeyId, Data)>,
        want: Vec<KeyId>,
        out: &mut Vec<Cmd>,
    ) {
        let answer = Msg::MerkleData { xid, data: vec![], want: vec![] };
        let Some(sess) = self.ae.as_mut().filter(|s| s.xid == xid) else {
            // The responder, receiving the initiator's copies of the keys it asked for
            // (perhaps again): store them and acknowledge, so the initiator stops resending.
            for (k, d) in &data {
                self.write(ctx, *k, d, None, out);
            }
            out.push(Cmd::Send { to: from, msg: Msg::MerkleAck { xid } });
            return;
        };
        if !sess.awaits(xid, &answer) {
            return;
        }
        sess.answered(ctx.now_us);
        sess.keys = want.len() as u32;
        for (k, d) in &data {
            self.write(ctx, *k, d, None, out);
        }
        let reply: Vec<(KeyId, crate::data::Data)> =
            want.iter().filter_map(|k| self.store[*k as usize].as_deref().cloned().map(|d| (*k, d))).collect();
        out.push(Cmd::Trace(Ev::Merkle { xid, step: MerkleStep::Keys { keys: want.clone() } }));
        if reply.is_empty() {
            self.finish_exchange(want.len() as u32, out);
        } else {
            self.ae_send(ctx, Msg::MerkleData { xid, data: reply, want: vec![] }, out);
        }
    }

    fn on_merkle_diff(&mut self, ctx: &Ctx, xid: u32, level: u32, differing: Vec<u32>, out: &mut Vec<Cmd>) {
        let answer = Msg::MerkleDiff { xid, level, differing: vec![] };
        let Some(sess) = self.ae.as_mut().filter(|s| s.awaits(xid, &answer)) else { return };
        sess.answered(ctx.now_us);
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
            let mut under = differing.clone();
            under.sort_unstable();
            under.dedup();
            let tree = self.shared_tree_under(ctx, peer, &under, out);
            let hashes: Vec<(u32, u64)> =
                differing.iter().flat_map(|i| [2 * i, 2 * i + 1]).map(|c| (c, tree.hash(c))).collect();
            let sess = self.ae.as_mut().expect("checked above");
            sess.in_flight = hashes.len() as u32;
            self.ae_send(ctx, Msg::MerkleHashes { xid, level: level + 1, hashes }, out);
        } else {
            let leaves: Vec<u32> = differing.iter().map(|i| i - (1u32 << depth)).collect();
            let keys = self.keys_in_leaves(ctx, peer, &leaves);
            self.ae_send(ctx, Msg::MerkleKeys { xid, leaves, keys }, out);
        }
    }

    /// Sends the exchange's next request to the peer and arms its retransmission timer.
    fn ae_send(&mut self, ctx: &Ctx, msg: Msg, out: &mut Vec<Cmd>) {
        let sess = self.ae.as_mut().expect("an exchange is running");
        sess.step += 1;
        sess.retries = 0;
        sess.sent_us = ctx.now_us;
        sess.pending = msg.clone();
        let timer = Timer::AeRetry(sess.xid, sess.step);
        out.push(Cmd::Timer { at_us: ctx.now_us + sess.rto_us, timer });
        out.push(Cmd::Send { to: Addr::Node(sess.peer), msg });
    }

    /// A step's retransmission timer fired before its answer came: abandon the exchange if the
    /// peer is (believed) unreachable, else send the step again with the timeout doubled.
    fn on_ae_retry(&mut self, ctx: &Ctx, xid: u32, step: u32, out: &mut Vec<Cmd>) {
        let Some(sess) = self.ae.as_mut().filter(|a| a.xid == xid && a.step == step) else { return };
        let reason = if !self.up {
            Some(AbandonReason::Crashed)
        } else if !ctx.view.reachable(ctx.setup, Addr::Node(ctx.node()), Addr::Node(sess.peer)) {
            Some(AbandonReason::PeerUnreachable)
        } else if sess.retries >= AE_MAX_RETRIES {
            Some(AbandonReason::NoAnswer)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.ae = None;
            out.push(Cmd::Trace(Ev::Merkle { xid, step: MerkleStep::Abandoned { reason } }));
            return;
        }
        sess.retries += 1;
        sess.sent_us = ctx.now_us;
        sess.rto_us = (sess.rto_us * 2).min(AE_RTO_MAX_US);
        out.push(Cmd::Timer { at_us: ctx.now_us + sess.rto_us, timer: Timer::AeRetry(xid, step) });
        out.push(Cmd::Send { to: Addr::Node(sess.peer), msg: sess.pending.clone() });
    }

    fn finish_exchange(&mut self, keys: u32, out: &mut Vec<Cmd>) {
        if let Some(s) = self.ae.take() {
            // Keep the round-trip estimate for the next exchange with this peer.
            if let Some(srtt) = s.srtt_us {
                let p = s.peer as usize;
                if self.ae_rtt.len() <= p {
                    self.ae_rtt.resize(p + 1, None);
                }
                self.ae_rtt[p] = Some((srtt, s.rttvar_us));
            }
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
                for (home, hints) in self.hints.by_home() {
                    if !ctx.view.reachable(s, Addr::Node(ctx.node()), Addr::Node(home)) {
                        continue;
                    }
                    for ((_, key), data) in hints {
                        out.push(Cmd::Send {
                            to: Addr::Node(home),
                            msg: Msg::Handoff { key: *key, data: data.clone() },
                        });
                    }
                }
                self.arm_handoff(ctx, out);
            }
            Timer::AeTick => {
                if !s.sc.repl.conflicts.repairs() {
                    return; // no versions, nothing to repair by: the rounds stop here
                }
                let period = s.ae_period_us.expect("ticks only run with anti-entropy on");
                out.push(Cmd::Timer { at_us: ctx.now_us + period, timer: Timer::AeTick });
                if !self.up {
                    return;
                }
                // An exchange still running goes on, unless its peer has since been detected
                // down or cut off: then it is abandoned now rather than at its next retry.
                if let Some(sess) = &self.ae {
                    if ctx.view.reachable(s, Addr::Node(ctx.node()), Addr::Node(sess.peer)) {
                        return;
                    }
                    let xid = sess.xid;
                    self.ae = None;
                    let reason = AbandonReason::PeerUnreachable;
                    out.push(Cmd::Trace(Ev::Merkle { xid, step: MerkleStep::Abandoned { reason } }));
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
                        let root = self.shared_root(ctx, peer, out);
                        let first = Msg::MerkleHashes { xid, level: 0, hashes: vec![(1, root)] };
                        let known = self.ae_rtt.get(peer as usize).copied().flatten();
                        let rto_us = known.map_or(AE_RTO_INITIAL_US, |(srtt, var)| {
                            (srtt + 4 * var).clamp(AE_RTO_MIN_US, AE_RTO_MAX_US)
                        });
                        self.ae = Some(AeSession {
                            xid,
                            peer,
                            hashes_compared: 0,
                            in_flight: 1,
                            pending: first.clone(),
                            step: 0,
                            retries: 0,
                            sent_us: ctx.now_us,
                            rto_us,
                            srtt_us: known.map(|k| k.0),
                            rttvar_us: known.map_or(0, |k| k.1),
                            keys: 0,
                        });
                        out.push(Cmd::Trace(Ev::Merkle {
                            xid,
                            step: MerkleStep::Start { initiator: ctx.node(), peer },
                        }));
                        self.ae_send(ctx, first, out);
                        return;
                    }
                }
            }
            Timer::AeRetry(xid, step) => self.on_ae_retry(ctx, xid, step, out),
            Timer::OpDeadline(_) => debug_assert!(false, "op deadlines belong to clients"),
        }
    }
}
