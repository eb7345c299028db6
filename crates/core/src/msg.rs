//! What actors say to each other. Every message a node or client sends is one of these; the
//! world moves them, the trace records them, the app draws them by [`MsgKind`].

use crate::data::Data;
use crate::ids::{KeyId, NodeId};
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
    /// Last, so the kinds before it keep their indices (and every earlier run its bytes).
    RepairAck,
}

impl MsgKind {
    pub const ALL: [MsgKind; 9] = [
        MsgKind::Put,
        MsgKind::PutAck,
        MsgKind::Get,
        MsgKind::GetReply,
        MsgKind::ReadRepair,
        MsgKind::Handoff,
        MsgKind::HandoffAck,
        MsgKind::Merkle,
        MsgKind::RepairAck,
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
            MsgKind::RepairAck => "repair_ack",
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
    /// The replica's answer to a put: `stored`, or refused because the key already has
    /// `MAX_SIBLINGS` versions (as Riak refuses writes past `max_siblings`).
    PutAck {
        op: u32,
        key: KeyId,
        stored: bool,
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
    /// `ack`: the get is waiting for this repair (blocking read repair), so the replica answers.
    ReadRepair {
        op: u32,
        key: KeyId,
        data: Data,
        hint_for: Option<NodeId>,
        ack: bool,
    },
    /// A replica took a blocking read repair (merged it into its copy).
    RepairAck {
        op: u32,
        key: KeyId,
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
            Msg::RepairAck { .. } => MsgKind::RepairAck,
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
            | Msg::ReadRepair { op, .. }
            | Msg::RepairAck { op, .. } => Some(*op),
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
            | Msg::RepairAck { key, .. }
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

#[cfg(test)]
mod tests {
    use super::MsgKind;

    #[test]
    fn the_file_names_the_kinds_in_this_order() {
        // `network.latency_by_kind_ms` is read by these names and indexed by `kind as usize`.
        let names: Vec<&str> = MsgKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, crate::scenario::MESSAGE_KINDS);
        assert!(MsgKind::ALL.iter().enumerate().all(|(i, k)| *k as usize == i));
    }
}
