//! The state of the cluster at one instant, as the app draws it: what each node holds, its hints,
//! and the faults (real and believed). Taken from a world; never a reference into one.

use crate::data::Data;
use crate::ids::{KeyId, NodeId};
use crate::merkle::Tree;
use crate::net::Faults;
use crate::setup::Setup;
use crate::sim::World;

/// What one node holds at some instant, for drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSnap {
    pub up: bool,
    pub store: Vec<(KeyId, Data)>,
    /// (intended replica, key, data).
    pub hints: Vec<(NodeId, KeyId, Data)>,
    /// Root of the node's Merkle tree over everything it stores; 0 when anti-entropy is off
    /// (nothing compares trees then, and building 64 of them per frame is not free).
    pub merkle_root: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub at_us: u64,
    pub nodes: Vec<NodeSnap>,
    pub actual: Faults,
    pub view: Faults,
}

impl Snapshot {
    pub fn of(s: &Setup, w: &World) -> Snapshot {
        let depth = s.sc.repl.merkle_depth;
        let nodes = w
            .nodes
            .iter()
            .map(|n| {
                let store: Vec<(KeyId, Data)> = n
                    .store
                    .iter()
                    .enumerate()
                    .filter_map(|(k, d)| d.as_deref().cloned().map(|d| (k as KeyId, d)))
                    .collect();
                let root = if s.ae_period_us.is_some() {
                    Tree::build(depth, store.iter().map(|(k, d)| (s.key_pos[*k as usize], d.digest()))).root()
                } else {
                    0
                };
                NodeSnap {
                    up: n.up,
                    hints: n.hints.iter().map(|((h, k), d)| (*h, *k, d.clone())).collect(),
                    store,
                    merkle_root: root,
                }
            })
            .collect();
        Snapshot { at_us: w.now, nodes, actual: w.actual.clone(), view: w.view.clone() }
    }
}
