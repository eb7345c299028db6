//! One sort for the whole program.
//!
//! Every `sort_unstable`/`sort_by_key` over a different element type is a separate copy of the
//! standard library's sorting code in the WebAssembly bundle (3–6 KB each; twelve of them made
//! up a seventh of the code). Here every sort goes through one: elements are ordered by a key
//! of at most 96 bits, packed with the element's index into a `u128`, and the packed keys are
//! sorted. The index in the low bits makes the sort stable and the order fully determined.

/// Keys must be below this (96 bits): the low 32 bits of the packed key hold the index.
pub const KEY_LIMIT: u128 = 1 << 96;

/// Sorts `v` stably by `key(x) < 2^96`.
pub fn sort_by_key<T: Clone>(v: &mut [T], key: impl Fn(&T) -> u128) {
    assert!(v.len() <= u32::MAX as usize, "sorting more than 2^32 elements");
    if v.len() < 2 {
        return;
    }
    let mut packed: Vec<u128> = v
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let k = key(x);
            assert!(k < KEY_LIMIT, "sort key above 96 bits");
            (k << 32) | i as u128
        })
        .collect();
    sort_packed(&mut packed);
    let old = v.to_vec();
    for (slot, p) in v.iter_mut().zip(&packed) {
        *slot = old[(*p as u32) as usize].clone();
    }
}

/// Sorts numbers (ids, times) ascending.
pub fn sort_u32(v: &mut [u32]) {
    sort_by_key(v, |x| u128::from(*x));
}

/// Sorts a short list (a key's sibling values) by insertion: quadratic, and a few dozen bytes of
/// code per element type instead of a few kilobytes.
pub fn sort_small<T: Ord>(v: &mut [T]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Sorts strings byte-wise (as `Ord` does): by their first 12 bytes through the one sort, then
/// each run of equal first bytes by insertion (100 siblings' values sorted by insertion alone
/// were a third of a report's time).
pub fn sort_strings<S: AsRef<str> + Ord + Clone>(v: &mut [S]) {
    let prefix =
        |s: &S| s.as_ref().bytes().chain(std::iter::repeat(0)).take(12).fold(0u128, |k, b| (k << 8) | u128::from(b));
    sort_by_key(v, prefix);
    let (mut from, mut run) = (0, v.first().map(prefix));
    for i in 1..=v.len() {
        let next = v.get(i).map(prefix);
        if next != run {
            sort_small(&mut v[from..i]);
            (from, run) = (i, next);
        }
    }
}

/// Sorts packed keys themselves (no index needed: equal keys are the same).
pub fn sort_keys(v: &mut [u128]) {
    sort_packed(v);
}

/// The only call into the standard library's sort.
#[inline(never)]
fn sort_packed(v: &mut [u128]) {
    v.sort_unstable();
}

/// A key that orders doubles as `f64::total_cmp` does.
pub fn f64_key(x: f64) -> u128 {
    let b = x.to_bits();
    u128::from(if b >> 63 == 1 { !b } else { b | (1 << 63) })
}

/// Two `u64` halves of a key: `hi` must be below 2^32 for the pair to fit in 96 bits.
pub fn pair(hi: u64, lo: u64) -> u128 {
    (u128::from(hi) << 64) | u128::from(lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_the_standard_stable_sort(v in proptest::collection::vec((0u32..20, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            sort_by_key(&mut ours, |x| u128::from(x.0));
            let mut std = v.clone();
            std.sort_by_key(|x| x.0);
            prop_assert_eq!(ours, std);
        }
    }

    proptest! {
        #[test]
        fn strings_as_ord_sorts_them(v in proptest::collection::vec("[ab\\x00é]{0,15}", 0..60)) {
            let mut ours = v.clone();
            sort_strings(&mut ours);
            let mut std = v;
            std.sort();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn doubles_in_total_order() {
        let original = vec![3.5, -0.0, f64::INFINITY, -2.0, 0.0, f64::NEG_INFINITY, 1e-300, -1e-300];
        let mut v = original.clone();
        sort_by_key(&mut v, |x| f64_key(*x));
        let mut std = original;
        std.sort_by(f64::total_cmp);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            std.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(v[0], f64::NEG_INFINITY);
    }

    #[test]
    fn short_lists() {
        let mut v = vec!["b".to_string(), "a".into(), "c".into(), "a".into()];
        sort_small(&mut v);
        assert_eq!(v, ["a", "a", "b", "c"]);
    }

    #[test]
    fn numbers_and_pairs() {
        let mut v = vec![5, 1, u32::MAX, 0, 3];
        sort_u32(&mut v);
        assert_eq!(v, vec![0, 1, 3, 5, u32::MAX]);
        let mut p = vec![(2u64, u64::MAX), (1, 7), (2, 0)];
        sort_by_key(&mut p, |x| pair(x.0, x.1));
        assert_eq!(p, vec![(1, 7), (2, 0), (2, u64::MAX)]);
    }

    #[test]
    #[should_panic(expected = "96 bits")]
    fn oversized_keys_are_refused() {
        sort_by_key(&mut [1u8, 2], |_| KEY_LIMIT);
    }
}
