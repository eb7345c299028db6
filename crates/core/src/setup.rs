//! Static facts derived from the scenario once, before the run: placement, shared key ranges,
//! periods in microseconds, and the order in which the scenario's events run.

use crate::data::Data;
use crate::ids::{ms_to_us, Addr, KeyId, NodeId};
use crate::merkle::{leaf_of, Tree};
use crate::ring::Ring;
use crate::scenario::{Event, Scenario};

/// A run stops after this many steps whatever the scenario says, so no input can hang it or
/// exhaust memory: the worst inputs found (README, "Caps") take about 5 µs and 400 bytes a step
/// natively, so a run costs at most seconds and a few hundred MB (at 1,000,000, anti-entropy
/// over 9,000 keys of 10 siblings took 4.5 s, 7 s with `--trace`). Lessons take under 10,000;
/// the tab stops at 400,000.
pub const MAX_STEPS: u64 = 500_000;

/// ... and once it has sent this many messages: one step can send hundreds (a put to N = 256
/// replicas), and every message waits in the queue until it is delivered, so 200,000 such puts
/// queued 51 million messages (13 GB) before the step cap was ever reached. Each message costs
/// about 330 bytes with the trace (queued, recorded, its trace events), so the cap keeps such a
/// run under 512 MiB (at 1,000,000 it took 548 MB); the benchmark's 100,000 operations send
/// about 600,000.
pub const MAX_MESSAGES: u64 = 800_000;

/// ... and once its replicas have computed this many Merkle hashes: a round of anti-entropy
/// builds trees over the keys two replicas share, so its cost is keys × depth, not one step
/// (10,000 keys at depth 16 on 8 nodes every 100 ms for an hour took over 200 s). A hash costs
/// about 50 ns natively here with the tree-building around it (fetching each key's copy): the
/// cap is about 1.5 s of it, and the worst runs found reach it in about 2 s with all else they do
/// (README, "Caps"; at 60,000,000 they took 3.5 to 5 s).
pub const MAX_MERKLE_HASHES: u64 = 30_000_000;

/// ... and once its gets have returned this many bytes of values: every get's values are
/// written in the report, so 100 siblings of 256-byte values read 99,900 times wrote 2.6 GB of
/// JSON in 21 s. 50 MB of values is a report of about that size, written in well under a second.
pub const MAX_RETURNED_BYTES: u64 = 50_000_000;

/// ... or this many values: the checker and the verdicts look at every value every get returned,
/// with its causal context (64 writers chaining get-then-put on one key, 100,000 operations
/// returning 3.2 million values, took 5.5 s; 25 keys × 4,000 sibling operations returning 4.9
/// million, 3.6 s). Lessons return under 20.
pub const MAX_RETURNED_VALUES: u64 = 2_000_000;

/// ... or once its replicas have stored, and its clients merged, copies holding this many
/// versions in all: a merge of siblings costs up to `MAX_SIBLINGS` versions, so 1,550 puts of
/// one key at one instant to 256 replicas merged 40 million versions (6–7 s here) within every
/// other cap. Without siblings each copy is one version, so the cap is never near (the
/// benchmark's 100,000 operations on N = 3 merge about 400,000). At 10,000,000, 64 clients
/// racing on 24 keys with siblings (98,304 operations) took 2 s to simulate and as long again to
/// check: each merged version becomes values returned, checked and judged.
pub const MAX_MERGED_VERSIONS: u64 = 4_000_000;

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
    /// The keys each node is a home replica of, in key order: anti-entropy builds a tree from
    /// them at every message, so it costs the node's share of the keys, not all of them.
    pub home_keys: Vec<Vec<KeyId>>,
    /// The same, in ring-position order (ties by key id): a tree is built from them unsorted.
    pub home_keys_by_pos: Vec<Vec<KeyId>>,
    /// Anti-entropy peers of every node: nodes it is a home replica with for some key.
    pub peers: Vec<Vec<NodeId>>,
    pub timeout_us: u64,
    pub detect_us: u64,
    pub handoff_us: u64,
    pub ae_period_us: Option<u64>,
    /// Put op -> value it writes, and value -> put op.
    pub put_of_value: Vec<u32>,
    /// Events in the order they run: by time, then file order (those waiting for an operation
    /// are not here: they are in `after_op`).
    pub order: Vec<u32>,
    /// The run stops after this many steps (`MAX_STEPS`, lower only in tests).
    pub max_steps: u64,
    /// ... or once it has sent this many messages (`MAX_MESSAGES`, lower only in tests).
    pub max_messages: u64,
    /// ... or once its replicas have computed this many Merkle hashes (`MAX_MERKLE_HASHES`).
    pub max_merkle_hashes: u64,
    /// ... or once its gets have returned this many bytes of values (`MAX_RETURNED_BYTES`).
    pub max_returned_bytes: u64,
    /// ... or once it has run this many steps where keeping checkpoints for seeking would need
    /// them further apart than the run allows (`Sim::with_checkpoint_spacing_cap`: the tab).
    pub max_seekable_steps: u64,
    /// ... or this many values (`MAX_RETURNED_VALUES`).
    pub max_returned_values: u64,
    /// ... or once replicas and clients have merged this many versions (`MAX_MERGED_VERSIONS`).
    pub max_merged_versions: u64,
    /// By op: the events that start a set time after it completes, in file order.
    pub after_op: Vec<Vec<u32>>,
    /// The links by (from, to), each pair's first in the file: a message's latency is looked up
    /// here rather than through the list.
    links_by_pair: Vec<(u128, u32)>,
}

/// A (from, to) pair as one sortable number: nodes first, then clients.
fn pair_key(from: Addr, to: Addr) -> u128 {
    let n = |a: Addr| match a {
        Addr::Node(n) => u64::from(n),
        Addr::Client(c) => crate::scenario::MAX_NODES as u64 + u64::from(c),
    };
    crate::order::pair(n(from), n(to))
}

impl Setup {
    pub fn new(sc: Scenario) -> Setup {
        let mut links_by_pair: Vec<(u128, u32)> =
            sc.links.iter().enumerate().map(|(i, l)| (pair_key(l.from, l.to), i as u32)).collect();
        // Sorted by pair, file order kept within a pair (the sort is stable): the first one stays.
        crate::order::sort_by_key(&mut links_by_pair, |l| l.0);
        links_by_pair.dedup_by_key(|l| l.0);
        let names: Vec<&str> = sc.nodes.iter().map(|n| n.name.as_str()).collect();
        let ring = Ring::new(&names, sc.repl.vnodes);
        let pref: Vec<Vec<NodeId>> = (0..sc.keys.len())
            .map(|k| match sc.pinned.binary_search_by_key(&(k as KeyId), |p| p.0) {
                Ok(i) => sc.pinned[i].1.clone(),
                Err(_) => ring.preference_list(&sc.keys[k]),
            })
            .collect();
        let key_pos: Vec<u64> = sc.keys.iter().map(|k| Ring::key_position(k)).collect();
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
        let mut home_keys: Vec<Vec<KeyId>> = vec![Vec::new(); sc.nodes.len()];
        let mut is_peer = vec![vec![false; sc.nodes.len()]; sc.nodes.len()];
        for (k, homes) in is_home.iter().enumerate() {
            let homes: Vec<usize> = (0..homes.len()).filter(|&x| homes[x]).collect();
            for &a in &homes {
                home_keys[a].push(k as KeyId);
                for &b in &homes {
                    is_peer[a][b] |= a != b;
                }
            }
        }
        let home_keys_by_pos: Vec<Vec<KeyId>> = home_keys
            .iter()
            .map(|ks| {
                let mut ks = ks.clone();
                crate::order::sort_by_key(&mut ks, |k| u128::from(key_pos[*k as usize]));
                ks
            })
            .collect();
        let peers: Vec<Vec<NodeId>> =
            is_peer.iter().map(|row| (0..row.len()).filter(|&b| row[b]).map(|b| b as NodeId).collect()).collect();
        let mut put_of_value = vec![u32::MAX; sc.values.len()];
        for te in &sc.events {
            if let Event::Put { value, op, .. } = te.event {
                put_of_value[value as usize] = op;
            }
        }
        // Run order: by time, then file order (the sort is stable).
        let mut after_op = vec![Vec::new(); sc.op_count as usize];
        let mut order: Vec<u32> = Vec::with_capacity(sc.events.len());
        for (i, te) in sc.events.iter().enumerate() {
            match te.after {
                Some((op, _)) => after_op[op as usize].push(i as u32),
                None => order.push(i as u32),
            }
        }
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
            home_keys,
            home_keys_by_pos,
            peers,
            put_of_value,
            order,
            max_steps: MAX_STEPS,
            max_messages: MAX_MESSAGES,
            max_merkle_hashes: MAX_MERKLE_HASHES,
            max_returned_bytes: MAX_RETURNED_BYTES,
            max_seekable_steps: u64::MAX,
            max_returned_values: MAX_RETURNED_VALUES,
            max_merged_versions: MAX_MERGED_VERSIONS,
            after_op,
            links_by_pair,
        }
    }

    /// The latency override of messages from `from` to `to`: the file's first such link.
    pub fn link(&self, from: Addr, to: Addr) -> Option<&crate::scenario::Link> {
        let key = pair_key(from, to);
        let i = self.links_by_pair.binary_search_by_key(&key, |l| l.0).ok()?;
        Some(&self.sc.links[self.links_by_pair[i].1 as usize])
    }

    /// Keys for which both nodes are home replicas, in key order.
    pub fn shared_keys(&self, a: NodeId, b: NodeId) -> impl Iterator<Item = KeyId> + '_ {
        self.home_keys[a as usize].iter().copied().filter(move |k| self.is_home[*k as usize][b as usize])
    }

    /// The Merkle tree two replicas compare: over the keys they are both home replicas of, built
    /// from one side's copies (`store` is indexed by key id).
    pub fn shared_tree<'a>(&self, store: impl Fn(KeyId) -> Option<&'a Data>, a: NodeId, b: NodeId) -> Tree {
        self.shared_tree_under(store, a, b, &[1])
    }

    /// [`Setup::shared_tree`] built from only the keys below the nodes `under` (heap indices of
    /// one level, sorted): the hashes of those nodes and of every node below them are the whole
    /// tree's; the nodes above them cover only part of their keys and must not be read. An
    /// exchange goes down only where hashes differed, so a step costs the keys below those
    /// nodes, not every key the two share (each step of a depth-16 exchange rebuilt the whole
    /// tree on both sides).
    pub fn shared_tree_under<'a>(
        &self,
        store: impl Fn(KeyId) -> Option<&'a Data>,
        a: NodeId,
        b: NodeId,
        under: &[u32],
    ) -> Tree {
        debug_assert!(under.windows(2).all(|w| w[0] < w[1]), "nodes sorted, each once");
        debug_assert!(under.windows(2).all(|w| w[0].ilog2() == w[1].ilog2()), "nodes of one level");
        let depth = self.sc.repl.merkle_depth;
        let keys = &self.home_keys_by_pos[a as usize];
        let leaf = |k: &KeyId| leaf_of(self.key_pos[*k as usize], depth);
        // The leaves below a node are one run of leaves, so one run of the keys in ring order,
        // and the runs of one level's nodes in index order follow one another in ring order.
        let mut items = Vec::new();
        for &idx in under {
            let Some((lo, hi)) = leaves_below(idx, depth) else { continue };
            let start = keys.partition_point(|k| leaf(k) < lo);
            let end = start + keys[start..].partition_point(|k| leaf(k) < hi);
            let shared = keys[start..end].iter().filter(|k| self.is_home[**k as usize][b as usize]);
            items.extend(shared.filter_map(|k| store(*k).map(|d| (self.key_pos[*k as usize], d.digest()))));
        }
        Tree::build_sorted(depth, items)
    }

    pub fn home(&self, key: KeyId) -> &[NodeId] {
        &self.pref[key as usize][..self.sc.repl.n as usize]
    }
}

/// The leaves `lo..hi` below heap index `idx` in a tree of `depth` (`None` if `idx` is not a node).
fn leaves_below(idx: u32, depth: u32) -> Option<(u32, u32)> {
    const _: () = assert!(crate::scenario::MAX_MERKLE_DEPTH < 32, "leaf numbers fit a u32");
    let level = idx.checked_ilog2()?;
    if level > depth {
        return None;
    }
    let lo = (idx - (1 << level)) << (depth - level);
    Some((lo, lo + (1 << (depth - level))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part of a shared tree built under some nodes of one level has, at those nodes and
    /// below, exactly the whole tree's hashes: tried on every level of trees over copies held by
    /// random subsets of keys, with random sets of nodes.
    #[test]
    fn a_tree_built_under_some_nodes_has_the_whole_trees_hashes_there() {
        let mut next = crate::testruns::below(7);
        for depth in [1u32, 3, 6] {
            let keys: Vec<String> =
                (0..120).map(|k| format!(r#"{{"at_ms": 0, "client": "c", "put": "k{k}", "value": "v"}}"#)).collect();
            let text = format!(
                r#"{{"nodes": ["A", "B", "C", "D", "E"], "replication": {{"n": 3, "merkle_depth": {depth}}}, "events": [{}]}}"#,
                keys.join(", ")
            );
            let (_, sc) = crate::scenario::parse(&text).unwrap();
            let setup = Setup::new(sc);
            let copies: Vec<Option<Data>> =
                (0..120).map(|v| (next(4) != 0).then_some(Data::Arrival { value: v as crate::ids::ValueId })).collect();
            let store = |k: KeyId| copies[k as usize].as_ref();
            for (a, b) in [(0, 1), (1, 0), (2, 4), (3, 0)] {
                let whole = setup.shared_tree(store, a, b);
                for level in 0..=depth {
                    let nodes: Vec<u32> = ((1u32 << level)..(2u32 << level)).filter(|_| next(3) != 0).collect();
                    let part = setup.shared_tree_under(store, a, b, &nodes);
                    assert!(part.hashes() <= whole.hashes());
                    for &n in &nodes {
                        for below in 0..=depth - level {
                            let first = n << below;
                            for i in first..first + (1 << below) {
                                assert_eq!(part.hash(i), whole.hash(i), "depth {depth}, node {i} under {n}");
                            }
                        }
                    }
                }
            }
        }
    }
}
