//! Where the staleness lab's chart puts things: P(consistent read) against t, in SVG user units.
//! Plain functions, tested natively; the view (`view/lab.rs`) only draws what they give.

use quorumscope_core::num::fixed;

/// The plot's frame: the SVG's size, the margins for the axes' labels, and the ranges shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub w: f64,
    pub h: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub t_max: f64,
    /// The lowest probability on the y axis (the top is 1).
    pub p_min: f64,
}

/// The width drawn before the element's is known, and the narrowest and the height (CSS px: the
/// chart is drawn one user unit to the pixel, so its text is the stylesheet's size).
pub const WIDTH: f64 = 600.0;
pub const MIN_WIDTH: f64 = 280.0;
pub const HEIGHT: f64 = 300.0;

impl Frame {
    /// The frame for an element `width_px` wide (0: not known yet).
    pub fn new(width_px: f64, t_max: f64, p_min: f64) -> Frame {
        let w = if width_px > 0.0 { width_px.max(MIN_WIDTH) } else { WIDTH };
        Frame { w, h: HEIGHT, left: 52.0, right: 14.0, top: 22.0, bottom: 44.0, t_max: t_max.max(1e-3), p_min }
    }

    pub fn x(&self, t: f64) -> f64 {
        self.left + (t / self.t_max).clamp(0.0, 1.0) * (self.w - self.left - self.right)
    }

    pub fn y(&self, p: f64) -> f64 {
        let span = (1.0 - self.p_min).max(1e-9);
        let f = ((p - self.p_min) / span).clamp(0.0, 1.0);
        self.h - self.bottom - f * (self.h - self.top - self.bottom)
    }

    /// The plot's bottom edge (the t axis) and right edge.
    pub fn x_axis_y(&self) -> f64 {
        self.h - self.bottom
    }

    pub fn right_x(&self) -> f64 {
        self.w - self.right
    }
}

/// The y axis starts at the lowest probability shown, rounded down to a tenth (so that the
/// curves fill the plot), and never above 0.9.
pub fn p_floor(ps: impl Iterator<Item = f64>) -> f64 {
    let low = ps.fold(1.0f64, f64::min).clamp(0.0, 1.0);
    ((low * 10.0).floor() / 10.0).min(0.9)
}

/// Round tick values from 0 to `max` inclusive: steps of 1, 2 or 5 times a power of ten, at
/// most `count` + 1 ticks.
pub fn ticks(max: f64, count: usize) -> Vec<f64> {
    if max <= 0.0 || count == 0 {
        return vec![0.0];
    }
    let raw = max / count as f64;
    let mut unit = 1e-3;
    while unit * 10.0 <= raw {
        unit *= 10.0;
    }
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * unit).find(|s| *s >= raw).unwrap_or(unit * 10.0);
    let n = (max / step + 1e-9).floor() as usize;
    (0..=n).map(|i| (i as f64 * step * 1000.0).round() / 1000.0).collect()
}

/// The curve through `points` (t ms, P), as an SVG path.
pub fn path(f: &Frame, points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (t, p)) in points.iter().enumerate() {
        d += if i == 0 { "M" } else { " L" };
        d += &fixed(f.x(*t), 1);
        d += ",";
        d += &fixed(f.y(*p), 1);
    }
    d
}

/// The index of the point nearest to `t`.
pub fn nearest(points: &[(f64, f64)], t: f64) -> Option<usize> {
    let key = |i: &usize| ((points[*i].0 - t).abs() * 1e6) as u128;
    (0..points.len()).min_by_key(key)
}

/// A probability as a percentage for a label: "99.9 %", "100 %" only when it is exactly 1.
/// `x` to three significant figures (59.356 → "59.4", 1.953 → "1.95"; from 100 on, whole
/// numbers): what a quantile of some 10⁵ trials is known to.
pub fn sig3(x: f64) -> String {
    let decimals = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else if x >= 1.0 {
        2
    } else {
        3
    };
    quorumscope_core::num::fixed(x, decimals)
}

pub fn percent(p: f64) -> String {
    if p >= 1.0 {
        return "100 %".into();
    }
    // Never round a stale share away: 0.99996 is shown as 99.99 %, not 100 %.
    let s = if p >= 0.999 { fixed((p * 10_000.0).floor() / 100.0, 2) } else { fixed(p * 100.0, 1) };
    format!("{s} %")
}

/// A whole number in groups of three: 100000 → "100,000" (the core's, as every count is).
pub use quorumscope_core::num::grouped;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_figures() {
        assert_eq!([59.356, 1.953, 1453.51, 0.4321, 10.0].map(sig3), ["59.4", "1.95", "1454", "0.432", "10.0"]);
    }

    #[test]
    fn the_frame_maps_t_and_p_into_the_plot() {
        let f = Frame::new(0.0, 20.0, 0.5);
        assert_eq!((f.x(0.0), f.x(20.0), f.x(10.0)), (52.0, 586.0, 319.0));
        assert_eq!((f.y(1.0), f.y(0.5), f.y(0.75)), (22.0, 256.0, 139.0));
        // Outside the ranges: on the edge, never outside the plot.
        assert_eq!((f.x(99.0), f.y(0.1)), (586.0, 256.0));
        assert_eq!(path(&f, &[(0.0, 0.5), (20.0, 1.0)]), "M52.0,256.0 L586.0,22.0");
        // Drawn at the element's width, never narrower than the axes need.
        assert_eq!((Frame::new(1000.0, 1.0, 0.0).right_x(), Frame::new(100.0, 1.0, 0.0).w), (986.0, MIN_WIDTH));
    }

    #[test]
    fn axes_start_low_enough_and_tick_roundly() {
        assert_eq!(p_floor([0.93, 0.71, 1.0].into_iter()), 0.7);
        assert_eq!(p_floor([1.0].into_iter()), 0.9);
        assert_eq!(p_floor([0.0].into_iter()), 0.0);
        assert_eq!(ticks(20.0, 5), vec![0.0, 5.0, 10.0, 15.0, 20.0]);
        assert_eq!(ticks(2.0, 5), vec![0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(ticks(400.0, 5), vec![0.0, 100.0, 200.0, 300.0, 400.0]);
        assert_eq!(ticks(0.3, 3), vec![0.0, 0.1, 0.2, 0.3]);
        assert!(ticks(7.0, 5).len() <= 6);
    }

    #[test]
    fn the_nearest_point_and_honest_percentages() {
        let pts = [(0.0, 0.5), (5.0, 0.9), (10.0, 1.0)];
        assert_eq!((nearest(&pts, 3.0), nearest(&pts, 8.0), nearest(&[], 1.0)), (Some(1), Some(2), None));
        assert_eq!(
            (percent(1.0), percent(0.99996), percent(0.8571)),
            ("100 %".into(), "99.99 %".into(), "85.7 %".into())
        );
        assert_eq!(
            (grouped(0), grouped(999), grouped(1000), grouped(1234567)),
            ("0".into(), "999".into(), "1,000".into(), "1,234,567".into())
        );
    }
}
