//! The ring: nodes grouped by datacenter, clients around it, messages in flight, the selected
//! operation's quorums, crashed nodes and partitions.

use super::layout::{layout_with, Layout};
use super::messages;
use crate::geometry::{self, polar, Pt, RING_R, VIEW};
use crate::hooks;
use crate::live;
use crate::model::Model;
use crate::state::Selection;
use quorumscope_core::num::fixed;
use quorumscope_core::KeyId;
use quorumscope_core::MsgRecord;
use quorumscope_core::Snapshot;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RingProps {
    pub model: Rc<Model>,
    pub snap: Rc<Snapshot>,
    pub t_us: u64,
    /// The time the hidden `data-message` list reflects (coarser while playing).
    pub hooks_t_us: u64,
    /// Up to when the operation's answers may be shown (the cursor, or the end when revealed).
    pub known_us: u64,
    pub selection: Selection,
    pub on_node: Callback<Option<u32>>,
    pub on_msg: Callback<u32>,
    /// The page's text scale (2 on a projector): the ring's smallest text is 12 px times it.
    #[prop_or(1)]
    pub text_scale: u8,
    /// The page's colours: a change repaints the canvas, which reads them from the stylesheet.
    #[prop_or_default]
    pub theme: crate::link::Theme,
}

/// Keys worth showing on the ring: the selected operation's key; else keys the replicas disagree
/// on (the interesting ones), then keys repaired by now (latest first, so a repair stays in view
/// after the copies agree), then any others, at most three.
fn shown_keys(model: &Model, snap: &Snapshot, sel: &Selection) -> Vec<KeyId> {
    if let Some(op) = sel.op {
        if let Some(o) = model.report.ops.get(op as usize) {
            return vec![o.ids.key];
        }
    }
    let mut keys: Vec<KeyId> =
        snap.nodes.iter().flat_map(|n| n.store.iter().map(|(k, _)| *k).chain(n.hints.iter().map(|h| h.1))).collect();
    quorumscope_core::order::sort_u32(&mut keys);
    keys.dedup();
    let differs = |k: &KeyId| {
        let copies: Vec<Option<u64>> = model
            .sim
            .home(*k)
            .iter()
            .map(|h| snap.nodes[*h as usize].store.iter().find(|(kk, _)| kk == k).map(|(_, d)| d.digest()))
            .collect();
        copies.windows(2).any(|w| w[0] != w[1])
    };
    // Disagreeing keys first, in key order; then repaired ones; then the rest in key order.
    let (mut first, rest): (Vec<KeyId>, Vec<KeyId>) = keys.into_iter().partition(differs);
    // Latest repair first; keys repaired at once in key order, as the cards showed them before.
    let mut repaired: Vec<(u64, KeyId)> = model.repaired.iter().filter(|(at, _)| *at <= snap.at_us).copied().collect();
    quorumscope_core::order::sort_by_key(&mut repaired, |(at, k)| (u128::from(u64::MAX - at) << 32) | u128::from(*k));
    for k in repaired.into_iter().map(|(_, k)| k).chain(rest) {
        if !first.contains(&k) {
            first.push(k);
        }
    }
    first.truncate(3);
    first
}

/// How big the ring's text and shapes are drawn. Text must stay legible (≥ 12 px on screen)
/// however small the ring is drawn, e.g. in a 640 × 400 iframe: the SVG's base font size, in
/// viewBox units, follows its rendered width.
#[derive(Clone, Copy)]
struct Scale {
    /// The base font size in viewBox units.
    font: f64,
    /// Shapes' size relative to the legend's.
    k: f64,
    /// Room beside the ring for node cards: it grows with the text.
    margin: f64,
}

impl Scale {
    /// For a ring drawn `width_px` wide whose smallest text must be `min_px` on screen (12, or
    /// more on a projector).
    fn for_width(width_px: f64, min_px: f64) -> Scale {
        let font = geometry::ring_font_units(width_px, min_px);
        Scale { font, k: font / geometry::BASE_FONT, margin: geometry::ring_margin(font) }
    }

    /// The viewBox's width, margins included.
    fn width(&self) -> f64 {
        VIEW + 2.0 * self.margin
    }
}

#[function_component]
pub fn Ring(p: &RingProps) -> Html {
    let model = &p.model;
    let sc = model.sc();
    let wrap = use_node_ref();
    let (width_px, height_px) = hooks::use_size(wrap.clone());
    let min_px = 12.0 * f64::from(p.text_scale.max(1));
    let scale = Scale::for_width(width_px, min_px);
    // A node is a touch target of at least 44 px across, however small the ring is drawn.
    // (No larger than half the way to its neighbours, so each tap still finds its own node.)
    let spacing = 2.0 * std::f64::consts::PI * geometry::RING_R / sc.nodes.len().max(1) as f64;
    let hit_r = if width_px > 0.0 { (22.0 * scale.width() / width_px).min(spacing / 2.0) } else { 0.0 };
    let lay =
        use_memo((Rc::clone(&p.model), (scale.font * 10.0).round() as i64), |(m, f)| layout_with(m, *f as f64 / 10.0));
    let keys = shown_keys(model, &p.snap, &p.selection);
    let card_rects: Vec<geometry::Rect> =
        (0..sc.nodes.len()).filter_map(|i| card_at(model, &p.snap, &keys, &lay, scale, i)).map(|c| c.rect).collect();
    let dc_names = dc_labels(model, &p.snap, &lay, &card_rects, scale.font);
    // What the messages' value labels keep off: cards, datacenter names, client pills, nodes.
    let reach = geometry::node_reach(lay.radius, scale.font);
    let keep_off: Vec<geometry::Rect> = card_rects
        .iter()
        .copied()
        .chain(dc_names.iter().map(|d| d.rect))
        .chain(lay.clients.iter().map(|c| geometry::client_box(*c, scale.font)))
        .chain(lay.nodes.iter().map(|n| geometry::Rect {
            l: n.x - reach,
            t: n.y - reach,
            r: n.x + reach,
            b: n.y + reach,
        }))
        .collect();
    let quorum = quorum_sets(model, &p.selection, p.known_us);
    let nodes = (0..sc.nodes.len()).map(|i| node(p, &lay, &keys, &quorum, (scale, hit_r), i));

    // Messages in flight, and recently dropped ones fading where they were lost: drawn on the
    // canvas after render; listed in the DOM (hidden) for tests and authors' scripts.
    let in_flight = model.in_flight(p.t_us);
    let canvas = use_node_ref();
    // The messages as last drawn (hovers and clicks find them there): painted after this render
    // and, while playing, at every frame until the next one.
    let drawn: Rc<RefCell<Rc<Vec<messages::Drawn>>>> = use_mut_ref(|| Rc::new(Vec::new()));
    let painter = {
        let (model, lay, sel, canvas, drawn) =
            (Rc::clone(&p.model), Rc::clone(&lay), p.selection.clone(), canvas.clone(), Rc::clone(&drawn));
        let keep_off = Rc::new(keep_off);
        move |t_us: u64| {
            let items = Rc::new(messages::at(&model, &lay, &model.in_flight(t_us), t_us, &sel));
            messages::remember(&items, scale.k);
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                let view = (-scale.margin, scale.width());
                messages::draw(&c, &items, (width_px, height_px), view, scale.k, &keep_off);
            }
            *drawn.borrow_mut() = items;
        }
    };
    // Between renders, only while the ring is on screen. After a render the theme may have
    // changed: the colours are read again.
    let on_screen = hooks::use_on_screen(canvas.clone());
    live::use_painter(
        p.t_us,
        Rc::new(move |t_us, between| {
            if !between {
                messages::forget_palette();
            }
            if !between || on_screen.get() {
                painter(t_us)
            }
        }),
    );
    // One string, set as the list's contents: far cheaper than diffing a thousand elements.
    // It follows the coarse text clock, so while playing it is rebuilt a few times a second.
    let hooks_html = use_memo((Rc::clone(&p.model), p.hooks_t_us), |(m, t)| messages::hooks_at(m, *t));
    let hooks = Html::from_html_unchecked(AttrValue::from((*hooks_html).clone()));
    let (on_bg, on_move) = pointer_callbacks(p, &drawn, scale);
    let (w, view) = (fixed(scale.width(), 0), fixed(VIEW, 0));

    html! {
        // The box has the viewBox's proportions, so the canvas and the SVG map points alike.
        <div class="ring-wrap" ref={wrap} style={format!("aspect-ratio: {w} / {view}; min-width: {}px", fixed(geometry::ring_min_width(min_px), 0))}>
        <svg class="ring" style={format!("font-size: {}px", fixed(scale.font, 1))} onmousemove={on_move} viewBox={format!("{} 0 {w} {view}", fixed(-scale.margin, 0))} role="group" aria-label={format!("Ring of {} nodes", sc.nodes.len())} onclick={on_bg}>
            <circle class="ring-line" cx={fixed(geometry::CENTER.0, 0)} cy={fixed(geometry::CENTER.1, 0)} r={fixed(RING_R, 0)} />
            { datacenters(model, &p.snap, &dc_names) }
            { trails(&lay, &in_flight, p.selection.op) }
            { partition_cuts(&lay, &p.snap, sc.nodes.len()) }
            { clients(model, &lay, &p.selection, scale.font) }
            { for nodes }
            if in_flight.len() > messages::MAX_DRAWN {
                <text class="overflow" x="10" y="690">{ format!("{} more messages in flight not drawn", in_flight.len() - messages::MAX_DRAWN) }</text>
            }
        </svg>
        <canvas class="msg-canvas" ref={canvas} aria-hidden="true"></canvas>
        <ul class="msg-hooks" hidden=true aria-hidden="true">{ hooks }</ul>
        </div>
    }
}

/// The selected operation's sets, as node indices.
#[derive(Default)]
struct Quorum {
    /// The preference list in order; the first `home_n` are home replicas.
    pref: Vec<usize>,
    home_n: usize,
    write_set: Vec<usize>,
    read_set: Vec<usize>,
}

fn quorum_sets(model: &Model, sel: &Selection, known_us: u64) -> Quorum {
    let sc = model.sc();
    let op = sel.op.and_then(|o| model.report.ops.get(o as usize));
    let ids = |v: &[u32]| v.iter().map(|n| *n as usize).collect::<Vec<usize>>();
    let (pref, home_n) = match op {
        Some(o) => (ids(&o.ids.preference), sc.repl.n as usize),
        None => (vec![], 0),
    };
    // A set as it forms: the answers that have reached the client by now; once the operation
    // completed, the set its result was built from.
    let so_far = |o: &quorumscope_core::OpReport, set: &[u32]| {
        if model.op_done(o.index, known_us) {
            ids(set)
        } else {
            ids(&model.answered_by(o.index, known_us))
        }
    };
    let write_set: Vec<usize> =
        op.filter(|o| o.value.is_some()).map(|o| so_far(o, &o.ids.write_set)).unwrap_or_default();
    let read_set: Vec<usize> = op.filter(|o| o.value.is_none()).map(|o| so_far(o, &o.ids.read_set)).unwrap_or_default();
    // For a get, the write set it should meet is that of the write it should have seen.
    let prior_write: Vec<usize> = op
        .and_then(|o| o.ids.expected)
        .map(|e| &model.report.ops[e.put as usize])
        .map(|p| so_far(p, &p.ids.write_set))
        .unwrap_or_default();
    let write_set = if write_set.is_empty() { prior_write } else { write_set };
    Quorum { pref, home_n, write_set, read_set }
}

/// Datacenter sectors and labels.
fn datacenters(model: &Model, snap: &Snapshot, labels: &[DcLabel]) -> Html {
    let sc = model.sc();
    let mut per_dc = vec![0usize; sc.dcs.len()];
    for n in &sc.nodes {
        per_dc[n.dc as usize] += 1;
    }
    let sectors = geometry::sectors(&per_dc);
    let dcs = sc.dcs.iter().enumerate().map(|(d, name)| {
        let s = &sectors[d];
        let all_down = dc_down(model, snap, d);
        html! {
            <g class={classes!("dc", all_down.then_some("dc-down"))} data-dc={name.clone()}>
                if s.end - s.start > 6.2 {
                    // One datacenter: the whole ring is its sector.
                    <circle class="dc-arc" cx={fixed(geometry::CENTER.0, 0)} cy={fixed(geometry::CENTER.1, 0)} r={fixed(RING_R, 0)} />
                } else {
                    <path class="dc-arc" d={geometry::arc_path(RING_R, s.start - 0.05, s.end + 0.05)} />
                }
                if let Some(l) = labels.get(d) {
                    <text class="dc-label" x={fixed(l.at.x, 1)} y={fixed(l.at.y, 1)} text-anchor="middle" role="img" aria-label={format!("datacenter {}", l.text)}>{ l.text.clone() }</text>
                }
            </g>
        }
    });
    dcs.collect()
}

/// The first of the places around `home` that `ok` accepts, nearest first: squares of growing
/// size on a grid of half a line (`f`) across and a quarter of a line down, out to `reach` units.
fn nearest_spot(home: Pt, f: f64, reach: f64, ok: &dyn Fn(Pt) -> bool) -> Option<Pt> {
    let at = |i: i32, j: i32| Pt { x: home.x + f64::from(i) * 0.5 * f, y: home.y + f64::from(j) * 0.25 * f };
    let rings = (reach / (0.25 * f)).clamp(0.0, 400.0) as i32;
    for ring in 0..=rings {
        // The square's edge: |j| = ring, or 2|i| = ring.
        for j in [-ring, ring] {
            for i in -ring / 2..=ring / 2 {
                if ok(at(i, j)) {
                    return Some(at(i, j));
                }
            }
        }
        if ring % 2 == 0 {
            for i in [-ring / 2, ring / 2] {
                for j in 1 - ring..ring {
                    if ok(at(i, j)) {
                        return Some(at(i, j));
                    }
                }
            }
        }
    }
    None
}

/// Whether every node of datacenter `d` is down.
fn dc_down(model: &Model, snap: &Snapshot, d: usize) -> bool {
    model.sc().nodes.iter().enumerate().filter(|(_, n)| n.dc as usize == d).all(|(i, _)| !snap.nodes[i].up)
}

/// A datacenter's name inside the ring: its text, baseline centre and box.
struct DcLabel {
    text: String,
    at: Pt,
    rect: geometry::Rect,
}

/// The datacenters' names (only when there are several), each inside the ring towards its
/// sector; where a node card sits inside the ring there (a down node's card at the top or the
/// bottom), a name placed before, or a node is in the way, it moves to the nearest clear place,
/// on its side of the ring's centre if it can.
fn dc_labels(model: &Model, snap: &Snapshot, lay: &Layout, cards: &[geometry::Rect], font: f64) -> Vec<DcLabel> {
    let sc = model.sc();
    if sc.dcs.len() < 2 {
        return vec![];
    }
    let mut per_dc = vec![0usize; sc.dcs.len()];
    for n in &sc.nodes {
        per_dc[n.dc as usize] += 1;
    }
    let sectors = geometry::sectors(&per_dc);
    let f = 1.1 * font;
    let reach = geometry::node_reach(lay.radius, font);
    let centre = Pt { x: geometry::CENTER.0, y: geometry::CENTER.1 };
    let pills: Vec<geometry::Rect> = lay.clients.iter().map(|c| geometry::client_box(*c, font)).collect();
    let view = geometry::Rect {
        l: -geometry::ring_margin(font),
        t: 0.0,
        r: geometry::VIEW + geometry::ring_margin(font),
        b: geometry::VIEW,
    };
    let mut out: Vec<DcLabel> = Vec::new();
    for (d, name) in sc.dcs.iter().enumerate() {
        let text = if dc_down(model, snap, d) { format!("{name} (down)") } else { name.clone() };
        let w = text.chars().count() as f64 * geometry::CHAR_W * f;
        let boxed = |p: Pt| geometry::Rect {
            l: p.x - w / 2.0,
            t: p.y - geometry::ASCENT * f,
            r: p.x + w / 2.0,
            b: p.y + 0.25 * f,
        };
        let inside = |r: &geometry::Rect| {
            [(r.l, r.t), (r.r, r.t), (r.l, r.b), (r.r, r.b)]
                .iter()
                .all(|(x, y)| Pt::dist(Pt { x: *x, y: *y }, centre) < RING_R - 12.0)
        };
        let clear = |r: &geometry::Rect| {
            r.inside(&view)
                && cards.iter().chain(&pills).chain(out.iter().map(|l| &l.rect)).all(|c| !c.overlaps(r))
                && lay.nodes.iter().all(|n| !r.hits_disc(*n, reach))
        };
        let home = polar(RING_R - 120.0, sectors[d].mid());
        // Inside the ring if there is room there (a tall card may fill it on a phone), else
        // anywhere clear.
        // Within 12 lines of its usual place: inside the ring on its own side of the centre if
        // there is room there, else inside the ring, else anywhere clear.
        let (cos, sin) = geometry::cos_sin(sectors[d].mid());
        let own_side = |p: Pt| (p.x - centre.x) * cos + (p.y - centre.y) * sin > 0.0;
        let at = nearest_spot(home, f, 12.0 * f, &|p| own_side(p) && inside(&boxed(p)) && clear(&boxed(p)))
            .or_else(|| nearest_spot(home, f, 12.0 * f, &|p| inside(&boxed(p)) && clear(&boxed(p))))
            .or_else(|| nearest_spot(home, f, 12.0 * f, &|p| clear(&boxed(p))))
            .unwrap_or(home);
        out.push(DcLabel { rect: boxed(at), text, at });
    }
    out
}

/// Partition: a drawn cut between groups of nodes.
fn partition_cuts(lay: &Layout, snap: &Snapshot, nodes: usize) -> Html {
    let node_groups: Vec<u16> = (0..nodes).map(|i| snap.actual.group[i]).collect();
    let cuts = geometry::partition_cuts(&lay.node_angles, &node_groups);
    let cut_html = cuts.iter().map(|(a, b)| {
        html! {
            <g class="cut">
                <line x1={fixed(a.x, 1)} y1={fixed(a.y, 1)} x2={fixed(b.x, 1)} y2={fixed(b.y, 1)} />
                <text x={fixed(a.x, 1)} y={fixed(a.y - 8.0, 1)} text-anchor="middle">{ "✂ partition" }</text>
            </g>
        }
    });
    cut_html.collect()
}

/// One node: its circle (rings for home and fallback replicas, W and R badges, a cross when
/// down), and its card of keys, hints and Merkle root beside it.
fn node(p: &RingProps, lay: &Layout, keys: &[KeyId], q: &Quorum, (scale, hit_r): (Scale, f64), i: usize) -> Html {
    let (model, sel) = (&p.model, &p.selection);
    let n = &model.sc().nodes[i];
    let ns = &p.snap.nodes[i];
    let (pos, r) = (lay.nodes[i], lay.radius);
    let rank = q.pref.iter().position(|x| *x == i);
    let is_home = rank.is_some_and(|r| r < q.home_n);
    let (in_w, in_r) = (q.write_set.contains(&i), q.read_set.contains(&i));
    let selected = sel.node == Some(i as u32);
    let believed_down = p.snap.view.up[i] != ns.up;
    let id = i as u32;
    let onclick = p.on_node.reform(move |e: MouseEvent| {
        e.stop_propagation();
        Some(id)
    });
    let on_node = p.on_node.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            e.stop_propagation();
            on_node.emit(Some(id));
        }
    });
    let status = if ns.up { "up" } else { "down" };
    let role = match rank {
        Some(rk) if is_home => format!(", home replica {}", rk + 1),
        Some(rk) => format!(", fallback {}", rk + 1),
        None => String::new(),
    };
    let sets = match (in_w, in_r) {
        (true, true) => ", acknowledged the write, answered the read",
        (true, false) => ", acknowledged the write",
        (false, true) => ", answered the read",
        _ => "",
    };
    let aria = node_label(model, &p.snap, keys, i, &format!("{role}{sets}"));
    // The preference rank sits on the inner side of the node, away from its card.
    let (cos, sin) = geometry::cos_sin(lay.node_angles[i]);
    let (rx, ry) = (-cos * (r + 0.7 * scale.font), -sin * (r + 0.7 * scale.font) + 0.3 * scale.font);
    let (br, bt) = (fixed(geometry::badge_r(scale.font), 1), fixed(0.33 * scale.font, 1));
    let few = model.sc().nodes.len() <= 12;
    let class = classes!(
        "node",
        status,
        selected.then_some("selected"),
        is_home.then_some("home"),
        (rank.is_some() && !is_home).then_some("fallback"),
        believed_down.then_some("unnoticed")
    );
    html! {
        <g key={n.name.clone()}>
            <g {class} data-node={n.name.clone()} data-up={ns.up.to_string()}
               transform={format!("translate({} {})", fixed(pos.x, 1), fixed(pos.y, 1))}
               tabindex="0" role="button" aria-label={aria} aria-pressed={selected.to_string()} {onclick} {onkeydown}>
                if hit_r > r + 5.0 { <circle class="node-hit" r={fixed(hit_r, 1)} /> }
                if is_home { <circle class="home-ring" r={fixed(r + 5.0, 1)} /> }
                if rank.is_some() && !is_home { <circle class="fallback-ring" r={fixed(r + 5.0, 1)} /> }
                <circle class="node-body" r={fixed(r, 1)} />
                if !ns.up { <path class="node-x" d={{ let (a, b) = (fixed(-r * 0.55, 1), fixed(r * 0.55, 1)); format!("M{a} {a} L{b} {b} M{b} {a} L{a} {b}") }} /> }
                <text class="node-name" y={fixed(0.36 * scale.font, 1)} text-anchor="middle">{ if r >= 12.0 { n.name.clone() } else { String::new() } }</text>
            </g>
            // The rank and the W and R badges, outside the button: the button's name says them
            // in words (and its name must hold all the text inside it, for speech control).
            <g class="node-marks" data-for={n.name.clone()} aria-hidden="true" transform={format!("translate({} {})", fixed(pos.x, 1), fixed(pos.y, 1))}>
                if let Some(rk) = rank { if few {
                    <text class="pref-rank" x={fixed(rx, 1)} y={fixed(ry, 1)} text-anchor="middle">{ rk + 1 }</text>
                } }
                if in_w { <g class="badge badge-w" transform={format!("translate({} {})", fixed(r * 0.8, 1), fixed(-r * 0.8, 1))}><circle r={br.clone()} /><text y={bt.clone()} text-anchor="middle">{"W"}</text></g> }
                if in_r { <g class="badge badge-r" transform={format!("translate({} {})", fixed(r * 0.8, 1), fixed(r * 0.8, 1))}><rect x={format!("-{br}")} y={format!("-{br}")} width={fixed(2.0 * geometry::badge_r(scale.font), 1)} height={fixed(2.0 * geometry::badge_r(scale.font), 1)} /><text y={bt} text-anchor="middle">{"R"}</text></g> }
            </g>
            { node_card(model, &p.snap, keys, lay, scale, i) }
        </g>
    }
}

/// What a screen reader says for node `i`: where it is, whether it is up, what it stores.
fn node_label(model: &Model, snap: &Snapshot, keys: &[KeyId], i: usize, marks: &str) -> String {
    let sc = model.sc();
    let (n, ns) = (&sc.nodes[i], &snap.nodes[i]);
    // The datacenter only when there is a choice of them (no "in dc1"). The name comes first:
    // it is the text on screen, which speech control users say.
    let dc = if sc.dcs.len() > 1 { format!(" in {}", sc.dcs[n.dc as usize]) } else { String::new() };
    format!(
        "{}{dc}{marks}, {}{}. {}",
        n.name,
        if ns.up { "up" } else { "down" },
        if snap.view.up[i] != ns.up { " (the cluster has not noticed yet)" } else { "" },
        keys.iter()
            .map(|k| format!(
                "{}: {}",
                model.key(*k),
                model.values_text(ns.store.iter().find(|(kk, _)| kk == k).map(|x| &x.1))
            ))
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// The card beside node `i`, outward on the side the node is on: "down", then (in small
/// clusters) each shown key's value, the hints it holds, its Merkle root. Long lines wrap.
fn node_card(model: &Model, snap: &Snapshot, keys: &[KeyId], lay: &Layout, scale: Scale, i: usize) -> Html {
    let Some(c) = card_at(model, snap, keys, lay, scale, i) else { return html! {} };
    let x = fixed(c.x, 1);
    let dy = fixed(scale.font * geometry::LINE_H, 1);
    // A named item of the ring's group: whose card it is and its lines, unwrapped (a wrapped
    // line's continuation starts with two spaces).
    let mut name = format!("card of {}: ", model.sc().nodes[i].name);
    for (j, (l, _)) in c.lines.iter().enumerate() {
        if j > 0 {
            name.push_str(if l.starts_with("  ") { " " } else { "; " });
        }
        name.push_str(l.trim());
    }
    html! {
        <text class="node-card" x={x.clone()} y={fixed(c.y0, 1)} text-anchor={c.anchor.svg()} role="img" aria-label={name}>
            { for c.lines.iter().enumerate().map(|(j, (l, cl))| html! {
                <tspan class={*cl} x={x.clone()} dy={ if j == 0 { "0".to_string() } else { dy.clone() } }>{ l.clone() }</tspan>
            }) }
        </text>
    }
}

/// Where node `i`'s card goes and what it says, if it has one.
fn card_at(
    model: &Model,
    snap: &Snapshot,
    keys: &[KeyId],
    lay: &Layout,
    scale: Scale,
    i: usize,
) -> Option<geometry::Card> {
    let mut lines = card_lines(model, snap, keys, i);
    if !snap.nodes[i].up {
        lines.insert(0, ("down".into(), "card-down"));
    }
    (!lines.is_empty()).then(|| geometry::card(&lines, lay.node_angles[i], lay.radius, scale.font, scale.margin))
}

/// Versions of a key a card lists; the inspector lists them all.
const CARD_VERSIONS: usize = 3;

/// The card's lines and their classes (none for clusters of more than 12 nodes).
fn card_lines(model: &Model, snap: &Snapshot, keys: &[KeyId], i: usize) -> Vec<(String, &'static str)> {
    let sc = model.sc();
    let ns = &snap.nodes[i];
    let mut lines: Vec<(String, &'static str)> = Vec::new();
    if sc.nodes.len() > 12 {
        return lines;
    }
    for k in keys {
        let d = ns.store.iter().find(|(kk, _)| kk == k).map(|x| &x.1);
        lines.push((
            format!(
                "{} = {}",
                model.key(*k),
                d.map(|d| model.describe_data_within(d, CARD_VERSIONS)).unwrap_or("∅".into())
            ),
            "card-line",
        ));
    }
    for (h, k, d) in &ns.hints {
        lines.push((
            format!("hint→{}: {} = {}", model.node_name(*h), model.key(*k), model.values_text(Some(d))),
            "card-hint",
        ));
    }
    if sc.repl.anti_entropy_ms.is_some() {
        lines.push((format!("merkle {:04x}", ns.merkle_root >> 48), "card-merkle"));
    }
    lines
}

fn clients(model: &Model, lay: &Layout, sel: &Selection, font: f64) -> Html {
    let active_client = sel.op.and_then(|o| model.report.ops.get(o as usize)).map(|o| &o.client);
    let clients = model.sc().clients.iter().enumerate().map(|(i, c)| {
        let pos = lay.clients[i];
        let active = active_client.is_some_and(|a| *a == c.name);
        html! {
            // A named item of the ring's group (not bare text): its name is the text on screen.
            <g class={classes!("client", active.then_some("active"), format!("cl-{}", i % super::messages::CLIENT_COLOURS))} data-client={c.name.clone()} transform={format!("translate({} {})", fixed(pos.x, 1), fixed(pos.y, 1))}
               role="img" aria-label={format!("client {}{}", c.name, if active { ", whose operation is in focus" } else { "" })}>
                <rect x={fixed(-2.1 * font, 1)} y={fixed(-0.95 * font, 1)} width={fixed(4.2 * font, 1)} height={fixed(1.9 * font, 1)} rx={fixed(0.95 * font, 1)} />
                <text y={fixed(0.32 * font, 1)} text-anchor="middle">{ c.name.clone() }</text>
            </g>
        }
    });
    clients.collect()
}

/// Trails for the selected operation's messages, so its fan-out is visible.
fn trails(lay: &Layout, in_flight: &[(u32, &MsgRecord)], focus_op: Option<u32>) -> Html {
    let trails = in_flight.iter().filter(|(_, m)| focus_op.is_some() && m.payload.op() == focus_op).map(|(id, m)| {
        let (a, b) = (lay.pos(m.from), lay.pos(m.to));
        html! { <line key={format!("t{id}")} class={classes!("trail", format!("k-{}", m.kind.name()))} x1={fixed(a.x, 1)} y1={fixed(a.y, 1)} x2={fixed(b.x, 1)} y2={fixed(b.y, 1)} /> }
    });
    trails.collect()
}

/// Clicks and hovers on the ring: a message under the pointer is picked by position; a click
/// elsewhere clears the node selection.
fn pointer_callbacks(
    p: &RingProps,
    drawn: &Rc<RefCell<Rc<Vec<messages::Drawn>>>>,
    scale: Scale,
) -> (Callback<MouseEvent>, Callback<MouseEvent>) {
    let to_view = move |e: &MouseEvent| -> Option<Pt> {
        let el = e.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let r = el.get_bounding_client_rect();
        if r.width() <= 0.0 || r.height() <= 0.0 {
            return None;
        }
        Some(Pt {
            x: -scale.margin + (e.client_x() as f64 - r.left()) / r.width() * scale.width(),
            y: (e.client_y() as f64 - r.top()) / r.height() * VIEW,
        })
    };
    let on_bg = {
        let (on_node, on_msg, drawn) = (p.on_node.clone(), p.on_msg.clone(), Rc::clone(drawn));
        Callback::from(move |e: MouseEvent| {
            match to_view(&e).and_then(|pt| messages::hit(&drawn.borrow(), pt.x, pt.y)) {
                Some(id) => on_msg.emit(id),
                None => on_node.emit(None),
            }
        })
    };
    let on_move = {
        let (on_msg, drawn) = (p.on_msg.clone(), Rc::clone(drawn));
        Callback::from(move |e: MouseEvent| {
            let hit = to_view(&e).and_then(|pt| messages::hit(&drawn.borrow(), pt.x, pt.y));
            if let Some(id) = hit {
                on_msg.emit(id);
            }
        })
    };
    (on_bg, on_move)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{client_box, node_reach, Rect};
    use crate::view::layout::layout_with;

    fn model(name: &str) -> Model {
        let (file, sc) = quorumscope_core::parse(crate::lessons::text(name).unwrap()).unwrap();
        Model::new(file, sc)
    }

    /// A key with 100 siblings: the card counts them and lists three, so it stays a few
    /// lines beside its node (all 100 ran down over the ring); the inspector lists them all.
    #[test]
    fn a_card_lists_a_few_siblings_and_counts_the_rest() {
        let m = crate::model::tests::blind_puts(100, 1, r#""n": 1, "w": 1, "r": 1"#);
        let snap = m.snapshot_at(m.end_us);
        let keys = shown_keys(&m, &snap, &Selection::default());
        let home = (0..3).find(|i| snap.nodes[*i].store.iter().any(|(_, d)| d.versions() == 100)).unwrap();
        let lines = card_lines(&m, &snap, &keys, home);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].0, "k = 100 versions: v0 | v50 | v1 | …");
        let sc = Scale::for_width(822.0, 12.0);
        let card = card_at(&m, &snap, &keys, &layout_with(&m, sc.font), sc, home).unwrap();
        assert!(card.lines.len() <= 4, "wrapped to {} lines", card.lines.len());
        let d = &snap.nodes[home].store.iter().find(|(_, d)| d.versions() == 100).unwrap().1;
        assert_eq!(m.describe_data(d).matches(" | ").count(), 99, "the inspector's text has all 100");
    }

    #[test]
    fn repaired_keys_stay_on_the_cards_after_the_replicas_agree() {
        let m = model("anti-entropy");
        let names = |t: u64| {
            let keys = shown_keys(&m, &m.snapshot_at(t), &Selection::default());
            keys.iter().map(|k| m.key(*k).to_string()).collect::<Vec<_>>()
        };
        let stale = ["item03", "item11", "item17"];
        assert_eq!(names(700_000), stale, "while C is stale: the keys that differ");
        assert_eq!(names(730_000), stale, "C stored them at 726.7 ms, before the exchange ended");
        assert_eq!(names(740_000), stale, "after the exchange: still shown, now agreeing");
        assert_eq!(names(2_000_000), stale);
        assert_eq!(names(200_000), ["item00", "item01", "item02"], "nothing differs or was repaired yet");
    }

    /// Every lesson, at every step and at 40 moments through its run, drawn as wide as at
    /// 1440 × 900, in a 640-pixel-wide window and in a 640 × 400 embed (and before the width is
    /// known): no two of the node cards, nodes and client pills overlap, and the cards fit in the
    /// viewBox (else their ends are clipped).
    #[test]
    fn cards_nodes_and_client_pills_never_collide_in_any_lesson() {
        let mut problems = Vec::new();
        for l in crate::lessons::LESSONS {
            let m = model(l.slug);
            let end = m.end_us;
            let mut times: Vec<u64> = m.step_us.iter().flatten().copied().collect();
            times.extend((0..=40).map(|j| end / 40 * j));
            // Widths: unknown, 1440 × 900, 640 wide, the 640 × 400 embed, the narrowest (phones),
            // a projector's 1280 × 720 at scale 2.
            for (width, min) in [
                (0.0, 12.0),
                (822.0, 12.0),
                (402.0, 12.0),
                (470.0, 12.0),
                (geometry::ring_min_width(12.0), 12.0),
                (900.0, 24.0),
            ] {
                let sc = Scale::for_width(width, min);
                let lay = layout_with(&m, sc.font);
                let view = Rect { l: -sc.margin, t: 0.0, r: VIEW + sc.margin, b: VIEW };
                for t in &times {
                    let snap = m.snapshot_at(*t);
                    let keys = shown_keys(&m, &snap, &Selection::default());
                    let mut boxes: Vec<(String, Rect)> = Vec::new();
                    for (i, n) in m.sc().nodes.iter().enumerate() {
                        if let Some(c) = card_at(&m, &snap, &keys, &lay, sc, i) {
                            if !c.rect.inside(&view) {
                                problems.push(format!(
                                    "{} at {t} µs, {width} px: card of {} clipped {:?}",
                                    l.slug, n.name, c.rect
                                ));
                            }
                            boxes.push((format!("card of {}", n.name), c.rect));
                        }
                    }
                    for (i, c) in m.sc().clients.iter().enumerate() {
                        boxes.push((format!("client {}", c.name), client_box(lay.clients[i], sc.font)));
                    }
                    let cards: Vec<Rect> =
                        boxes.iter().filter(|(n, _)| n.starts_with("card")).map(|(_, r)| *r).collect();
                    for d in dc_labels(&m, &snap, &lay, &cards, sc.font) {
                        boxes.push((format!("datacenter name {}", d.text), d.rect));
                    }
                    let groups: Vec<u16> = (0..m.sc().nodes.len()).map(|i| snap.actual.group[i]).collect();
                    for (a, _) in geometry::partition_cuts(&lay.node_angles, &groups) {
                        let w = "✂ partition".chars().count() as f64 * geometry::CHAR_W * sc.font;
                        let y = a.y - 8.0;
                        let r = Rect {
                            l: a.x - w / 2.0,
                            t: y - geometry::ASCENT * sc.font,
                            r: a.x + w / 2.0,
                            b: y + 0.25 * sc.font,
                        };
                        boxes.push(("partition label".into(), r));
                    }
                    for (name, b) in &boxes {
                        for (i, n) in m.sc().nodes.iter().enumerate() {
                            if b.hits_disc(lay.nodes[i], node_reach(lay.radius, sc.font)) {
                                problems
                                    .push(format!("{} at {t} µs, {width} px: {name} overlaps node {}", l.slug, n.name));
                            }
                        }
                    }
                    for a in 0..boxes.len() {
                        for b in a + 1..boxes.len() {
                            if boxes[a].1.overlaps(&boxes[b].1) {
                                problems.push(format!(
                                    "{} at {t} µs, {width} px: {} overlaps {}",
                                    l.slug, boxes[a].0, boxes[b].0
                                ));
                            }
                        }
                    }
                }
            }
        }
        problems.dedup();
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;
    use crate::geometry::client_box;
    use crate::view::layout::layout_with;

    /// No message, at any of 200 moments of any lesson, drawn at any of the ring's sizes, covers
    /// the name of the node or client it leaves or reaches (the circle, the pill).
    #[test]
    fn messages_never_hide_their_ends_names() {
        let mut problems = Vec::new();
        for l in crate::lessons::LESSONS {
            let (file, sc) = quorumscope_core::parse(l.text).unwrap();
            let m = Model::new(file, sc);
            for (width, min) in
                [(0.0, 12.0), (822.0, 12.0), (geometry::ring_min_width(12.0), 12.0), (470.0, 12.0), (900.0, 24.0)]
            {
                let scale = Scale::for_width(width, min);
                let lay = layout_with(&m, scale.font);
                let outline = 10.0 * scale.k;
                for j in 0..=200 {
                    let t = m.end_us / 200 * j;
                    let flying = m.in_flight(t);
                    for d in messages::at(&m, &lay, &flying, t, &Selection::default()) {
                        let rec = &m.rec().messages[d.id as usize];
                        for end in [rec.from, rec.to] {
                            let hidden = match end {
                                quorumscope_core::Addr::Node(n) => {
                                    Pt::dist(d.at, lay.nodes[n as usize]) < lay.radius + outline - 0.5
                                }
                                quorumscope_core::Addr::Client(c) => {
                                    client_box(lay.clients[c as usize], scale.font).hits_disc(d.at, outline - 0.5)
                                }
                            };
                            if hidden {
                                problems.push(format!("{} at {t} µs, {width} px: message {} hides {end:?} at {:?} from {:?} to {:?} sent {} arrive {}", l.slug, d.id, d.at, lay.pos(rec.from), lay.pos(rec.to), rec.sent_us, rec.arrive_us));
                            }
                        }
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems[..problems.len().min(20)].join("\n"));
    }
}
