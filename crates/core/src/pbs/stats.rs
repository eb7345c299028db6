//! From trials to numbers: nearest-rank percentiles and the consistency curve, in integers until
//! the last division (so native and wasm agree to the bit).

use crate::order::sort_by_key;

/// A percentile level as an exact fraction (99.9 % = 999/1000), with its name in the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    pub name: &'static str,
    pub num: u64,
    pub den: u64,
}

pub const P50: Level = Level { name: "50", num: 1, den: 2 };
pub const P90: Level = Level { name: "90", num: 9, den: 10 };
pub const P99: Level = Level { name: "99", num: 99, den: 100 };
pub const P999: Level = Level { name: "99.9", num: 999, den: 1000 };

/// The levels of the latency percentiles, and those of t-visibility.
pub const LATENCY_LEVELS: [Level; 3] = [P50, P99, P999];
pub const VISIBILITY_LEVELS: [Level; 3] = [P90, P99, P999];

/// 0-based index of the nearest-rank percentile of `n` sorted values: rank ceil(p·n).
pub fn rank_index(n: usize, l: Level) -> usize {
    let n = n as u64;
    ((n * l.num).div_ceil(l.den)).max(1) as usize - 1
}

pub fn sort_u64(v: &mut [u64]) {
    sort_by_key(v, |x| u128::from(*x));
}

/// Sorts thresholds (which may be negative) ascending.
pub fn sort_i64(v: &mut [i64]) {
    sort_by_key(v, |x| u128::from((*x as u64) ^ (1 << 63)));
}

/// Fraction of sorted thresholds at or below `t_us`: the read is consistent from its threshold on.
pub fn consistent_at(sorted_from_us: &[i64], t_us: i64) -> f64 {
    let fresh = sorted_from_us.partition_point(|x| *x <= t_us);
    fresh as f64 / sorted_from_us.len().max(1) as f64
}

/// The least t >= 0 at which at least the fraction `l` of reads is consistent.
pub fn visibility_us(sorted_from_us: &[i64], l: Level) -> Option<u64> {
    let x = *sorted_from_us.get(rank_index(sorted_from_us.len(), l))?;
    Some(x.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        assert_eq!(rank_index(1000, P999), 998);
        assert_eq!(rank_index(1001, P999), 999);
        assert_eq!(rank_index(1, P50), 0);
        let mut v: Vec<i64> = vec![5, -3, 0, 7];
        sort_i64(&mut v);
        assert_eq!(v, [-3, 0, 5, 7]);
        assert_eq!(consistent_at(&v, 0), 0.5);
        assert_eq!(visibility_us(&v, P50), Some(0));
        assert_eq!(visibility_us(&v, P999), Some(7));
    }
}
