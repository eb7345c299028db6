//! Binary Merkle trees over the key space, as replicas use for anti-entropy.
//!
//! A tree of depth d has 2^d leaves; a key falls in the leaf named by the top d bits of its ring
//! position. Nodes are stored heap-style: index 1 is the root, node i has children 2i and 2i+1,
//! level l holds indices 2^l .. 2^(l+1). An empty subtree hashes to 0, so two replicas with no
//! keys in a range agree without hashing anything.

use crate::hash::hash_u64s;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    pub depth: u32,
    /// Heap-ordered hashes; index 0 unused.
    pub hashes: Vec<u64>,
}

pub fn leaf_of(key_pos: u64, depth: u32) -> u32 {
    (key_pos >> (64 - depth)) as u32
}

impl Tree {
    /// `items`: (key position, digest of the stored copy), in a fixed order (key id order).
    pub fn build(depth: u32, items: impl IntoIterator<Item = (u64, u64)>) -> Tree {
        assert!((1..=crate::scenario::MAX_MERKLE_DEPTH).contains(&depth));
        let leaves = 1usize << depth;
        // Sort by leaf, then by ring position within a leaf (both replicas order a leaf the same
        // way), then hash each run: one allocation for the whole tree instead of one per leaf.
        let mut items: Vec<(u32, u64, u64)> = items.into_iter().map(|(p, d)| (leaf_of(p, depth), p, d)).collect();
        // The leaf is the top bits of the position, so ordering by position orders by leaf.
        crate::order::sort_by_key(&mut items, |&(_, p, _)| u128::from(p));
        let mut hashes = vec![0u64; 2 * leaves];
        let mut buf: Vec<u64> = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let leaf = items[i].0;
            buf.clear();
            while i < items.len() && items[i].0 == leaf {
                buf.extend([items[i].1, items[i].2]);
                i += 1;
            }
            hashes[leaves + leaf as usize] = hash_u64s(&buf);
        }
        for i in (1..leaves).rev() {
            let (a, b) = (hashes[2 * i], hashes[2 * i + 1]);
            hashes[i] = if a == 0 && b == 0 { 0 } else { hash_u64s(&[a, b]) };
        }
        Tree { depth, hashes }
    }

    pub fn root(&self) -> u64 {
        self.hashes[1]
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
            if a.hashes[idx as usize] == b.hashes[idx as usize] {
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
