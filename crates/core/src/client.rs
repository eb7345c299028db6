//! Client logic, sans-IO. The client is the coordinator of its own requests (as with Cassandra's
//! and Riak's client-side routing): it sends a put to the replicas, counts acknowledgements against
//! W, sends a get, takes the first R replies, and does read repair itself.

use crate::actor::{Cmd, Ctx, Input, Timer};
use crate::data::{Data, DotSet, NewVersion};
use crate::ids::{Addr, ClientId, KeyId, NodeId, ValueId};
use crate::msg::{Msg, MsgKind};
use crate::trace::Ev;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct ClientState {
    /// Causal context of the last completed get of each key (siblings mode), by key id: the exact
    /// dots it returned and everything they had replaced.
    pub last_ctx: Vec<Option<DotSet>>,
    /// Dots issued per key (by key id), so every put has a unique dot.
    pub dots: Vec<u32>,
    /// Puts issued so far, for LWW tie-breaking.
    pub puts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Put { value: ValueId, blind: bool },
    Get,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Ok,
    Failed,
}

#[derive(Clone, Debug)]
pub struct OpState {
    pub client: ClientId,
    pub key: KeyId,
    pub kind: OpKind,
    pub start_us: Option<u64>,
    pub end_us: Option<u64>,
    pub status: Status,
    /// Replicas asked, each with the home replica it stands in for (sloppy quorum).
    pub sent_to: Vec<(NodeId, Option<NodeId>)>,
    pub acked_by: Vec<NodeId>,
    /// Replies in arrival order, including those after the get completed. A copy equal to the
    /// one before is shared, not kept again (256 replies of 100 siblings each, for each of
    /// thousands of gets, took gigabytes).
    pub replies: Vec<(NodeId, Option<Arc<Data>>)>,
    /// How many replies the get's answer was built from (R, once ok).
    pub answered_with: usize,
    /// How many acknowledgements had arrived when the put completed (W, once ok).
    pub acked_at_end: usize,
    /// What the get returned.
    pub result: Option<Data>,
    /// The newest copy seen so far, which read repair spreads.
    pub newest: Option<Data>,
    /// Read repairs sent: (replica, digest of the copy sent).
    pub repaired: Vec<(NodeId, u64)>,
    /// Blocking read repair: the value this get will return, once it is on W replicas.
    pub writing_back: Option<Data>,
    /// ... and the replicas that acknowledged its write-back.
    pub repair_acked: Vec<NodeId>,
    /// Past the deadline: late replies are no longer waited for.
    pub closed: bool,
    /// What the put wrote.
    pub written: Option<Data>,
    /// What actually happened, which the client cannot know (for the report and the checker):
    /// the replicas that received this put (and so stored it) ...
    pub stored_on: Vec<(NodeId, u64)>,
    /// Replicas that refused this put: the key had `MAX_SIBLINGS` versions there.
    pub refused_by: Vec<NodeId>,
    /// ... and those that received one of its read repairs, once per repair.
    pub repair_arrived: Vec<NodeId>,
}

impl OpState {
    /// About how many bytes a copy of this operation's state allocates (a checkpoint clones it).
    pub(crate) fn clone_bytes(&self) -> u64 {
        use crate::cost;
        let nodes = self.acked_by.len() + self.repair_acked.len() + self.refused_by.len() + self.repair_arrived.len();
        let bytes = cost::OP
            + self.sent_to.len() * cost::ASKED
            + nodes * cost::NODE
            + self.replies.len() * cost::REPLY
            + (self.repaired.len() + self.stored_on.len()) * cost::NODE_AND_U64;
        bytes as u64
    }

    pub fn new(client: ClientId, key: KeyId, kind: OpKind) -> OpState {
        OpState {
            client,
            key,
            kind,
            start_us: None,
            end_us: None,
            status: Status::Pending,
            sent_to: vec![],
            acked_by: vec![],
            replies: vec![],
            answered_with: 0,
            acked_at_end: 0,
            result: None,
            newest: None,
            repaired: vec![],
            writing_back: None,
            repair_acked: vec![],
            closed: false,
            written: None,
            stored_on: vec![],
            refused_by: vec![],
            repair_arrived: vec![],
        }
    }

    /// A message of this op reached replica `node` (the world tells; the client never learns).
    pub fn arrived(&mut self, node: NodeId, kind: MsgKind, at_us: u64) {
        match kind {
            MsgKind::Put => self.stored_on.push((node, at_us)),
            MsgKind::ReadRepair => self.repair_arrived.push(node),
            _ => {}
        }
    }

    /// Did every replica asked refuse this put (so it is stored nowhere: a definite failure)?
    pub fn refused_everywhere(&self) -> bool {
        !self.sent_to.is_empty() && self.sent_to.iter().all(|(n, _)| self.refused_by.contains(n))
    }

    /// Was this put stored by any replica (home copy or hint)?
    pub fn stored(&self) -> bool {
        !self.stored_on.is_empty()
    }

    /// Had this put reached `node` (and been taken, merged with what it held) by `t_us`?
    pub fn reached_by(&self, node: NodeId, t_us: u64) -> bool {
        self.stored_on.iter().any(|&(n, at)| n == node && at <= t_us)
    }

    /// Replicas sent a read repair, each once, in the order of their first repair.
    pub fn repaired_nodes(&self) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = vec![];
        for (n, _) in &self.repaired {
            if !out.contains(n) {
                out.push(*n);
            }
        }
        out
    }

    /// Replicas sent a read repair that never arrived (lost, or the replica was down or cut off).
    pub fn repairs_undelivered(&self) -> Vec<NodeId> {
        self.repaired_nodes()
            .into_iter()
            .filter(|n| {
                let sent = self.repaired.iter().filter(|r| r.0 == *n).count();
                sent > self.repair_arrived.iter().filter(|m| *m == n).count()
            })
            .collect()
    }

    pub fn values(&self) -> Vec<ValueId> {
        self.result.as_ref().map(|d| d.values()).unwrap_or_default()
    }

    /// The write set: acknowledgements that made the quorum (all of them if it failed).
    pub fn write_set(&self) -> &[NodeId] {
        match self.status {
            Status::Ok => &self.acked_by[..self.acked_at_end],
            _ => &self.acked_by,
        }
    }

    /// Acknowledgements that arrived after the put had already completed.
    pub fn late_acks(&self) -> &[NodeId] {
        &self.acked_by[self.write_set().len()..]
    }

    pub fn replied_by(&self) -> Vec<NodeId> {
        self.replies.iter().take(self.answered_with).map(|r| r.0).collect()
    }
}

/// Which replicas a request goes to, each with the home replica it stands in for.
///
/// Strict quorum: the N home replicas, reachable or not (unreachable ones time out). Sloppy
/// quorum (Dynamo, Riak): the first N nodes of the preference list that the client believes
/// healthy; a fallback is paired with a home replica it replaces, so a put leaves a hint.
pub(crate) fn targets(ctx: &Ctx, client: ClientId, key: KeyId) -> Vec<(NodeId, Option<NodeId>)> {
    let s = ctx.setup;
    let n = s.sc.repl.n as usize;
    let pref = &s.pref[key as usize];
    if !s.sc.repl.sloppy_quorum {
        return pref[..n].iter().map(|h| (*h, None)).collect();
    }
    let healthy = |x: NodeId| ctx.view.reachable(s, Addr::Client(client), Addr::Node(x));
    let mut out: Vec<(NodeId, Option<NodeId>)> =
        pref[..n].iter().filter(|h| healthy(**h)).map(|h| (*h, None)).collect();
    let mut missing = pref[..n].iter().filter(|h| !healthy(**h)).copied();
    for f in pref[n..].iter().copied().filter(|f| healthy(*f)) {
        if out.len() >= n {
            break;
        }
        out.push((f, missing.next()));
    }
    out
}

impl ClientState {
    /// About how many bytes a copy of this client's state allocates (contexts are shared).
    pub(crate) fn clone_bytes(&self) -> u64 {
        (self.last_ctx.len() * crate::cost::CONTEXT + self.dots.len() * 4) as u64
    }

    pub fn new(keys: usize) -> ClientState {
        ClientState { last_ctx: vec![None; keys], dots: vec![0; keys], puts: 0 }
    }

    pub(crate) fn handle(&mut self, ctx: &Ctx, op_id: u32, op: &mut OpState, input: Input, out: &mut Vec<Cmd>) {
        match input {
            Input::Start(_) => self.start(ctx, op_id, op, out),
            Input::Message { from: Addr::Node(from), msg } => self.on_message(ctx, op_id, op, from, msg, out),
            Input::Timer(Timer::OpDeadline(_)) => self.on_deadline(ctx, op_id, op, out),
            _ => unreachable!("clients get starts, replies from nodes and their own deadlines"),
        }
    }

    fn start(&mut self, ctx: &Ctx, op_id: u32, op: &mut OpState, out: &mut Vec<Cmd>) {
        let s = ctx.setup;
        let me = ctx.client();
        op.start_us = Some(ctx.now_us);
        out.push(Cmd::Trace(Ev::OpStart { op: op_id }));
        op.sent_to = targets(ctx, me, op.key);
        match op.kind {
            OpKind::Put { value, blind } => {
                let counter = &mut self.dots[op.key as usize];
                *counter += 1;
                let data = s.sc.repl.conflicts.new_version(
                    value,
                    NewVersion {
                        client: me,
                        clock_us: ctx.now_us as i64 + s.sc.clients[me as usize].clock_skew_us,
                        client_puts: self.puts,
                        key_puts: *counter,
                        context: (!blind).then(|| self.last_ctx[op.key as usize].clone().unwrap_or_default()),
                    },
                );
                self.puts += 1;
                for (node, hint_for) in &op.sent_to {
                    out.push(Cmd::Send {
                        to: Addr::Node(*node),
                        msg: Msg::Put { op: op_id, key: op.key, data: data.clone(), hint_for: *hint_for },
                    });
                }
                op.written = Some(data);
            }
            OpKind::Get => {
                for (node, _) in &op.sent_to {
                    out.push(Cmd::Send { to: Addr::Node(*node), msg: Msg::Get { op: op_id, key: op.key } });
                }
            }
        }
        out.push(Cmd::Timer { at_us: ctx.now_us + s.timeout_us, timer: Timer::OpDeadline(op_id) });
    }

    fn on_message(&mut self, ctx: &Ctx, op_id: u32, op: &mut OpState, from: NodeId, msg: Msg, out: &mut Vec<Cmd>) {
        if op.closed {
            return;
        }
        let s = ctx.setup;
        match msg {
            Msg::PutAck { stored: false, .. } => {
                op.refused_by.push(from);
                // As Riak answers a sibling-limit refusal at once: fail as soon as the replicas
                // still to answer cannot make up W.
                let open = op.sent_to.len() - op.acked_by.len().min(op.sent_to.len()) - op.refused_by.len();
                if op.status == Status::Pending && op.acked_by.len() + open < s.sc.repl.w as usize {
                    op.status = Status::Failed;
                    op.end_us = Some(ctx.now_us);
                    out.push(Cmd::Trace(Ev::OpEnd { op: op_id, ok: false }));
                }
            }
            Msg::PutAck { .. } => {
                op.acked_by.push(from);
                if op.status == Status::Pending && op.acked_by.len() >= s.sc.repl.w as usize {
                    op.status = Status::Ok;
                    op.end_us = Some(ctx.now_us);
                    op.acked_at_end = op.acked_by.len();
                    out.push(Cmd::Trace(Ev::OpEnd { op: op_id, ok: true }));
                }
            }
            Msg::GetReply { data, .. } => {
                if !s.sc.repl.conflicts.merges_replies() {
                    // No versions to compare: the client keeps the reply that arrived last.
                    if op.status == Status::Pending {
                        if let Some(d) = &data {
                            op.newest = Some(d.clone());
                        }
                    }
                } else if let Some(d) = &data {
                    let merged = Data::merged(op.newest.as_ref(), d);
                    out.push(Cmd::Merged(merged.versions() as u64));
                    op.newest = Some(merged);
                }
                let data = data.map(|d| {
                    let same = op.replies.iter().rev().take(2).find_map(|(_, c)| c.as_ref().filter(|c| ***c == d));
                    same.cloned().unwrap_or_else(|| Arc::new(d))
                });
                op.replies.push((from, data));
                let repairs = s.sc.repl.read_repair && s.sc.repl.conflicts.repairs();
                if op.status == Status::Pending && op.writing_back.is_none() && op.replies.len() >= s.sc.repl.r as usize
                {
                    op.answered_with = op.replies.len();
                    // A key nobody has written has nothing to write back.
                    if repairs && s.sc.repl.blocking_read_repair && op.newest.is_some() {
                        op.writing_back = op.newest.clone();
                    } else {
                        self.complete_get(ctx, op_id, op, op.newest.clone(), out);
                    }
                }
                if op.writing_back.is_some() {
                    self.write_back(ctx, op_id, op, out);
                } else if op.status == Status::Ok && repairs {
                    self.repair(op_id, op, out);
                }
            }
            Msg::RepairAck { .. } => {
                if !op.repair_acked.contains(&from) {
                    op.repair_acked.push(from);
                }
                if op.writing_back.is_some() {
                    self.write_back(ctx, op_id, op, out);
                }
            }
            _ => debug_assert!(false, "nodes send clients only acks and replies"),
        }
    }

    /// A get's answer: what it returns, and the causal context its client's next put carries.
    fn complete_get(&mut self, ctx: &Ctx, op_id: u32, op: &mut OpState, result: Option<Data>, out: &mut Vec<Cmd>) {
        op.status = Status::Ok;
        op.end_us = Some(ctx.now_us);
        op.result = result;
        self.last_ctx[op.key as usize] = op.result.as_ref().map(|d| d.context());
        out.push(Cmd::Trace(Ev::OpEnd { op: op_id, ok: true }));
    }

    /// Blocking read repair, as ABD's second phase: the get returns its value only once W
    /// replicas are known to hold it (they answered with it or newer, or acknowledged the
    /// write-back), so any later read quorum meets one of them (W + R > N). Stale repliers,
    /// late ones included, are sent the value with `ack` set.
    fn write_back(&mut self, ctx: &Ctx, op_id: u32, op: &mut OpState, out: &mut Vec<Cmd>) {
        let Some(value) = op.writing_back.clone() else { return };
        let digest = value.digest();
        let mut holders: Vec<NodeId> = op.repair_acked.clone();
        let mut behind = Behind::default();
        for (node, copy) in &op.replies {
            if !behind.is(copy, &value) {
                holders.push(*node);
            } else if !op.repaired.contains(&(*node, digest)) {
                let hint_for = op.sent_to.iter().find(|(n, _)| n == node).and_then(|(_, h)| *h);
                op.repaired.push((*node, digest));
                out.push(Cmd::Send {
                    to: Addr::Node(*node),
                    msg: Msg::ReadRepair { op: op_id, key: op.key, data: value.clone(), hint_for, ack: true },
                });
            }
        }
        holders.sort_unstable();
        holders.dedup();
        if holders.len() >= ctx.setup.sc.repl.w as usize {
            op.writing_back = None;
            self.complete_get(ctx, op_id, op, Some(value), out);
        }
    }

    /// Sends the newest copy to every replier whose copy is behind it. Runs at completion and
    /// again for each late reply, so a replica that answers after the get returned is repaired
    /// too (Dynamo, Riak).
    fn repair(&self, op_id: u32, op: &mut OpState, out: &mut Vec<Cmd>) {
        let Some(newest) = op.newest.clone() else { return };
        let digest = newest.digest();
        let mut behind = Behind::default();
        for (node, copy) in &op.replies {
            if op.repaired.contains(&(*node, digest)) || !behind.is(copy, &newest) {
                continue;
            }
            let hint_for = op.sent_to.iter().find(|(n, _)| n == node).and_then(|(_, h)| *h);
            op.repaired.push((*node, digest));
            out.push(Cmd::Send {
                to: Addr::Node(*node),
                msg: Msg::ReadRepair { op: op_id, key: op.key, data: newest.clone(), hint_for, ack: false },
            });
        }
    }

    fn on_deadline(&mut self, ctx: &Ctx, op_id: u32, op: &mut OpState, out: &mut Vec<Cmd>) {
        op.closed = true;
        op.writing_back = None;
        if op.status == Status::Pending {
            op.status = Status::Failed;
            op.end_us = Some(ctx.now_us);
            out.push(Cmd::Trace(Ev::OpEnd { op: op_id, ok: false }));
        }
        for (node, _) in &op.sent_to {
            let answered =
                op.acked_by.contains(node) || op.refused_by.contains(node) || op.replies.iter().any(|(n, _)| n == node);
            if !answered {
                out.push(Cmd::Trace(Ev::RequestTimeout { op: op_id, node: *node }));
            }
        }
    }
}

/// Whether a reply's copy is behind the newest, asked once per shared copy in a row.
#[derive(Default)]
struct Behind(Option<(*const Data, bool)>);

impl Behind {
    fn is(&mut self, copy: &Option<Arc<Data>>, newest: &Data) -> bool {
        let Some(c) = copy else { return true };
        match self.0 {
            Some((p, b)) if std::ptr::eq(p, Arc::as_ptr(c)) => b,
            _ => {
                let b = Data::is_behind(Some(c), newest);
                self.0 = Some((Arc::as_ptr(c), b));
                b
            }
        }
    }
}
