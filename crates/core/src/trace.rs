//! The trace: every step the simulation takes, as plain data. This is the product boundary — the
//! visualizer draws trace events and snapshots and never reaches into node internals.

use crate::data::Data;
use crate::scenario::{Addr, KeyId, NodeId};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    Put,
    PutAck,
    Get,
    GetReply,
    ReadRepair,
    Handoff,
    HandoffAck,
    Merkle,
}

impl MsgKind {
    pub const ALL: [MsgKind; 8] = [
        MsgKind::Put,
        MsgKind::PutAck,
        MsgKind::Get,
        MsgKind::GetReply,
        MsgKind::ReadRepair,
        MsgKind::Handoff,
        MsgKind::HandoffAck,
        MsgKind::Merkle,
    ];

    /// The stable name used in JSON and in `data-message` attributes.
    pub fn name(self) -> &'static str {
        match self {
            MsgKind::Put => "put",
            MsgKind::PutAck => "put_ack",
            MsgKind::Get => "get",
            MsgKind::GetReply => "get_reply",
            MsgKind::ReadRepair => "read_repair",
            MsgKind::Handoff => "handoff",
            MsgKind::HandoffAck => "handoff_ack",
            MsgKind::Merkle => "merkle",
        }
    }
}

/// A message's payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// `hint_for`: the receiver is a fallback standing in for this home replica.
    Put {
        op: u32,
        key: KeyId,
        data: Data,
        hint_for: Option<NodeId>,
    },
    PutAck {
        op: u32,
        key: KeyId,
    },
    Get {
        op: u32,
        key: KeyId,
    },
    GetReply {
        op: u32,
        key: KeyId,
        data: Option<Data>,
    },
    ReadRepair {
        op: u32,
        key: KeyId,
        data: Data,
        hint_for: Option<NodeId>,
    },
    Handoff {
        key: KeyId,
        data: Data,
    },
    HandoffAck {
        key: KeyId,
        digest: u64,
    },
    /// Anti-entropy: the initiator's hashes at one tree level (heap index, hash).
    MerkleHashes {
        xid: u32,
        level: u32,
        hashes: Vec<(u32, u64)>,
    },
    /// The responder's answer: which of those differ.
    MerkleDiff {
        xid: u32,
        level: u32,
        differing: Vec<u32>,
    },
    /// The initiator's keys in the differing leaves, with digests.
    MerkleKeys {
        xid: u32,
        leaves: Vec<u32>,
        keys: Vec<(KeyId, u64)>,
    },
    /// Copies of differing keys; `want` asks for the other side's copies.
    MerkleData {
        xid: u32,
        data: Vec<(KeyId, Data)>,
        want: Vec<KeyId>,
    },
    /// The responder got the initiator's copies: the exchange is over.
    MerkleAck {
        xid: u32,
    },
}

impl Msg {
    pub fn kind(&self) -> MsgKind {
        match self {
            Msg::Put { .. } => MsgKind::Put,
            Msg::PutAck { .. } => MsgKind::PutAck,
            Msg::Get { .. } => MsgKind::Get,
            Msg::GetReply { .. } => MsgKind::GetReply,
            Msg::ReadRepair { .. } => MsgKind::ReadRepair,
            Msg::Handoff { .. } => MsgKind::Handoff,
            Msg::HandoffAck { .. } => MsgKind::HandoffAck,
            Msg::MerkleHashes { .. }
            | Msg::MerkleDiff { .. }
            | Msg::MerkleKeys { .. }
            | Msg::MerkleData { .. }
            | Msg::MerkleAck { .. } => MsgKind::Merkle,
        }
    }

    pub fn op(&self) -> Option<u32> {
        match self {
            Msg::Put { op, .. }
            | Msg::PutAck { op, .. }
            | Msg::Get { op, .. }
            | Msg::GetReply { op, .. }
            | Msg::ReadRepair { op, .. } => Some(*op),
            _ => None,
        }
    }

    pub fn key(&self) -> Option<KeyId> {
        match self {
            Msg::Put { key, .. }
            | Msg::PutAck { key, .. }
            | Msg::Get { key, .. }
            | Msg::GetReply { key, .. }
            | Msg::ReadRepair { key, .. }
            | Msg::Handoff { key, .. }
            | Msg::HandoffAck { key, .. } => Some(*key),
            _ => None,
        }
    }

    pub fn xid(&self) -> Option<u32> {
        match self {
            Msg::MerkleHashes { xid, .. }
            | Msg::MerkleDiff { xid, .. }
            | Msg::MerkleKeys { xid, .. }
            | Msg::MerkleData { xid, .. }
            | Msg::MerkleAck { xid } => Some(*xid),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random message loss.
    Lost,
    /// The receiver was down when the message arrived.
    NodeDown,
    /// Sender and receiver were on different sides of a partition.
    Partition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    InFlight,
    Delivered,
    Dropped(DropReason),
}

/// One message, from send to delivery or loss.
#[derive(Clone, Debug)]
pub struct MsgRecord {
    pub from: Addr,
    pub to: Addr,
    pub kind: MsgKind,
    pub sent_us: u64,
    /// When it would arrive (for a lost message: where it was lost).
    pub arrive_us: u64,
    pub fate: Fate,
    pub payload: Msg,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fault")]
pub enum FaultWhat {
    Crash { nodes: Vec<NodeId> },
    Recover { nodes: Vec<NodeId> },
    Partition { groups: Vec<u16> },
    Heal,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum MerkleStep {
    Start {
        initiator: NodeId,
        peer: NodeId,
    },
    /// The responder compared `compared` hashes at `level`; `differing` heap indices differed.
    Level {
        level: u32,
        compared: u32,
        differing: Vec<u32>,
    },
    /// Keys found to differ in the differing leaves.
    Keys {
        keys: Vec<KeyId>,
    },
    Done {
        hashes_compared: u64,
        keys_exchanged: u32,
    },
    /// The initiator gave up on the exchange, and why.
    Abandoned {
        reason: AbandonReason,
    },
}

/// Why an anti-entropy exchange was abandoned. A lost step is never a reason: it is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonReason {
    /// The initiator believes its peer crashed or cut off (its detected view of faults).
    PeerUnreachable,
    /// The initiator itself crashed, losing the exchange's state.
    Crashed,
    /// One step went unanswered through every retransmission (as TCP gives up on a connection).
    NoAnswer,
}

impl AbandonReason {
    /// In words, for the trace and the report.
    pub fn name(self) -> &'static str {
        match self {
            AbandonReason::PeerUnreachable => "peer_unreachable",
            AbandonReason::Crashed => "crashed",
            AbandonReason::NoAnswer => "no_answer",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Ev {
    /// A scenario event fired (index into the file's events).
    Scenario {
        index: u32,
    },
    Fault {
        what: FaultWhat,
    },
    /// Clients and nodes learn of a fault `detect_ms` after it happened.
    Detected {
        what: FaultWhat,
    },
    OpStart {
        op: u32,
    },
    OpEnd {
        op: u32,
        ok: bool,
    },
    Sent {
        msg: u32,
    },
    Delivered {
        msg: u32,
    },
    Dropped {
        msg: u32,
        reason: DropReason,
    },
    /// A request of `op` to `node` got no answer before the timeout.
    RequestTimeout {
        op: u32,
        node: NodeId,
    },
    Stored {
        node: NodeId,
        key: KeyId,
        hint_for: Option<NodeId>,
    },
    ReadRepair {
        op: u32,
        node: NodeId,
        key: KeyId,
    },
    HintStored {
        holder: NodeId,
        for_node: NodeId,
        key: KeyId,
    },
    HandedOff {
        holder: NodeId,
        for_node: NodeId,
        key: KeyId,
    },
    Merkle {
        xid: u32,
        step: MerkleStep,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    pub at_us: u64,
    #[serde(flatten)]
    pub ev: Ev,
}

/// One anti-entropy exchange, as the report lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    pub xid: u32,
    pub start_us: u64,
    pub end_us: Option<u64>,
    pub initiator: NodeId,
    pub peer: NodeId,
    pub depth: u32,
    pub hashes_compared: u64,
    pub keys: Vec<KeyId>,
    pub completed: bool,
    /// Set when the exchange was abandoned.
    pub abandoned: Option<AbandonReason>,
}

/// How much a run records. Replays from a checkpoint record nothing: the full run already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Trace events and every message.
    Full,
    /// Counts and anti-entropy exchanges only (the CLI without --trace, benchmarks).
    Summary,
    Off,
}

#[derive(Clone, Debug)]
pub struct Recording {
    pub level: Level,
    pub trace: Vec<TraceEvent>,
    pub messages: Vec<MsgRecord>,
    pub exchanges: Vec<Exchange>,
    /// Counted at every level but Off.
    pub events: u64,
    pub messages_sent: u64,
    /// The longest time any message spent in flight: bounds the scan for what is in flight.
    pub max_flight_us: u64,
}

impl Recording {
    pub fn new(level: Level) -> Recording {
        Recording {
            level,
            trace: Vec::new(),
            messages: Vec::new(),
            exchanges: Vec::new(),
            events: 0,
            messages_sent: 0,
            max_flight_us: 0,
        }
    }

    pub(crate) fn push(&mut self, at_us: u64, ev: Ev) {
        match self.level {
            Level::Off => return,
            Level::Summary => {}
            Level::Full => self.trace.push(TraceEvent { at_us, ev: ev.clone() }),
        }
        self.events += 1;
        if let Ev::Merkle { xid, step } = ev {
            self.on_merkle(at_us, xid, step);
        }
    }

    fn on_merkle(&mut self, at_us: u64, xid: u32, step: MerkleStep) {
        if let MerkleStep::Start { initiator, peer } = step {
            self.exchanges.push(Exchange {
                xid,
                start_us: at_us,
                end_us: None,
                initiator,
                peer,
                depth: 0,
                hashes_compared: 0,
                keys: vec![],
                completed: false,
                abandoned: None,
            });
            return;
        }
        // Exchanges are recorded in xid order, so the newest ones are at the end.
        let Some(x) = self.exchanges.iter_mut().rev().find(|x| x.xid == xid) else { return };
        match step {
            MerkleStep::Level { level, compared, .. } => {
                x.depth = x.depth.max(level);
                x.hashes_compared += compared as u64;
            }
            MerkleStep::Keys { keys } => x.keys = keys,
            MerkleStep::Done { .. } => {
                x.end_us = Some(at_us);
                x.completed = true;
            }
            MerkleStep::Abandoned { reason } => {
                x.end_us = Some(at_us);
                x.abandoned = Some(reason);
            }
            MerkleStep::Start { .. } => {}
        }
    }

    /// Index of the first trace event at or after `t_us`.
    pub fn first_at_or_after(&self, t_us: u64) -> usize {
        self.trace.partition_point(|e| e.at_us < t_us)
    }
}
