//! The network and its faults, in one place (as turmoil's topology is): who is up, who can reach
//! whom, how long a message takes, and whether it arrives. The world asks [`send`] when a message
//! leaves and [`arrival`] when it is due; nothing else decides a message's fate.

use crate::ids::Addr;
use crate::msg::MsgKind;
use crate::rng::Rng;
use crate::setup::Setup;
use crate::trace::{DropReason, FaultWhat};

/// Who is up and who can talk to whom — either as things are, or as the cluster believes.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    pub up: Vec<bool>,
    /// Partition group of every actor (nodes first, then clients); all 0 when healed.
    pub group: Vec<u16>,
}

impl Faults {
    pub(crate) fn new(nodes: usize, actors: usize) -> Faults {
        Faults { up: vec![true; nodes], group: vec![0; actors] }
    }

    pub fn reachable(&self, s: &Setup, a: Addr, b: Addr) -> bool {
        let up = |x: Addr| match x {
            Addr::Node(n) => self.up[n as usize],
            Addr::Client(_) => true,
        };
        up(a) && up(b) && self.group[s.sc.slot(a)] == self.group[s.sc.slot(b)]
    }

    pub(crate) fn apply(&mut self, w: &FaultWhat) {
        match w {
            FaultWhat::Crash { nodes } => nodes.iter().for_each(|n| self.up[*n as usize] = false),
            FaultWhat::Recover { nodes } => nodes.iter().for_each(|n| self.up[*n as usize] = true),
            FaultWhat::Partition { groups } => self.group.clone_from(groups),
            FaultWhat::Heal => self.group.iter_mut().for_each(|g| *g = 0),
        }
    }
}

/// A message's journey as decided when it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flight {
    /// When it would reach the receiver.
    pub arrive_us: u64,
    /// When it is lost on the way, if it is: halfway along its flight, so it is drawn travelling
    /// at its real speed and stopping where it was lost.
    pub lost_at_us: Option<u64>,
}

impl Flight {
    /// When the world next looks at the message: its arrival, or the moment it is lost.
    pub fn due_us(&self) -> u64 {
        self.lost_at_us.unwrap_or(self.arrive_us)
    }
}

/// Decides, when a message leaves, how long it takes and whether it is lost. Draws from the RNG in
/// a fixed order (latency, then loss), so a seed means the same run everywhere.
pub(crate) fn send(s: &Setup, rng: &mut Rng, now_us: u64, from: Addr, to: Addr, kind: MsgKind) -> Flight {
    let latency_us = latency_us(s, rng, from, to, kind);
    let lost = rng.chance(s.sc.loss);
    Flight { arrive_us: now_us + latency_us, lost_at_us: lost.then_some(now_us + latency_us / 2) }
}

/// Decides, when a message is due, whether it is delivered: lost on the way, or dropped because
/// the receiver is down or on the other side of a partition *now* (not when it was sent).
pub(crate) fn arrival(s: &Setup, actual: &Faults, flight: &Flight, from: Addr, to: Addr) -> Option<DropReason> {
    if flight.lost_at_us.is_some() {
        Some(DropReason::Lost)
    } else if matches!(to, Addr::Node(n) if !actual.up[n as usize]) {
        Some(DropReason::NodeDown)
    } else if actual.group[s.sc.slot(from)] != actual.group[s.sc.slot(to)] {
        Some(DropReason::Partition)
    } else {
        None
    }
}

/// A link's own latency if one is declared; otherwise the message kind's (if the network gives
/// one) or the network's, plus the crossing between datacenters.
fn latency_us(s: &Setup, rng: &mut Rng, from: Addr, to: Addr, kind: MsgKind) -> u64 {
    if let Some(l) = s.link(from, to) {
        return l.latency.sample_us(rng);
    }
    let base = s.sc.kind_latency[kind as usize].as_ref().unwrap_or(&s.sc.latency).sample_us(rng);
    if s.sc.dc_of(from) != s.sc.dc_of(to) {
        base + s.sc.between_dcs_us
    } else {
        base
    }
}
