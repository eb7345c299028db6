//! Messages in flight on the ring, drawn on a canvas laid exactly over the ring's SVG.
//!
//! A thousand moving SVG elements cost the browser more than a frame's budget in style and paint;
//! one canvas bitmap does not. What to draw (`at`) and what a click hits (`hit`) are plain
//! functions; `draw` only turns the list into pixels. The `data-message` hooks stay in the DOM as
//! a hidden list whose attributes do not change while a message flies.

use crate::geometry::{self, Pt, Rect};
use crate::model::Model;
use crate::state::Selection;
use crate::view::kinds::{self, Shape};
use crate::view::layout::Layout;
use quorumscope_core::{Fate, MsgKind, MsgRecord};
use wasm_bindgen::JsCast;

pub use crate::model::DROP_FADE_US;
/// At most this many messages are drawn; the rest are counted.
pub const MAX_DRAWN: usize = 5_000;
/// How close (in viewBox units) a click must be to a message to pick it.
pub const HIT_RADIUS: f64 = 12.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    pub id: u32,
    pub kind: MsgKind,
    pub at: Pt,
    pub dropped: bool,
    pub alpha: f64,
    /// Part of the selected operation.
    pub related: bool,
    pub selected: bool,
    /// The client whose operation it serves (its outline colour), if any.
    pub client: Option<u32>,
    /// The value it carries, written beside it while its operation is in focus or it is selected.
    pub label: Option<String>,
}

/// Every message to draw at `t`: `flying` (the messages in flight at `t`, which the caller
/// already has) and those dropped within the fade window.
pub fn at(model: &Model, lay: &Layout, flying: &[(u32, &MsgRecord)], t: u64, sel: &Selection) -> Vec<Drawn> {
    let mut out: Vec<Drawn> = Vec::new();
    let focus = sel.focus_ops(model);
    let dropped = model.recently_dropped(t, DROP_FADE_US);
    for (id, m) in flying.iter().chain(dropped.iter()).take(MAX_DRAWN) {
        let is_dropped = matches!(m.fate, Fate::Dropped(_)) && m.gone_us() <= t;
        // A message lost on the way stops where the network lost it (the core's record says
        // when); one dropped at the receiver (down, or cut off) fails just short of it.
        let (a, b) = lay.path(m.from, m.to);
        let at = if is_dropped && m.lost_at_us.is_none() {
            geometry::drop_pos(a, b, 0.0)
        } else {
            geometry::message_pos(a, b, m.sent_us, m.arrive_us, t.min(m.gone_us()))
        };
        let related = m.payload.op().is_some_and(|o| focus.contains(&o));
        let mut alpha = if is_dropped { 1.0 - (t - m.gone_us()) as f64 / DROP_FADE_US as f64 } else { 1.0 };
        if !focus.is_empty() && !related {
            alpha *= 0.35;
        }
        let selected = sel.msg == Some(*id);
        let client = m.payload.op().and_then(|o| model.report.ops.get(o as usize)).map(|o| o.ids.client);
        out.push(Drawn {
            id: *id,
            kind: m.kind,
            at,
            dropped: is_dropped,
            alpha,
            related,
            selected,
            client,
            label: if related || selected { model.msg_value(m) } else { None },
        });
    }
    out
}

/// The hidden DOM hooks at `t`: one `<li data-message="KIND" data-msg-id="ID">` per message in
/// flight or fading after a drop (no positions needed). Only names and numbers go in, never text
/// from a scenario.
pub fn hooks_at(model: &Model, t: u64) -> String {
    let flying = model.in_flight(t);
    let dropped = model.recently_dropped(t, DROP_FADE_US);
    let items = flying
        .iter()
        .chain(dropped.iter())
        .take(MAX_DRAWN)
        .map(|(id, m)| (*id, m.kind, matches!(m.fate, Fate::Dropped(_)) && m.gone_us() <= t));
    hooks_html(items)
}

fn hooks_html(items: impl Iterator<Item = (u32, MsgKind, bool)>) -> String {
    let mut s = String::new();
    for (id, kind, dropped) in items {
        s.push_str("<li data-message=\"");
        s.push_str(kind.name());
        s.push_str("\" data-msg-id=\"");
        s.push_str(&id.to_string());
        s.push_str(if dropped { "\" class=\"dropped\"></li>" } else { "\"></li>" });
    }
    s
}

/// The message nearest to (x, y) in viewBox units, if one is within reach.
pub fn hit(items: &[Drawn], x: f64, y: f64) -> Option<u32> {
    let p = Pt { x, y };
    items
        .iter()
        .map(|d| (Pt::dist(d.at, p), d.id))
        .filter(|(dist, _)| *dist <= HIT_RADIUS)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// One message's outline relative to its position: the table's shape (`kinds::style`), `k` times
/// its legend size (larger when the ring is drawn small, so they stay visible).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outline {
    Circle(f64),
    /// Up to six corners; the count is the second field.
    Polygon([(f64, f64); 6], usize),
}

fn outline(kind: MsgKind, k: f64) -> Outline {
    match kinds::style(kind).shape {
        Shape::Circle(r) => Outline::Circle(r * k),
        Shape::Polygon(pts) => {
            let mut out = [(0.0, 0.0); 6];
            for (o, (x, y)) in out.iter_mut().zip(pts) {
                *o = (x * k, y * k);
            }
            Outline::Polygon(out, pts.len().min(6))
        }
    }
}

/// Adds an outline at (`x`, `y`) to the context's current path. Drawing calls straight onto the
/// context: no path text to format and for the browser to parse, a thousand times a frame.
fn trace(ctx: &web_sys::CanvasRenderingContext2d, o: &Outline, x: f64, y: f64) {
    match o {
        Outline::Circle(r) => {
            ctx.move_to(x + r, y);
            let _ = ctx.arc(x, y, *r, 0.0, std::f64::consts::TAU);
        }
        Outline::Polygon(pts, n) => {
            ctx.move_to(x + pts[0].0, y + pts[0].1);
            for (dx, dy) in &pts[1..*n] {
                ctx.line_to(x + dx, y + dy);
            }
            ctx.close_path();
        }
    }
}

/// Fills (or, for replies and acks, outlines) the current path in the kind's colour.
fn paint(ctx: &web_sys::CanvasRenderingContext2d, kind: MsgKind, colour: &str, panel: &str) {
    if kinds::style(kind).hollow {
        ctx.set_fill_style_str(panel);
        ctx.fill();
        ctx.set_stroke_style_str(colour);
        ctx.stroke();
    } else {
        ctx.set_fill_style_str(colour);
        ctx.fill();
    }
}

thread_local! {
    /// The messages last drawn on the ring and the scale they were drawn at: an exported figure
    /// draws the same marks as SVG (the canvas is not part of the ring's SVG).
    static LAST: std::cell::RefCell<Option<(std::rc::Rc<Vec<Drawn>>, f64)>> = const { std::cell::RefCell::new(None) };
}

/// Keeps what the ring drew (an `Rc`, no copy), for [`last_marks`].
pub fn remember(items: &std::rc::Rc<Vec<Drawn>>, k: f64) {
    LAST.with(|l| *l.borrow_mut() = Some((std::rc::Rc::clone(items), k)));
}

/// The messages on the ring now as SVG marks, in the canvas's colours ([`svg_marks`]).
pub fn last_marks(style: &dyn Fn(&str) -> Option<String>) -> String {
    let colour = |k: MsgKind| style(kinds::style(k).colour).unwrap_or_else(|| "#888".into());
    let panel = style("--panel").unwrap_or_else(|| "#fff".into());
    LAST.with(|l| l.borrow().as_ref().map(|(items, k)| svg_marks(items, *k, &colour, &panel)).unwrap_or_default())
}

/// Messages as SVG marks in viewBox units, one `data-message="KIND"` element each, shaped and
/// coloured as the canvas draws them (hollow kinds outlined), with their opacity. Only kind
/// names, numbers and colours from our stylesheet go in.
pub fn svg_marks(items: &[Drawn], k: f64, colour: &dyn Fn(MsgKind) -> String, panel: &str) -> String {
    use quorumscope_core::num::fixed;
    let mut out = String::from("<g class=\"msg-marks\">");
    for d in items {
        let c = colour(d.kind);
        let paint = if kinds::style(d.kind).hollow {
            format!("fill=\"{panel}\" stroke=\"{c}\" stroke-width=\"2\"")
        } else {
            format!("fill=\"{c}\"")
        };
        let (x, y) = (d.at.x, d.at.y);
        let shape = match outline(d.kind, k) {
            Outline::Circle(r) => {
                format!("<circle cx=\"{}\" cy=\"{}\" r=\"{}\"", fixed(x, 2), fixed(y, 2), fixed(r, 2))
            }
            Outline::Polygon(pts, n) => {
                let p: Vec<String> =
                    pts[..n].iter().map(|(dx, dy)| format!("{},{}", fixed(x + dx, 2), fixed(y + dy, 2))).collect();
                format!("<polygon points=\"{}\"", p.join(" "))
            }
        };
        let dropped = if d.dropped { " class=\"dropped\"" } else { "" };
        out.push_str(&format!(
            "{shape} data-message=\"{}\" data-msg-id=\"{}\"{dropped} {paint} opacity=\"{}\"/>",
            d.kind.name(),
            d.id,
            fixed(d.alpha.clamp(0.0, 1.0), 2)
        ));
    }
    out.push_str("</g>");
    out
}

/// The canvas's colours, from the theme's CSS variables, so light, dark and colour-blind
/// palettes hold.
struct Palette {
    kinds: Vec<String>,
    clients: Vec<String>,
    panel: String,
    fg: String,
    bad: String,
}

thread_local! {
    /// The palette as last read: reading the stylesheet each frame would recompute styles each
    /// frame. Read again on the first draw after the ring renders ([`forget_palette`]), which is
    /// when the theme can have changed.
    static PALETTE: std::cell::RefCell<Option<std::rc::Rc<Palette>>> = const { std::cell::RefCell::new(None) };
}

thread_local! {
    /// The font last set on the ring's canvas (the canvas keeps it until it is resized).
    static FONT_SET: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The next draw reads the colours from the stylesheet again.
pub fn forget_palette() {
    PALETTE.with(|p| p.borrow_mut().take());
}

fn palette(window: &web_sys::Window, canvas: &web_sys::HtmlCanvasElement) -> Option<std::rc::Rc<Palette>> {
    if let Some(p) = PALETTE.with(|p| p.borrow().clone()) {
        return Some(p);
    }
    let style = window.get_computed_style(canvas).ok()??;
    let var = |name: &str, or: &str| {
        style.get_property_value(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).unwrap_or(or.into())
    };
    let p = std::rc::Rc::new(Palette {
        kinds: MsgKind::ALL.iter().map(|k| var(kinds::style(*k).colour, "#888")).collect(),
        clients: (0..CLIENT_COLOURS).map(|ci| var(&format!("--cl-{ci}"), "#888")).collect(),
        panel: var("--panel", "#fff"),
        fg: var("--fg", "#000"),
        bad: var("--bad", "#c00"),
    });
    PALETTE.with(|c| *c.borrow_mut() = Some(std::rc::Rc::clone(&p)));
    Some(p)
}

/// Draws `items` on `canvas`, drawn `css_w` × `css_h` CSS pixels (as observed, not read back: a
/// read would force a layout every frame), whose box matches the SVG's viewBox (`x0`, width `w`);
/// their value labels keep off the boxes `keep_off` where they can (the ring's cards, pills, names).
pub fn draw(
    canvas: &web_sys::HtmlCanvasElement,
    items: &[Drawn],
    (css_w, css_h): (f64, f64),
    (x0, w): (f64, f64),
    k: f64,
    keep_off: &[Rect],
) -> Option<()> {
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let window = web_sys::window()?;
    let dpr = window.device_pixel_ratio().max(1.0);
    let (pw, ph) = ((css_w * dpr).round() as u32, (css_h * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
        // A resized canvas has lost its context's state.
        FONT_SET.with(|f| f.borrow_mut().clear());
    }
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
    LABELS.with(|v| v.borrow_mut().clear());
    if items.is_empty() || css_w <= 0.0 {
        return Some(());
    }
    let scale = pw as f64 / w;
    ctx.set_transform(scale, 0.0, 0.0, scale, -x0 * scale, 0.0).ok()?;
    let pal = palette(&window, canvas)?;
    let (colours, panel, fg, bad) = (&pal.kinds, &pal.panel, &pal.fg, &pal.bad);
    ctx.set_line_width(2.0);
    // Batched: each (kind, opacity) group is one path, filled once.
    for (ki, kind) in MsgKind::ALL.iter().enumerate() {
        let o = outline(*kind, k);
        for faded in [false, true] {
            let mut group =
                items.iter().filter(|d| d.kind == *kind && !d.dropped && (d.alpha < 1.0) == faded).peekable();
            if group.peek().is_none() {
                continue;
            }
            ctx.begin_path();
            for d in group {
                trace(&ctx, &o, d.at.x, d.at.y);
            }
            ctx.set_global_alpha(if faded { 0.35 } else { 1.0 });
            paint(&ctx, *kind, &colours[ki], panel);
        }
    }
    // The few that need their own opacity or outline: dropped, selected, part of the selection.
    for d in items.iter().filter(|d| d.dropped || d.related || d.selected) {
        let ki = MsgKind::ALL.iter().position(|k| *k == d.kind).unwrap_or(0);
        ctx.set_global_alpha(d.alpha.clamp(0.0, 1.0));
        ctx.begin_path();
        trace(&ctx, &outline(d.kind, k), d.at.x, d.at.y);
        if d.dropped {
            paint(&ctx, d.kind, &colours[ki], panel);
            // A cross where it was lost.
            let (a, b) = (6.0 * k, 12.0 * k);
            let (x, y) = (d.at.x - a, d.at.y - a);
            ctx.begin_path();
            ctx.move_to(x, y);
            ctx.line_to(x + b, y + b);
            ctx.move_to(x + b, y);
            ctx.line_to(x, y + b);
            ctx.set_stroke_style_str(bad);
            ctx.stroke();
        } else {
            ctx.set_stroke_style_str(fg);
            ctx.set_line_width(if d.selected { 3.0 } else { 1.5 });
            ctx.stroke();
            ctx.set_line_width(2.0);
        }
    }
    ctx.set_global_alpha(1.0);
    attribution(&ctx, (items, keep_off), k, &pal);
    Some(())
}

/// How many client colours there are (`--cl-0` … in the stylesheet); clients share them in turn.
pub const CLIENT_COLOURS: usize = 4;

/// Which operation each message belongs to: a ring in its client's colour around it (the client's
/// pill wears the same), and, for the operation in focus or the selected message, the value it
/// carries written beside it.
fn attribution(ctx: &web_sys::CanvasRenderingContext2d, (items, keep_off): (&[Drawn], &[Rect]), k: f64, pal: &Palette) {
    let (fg, panel) = (&pal.fg, &pal.panel);
    ctx.set_line_width(1.5);
    for ci in 0..CLIENT_COLOURS {
        let mine = |d: &&Drawn| !d.dropped && d.client.is_some_and(|c| c as usize % CLIENT_COLOURS == ci);
        let mut group = items.iter().filter(mine).peekable();
        if group.peek().is_none() {
            continue;
        }
        ctx.begin_path();
        for d in group {
            ctx.move_to(d.at.x + 10.0 * k, d.at.y);
            let _ = ctx.arc(d.at.x, d.at.y, 10.0 * k, 0.0, std::f64::consts::TAU);
        }
        ctx.set_global_alpha(0.9);
        ctx.set_stroke_style_str(&pal.clients[ci]);
        ctx.stroke();
    }
    ctx.set_global_alpha(1.0);
    // Setting a font parses it: only when it changed (the canvas keeps it from frame to frame).
    let font = format!("600 {}px sans-serif", quorumscope_core::num::fixed(LABEL_EM * 12.0 * k, 1));
    if FONT_SET.with(|f| *f.borrow() != font) {
        ctx.set_font(&font);
        FONT_SET.with(|f| *f.borrow_mut() = font);
    }
    ctx.set_line_width(3.0);
    let placed = labels(items, k, keep_off);
    for l in &placed {
        ctx.set_stroke_style_str(panel);
        let _ = ctx.stroke_text(&l.text, l.x, l.y);
        ctx.set_fill_style_str(fg);
        let _ = ctx.fill_text(&l.text, l.x, l.y);
    }
    LABELS.with(|v| *v.borrow_mut() = placed);
}

/// A message label's font size relative to the legend's 12 units (times `k`).
const LABEL_EM: f64 = 1.0;

/// A value written beside messages in flight: its text (with a count when it stands for
/// several), its left end and baseline, and its box, in viewBox units.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub text: String,
    pub x: f64,
    pub y: f64,
    /// Its font size.
    pub font: f64,
    pub rect: Rect,
}

thread_local! {
    /// The labels last drawn, for the browser tests' overlap measurement.
    static LABELS: std::cell::RefCell<Vec<Label>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The labels last drawn on the ring.
pub fn last_labels() -> Vec<Label> {
    LABELS.with(|v| v.borrow().clone())
}

/// The box of `text` written from (`x`, `y`) (left end, baseline) at `font` units: its width
/// estimated from above ([`geometry::CHAR_W`]).
fn text_box(text: &str, x: f64, y: f64, font: f64) -> Rect {
    let w = text.chars().count() as f64 * geometry::CHAR_W * font;
    Rect { l: x, t: y - geometry::ASCENT * font, r: x + w, b: y + 0.25 * font }
}

/// Where the values of the messages in focus are written, so that no two labels overlap:
/// messages carrying the same value whose labels would touch (a put leaving for three replicas,
/// replies arriving together) share one label with a count ("v1 ×3"); the others each take the
/// first place around their message (above right, below right, above left, below left, above,
/// below; then as much again further out) that is clear of the labels placed so far and, if one is, of the boxes `keep_off` too.
pub fn labels(items: &[Drawn], k: f64, keep_off: &[Rect]) -> Vec<Label> {
    let font = LABEL_EM * 12.0 * k;
    // (value, the messages' positions) for each group.
    let mut groups: Vec<(&str, Vec<Pt>)> = Vec::new();
    for d in items.iter().filter(|d| !d.dropped) {
        let Some(v) = d.label.as_deref() else { continue };
        let first = text_box(v, d.at.x + 12.0 * k, d.at.y - 8.0 * k, font);
        let near = |p: &Pt| {
            let b = text_box(v, p.x + 12.0 * k, p.y - 8.0 * k, font);
            b.l.max(first.l) - 4.0 * k < b.r.min(first.r) && b.t.max(first.t) - 4.0 * k < b.b.min(first.b)
        };
        match groups.iter_mut().find(|(gv, ps)| *gv == v && ps.iter().any(near)) {
            Some((_, ps)) => ps.push(d.at),
            None => groups.push((v, vec![d.at])),
        }
    }
    let mut out: Vec<Label> = Vec::new();
    for (v, ps) in groups {
        let text = if ps.len() > 1 { format!("{v} ×{}", ps.len()) } else { v.to_string() };
        let n = ps.len() as f64;
        let at = Pt { x: ps.iter().map(|p| p.x).sum::<f64>() / n, y: ps.iter().map(|p| p.y).sum::<f64>() / n };
        let w = text_box(&text, 0.0, 0.0, font).r;
        // Around the message, then (if all of those are taken) a little further out.
        let spots: Vec<(f64, f64)> = [1.0, 2.0, 3.0, 4.0]
            .iter()
            .flat_map(|far| {
                let (gap, up, down) = (12.0 * k * far, -8.0 * k * far, 8.0 * k * far + geometry::ASCENT * font);
                [
                    (gap, up),
                    (gap, down),
                    (-gap - w, up),
                    (-gap - w, down),
                    (-w / 2.0, -gap - 0.25 * font),
                    (-w / 2.0, gap + geometry::ASCENT * font),
                ]
            })
            .collect();
        let place = |(dx, dy): (f64, f64)| (at.x + dx, at.y + dy, text_box(&text, at.x + dx, at.y + dy, font));
        let clear = |r: &Rect| out.iter().all(|o| !o.rect.overlaps(r));
        let free = |r: &Rect| keep_off.iter().all(|o| !o.overlaps(r));
        let (x, y, rect) = (spots.iter().map(|s| place(*s)).find(|(_, _, r)| clear(r) && free(r)))
            .or_else(|| spots.iter().map(|s| place(*s)).find(|(_, _, r)| clear(r)))
            .unwrap_or_else(|| place(spots[0]));
        out.push(Label { text, x, y, font, rect });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::tests::model;

    #[test]
    fn what_is_drawn_follows_the_messages_and_the_selection() {
        let m = model("failed-write");
        let lay = crate::view::layout::layout(&m);
        let items = at(&m, &lay, &m.in_flight(102_000), 102_000, &Selection::default());
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|d| d.kind == MsgKind::Put && !d.dropped && d.alpha == 1.0));
        // Dropped ones fade where they were lost; others dim when an operation is selected.
        let items = at(&m, &lay, &m.in_flight(106_000), 106_000, &Selection { op: Some(1), ..Selection::default() });
        let dropped: Vec<&Drawn> = items.iter().filter(|d| d.dropped).collect();
        assert_eq!(dropped.len(), 2);
        assert!(dropped.iter().all(|d| d.alpha < 0.35 && d.alpha > 0.0));
    }

    #[test]
    fn canvas_outlines_are_the_legends_shapes_scaled() {
        assert_eq!(outline(MsgKind::Put, 2.0), Outline::Circle(12.0));
        let Outline::Polygon(pts, n) = outline(MsgKind::Merkle, 1.0) else { panic!("a hexagon") };
        assert_eq!(&pts[..n], &[(-3.5, -6.0), (3.5, -6.0), (7.0, 0.0), (3.5, 6.0), (-3.5, 6.0), (-7.0, 0.0)]);
        // The legend's corners ("M0 -6 L6 5 L-6 5 Z").
        let Outline::Polygon(pts, n) = outline(MsgKind::HandoffAck, 1.0) else { panic!("a triangle") };
        assert_eq!(&pts[..n], &[(0.0, -6.0), (6.0, 5.0), (-6.0, 5.0)]);
        let Outline::Polygon(pts, n) = outline(MsgKind::Get, 0.5) else { panic!("a diamond") };
        assert_eq!(&pts[..n], &[(0.0, -3.5), (3.5, 0.0), (0.0, 3.5), (-3.5, 0.0)]);
    }

    #[test]
    fn hooks_name_each_message_by_kind() {
        let html = hooks_html([(3, MsgKind::Put, false), (9, MsgKind::GetReply, true)].into_iter());
        assert_eq!(
            html,
            r#"<li data-message="put" data-msg-id="3"></li><li data-message="get_reply" data-msg-id="9" class="dropped"></li>"#
        );
    }

    #[test]
    fn an_anomaly_highlights_the_messages_of_the_operations_behind_it() {
        let m = model("stale-read");
        let lay = crate::view::layout::layout(&m);
        // Alice's put (op 0) is still reaching B and C at 40 ms; the stale read (op 1) missed it.
        let sel = Selection { anomaly: Some(0), op: Some(1), ..Selection::default() };
        let items = at(&m, &lay, &m.in_flight(40_000), 40_000, &sel);
        assert!(!items.is_empty());
        assert!(items.iter().all(|d| d.related), "the missed put's messages are part of the cause");
        let items = at(&m, &lay, &m.in_flight(40_000), 40_000, &Selection { op: Some(2), ..Selection::default() });
        assert!(items.iter().all(|d| !d.related && d.alpha < 1.0));
    }

    #[test]
    fn messages_name_their_client_and_in_focus_their_value() {
        let m = model("stale-read");
        let lay = crate::view::layout::layout_with(&m, 14.0);
        let flying = m.in_flight(2_000);
        let sel = Selection { op: Some(0), ..Selection::default() };
        let d = at(&m, &lay, &flying, 2_000, &sel);
        assert!(!d.is_empty());
        assert!(d.iter().all(|d| d.client == Some(0) && d.related && d.label.as_deref() == Some("v1")), "{d:?}");
        let d = at(&m, &lay, &flying, 2_000, &Selection::default());
        assert!(d.iter().all(|d| d.client == Some(0) && d.label.is_none()));
    }

    /// Every lesson, at 200 moments, with each operation in focus in turn, at the ring's sizes
    /// (1440 × 900, a 640 × 400 embed, the narrowest phone, a projector): no two value labels
    /// overlap, and one label stands for every message that carries a value.
    #[test]
    fn value_labels_never_overlap() {
        let (mut naive, mut problems, mut drawn) = (0, Vec::new(), 0);
        for l in crate::lessons::LESSONS {
            let m = model(l.slug);
            for (width, min) in [(822.0, 12.0), (383.0, 12.0), (geometry::ring_min_width(12.0), 12.0), (900.0, 24.0)] {
                let font = geometry::ring_font_units(width, min);
                let k = font / geometry::BASE_FONT;
                let lay = crate::view::layout::layout_with(&m, font);
                for j in 0..=200 {
                    let t = m.end_us / 200 * j;
                    let flying = m.in_flight(t);
                    for op in 0..m.report.ops.len() as u32 {
                        let items = at(&m, &lay, &flying, t, &Selection { op: Some(op), ..Selection::default() });
                        let valued = items.iter().filter(|d| !d.dropped && d.label.is_some()).count();
                        if valued == 0 {
                            continue;
                        }
                        let placed = labels(&items, k, &[]);
                        let counted: usize = placed
                            .iter()
                            .map(|l| l.text.rsplit_once(" ×").and_then(|(_, n)| n.parse().ok()).unwrap_or(1))
                            .sum();
                        assert_eq!(counted, valued, "{} at {t} µs: every valued message is counted once", l.slug);
                        drawn += placed.len();
                        for a in 0..placed.len() {
                            for b in a + 1..placed.len() {
                                if placed[a].rect.overlaps(&placed[b].rect) {
                                    problems.push(format!(
                                        "{} at {t} µs, {width} px, op {op}: {:?} overlaps {:?}",
                                        l.slug, placed[a], placed[b]
                                    ));
                                }
                            }
                        }
                        // As they were drawn before: each value at its message, above right.
                        let font = 12.0 * k;
                        let old: Vec<Rect> = items
                            .iter()
                            .filter_map(|d| {
                                d.label
                                    .as_deref()
                                    .filter(|_| !d.dropped)
                                    .map(|v| text_box(v, d.at.x + 12.0 * k, d.at.y - 8.0 * k, font))
                            })
                            .collect();
                        naive += (0..old.len())
                            .flat_map(|a| (a + 1..old.len()).map(move |b| (a, b)))
                            .filter(|(a, b)| old[*a].overlaps(&old[*b]))
                            .count();
                    }
                }
            }
        }
        eprintln!(
            "{drawn} labels drawn; {} overlapping pairs, {naive} with one label per message at its message",
            problems.len()
        );
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems[..problems.len().min(20)].join("\n"));
    }

    #[test]
    fn a_click_picks_the_nearest_message_within_reach() {
        let mk = |id, x, y| Drawn {
            id,
            kind: MsgKind::Get,
            at: Pt { x, y },
            dropped: false,
            alpha: 1.0,
            related: false,
            selected: false,
            client: None,
            label: None,
        };
        let items = vec![mk(1, 100.0, 100.0), mk(2, 106.0, 100.0)];
        assert_eq!(hit(&items, 104.0, 100.0), Some(2));
        assert_eq!(hit(&items, 101.0, 101.0), Some(1));
        assert_eq!(hit(&items, 150.0, 100.0), None);
    }
}
