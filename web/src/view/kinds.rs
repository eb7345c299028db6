//! One row per message kind: its label, its marker (shape and fill) and the CSS variable holding
//! its colour. The legend (SVG), the canvas over the ring, the inspector, the ring's trails and
//! the space-time arrows all read this table; the stylesheet only defines each variable's value
//! in its light and dark themes (`--c-NAME`). Colour is never the only signal: every kind also
//! has its own shape, and replies and acknowledgements are hollow (dashed in the diagram).

use quorumscope_core::num::num;
use quorumscope_core::MsgKind;
use yew::prelude::*;

/// A marker centred on (0, 0), about 12 units across at scale 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Circle(f64),
    /// Corners, in drawing order.
    Polygon(&'static [(f64, f64)]),
}

#[derive(Debug, PartialEq)]
pub struct KindStyle {
    pub label: &'static str,
    /// The CSS variable with the kind's colour (defined per theme in style.css).
    pub colour: &'static str,
    pub shape: Shape,
    /// Outlined, not filled (replies and acknowledgements); dashed in the space-time diagram.
    pub hollow: bool,
}

/// The table. A new `MsgKind` makes this match incomplete: its row goes here, its colour in
/// style.css.
pub fn style(kind: MsgKind) -> &'static KindStyle {
    match kind {
        MsgKind::Put => &KindStyle { label: "put", colour: "--c-put", shape: Shape::Circle(6.0), hollow: false },
        MsgKind::PutAck => {
            &KindStyle { label: "put ack", colour: "--c-put_ack", shape: Shape::Circle(4.5), hollow: true }
        }
        MsgKind::Get => &KindStyle {
            label: "get",
            colour: "--c-get",
            shape: Shape::Polygon(&[(0.0, -7.0), (7.0, 0.0), (0.0, 7.0), (-7.0, 0.0)]),
            hollow: false,
        },
        MsgKind::GetReply => &KindStyle {
            label: "get reply",
            colour: "--c-get_reply",
            shape: Shape::Polygon(&[(0.0, -6.0), (6.0, 0.0), (0.0, 6.0), (-6.0, 0.0)]),
            hollow: true,
        },
        MsgKind::ReadRepair => &KindStyle {
            label: "read repair",
            colour: "--c-read_repair",
            shape: Shape::Polygon(&[(-5.5, -5.5), (5.5, -5.5), (5.5, 5.5), (-5.5, 5.5)]),
            hollow: false,
        },
        MsgKind::RepairAck => &KindStyle {
            label: "repair ack",
            colour: "--c-repair_ack",
            shape: Shape::Polygon(&[(-4.5, -4.5), (4.5, -4.5), (4.5, 4.5), (-4.5, 4.5)]),
            hollow: true,
        },
        MsgKind::Handoff => &KindStyle {
            label: "hinted handoff",
            colour: "--c-handoff",
            shape: Shape::Polygon(&[(0.0, -7.0), (7.0, 6.0), (-7.0, 6.0)]),
            hollow: false,
        },
        MsgKind::HandoffAck => &KindStyle {
            label: "handoff ack",
            colour: "--c-handoff_ack",
            shape: Shape::Polygon(&[(0.0, -6.0), (6.0, 5.0), (-6.0, 5.0)]),
            hollow: true,
        },
        MsgKind::Merkle => &KindStyle {
            label: "Merkle exchange",
            colour: "--c-merkle",
            shape: Shape::Polygon(&[(-3.5, -6.0), (3.5, -6.0), (7.0, 0.0), (3.5, 6.0), (-3.5, 6.0), (-7.0, 0.0)]),
            hollow: false,
        },
    }
}

pub fn label(kind: MsgKind) -> &'static str {
    style(kind).label
}

/// The rules that give each kind's elements (`.k-NAME`) their colour as `--kc`, which the
/// stylesheet's generic rules use; added to the page once, at start.
pub fn css() -> String {
    let mut s = String::new();
    for k in MsgKind::ALL {
        let st = style(k);
        s.push_str(&format!(".k-{}{{--kc:var({})}}", k.name(), st.colour));
        if st.hollow {
            s.push_str(&format!(".arrow.k-{} line{{stroke-dasharray:4 3}}", k.name()));
        }
    }
    s
}

/// The SVG path of a polygon, e.g. "M0 -7 L7 0 L0 7 L-7 0 Z".
fn path(pts: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in pts.iter().enumerate() {
        d.push_str(if i == 0 { "M" } else { " L" });
        d.push_str(&num(*x));
        d.push(' ');
        d.push_str(&num(*y));
    }
    d.push_str(" Z");
    d
}

/// The marker for a kind, as SVG, centred on (0, 0).
pub fn marker(kind: MsgKind) -> Html {
    let st = style(kind);
    let class = classes!("msg-shape", format!("k-{}", kind.name()), st.hollow.then_some("hollow"));
    match st.shape {
        Shape::Circle(r) => html! { <circle {class} r={num(r)} /> },
        Shape::Polygon(pts) => html! { <path {class} d={path(pts)} /> },
    }
}

/// The key to message markers (a plain function: it has no state of its own).
pub fn legend() -> Html {
    html! {
        <>
        <ul class="legend" aria-label="Message kinds">
            { for MsgKind::ALL.iter().map(|k| html! {
                <li>
                    <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">{ marker(*k) }</svg>
                    { label(*k) }
                </li>
            }) }
            <li>
                <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                    <circle class="msg-shape k-put" r="6" opacity="0.5" /><path class="drop-x" d="M-5 -5 L5 5 M5 -5 L-5 5" />
                </svg>
                { "dropped" }
            </li>
        </ul>
        <ul class="legend" aria-label="Marks on the ring">
            <li><svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true"><circle class="home-ring" r="6" /></svg>{ "home replica of the operation in focus" }</li>
            <li><svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true"><circle class="fallback-ring" r="6" /></svg>{ "fallback (stands in only if a home replica is down)" }</li>
            <li><span class="mark">{ "1 2 3" }</span>{ "rank in the preference list" }</li>
            <li><svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true"><g class="badge badge-w"><circle r="7.5" /><text y="4" text-anchor="middle">{ "W" }</text></g></svg>{ "acknowledged the write (write set, as acks arrive)" }</li>
            <li><svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true"><g class="badge badge-r"><rect x="-7" y="-7" width="14" height="14" /><text y="4" text-anchor="middle">{ "R" }</text></g></svg>{ "answered the read (read set, as replies arrive)" }</li>
            <li><svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true"><circle r="6" fill="none" stroke="var(--cl-0)" stroke-width="2" /></svg>{ "outline: the client whose operation it serves; the value is written beside messages in focus" }</li>
            <li><span class="mark">{ "@95.0ms" }</span>{ "a copy's last-write-wins timestamp" }</li>
        </ul>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_label_shape_and_colour() {
        for (i, a) in MsgKind::ALL.iter().enumerate() {
            let sa = style(*a);
            assert_eq!(sa.colour, format!("--c-{}", a.name()), "the stylesheet defines --c-NAME");
            for b in &MsgKind::ALL[i + 1..] {
                let sb = style(*b);
                assert_ne!(sa.label, sb.label);
                assert_ne!((sa.shape, sa.hollow), (sb.shape, sb.hollow), "{a:?} and {b:?} look alike");
            }
        }
    }

    #[test]
    fn paths_and_rules() {
        let Shape::Polygon(pts) = style(MsgKind::Get).shape else { panic!("a diamond") };
        assert_eq!(path(pts), "M0 -7 L7 0 L0 7 L-7 0 Z");
        let Shape::Polygon(pts) = style(MsgKind::ReadRepair).shape else { panic!("a square") };
        assert_eq!(path(pts), "M-5.5 -5.5 L5.5 -5.5 L5.5 5.5 L-5.5 5.5 Z");
        let css = css();
        assert!(css.starts_with(".k-put{--kc:var(--c-put)}.k-put_ack{--kc:var(--c-put_ack)}.arrow.k-put_ack line{"));
        assert!(css.contains(".k-merkle{--kc:var(--c-merkle)}"));
    }

    #[test]
    fn every_kind_has_a_colour_in_both_themes() {
        let sheet = include_str!("../../style.css");
        for k in MsgKind::ALL {
            let decl = format!("{}:", style(k).colour);
            assert_eq!(sheet.matches(&decl).count(), 3, "{decl} in the light theme and twice in the dark one");
        }
        // The dark theme is written twice (the system's, and `theme=dark` over a light system):
        // the same declarations both times.
        let block = |from: &str| {
            let at = sheet.find(from).expect(from) + from.len();
            sheet[at..at + sheet[at..].find('}').expect("closed")].split_whitespace().collect::<Vec<_>>()
        };
        let pinned = block(":root[data-theme=dark] {");
        assert_eq!(block(":root:where(:not([data-theme=light])) {"), pinned[..pinned.len() - 2]);
        assert_eq!(pinned[pinned.len() - 2..], ["color-scheme:", "dark;"]);
    }
}
