//! The ring: nodes grouped by datacenter, clients around it, messages in flight, the selected
//! operation's quorums, crashed nodes and partitions.

use super::layout::layout_with;
use super::messages;
use crate::geometry::{self, polar, RING_R, VIEW};
use crate::model::Model;
use crate::state::Selection;
use quorumscope_core::num::fixed;
use quorumscope_core::scenario::KeyId;
use quorumscope_core::Snapshot;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Room left and right of the ring for node cards (keys, values, hints).
pub const SIDE_MARGIN: f64 = 90.0;

#[derive(Properties, PartialEq)]
pub struct RingProps {
    pub model: Rc<Model>,
    pub snap: Rc<Snapshot>,
    pub t_us: u64,
    /// The time the hidden `data-message` list reflects (coarser while playing).
    pub hooks_t_us: u64,
    pub selection: Selection,
    pub on_node: Callback<Option<u32>>,
    pub on_msg: Callback<u32>,
}

/// Keys worth showing on the ring: the selected operation's key; else keys the replicas disagree
/// on (the interesting ones), then any others, at most three.
fn shown_keys(model: &Model, snap: &Snapshot, sel: &Selection) -> Vec<KeyId> {
    if let Some(op) = sel.op {
        let key = &model.report.ops[op as usize].key;
        if let Some(k) = model.sc().keys.iter().position(|x| x == key) {
            return vec![k as KeyId];
        }
    }
    let mut keys: Vec<KeyId> =
        snap.nodes.iter().flat_map(|n| n.store.iter().map(|(k, _)| *k).chain(n.hints.iter().map(|h| h.1))).collect();
    quorumscope_core::order::sort_u32(&mut keys);
    keys.dedup();
    let differs = |k: &KeyId| {
        let copies: Vec<Option<u64>> = model
            .sim
            .setup
            .home(*k)
            .iter()
            .map(|h| snap.nodes[*h as usize].store.iter().find(|(kk, _)| kk == k).map(|(_, d)| d.digest()))
            .collect();
        copies.windows(2).any(|w| w[0] != w[1])
    };
    // Disagreeing keys first, each group in key order.
    let (mut first, rest): (Vec<KeyId>, Vec<KeyId>) = keys.into_iter().partition(differs);
    first.extend(rest);
    first.truncate(3);
    first
}

#[function_component]
pub fn Ring(p: &RingProps) -> Html {
    let model = &p.model;
    let sc = model.sc();
    let snap = &p.snap;
    let sel = &p.selection;
    let few = sc.nodes.len() <= 12;
    let keys = shown_keys(model, snap, sel);
    // Text must stay legible (≥ 12 px on screen) however small the ring is drawn, e.g. in a
    // 640 × 400 iframe: the SVG's base font size, in viewBox units, follows its rendered width.
    let wrap = use_node_ref();
    let width_px = use_state(|| 0.0f64);
    {
        let (wrap, width_px) = (wrap.clone(), width_px.clone());
        use_effect_with((), move |_| -> Box<dyn FnOnce()> {
            let Some(el) = wrap.cast::<web_sys::Element>() else { return Box::new(|| ()) };
            let cb = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                if let Some(e) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>().ok() {
                    let w = e.content_rect().width();
                    // Only a real change re-renders (the observer also reports the first size).
                    if (w - *width_px).abs() > 1.0 {
                        width_px.set(w);
                    }
                }
            });
            let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) else { return Box::new(|| ()) };
            obs.observe(&el);
            Box::new(move || {
                obs.disconnect();
                drop(cb);
            })
        });
    }
    let font = geometry::ring_font_units(*width_px, VIEW + 2.0 * SIDE_MARGIN);
    let lay = use_memo((Rc::clone(&p.model), (font * 10.0).round() as i64), |(m, f)| layout_with(m, *f as f64 / 10.0));
    // Room beside the ring for node cards grows with the text; shapes grow with it too.
    let scale = font / geometry::ring_font_units(0.0, 1.0);
    let margin = (SIDE_MARGIN * scale).min(220.0);

    // The selected operation's sets.
    let op = sel.op.and_then(|o| model.report.ops.get(o as usize));
    let idx = |name: &String| sc.nodes.iter().position(|n| &n.name == name);
    let (pref, home_n) = match op {
        Some(o) => (o.preference.iter().filter_map(idx).collect::<Vec<_>>(), sc.repl.n as usize),
        None => (vec![], 0),
    };
    let write_set: Vec<usize> =
        op.and_then(|o| o.acked_by.as_ref()).map(|v| v.iter().filter_map(idx).collect()).unwrap_or_default();
    let read_set: Vec<usize> =
        op.and_then(|o| o.replied_by.as_ref()).map(|v| v.iter().filter_map(idx).collect()).unwrap_or_default();
    // For a get, the write set it should meet is that of the latest put it might have missed.
    let prior_write: Vec<usize> = op
        .filter(|o| o.op == "get")
        .and_then(|o| {
            model
                .report
                .ops
                .iter()
                .filter(|q| {
                    q.op == "put"
                        && q.key == o.key
                        && q.status == "ok"
                        && q.end_ms.zip(o.start_ms).is_some_and(|(e, s)| e < s)
                })
                .last()
        })
        .and_then(|q| q.acked_by.as_ref())
        .map(|v| v.iter().filter_map(idx).collect())
        .unwrap_or_default();
    let write_set = if write_set.is_empty() { prior_write } else { write_set };

    // Datacenter sectors and labels.
    let mut per_dc = vec![0usize; sc.dcs.len()];
    for n in &sc.nodes {
        per_dc[n.dc as usize] += 1;
    }
    let sectors = geometry::sectors(&per_dc);
    let dcs = sc.dcs.iter().enumerate().map(|(d, name)| {
        let s = &sectors[d];
        let label = polar(RING_R - 52.0, s.mid());
        let all_down = sc.nodes.iter().enumerate().filter(|(_, n)| n.dc as usize == d).all(|(i, _)| !snap.nodes[i].up);
        html! {
            <g class={classes!("dc", all_down.then_some("dc-down"))} data-dc={name.clone()}>
                if s.end - s.start > 6.2 {
                    // One datacenter: the whole ring is its sector.
                    <circle class="dc-arc" cx={fixed(geometry::CENTER.0, 0)} cy={fixed(geometry::CENTER.1, 0)} r={fixed(RING_R, 0)} />
                } else {
                    <path class="dc-arc" d={geometry::arc_path(RING_R, s.start - 0.05, s.end + 0.05)} />
                }
                if sc.dcs.len() > 1 {
                    <text class="dc-label" x={fixed(label.x, 1)} y={fixed(label.y, 1)} text-anchor="middle">
                        { if all_down { format!("{name} (down)") } else { name.clone() } }
                    </text>
                }
            </g>
        }
    });

    // Partition: a drawn cut between groups of nodes.
    let node_groups: Vec<u16> = (0..sc.nodes.len()).map(|i| snap.actual.group[i]).collect();
    let cuts = geometry::partition_cuts(&lay.node_angles, &node_groups);
    let cut_html = cuts.iter().map(|(a, b)| {
        html! {
            <g class="cut">
                <line x1={fixed(a.x, 1)} y1={fixed(a.y, 1)} x2={fixed(b.x, 1)} y2={fixed(b.y, 1)} />
                <text x={fixed(a.x, 1)} y={fixed(a.y - 8.0, 1)} text-anchor="middle">{ "✂ partition" }</text>
            </g>
        }
    });

    let r = lay.radius;
    let nodes = sc.nodes.iter().enumerate().map(|(i, n)| {
        let pos = lay.nodes[i];
        let ns = &snap.nodes[i];
        let ang = lay.node_angles[i];
        let rank = pref.iter().position(|x| *x == i);
        let is_home = rank.is_some_and(|r| r < home_n);
        let in_w = write_set.contains(&i);
        let in_r = read_set.contains(&i);
        let selected = sel.node == Some(i as u32);
        let believed_down = snap.view.up[i] != ns.up;
        let on_node = p.on_node.clone();
        let id = i as u32;
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_node.emit(Some(id))
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
        let aria = format!(
            "Node {} in {}, {}{}. {}",
            n.name,
            sc.dcs[n.dc as usize],
            status,
            if believed_down { " (the cluster has not noticed yet)" } else { "" },
            keys.iter()
                .map(|k| format!("{}: {}", model.key(*k), model.values_text(ns.store.iter().find(|(kk, _)| kk == k).map(|x| &x.1))))
                .collect::<Vec<_>>()
                .join("; ")
        );
        // The card with contents sits outward, on the side the node is on.
        let out = polar(RING_R + r + 16.0, ang);
        let (cos, sin) = geometry::cos_sin(ang);
        let anchor = if cos > 0.2 { "start" } else if cos < -0.2 { "end" } else { "middle" };
        let below = sin > 0.3;
        let mut lines: Vec<(String, &'static str)> = Vec::new();
        if few {
            for k in &keys {
                let d = ns.store.iter().find(|(kk, _)| kk == k).map(|x| &x.1);
                lines.push((format!("{} = {}", model.key(*k), d.map(|d| model.describe_data(d)).unwrap_or("∅".into())), "card-line"));
            }
            for (h, k, d) in &ns.hints {
                lines.push((format!("hint→{}: {} = {}", model.node_name(*h), model.key(*k), model.values_text(Some(d))), "card-hint"));
            }
            if sc.repl.anti_entropy_ms.is_some() {
                lines.push((format!("merkle {:04x}", ns.merkle_root >> 48), "card-merkle"));
            }
        }
        let line_h = font * 1.05;
        let y0 = if below { out.y + font * 0.8 } else { out.y - line_h * lines.len() as f64 + font * 0.5 };
        // The preference rank sits on the inner side of the node, away from its card.
        let (rx, ry) = (-cos * (r + 11.0), -sin * (r + 11.0) + 4.0);
        html! {
            <g key={n.name.clone()}>
                <g class={classes!("node", status, selected.then_some("selected"), is_home.then_some("home"), (rank.is_some() && !is_home).then_some("fallback"), believed_down.then_some("unnoticed"))}
                   data-node={n.name.clone()} data-up={ns.up.to_string()}
                   transform={format!("translate({} {})", fixed(pos.x, 1), fixed(pos.y, 1))}
                   tabindex="0" role="button" aria-label={aria} aria-pressed={selected.to_string()} {onclick} {onkeydown}>
                    <title>{ format!("{} ({status})", n.name) }</title>
                    if is_home { <circle class="home-ring" r={fixed(r + 5.0, 1)} /> }
                    if rank.is_some() && !is_home { <circle class="fallback-ring" r={fixed(r + 5.0, 1)} /> }
                    <circle class="node-body" r={fixed(r, 1)} />
                    if !ns.up { <path class="node-x" d={{ let (a, b) = (fixed(-r * 0.55, 1), fixed(r * 0.55, 1)); format!("M{a} {a} L{b} {b} M{b} {a} L{a} {b}") }} /> }
                    <text class="node-name" y="4" text-anchor="middle">{ if r >= 12.0 { n.name.clone() } else { String::new() } }</text>
                    if let Some(rk) = rank { if few {
                        <text class="pref-rank" x={fixed(rx, 1)} y={fixed(ry, 1)} text-anchor="middle">{ rk + 1 }</text>
                    } }
                    if in_w { <g class="badge badge-w" transform={format!("translate({} {})", fixed(r * 0.8, 1), fixed(-r * 0.8, 1))}><circle r="7.5" /><text y="4" text-anchor="middle">{"W"}</text></g> }
                    if in_r { <g class="badge badge-r" transform={format!("translate({} {})", fixed(r * 0.8, 1), fixed(r * 0.8, 1))}><rect x="-7" y="-7" width="14" height="14" /><text y="4" text-anchor="middle">{"R"}</text></g> }
                </g>
                if !lines.is_empty() || !ns.up {
                    <text class="node-card" x={fixed(out.x, 1)} y={fixed(y0, 1)} text-anchor={anchor}>
                        if !ns.up { <tspan class="card-down" x={fixed(out.x, 1)} dy="0">{ "down" }</tspan> }
                        { for lines.iter().enumerate().map(|(j, (l, c))| html! {
                            <tspan class={*c} x={fixed(out.x, 1)} dy={ if j == 0 && ns.up { "0".to_string() } else { fixed(line_h, 1) } }>{ l.clone() }</tspan>
                        }) }
                    </text>
                }
            </g>
        }
    });

    let clients = sc.clients.iter().enumerate().map(|(i, c)| {
        let pos = lay.clients[i];
        let active = sel.op.and_then(|o| model.report.ops.get(o as usize)).is_some_and(|o| o.client == c.name);
        html! {
            <g class={classes!("client", active.then_some("active"))} data-client={c.name.clone()} transform={format!("translate({} {})", fixed(pos.x, 1), fixed(pos.y, 1))}>
                <rect x={fixed(-2.1 * font, 1)} y={fixed(-0.95 * font, 1)} width={fixed(4.2 * font, 1)} height={fixed(1.9 * font, 1)} rx={fixed(0.95 * font, 1)} />
                <text y={fixed(0.32 * font, 1)} text-anchor="middle">{ c.name.clone() }</text>
            </g>
        }
    });

    // Messages in flight, and recently dropped ones fading where they were lost: drawn on the
    // canvas after render; listed in the DOM (hidden) for tests and authors' scripts.
    let t = p.t_us;
    let focus_op = sel.op;
    let in_flight = model.in_flight(t);
    let drawn = Rc::new(messages::at(model, &lay, &in_flight, t, sel));
    let canvas = use_node_ref();
    {
        let (canvas, drawn) = (canvas.clone(), Rc::clone(&drawn));
        use_effect(move || {
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                messages::draw(&c, &drawn, -margin, VIEW + 2.0 * margin, scale);
            }
        });
    }
    // One string, set as the list's contents: far cheaper than diffing a thousand elements.
    // It follows the coarse text clock, so while playing it is rebuilt a few times a second.
    let hooks_html = use_memo((Rc::clone(&p.model), p.hooks_t_us), |(m, t)| messages::hooks_at(m, *t));
    let hooks = Html::from_html_unchecked(AttrValue::from((*hooks_html).clone()));
    // Clicks and hovers on the ring: a message under the pointer is picked by position.
    let to_view = move |e: &MouseEvent| -> Option<(f64, f64)> {
        let el = e.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let r = el.get_bounding_client_rect();
        if r.width() <= 0.0 || r.height() <= 0.0 {
            return None;
        }
        let w = VIEW + 2.0 * margin;
        Some((
            -margin + (e.client_x() as f64 - r.left()) / r.width() * w,
            (e.client_y() as f64 - r.top()) / r.height() * VIEW,
        ))
    };
    let on_bg = {
        let (on_node, on_msg, drawn) = (p.on_node.clone(), p.on_msg.clone(), Rc::clone(&drawn));
        Callback::from(move |e: MouseEvent| match to_view(&e).and_then(|(x, y)| messages::hit(&drawn, x, y)) {
            Some(id) => on_msg.emit(id),
            None => on_node.emit(None),
        })
    };
    let on_move = {
        let (on_msg, drawn) = (p.on_msg.clone(), Rc::clone(&drawn));
        Callback::from(move |e: MouseEvent| {
            if let Some(id) = to_view(&e).and_then(|(x, y)| messages::hit(&drawn, x, y)) {
                on_msg.emit(id);
            }
        })
    };

    // Trails for the selected operation's messages, so its fan-out is visible.
    let trails = in_flight.iter().filter(|(_, m)| focus_op.is_some() && m.payload.op() == focus_op).map(|(id, m)| {
        let (a, b) = (lay.pos(m.from), lay.pos(m.to));
        html! { <line key={format!("t{id}")} class={classes!("trail", format!("k-{}", m.kind.name()))} x1={fixed(a.x, 1)} y1={fixed(a.y, 1)} x2={fixed(b.x, 1)} y2={fixed(b.y, 1)} /> }
    });

    html! {
        // The box has the viewBox's proportions, so the canvas and the SVG map points alike.
        <div class="ring-wrap" ref={wrap} style={format!("aspect-ratio: {} / {}", fixed(VIEW + 2.0 * margin, 0), fixed(VIEW, 0))}>
        <svg class="ring" style={format!("font-size: {}px", fixed(font, 1))} onmousemove={on_move} viewBox={format!("{} 0 {} {}", fixed(-margin, 0), fixed(VIEW + 2.0 * margin, 0), fixed(VIEW, 0))} role="img" aria-label={format!("Ring of {} nodes", sc.nodes.len())} onclick={on_bg}>
            <circle class="ring-line" cx={fixed(geometry::CENTER.0, 0)} cy={fixed(geometry::CENTER.1, 0)} r={fixed(RING_R, 0)} />
            { for dcs }
            { for trails }
            { for cut_html }
            { for clients }
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
