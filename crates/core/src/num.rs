//! Number formatting without `f64`'s Display: integer arithmetic only. It keeps core's float
//! formatting machinery out of the wasm bundle and is cheaper on the browser's per-frame path.

/// `x` with exactly `decimals` digits after the point (0 to 3), rounded half away from zero.
pub fn fixed(x: f64, decimals: u32) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    let d = decimals.min(3);
    let scale = 10i64.pow(d);
    // Beyond ±9e15 the scaled value would not fit; such numbers are shown without decimals.
    if x.abs() * scale as f64 >= 9.0e15 {
        return format!("{}", x.round() as i64);
    }
    let n = (x * scale as f64).round() as i64;
    let sign = if n < 0 { "-" } else { "" };
    let n = n.unsigned_abs();
    if d == 0 {
        return format!("{sign}{n}");
    }
    let (int, frac) = (n / scale as u64, n % scale as u64);
    format!("{sign}{int}.{frac:0width$}", width = d as usize)
}

/// `x` with up to three decimals, trailing zeros dropped: 5 → "5", 2.50 → "2.5", 0.2351 → "0.235".
pub fn num(x: f64) -> String {
    let s = fixed(x, 3);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// 921600000 as "921,600,000".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rounds_like_the_standard_formatter() {
        for x in [0.0, 1.0, -1.0, 0.05, 0.25, 2.5, 123.456, -0.04, 99.95, 1e9 + 0.5, 7.0 / 3.0, -7.0 / 3.0] {
            for d in 0..=3u32 {
                let ours = fixed(x, d);
                let std = format!("{x:.*}", d as usize);
                // Ties can differ (std rounds the exact binary value); compare numerically.
                let a: f64 = ours.parse().unwrap();
                let b: f64 = std.parse().unwrap();
                assert!((a - b).abs() <= 10f64.powi(-(d as i32)) + 1e-9, "{x} at {d}: {ours} vs {std}");
            }
        }
        assert_eq!(fixed(12.34, 1), "12.3");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-1.25, 1), "-1.3");
        assert_eq!(fixed(5.0, 0), "5");
        assert_eq!(fixed(f64::NAN, 1), "NaN");
    }

    #[test]
    fn num_drops_trailing_zeros() {
        assert_eq!(num(5.0), "5");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(0.2351), "0.235");
        assert_eq!(num(-100.0), "-100");
        assert_eq!(num(1e12), "1000000000000");
    }
}
