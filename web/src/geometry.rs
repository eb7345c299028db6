//! Where things go on screen. Plain functions over plain numbers, tested natively.
//!
//! The ring view uses a 700 × 700 SVG viewBox: nodes on a circle, grouped by datacenter into
//! sectors separated by gaps, clients on an outer circle near their datacenter.

use quorumscope_core::num::fixed;
use std::f64::consts::PI;

pub const VIEW: f64 = 700.0;
pub const CENTER: (f64, f64) = (350.0, 350.0);
pub const RING_R: f64 = 205.0;
pub const CLIENT_R: f64 = 318.0;
/// Angular gap between datacenter sectors.
const DC_GAP: f64 = PI / 12.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

impl Pt {
    pub fn lerp(a: Pt, b: Pt, f: f64) -> Pt {
        Pt { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f }
    }

    pub fn dist(a: Pt, b: Pt) -> f64 {
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }
}

/// Cosine and sine. In the browser the page's `Math.cos`/`Math.sin` compute them, so no
/// trigonometry (whose argument reduction alone is ~5 KB) is compiled into the bundle. Only
/// pixels depend on these; the simulation never does.
pub fn cos_sin(angle: f64) -> (f64, f64) {
    #[cfg(target_arch = "wasm32")]
    return (js_sys::Math::cos(angle), js_sys::Math::sin(angle));
    #[cfg(not(target_arch = "wasm32"))]
    (angle.cos(), angle.sin())
}

pub fn polar(r: f64, angle: f64) -> Pt {
    let (c, s) = cos_sin(angle);
    Pt { x: CENTER.0 + r * c, y: CENTER.1 + r * s }
}

/// A datacenter's sector of the ring, angles in radians (clockwise from the top).
#[derive(Clone, Debug, PartialEq)]
pub struct Sector {
    pub start: f64,
    pub end: f64,
}

impl Sector {
    pub fn mid(&self) -> f64 {
        (self.start + self.end) / 2.0
    }
}

/// Splits the circle among datacenters in proportion to their node counts.
pub fn sectors(nodes_per_dc: &[usize]) -> Vec<Sector> {
    let total: usize = nodes_per_dc.iter().sum();
    let used: Vec<usize> = nodes_per_dc.iter().copied().filter(|c| *c > 0).collect();
    let gaps = if used.len() > 1 { used.len() as f64 * DC_GAP } else { 0.0 };
    let span = 2.0 * PI - gaps;
    let mut a =
        -PI / 2.0 - if used.len() > 1 { span * nodes_per_dc[0] as f64 / total.max(1) as f64 / 2.0 } else { 0.0 };
    nodes_per_dc
        .iter()
        .map(|c| {
            let w = span * *c as f64 / total.max(1) as f64;
            let s = Sector { start: a, end: a + w };
            if *c > 0 {
                a += w + if used.len() > 1 { DC_GAP } else { 0.0 };
            }
            s
        })
        .collect()
}

/// Angle of every node: evenly spaced inside its datacenter's sector, in scenario order.
pub fn node_angles(node_dc: &[usize], dc_count: usize) -> Vec<f64> {
    let mut per_dc = vec![0usize; dc_count];
    for d in node_dc {
        per_dc[*d] += 1;
    }
    let secs = sectors(&per_dc);
    let mut seen = vec![0usize; dc_count];
    node_dc
        .iter()
        .map(|d| {
            let s = &secs[*d];
            let i = seen[*d];
            seen[*d] += 1;
            s.start + (s.end - s.start) * (i as f64 + 0.5) / per_dc[*d] as f64
        })
        .collect()
}

/// Angles of clients: spread around the middle of their datacenter's sector, `step` radians apart
/// (wide enough for their labels).
pub fn client_angles(client_dc: &[usize], node_dc: &[usize], dc_count: usize, step: f64) -> Vec<f64> {
    let mut per_dc = vec![0usize; dc_count];
    for d in node_dc {
        per_dc[*d] += 1;
    }
    let secs = sectors(&per_dc);
    let mut count = vec![0usize; dc_count];
    for d in client_dc {
        count[*d] += 1;
    }
    let mut seen = vec![0usize; dc_count];
    client_dc
        .iter()
        .map(|d| {
            let i = seen[*d];
            seen[*d] += 1;
            let offset = (i as f64 - (count[*d] as f64 - 1.0) / 2.0) * step;
            // A lone datacenter's clients sit along the bottom, below the node cards (which
            // extend sideways from nodes on the left and right).
            let base = if dc_count == 1 { PI / 2.0 } else { secs[*d].mid() };
            base + offset
        })
        .collect()
}

/// Radius of a node's circle: smaller as the ring gets crowded.
pub fn node_radius(nodes: usize) -> f64 {
    let circumference = 2.0 * PI * RING_R;
    (circumference / nodes.max(1) as f64 * 0.32).clamp(5.0, 26.0)
}

/// Radius of a node's circle when the ring's base font is `font` units: big enough for its name
/// as the text grows (up to 1.3 times the crowded size, so neighbours still never touch).
pub fn node_radius_for(nodes: usize, font: f64) -> f64 {
    let r = node_radius(nodes);
    r.max((0.78 * font).min(1.3 * r))
}

/// Where a message is at `t`: on the straight path from sender to receiver, shifted sideways so
/// that a request and its reply between the same pair travel on separate lanes.
pub fn message_pos(from: Pt, to: Pt, sent_us: u64, arrive_us: u64, t_us: u64) -> Pt {
    let f = if arrive_us <= sent_us {
        1.0
    } else {
        ((t_us.saturating_sub(sent_us)) as f64 / (arrive_us - sent_us) as f64).clamp(0.0, 1.0)
    };
    let p = Pt::lerp(from, to, f);
    let d = Pt::dist(from, to).max(1e-9);
    // Right-hand normal of the direction of travel.
    let (nx, ny) = (-(to.y - from.y) / d, (to.x - from.x) / d);
    Pt { x: p.x + nx * 5.0, y: p.y + ny * 5.0 }
}

/// Where a lost message is shown failing: on its path, just short of the receiver's circle
/// (radius `r`), so the cross does not hide the receiver's name.
pub fn drop_pos(from: Pt, to: Pt, r: f64) -> Pt {
    let d = Pt::dist(from, to);
    let back = (r + 8.0).min(d / 2.0);
    let at = if d > 0.0 { Pt::lerp(to, from, back / d) } else { to };
    let (nx, ny) = if d > 0.0 { (-(to.y - from.y) / d, (to.x - from.x) / d) } else { (0.0, 0.0) };
    Pt { x: at.x + nx * 5.0, y: at.y + ny * 5.0 }
}

/// Chords that draw a partition as a cut: for every pair of ring neighbours in different groups,
/// the point midway between them just outside the ring; consecutive cut points are joined.
pub fn partition_cuts(angles: &[f64], groups: &[u16]) -> Vec<(Pt, Pt)> {
    if angles.len() < 2 {
        return vec![];
    }
    // Ring order. Angles are finite and within a few turns, so micro-radian integers order them.
    let mut order: Vec<usize> = (0..angles.len()).collect();
    // Flipping the sign bit maps i64 order onto u64 order.
    quorumscope_core::order::sort_by_key(&mut order, |&i| u128::from(((angles[i] * 1e6) as i64 as u64) ^ (1 << 63)));
    let mut cut_angles = Vec::new();
    for w in 0..order.len() {
        let (a, b) = (order[w], order[(w + 1) % order.len()]);
        if groups[a] != groups[b] {
            let mut end = angles[b];
            if end < angles[a] {
                end += 2.0 * PI;
            }
            cut_angles.push((angles[a] + end) / 2.0);
        }
    }
    // Two cuts make one chord across the ring; more make a star through the centre.
    match cut_angles.len() {
        0 => vec![],
        2 => vec![(polar(RING_R + 40.0, cut_angles[0]), polar(RING_R + 40.0, cut_angles[1]))],
        _ => cut_angles.iter().map(|a| (polar(RING_R + 40.0, *a), polar(30.0, *a))).collect(),
    }
}

/// A box in viewBox units: left, top, right, bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub l: f64,
    pub t: f64,
    pub r: f64,
    pub b: f64,
}

impl Rect {
    /// Whether the two boxes share more than a sliver.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.l.max(o.l) < self.r.min(o.r) && self.t.max(o.t) < self.b.min(o.b)
    }

    /// Whether the box and the disc of radius `rad` around `c` overlap.
    pub fn hits_disc(&self, c: Pt, rad: f64) -> bool {
        // max/min, not `clamp`: clamp's check of its bounds formats floats when it fails, and
        // that formatting code cost the bundle 10 KB once this ran in the app.
        let (dx, dy) = (c.x - c.x.max(self.l).min(self.r), c.y - c.y.max(self.t).min(self.b));
        dx * dx + dy * dy < rad * rad
    }

    pub fn inside(&self, o: &Rect) -> bool {
        self.l >= o.l && self.r <= o.r && self.t >= o.t && self.b <= o.b
    }
}

/// Width of a character of ring text, in font sizes: a little more than the widest digits and
/// lower-case letters of common sans-serif fonts, so estimated boxes are never too small.
pub const CHAR_W: f64 = 0.62;
/// Height of text above its baseline, in font sizes (as a browser's text box measures it).
pub const ASCENT: f64 = 0.95;
/// Distance between a card's lines, in font sizes.
pub const LINE_H: f64 = 1.05;

/// How a node card's text is anchored at its x.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub fn svg(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Where a node's card goes: its x, its first line's baseline, its anchor, and its lines
/// wrapped to fit the room on that side.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub x: f64,
    pub y0: f64,
    pub anchor: Anchor,
    pub lines: Vec<(String, &'static str)>,
    pub rect: Rect,
}

/// How far from a client pill's centre, in the direction (`ux`, `uy`) (a unit vector), a disc of
/// radius `clear` no longer touches the pill.
pub fn pill_reach(ux: f64, uy: f64, font: f64, clear: f64) -> f64 {
    let (hw, hh) = (2.1 * font + clear, 0.95 * font + clear);
    let by_x = if ux.abs() > 1e-9 { hw / ux.abs() } else { f64::MAX };
    let by_y = if uy.abs() > 1e-9 { hh / uy.abs() } else { f64::MAX };
    by_x.min(by_y)
}

/// The box of a client's pill centred on `pos`.
pub fn client_box(pos: Pt, font: f64) -> Rect {
    Rect { l: pos.x - 2.1 * font, t: pos.y - 0.95 * font, r: pos.x + 2.1 * font, b: pos.y + 0.95 * font }
}

/// The radius of a W or R badge when the ring's base font is `font` units: its letter is drawn
/// at the ring's smallest size.
pub fn badge_r(font: f64) -> f64 {
    0.62 * font
}

/// The radius of the disc a node drawn with radius `r` covers: its circle, home ring and W/R
/// badges (which grow with the font, `font` units).
pub fn node_reach(r: f64, font: f64) -> f64 {
    (r + 5.0).max(r * 0.8 * std::f64::consts::SQRT_2 + badge_r(font) * std::f64::consts::SQRT_2)
}

/// Breaks `line` at spaces into lines of at most `max` characters (a word longer than that keeps
/// its own line); continuation lines are indented by two spaces.
pub fn wrap(line: &str, max: usize) -> Vec<String> {
    let max = max.max(6);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        let len = |s: &str| s.chars().count();
        if !cur.trim().is_empty() && len(&cur) + 1 + len(word) > max {
            out.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        } else if !cur.is_empty() && cur != "  " {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out
}

/// Lays out the card of the node at `angle` (radius `r`) on the ring: outward on the side the
/// node is on, except at the very top and bottom of the ring, where the clients are: there the
/// card sits inside the ring, beyond the node's preference rank. Its lines wrap to the room left
/// between it and the edge of the viewBox (which spans `margin` beyond the 700-unit square on
/// each side), and it is kept inside the viewBox.
pub fn card(lines: &[(String, &'static str)], angle: f64, r: f64, font: f64, margin: f64) -> Card {
    let node = polar(RING_R, angle);
    let out = polar(RING_R + r + 16.0, angle);
    let (cos, sin) = cos_sin(angle);
    let line_h = font * LINE_H;
    let inward = cos.abs() <= 0.2;
    let (x, anchor) = if inward {
        (node.x, Anchor::Middle)
    } else if cos > 0.2 {
        // Clear of the node and its badges however the card is moved to stay in the viewBox.
        (out.x.max(node.x + node_reach(r, font) + 4.0), Anchor::Start)
    } else {
        (out.x.min(node.x - node_reach(r, font) - 4.0), Anchor::End)
    };
    let room = match anchor {
        Anchor::Start => VIEW + margin - x,
        Anchor::End => x + margin,
        // Inside the ring, clear of the node's neighbours.
        Anchor::Middle => RING_R,
    } - 4.0;
    let max = (room / (CHAR_W * font)) as usize;
    let lines: Vec<(String, &'static str)> =
        lines.iter().flat_map(|(l, c)| wrap(l, max).into_iter().map(move |w| (w, *c))).collect();
    let n = lines.len() as f64;
    let height = (n - 1.0).max(0.0) * line_h;
    // Clear of the preference rank drawn on the node's inner side (its baseline r + 7 inward).
    let clear = r + 9.0 + font;
    let y0 = if inward && sin > 0.0 {
        node.y - clear - height
    } else if inward {
        node.y + clear + 0.8 * font
    } else if sin > 0.3 {
        out.y + font * 0.8
    } else {
        out.y - line_h * n + font * 0.5
    };
    // Inside the viewBox, top and bottom.
    let y0 = y0.min(VIEW - 0.25 * font - height).max(ASCENT * font);
    let w = lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0) as f64 * CHAR_W * font;
    let (l, rr) = match anchor {
        Anchor::Start => (x, x + w),
        Anchor::End => (x - w, x),
        Anchor::Middle => (x - w / 2.0, x + w / 2.0),
    };
    let rect = Rect { l, t: y0 - ASCENT * font, r: rr, b: y0 + height + 0.25 * font };
    Card { x, y0, anchor, lines, rect }
}

/// Angle between neighbouring clients so their labels (about 4.6 font sizes wide) do not touch.
pub fn client_step(font: f64) -> f64 {
    (PI / 9.0).max(4.6 * font / CLIENT_R)
}

/// The ring's base font size when the width is not known yet, in viewBox units, and the room
/// for node cards beside the 700-unit square at that size.
pub const BASE_FONT: f64 = 15.5;
pub const BASE_MARGIN: f64 = 90.0;
/// The most room beside the ring for cards, in viewBox units.
pub const MAX_MARGIN: f64 = 148.0;
/// The smallest text on the ring, relative to its base font size: every label is drawn at 1em
/// or more.
pub const SMALLEST_EM: f64 = 1.0;
/// The largest base font, in viewBox units, at which the 700-unit square still holds the nodes,
/// their cards and the client pills apart (the ring's tests check every lesson up to it). A ring
/// too narrow for legible text at this size is drawn wider than its column, which then scrolls
/// ([`ring_min_width`]).
pub const MAX_FONT: f64 = 34.0;

/// The room beside the ring for cards when the base font is `font` units: it grows with the text.
pub fn ring_margin(font: f64) -> f64 {
    (BASE_MARGIN * font / BASE_FONT).min(MAX_MARGIN)
}

/// Base font size of the ring, in viewBox units, so that its smallest text (`SMALLEST_EM` of
/// it) is at least `min_px` on screen when the whole viewBox (the ring plus the margins, which
/// grow with the font) is drawn `width_px` wide; `BASE_FONT` when the width is unknown.
pub fn ring_font_units(width_px: f64, min_px: f64) -> f64 {
    if width_px <= 0.0 {
        return BASE_FONT;
    }
    let t = min_px / SMALLEST_EM;
    // font · width / (VIEW + 2 · margin(font)) = t, with the margin growing, else at its cap.
    let grow = 2.0 * BASE_MARGIN / BASE_FONT * t;
    let font = if width_px > grow { VIEW * t / (width_px - grow) } else { f64::MAX };
    let font = if ring_margin(font) >= MAX_MARGIN { t * (VIEW + 2.0 * MAX_MARGIN) / width_px } else { font };
    font.clamp(BASE_FONT, MAX_FONT)
}

/// The narrowest the ring may be drawn, in px, for its text to be `min_px` at [`MAX_FONT`].
pub fn ring_min_width(min_px: f64) -> f64 {
    min_px / SMALLEST_EM * (VIEW + 2.0 * ring_margin(MAX_FONT)) / MAX_FONT
}

/// SVG path of an arc band (for a datacenter sector).
pub fn arc_path(r: f64, start: f64, end: f64) -> String {
    let a = polar(r, start);
    let b = polar(r, end);
    let large = if end - start > PI { 1 } else { 0 };
    format!(
        "M {} {} A {} {} 0 {large} 1 {} {}",
        fixed(a.x, 1),
        fixed(a.y, 1),
        fixed(r, 1),
        fixed(r, 1),
        fixed(b.x, 1),
        fixed(b.y, 1)
    )
}

/// Space-time diagram: x for a time inside the visible window.
pub fn time_x(t_us: u64, window: (u64, u64), left: f64, width: f64) -> f64 {
    let (a, b) = window;
    if b <= a {
        return left;
    }
    left + width * (t_us.saturating_sub(a)) as f64 / (b - a) as f64
}

/// The visible window of the space-time diagram: `span_us` wide, keeping `t` at 2/3 when the run
/// is longer than the span.
pub fn time_window(t_us: u64, end_us: u64, span_us: u64) -> (u64, u64) {
    if end_us <= span_us {
        return (0, end_us.max(1));
    }
    // The window moves in eighths of its width, not every frame: everything drawn in it stays
    // put (and is not re-rendered) while the cursor glides across.
    let step = (span_us / 8).max(1);
    let start = (t_us.saturating_sub(span_us * 2 / 3) / step * step).min(end_us - span_us);
    (start, start + span_us)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lost_message_fails_just_short_of_its_receiver() {
        let (from, to) = (Pt { x: 0.0, y: 0.0 }, Pt { x: 100.0, y: 0.0 });
        let p = drop_pos(from, to, 20.0);
        assert!((p.x - 72.0).abs() < 1e-9, "{p:?}");
        // Close nodes: never past the midpoint.
        assert!((drop_pos(from, Pt { x: 30.0, y: 0.0 }, 20.0).x - 15.0).abs() < 1e-9);
        // Same side of the path as messages in flight (the right-hand normal).
        assert_eq!(p.y, message_pos(from, to, 0, 10, 5).y);
    }

    use super::*;

    #[test]
    fn nodes_sit_on_the_ring_inside_their_sector() {
        let dc = [0, 0, 0, 1, 1, 1];
        let angles = node_angles(&dc, 2);
        let secs = sectors(&[3, 3]);
        for (i, a) in angles.iter().enumerate() {
            let s = &secs[dc[i]];
            assert!(*a > s.start && *a < s.end, "node {i}");
            assert!((Pt::dist(polar(RING_R, *a), Pt { x: CENTER.0, y: CENTER.1 }) - RING_R).abs() < 1e-3);
        }
        // Sectors do not overlap and leave gaps.
        assert!(secs[0].end < secs[1].start);
        assert!((secs[1].end - secs[0].start) < 2.0 * PI);
    }

    #[test]
    fn one_datacenter_starts_at_the_top_and_spaces_evenly() {
        let a = node_angles(&[0, 0, 0, 0], 1);
        let gaps: Vec<f64> = a.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().all(|g| (g - PI / 2.0).abs() < 1e-9));
        assert!((a[0] - (-PI / 2.0 + PI / 4.0)).abs() < 1e-9);
    }

    #[test]
    fn neighbouring_nodes_never_overlap() {
        for n in [3, 5, 8, 16, 32, 64] {
            let a = node_angles(&vec![0; n], 1);
            let r = node_radius(n);
            let d = Pt::dist(polar(RING_R, a[0]), polar(RING_R, a[1]));
            assert!(d > 2.0 * r, "{n} nodes: centres {d:.1} apart, radius {r:.1}");
        }
    }

    #[test]
    fn messages_move_from_sender_to_receiver_on_the_right_lane() {
        let a = Pt { x: 0.0, y: 0.0 };
        let b = Pt { x: 100.0, y: 0.0 };
        let start = message_pos(a, b, 1000, 2000, 1000);
        let mid = message_pos(a, b, 1000, 2000, 1500);
        let end = message_pos(a, b, 1000, 2000, 5000);
        assert_eq!((start.x, mid.x, end.x), (0.0, 50.0, 100.0));
        // Going right, the lane is below; the reply going left is above: they never collide.
        let back = message_pos(b, a, 1000, 2000, 1500);
        assert!(mid.y > 0.0 && back.y < 0.0);
    }

    #[test]
    fn a_two_sided_partition_is_one_chord() {
        let angles = node_angles(&[0, 0, 0, 0, 0, 0], 1);
        let cuts = partition_cuts(&angles, &[0, 0, 0, 1, 1, 1]);
        assert_eq!(cuts.len(), 1);
        // The chord passes near the centre, separating the two halves.
        let (p, q) = cuts[0];
        let mid = Pt::lerp(p, q, 0.5);
        assert!(Pt::dist(mid, Pt { x: CENTER.0, y: CENTER.1 }) < 5.0);
        assert!(partition_cuts(&angles, &[0; 6]).is_empty());
    }

    #[test]
    fn ring_text_stays_legible_when_the_ring_is_small() {
        // The smallest text on screen, margins included, for a ring drawn `w` px wide.
        let px = |w: f64, min: f64| {
            let f = ring_font_units(w, min);
            f * SMALLEST_EM * w / (VIEW + 2.0 * ring_margin(f))
        };
        // Drawn 1100 px wide: the default size is already above 12 px.
        assert_eq!(ring_font_units(1100.0, 12.0), BASE_FONT);
        assert!(px(1100.0, 12.0) >= 12.0);
        // A 640 × 400 iframe, a phone of 390 px, and on a projector (scale=2): exactly the
        // size asked for.
        for (w, min) in [(480.0, 12.0), (390.0, 12.0), (800.0, 24.0), (1100.0, 24.0)] {
            assert!((px(w, min) - min).abs() < 1e-9, "{w} px wide: {} px text", px(w, min));
        }
        // Narrower than the ring can be drawn legibly: the ring is given its minimum width.
        // The narrowest phone's column (356 px in a 360 px window) holds it, with no sideways
        // scrolling.
        assert!(ring_min_width(12.0) <= 352.0 && ring_min_width(12.0) > 300.0);
        assert!((px(ring_min_width(12.0), 12.0) - 12.0).abs() < 1e-9);
        assert!(px(300.0, 12.0) < 12.0);
        assert_eq!(ring_font_units(0.0, 12.0), BASE_FONT);
    }

    #[test]
    fn a_single_datacenters_clients_sit_below_the_ring() {
        let c = client_angles(&[0, 0, 0], &[0, 0, 0], 1, PI / 9.0);
        for a in &c {
            let p = polar(CLIENT_R, *a);
            assert!(p.y > CENTER.1 + RING_R, "client at {p:?}");
        }
        assert!(Pt::dist(polar(CLIENT_R, c[0]), polar(CLIENT_R, c[1])) > 100.0);
    }

    #[test]
    fn long_card_lines_wrap_at_spaces() {
        assert_eq!(wrap("x = v1 (alice:1), v2 (bob:1)", 17), vec!["x = v1 (alice:1),", "  v2 (bob:1)"]);
        assert_eq!(wrap("doc = ∅", 16), vec!["doc = ∅"]);
        // A word longer than the room keeps its own line.
        assert_eq!(wrap("k = abcdefghijklmnop", 8), vec!["k =", "  abcdefghijklmnop"]);
    }

    #[test]
    fn cards_stay_in_the_view_and_clear_of_their_node() {
        let lines: Vec<(String, &'static str)> =
            (0..4).map(|i| (format!("item0{i} = a{i} @{i}.0ms"), "card-line")).collect();
        for k in 0..12 {
            let a = -PI / 2.0 + k as f64 * PI / 6.0;
            for (font, margin) in [(15.5, 90.0), (33.6, 195.0)] {
                let c = card(&lines, a, 26.0, font, margin);
                let view = Rect { l: -margin, t: 0.0, r: VIEW + margin, b: VIEW };
                assert!(c.rect.inside(&view), "angle {a}: {:?}", c.rect);
                assert!(!c.rect.hits_disc(polar(RING_R, a), node_reach(26.0, font)), "angle {a}: {:?}", c.rect);
            }
        }
    }

    #[test]
    fn time_window_follows_the_cursor() {
        assert_eq!(time_window(500, 1000, 2000), (0, 1000));
        let (a, b) = time_window(5_000, 100_000, 3_000);
        assert_eq!(b - a, 3_000);
        assert!(a <= 5_000 && 5_000 <= b);
        // Small moves of the cursor do not move the window.
        assert_eq!(time_window(5_100, 100_000, 3_000), (a, b));
        assert_ne!(time_window(5_400, 100_000, 3_000), (a, b));
        assert_eq!(time_window(99_999, 100_000, 3_000), (97_000, 100_000));
        assert_eq!(time_x(1_500, (1_000, 2_000), 10.0, 100.0), 60.0);
    }

    #[test]
    fn clients_of_one_datacenter_spread_around_its_middle() {
        let c = client_angles(&[0, 0, 1], &[0, 0, 1, 1], 2, PI / 9.0);
        let secs = sectors(&[2, 2]);
        assert!(((c[0] + c[1]) / 2.0 - secs[0].mid()).abs() < 1e-9);
        assert!(c[0] != c[1]);
        assert!((c[2] - secs[1].mid()).abs() < 1e-9);
    }
}
