//! Binary Merkle trees over the key space, as replicas use for anti-entropy.
//!
//! A tree of depth d has 2^d leaves; a key falls in the leaf named by the top d bits of its ring
//! position. Nodes are stored heap-style: index 1 is the root, node i has children 2i and 2i+1,
//! level l holds indices 2^l .. 2^(l+1). An empty subtree hashes to 0, so two replicas with no
//! keys in a range agree without hashing anything.

use crate::hash::hash_u64s;

/// A tree kept sparse: only its non-empty nodes, so building and reading one costs in proportion
/// to the keys it covers (k keys: at most k × (depth + 1) nodes), never to its 2^depth leaves. A
/// depth-16 tree over three keys is 51 hashes, not 131,072.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    pub depth: u32,
    /// The non-empty nodes as (heap index, hash), sorted by index.
    nodes: Vec<(u32, u64)>,
}

pub fn leaf_of(key_pos: u64, depth: u32) -> u32 {
    (key_pos >> (64 - depth)) as u32
}

impl Tree {
    /// `items`: (key position, digest of the stored copy), in a fixed order (key id order).
    pub fn build(depth: u32, items: impl IntoIterator<Item = (u64, u64)>) -> Tree {
        // Sort by leaf, then by ring position within a leaf (both replicas order a leaf the same
        // way), then hash each run.
        let mut items: Vec<(u64, u64)> = items.into_iter().collect();
        // The leaf is the top bits of the position, so ordering by position orders by leaf.
        crate::order::sort_by_key(&mut items, |&(p, _)| u128::from(p));
        Tree::build_sorted(depth, items)
    }

    /// [`Tree::build`] of items already in ring-position order (ties in a fixed order).
    pub fn build_sorted(depth: u32, items: impl IntoIterator<Item = (u64, u64)>) -> Tree {
        assert!((1..=crate::scenario::MAX_MERKLE_DEPTH).contains(&depth));
        let first_leaf = 1u32 << depth;
        let items: Vec<(u32, u64, u64)> = items.into_iter().map(|(p, d)| (leaf_of(p, depth), p, d)).collect();
        debug_assert!(items.windows(2).all(|w| w[0].1 <= w[1].1), "items in ring-position order");
        let mut level: Vec<(u32, u64)> = Vec::new();
        let mut buf: Vec<u64> = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let leaf = items[i].0;
            buf.clear();
            while i < items.len() && items[i].0 == leaf {
                buf.extend([items[i].1, items[i].2]);
                i += 1;
            }
            level.push((first_leaf + leaf, hash_u64s(&buf)));
        }
        // Up one level at a time: a parent of non-empty children hashes both (an empty one is 0).
        // Each level is in index order and lies below the next one's indices, so the levels
        // joined from the root down are the nodes sorted by index.
        let mut levels: Vec<Vec<(u32, u64)>> = Vec::with_capacity(depth as usize + 1);
        for _ in 0..depth {
            let mut up: Vec<(u32, u64)> = Vec::with_capacity(level.len());
            let mut j = 0;
            while j < level.len() {
                let (idx, h) = level[j];
                let sibling = level.get(j + 1).filter(|n| idx % 2 == 0 && n.0 == idx + 1).map(|n| n.1);
                let (left, right) = if idx % 2 == 0 { (h, sibling.unwrap_or(0)) } else { (0, h) };
                j += if sibling.is_some() { 2 } else { 1 };
                up.push((idx / 2, hash_u64s(&[left, right])));
            }
            levels.push(std::mem::replace(&mut level, up));
        }
        levels.push(level);
        let mut nodes: Vec<(u32, u64)> = Vec::with_capacity(levels.iter().map(Vec::len).sum());
        for l in levels.iter().rev() {
            nodes.extend_from_slice(l);
        }
        debug_assert!(nodes.windows(2).all(|w| w[0].0 < w[1].0));
        Tree { depth, nodes }
    }

    /// The hash of the node at heap index `idx`: 0 for an empty subtree.
    pub fn hash(&self, idx: u32) -> u64 {
        self.nodes.binary_search_by_key(&idx, |n| n.0).map_or(0, |i| self.nodes[i].1)
    }

    /// Hashes computed to build it: one per non-empty node.
    pub fn hashes(&self) -> u64 {
        self.nodes.len() as u64
    }

    pub fn root(&self) -> u64 {
        self.hash(1)
    }

    pub fn leaves(&self) -> u64 {
        1u64 << self.depth
    }

    pub fn is_leaf(&self, idx: u32) -> bool {
        idx as u64 >= self.leaves()
    }

    /// Leaf number (0..2^d) of a leaf's heap index.
    pub fn leaf_number(&self, idx: u32) -> u32 {
        idx - (1u32 << self.depth)
    }
}

/// The result of comparing two trees top-down.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Comparison {
    pub hashes_compared: u64,
    /// Heap indices of differing internal nodes, top-down.
    pub differing_internal: Vec<u32>,
    /// Leaf numbers that differ.
    pub differing_leaves: Vec<u32>,
}

/// Compares the way the protocol does: the root first, then both children of every internal node
/// whose hashes differ. Costs 1 + 2 × (differing internal nodes) hashes.
pub fn compare(a: &Tree, b: &Tree) -> Comparison {
    assert_eq!(a.depth, b.depth);
    let mut c = Comparison::default();
    let mut frontier = vec![1u32];
    c.hashes_compared = 1;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for idx in frontier {
            if a.hash(idx) == b.hash(idx) {
                continue;
            }
            if a.is_leaf(idx) {
                c.differing_leaves.push(a.leaf_number(idx));
            } else {
                c.differing_internal.push(idx);
                c.hashes_compared += 2;
                next.extend([2 * idx, 2 * idx + 1]);
            }
        }
        frontier = next;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 keys spread over the ring, with digest = key number.
    fn items(n: u64) -> Vec<(u64, u64)> {
        (0..n).map(|i| (crate::hash::hash_u64s(&[i]), i)).collect()
    }

    /// The dense tree the sparse one must equal, node for node.
    fn dense(depth: u32, items: &[(u64, u64)]) -> Vec<u64> {
        let leaves = 1usize << depth;
        let mut sorted = items.to_vec();
        sorted.sort_by_key(|x| x.0);
        let mut h = vec![0u64; 2 * leaves];
        for leaf in 0..leaves {
            let buf: Vec<u64> = sorted
                .iter()
                .filter(|(p, _)| leaf_of(*p, depth) as usize == leaf)
                .flat_map(|(p, d)| [*p, *d])
                .collect();
            if !buf.is_empty() {
                h[leaves + leaf] = hash_u64s(&buf);
            }
        }
        for i in (1..leaves).rev() {
            h[i] = if h[2 * i] == 0 && h[2 * i + 1] == 0 { 0 } else { hash_u64s(&[h[2 * i], h[2 * i + 1]]) };
        }
        h
    }

    #[test]
    fn the_sparse_tree_equals_the_dense_one_node_for_node() {
        for (depth, n) in [(1, 0), (1, 3), (4, 1), (4, 40), (10, 200), (12, 7)] {
            let its = items(n);
            let t = Tree::build(depth, its.clone());
            let d = dense(depth, &its);
            for (idx, want) in d.iter().enumerate().skip(1) {
                assert_eq!(t.hash(idx as u32), *want, "depth {depth}, {n} keys, node {idx}");
            }
            assert!(t.nodes.len() <= n as usize * (depth as usize + 1), "sparse: {} nodes", t.nodes.len());
        }
    }

    #[test]
    fn equal_trees_cost_one_hash() {
        let a = Tree::build(10, items(200));
        let c = compare(&a, &a.clone());
        assert_eq!(c.hashes_compared, 1);
        assert!(c.differing_leaves.is_empty());
    }

    #[test]
    fn one_differing_key_costs_one_plus_two_depth() {
        for depth in [1, 4, 10, 16] {
            let a = Tree::build(depth, items(200));
            let mut it = items(200);
            it[37].1 = 999_999;
            let b = Tree::build(depth, it);
            let c = compare(&a, &b);
            assert_eq!(c.hashes_compared, 1 + 2 * depth as u64, "depth {depth}");
            assert_eq!(c.differing_leaves, vec![leaf_of(items(200)[37].0, depth)]);
        }
    }

    #[test]
    fn several_keys_cost_one_plus_two_per_internal_node_above_them() {
        let depth = 10;
        let base = items(300);
        let mut changed = base.clone();
        for i in [3, 50, 51, 120, 299] {
            changed[i].1 += 1_000_000;
        }
        let (a, b) = (Tree::build(depth, base.clone()), Tree::build(depth, changed));
        let c = compare(&a, &b);
        // Count the internal nodes above the differing leaves independently: the distinct
        // ancestors of each leaf's heap index.
        let mut ancestors = std::collections::BTreeSet::new();
        for &leaf in &c.differing_leaves {
            let mut i = (1u32 << depth) + leaf;
            while i > 1 {
                i /= 2;
                ancestors.insert(i);
            }
        }
        assert_eq!(c.hashes_compared, 1 + 2 * ancestors.len() as u64);
        assert_eq!(c.differing_internal.len(), ancestors.len());
        let mut want: Vec<u32> = [3, 50, 51, 120, 299].iter().map(|&i| leaf_of(base[i].0, depth)).collect();
        want.sort();
        want.dedup();
        let mut got = c.differing_leaves.clone();
        got.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn a_key_missing_on_one_side_is_found() {
        let a = Tree::build(6, items(10));
        let b = Tree::build(6, items(9));
        let c = compare(&a, &b);
        assert_eq!(c.differing_leaves, vec![leaf_of(items(10)[9].0, 6)]);
        assert_eq!(c.hashes_compared, 13);
    }
}
