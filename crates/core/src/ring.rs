//! Consistent hashing: each node owns `vnodes` tokens on a 64-bit ring; a key's preference list is
//! the distinct physical nodes met walking clockwise from the key's hash (repeats of a physical
//! node skipped, as in Dynamo and Riak). The first N are home replicas, the rest fallbacks.

use crate::hash::hash_str;
use crate::ids::NodeId;

#[derive(Clone, Debug)]
pub struct Ring {
    /// (token, node), sorted by token then node so that equal tokens still order deterministically.
    tokens: Vec<(u64, NodeId)>,
    nodes: usize,
}

impl Ring {
    pub fn new(node_names: &[&str], vnodes: u32) -> Ring {
        let mut tokens = Vec::with_capacity(node_names.len() * vnodes as usize);
        for (i, name) in node_names.iter().enumerate() {
            for v in 0..vnodes {
                tokens.push((hash_str(&format!("{name}#{v}")), i as NodeId));
            }
        }
        crate::order::sort_by_key(&mut tokens, |&(h, n)| (u128::from(h) << 32) | u128::from(n));
        Ring { tokens, nodes: node_names.len() }
    }

    /// Position of a key on the ring.
    pub fn key_position(key: &str) -> u64 {
        hash_str(key)
    }

    /// Every node, in preference order for this key.
    pub fn preference_list(&self, key: &str) -> Vec<NodeId> {
        let pos = Self::key_position(key);
        let start = self.tokens.partition_point(|(t, _)| *t < pos);
        let mut seen = vec![false; self.nodes];
        let mut out = Vec::with_capacity(self.nodes);
        for i in 0..self.tokens.len() {
            let (_, n) = self.tokens[(start + i) % self.tokens.len()];
            if !seen[n as usize] {
                seen[n as usize] = true;
                out.push(n);
                if out.len() == self.nodes {
                    break;
                }
            }
        }
        out
    }

    /// Tokens as fractions of the ring (0..1), for drawing.
    pub fn token_fractions(&self) -> Vec<(f64, NodeId)> {
        self.tokens.iter().map(|(t, n)| (*t as f64 / u64::MAX as f64, *n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_lists_are_permutations_and_stable() {
        let names = ["A", "B", "C", "D", "E"];
        let ring = Ring::new(&names, 8);
        for k in ["cart", "x", "user:42"] {
            let p = ring.preference_list(k);
            let mut sorted = p.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
            assert_eq!(p, Ring::new(&names, 8).preference_list(k));
        }
    }

    #[test]
    fn keys_spread_over_nodes() {
        let names: Vec<String> = (0..8).map(|i| format!("n{i}")).collect();
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let ring = Ring::new(&refs, 16);
        let mut first = [0u32; 8];
        for i in 0..4000 {
            first[ring.preference_list(&format!("key{i}"))[0] as usize] += 1;
        }
        // Every node is the first home replica of a fair share (500 expected) within a wide margin.
        assert!(first.iter().all(|&c| (200..900).contains(&c)), "{first:?}");
    }

    #[test]
    fn adding_a_node_moves_few_keys() {
        let a = Ring::new(&["A", "B", "C", "D"], 16);
        let b = Ring::new(&["A", "B", "C", "D", "E"], 16);
        let moved = (0..2000)
            .filter(|i| {
                let k = format!("k{i}");
                let pa = a.preference_list(&k)[0];
                let pb = b.preference_list(&k)[0];
                pa != pb && pb != 4
            })
            .count();
        // Consistent hashing: keys only move to the new node, never between old ones.
        assert_eq!(moved, 0);
    }
}
