//! The sans-IO actor interface, below both the actors (`node.rs`, `client.rs`) and the world that
//! drives them (`sim.rs`), as in stateright's `Actor`. A handler gets one [`Input`] and a read-only
//! [`Ctx`], and pushes [`Cmd`]s; it never touches time, the network, the RNG or world counters.

use crate::ids::{Addr, ClientId, NodeId};
use crate::msg::Msg;
use crate::net::Faults;
use crate::setup::Setup;
use crate::trace::Ev;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Handoff,
    AeTick,
    /// Retransmission deadline of one anti-entropy step: (exchange, step).
    AeRetry(u32, u32),
    /// The operation with this index has run out of time.
    OpDeadline(u32),
}

/// One thing that happens to an actor.
#[derive(Debug)]
pub(crate) enum Input {
    /// A client starts the operation with this index (a scenario event).
    Start(u32),
    Message {
        from: Addr,
        msg: Msg,
    },
    Timer(Timer),
    /// The node comes back up after a crash (its data survived).
    Recovered,
}

/// What a handler asks the world to do.
#[derive(Debug)]
pub(crate) enum Cmd {
    Send {
        to: Addr,
        msg: Msg,
    },
    /// Fire `timer` at this actor at `at_us`.
    Timer {
        at_us: u64,
        timer: Timer,
    },
    Trace(Ev),
    /// Merkle hashes a handler computed (building a tree): the world meters them, because a
    /// round's cost grows with the keys two replicas share and the depth, not with the steps.
    Hashed(u64),
    /// Versions in a copy a handler just merged (stored, or a get's answer): metered as well,
    /// because merging siblings costs up to `MAX_SIBLINGS` versions, not one step.
    Merged(u64),
}

/// What a handler may look at.
pub(crate) struct Ctx<'a> {
    pub now_us: u64,
    /// The actor whose handler runs.
    pub me: Addr,
    pub setup: &'a Setup,
    /// The cluster's belief about faults, `detect_ms` behind reality.
    pub view: &'a Faults,
}

impl Ctx<'_> {
    /// The node whose handler runs; only node handlers ask.
    pub fn node(&self) -> NodeId {
        match self.me {
            Addr::Node(n) => n,
            Addr::Client(_) => unreachable!("a node handler runs for a node"),
        }
    }

    /// The client whose handler runs; only client handlers ask.
    pub fn client(&self) -> ClientId {
        match self.me {
            Addr::Client(c) => c,
            Addr::Node(_) => unreachable!("a client handler runs for a client"),
        }
    }
}
