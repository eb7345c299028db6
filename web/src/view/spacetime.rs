//! The space-time diagram: one lane per node and client, an arrow per message, put/get spans on
//! client lanes, crashed stretches on node lanes — on the same time cursor as the ring.

use crate::geometry::{time_window, time_x};
use crate::live;
use crate::model::{fmt_ms, Model};
use crate::state::Selection;
use quorumscope_core::num::fixed;
use quorumscope_core::Addr;
use quorumscope_core::{Ev, Fate, FaultWhat};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 70.0;
const LANE_H: f64 = 20.0;
const TOP: f64 = 18.0;
const MAX_ARROWS: usize = 1_500;
/// Zoom choices: the visible span of simulated time (0 = the whole run).
pub const SPANS_MS: [u64; 5] = [0, 2_000, 500, 100, 25];

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub model: Rc<Model>,
    pub t_us: u64,
    /// Nothing later than this is drawn (the text clock, or the end when the run is revealed).
    pub known_us: u64,
    pub selection: Selection,
    pub on_seek: Callback<u64>,
    pub on_op: Callback<u32>,
}

/// (node, down from, down until) for every crash in the run.
pub fn down_spans(model: &Model) -> Vec<(usize, u64, u64)> {
    let n = model.sc().nodes.len();
    let mut since: Vec<Option<u64>> = vec![None; n];
    let mut out = Vec::new();
    for e in &model.rec().trace {
        if let Ev::Fault { what } = &e.ev {
            match what {
                FaultWhat::Crash { nodes } => nodes.iter().for_each(|n| {
                    since[*n as usize].get_or_insert(e.at_us);
                }),
                FaultWhat::Recover { nodes } => nodes.iter().for_each(|n| {
                    if let Some(s) = since[*n as usize].take() {
                        out.push((*n as usize, s, e.at_us));
                    }
                }),
                _ => {}
            }
        }
    }
    for (i, s) in since.iter().enumerate() {
        if let Some(s) = s {
            out.push((i, *s, model.end_us));
        }
    }
    out
}

#[function_component]
pub fn SpaceTime(p: &SpaceTimeProps) -> Html {
    let model = &p.model;
    let sc = model.sc();
    let end = model.end_us.max(1);
    // Start on a window where one message is wide enough to read.
    let zoom = use_state(|| if end <= 800_000 { 0usize } else { 2 });
    let span_us = match SPANS_MS[*zoom] {
        0 => end,
        ms => ms * 1000,
    };
    // While playing, the page renders only now and then; between renders the cursor is moved by
    // the painter below, which renders this diagram alone when the window must move on, at the
    // exact time it was painted at.
    let live_t = use_mut_ref(|| None::<u64>);
    let t_us = live_t.borrow_mut().take().unwrap_or(p.t_us);
    let win = time_window(t_us, end, span_us);
    let lanes = sc.nodes.len() + sc.clients.len();
    let height = TOP + lanes as f64 * LANE_H + 22.0;
    let plot_w = WIDTH - LEFT - 10.0;
    let x = |t: u64| time_x(t, win, LEFT, plot_w);

    let plot = html! { <Plot model={Rc::clone(model)} {win} known={p.known_us} sel_op={p.selection.op} focus={p.selection.focus_ops(model)} on_op={p.on_op.clone()} /> };
    let cursor_x = x(t_us);
    let cursor = use_node_ref();
    {
        let (cursor, force) = (cursor.clone(), use_force_update());
        let on_screen = crate::hooks::use_on_screen(cursor.clone());
        live::use_painter(
            t_us,
            Rc::new(move |t: u64, between: bool| {
                // Off screen nothing is painted; the next render or frame on screen catches up.
                if between && !on_screen.get() {
                    return;
                }
                if time_window(t, end, span_us) != win {
                    *live_t.borrow_mut() = Some(t);
                    force.force_update();
                } else if let Some(el) = cursor.cast::<web_sys::HtmlElement>() {
                    let _ = el.style().set_property("transform", &cursor_transform(time_x(t, win, LEFT, plot_w)));
                }
            }),
        );
    }
    let onclick = {
        let on_seek = p.on_seek.clone();
        Callback::from(move |e: MouseEvent| {
            // Map the click to simulated time through the SVG's on-screen box.
            let Some(el) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            let r = el.get_bounding_client_rect();
            if r.width() <= 0.0 {
                return;
            }
            let vx = (e.client_x() as f64 - r.left()) / r.width() * WIDTH;
            let f = ((vx - LEFT) / plot_w).clamp(0.0, 1.0);
            on_seek.emit(win.0 + ((win.1 - win.0) as f64 * f) as u64);
        })
    };
    let zoom_select = {
        let zoom = zoom.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                zoom.set(sel.selected_index().max(0) as usize);
            }
        })
    };
    html! {
        <section class="panel spacetime" aria-label="Space-time diagram">
            <header class="panel-head">
                <h2>{ "Space-time" }</h2>
                <label>{ "Window " }
                    <select onchange={zoom_select} aria-label="Space-time window">
                        { for SPANS_MS.iter().enumerate().map(|(i, ms)| html! {
                            <option selected={i == *zoom}>{ if *ms == 0 { "whole run".to_string() } else { format!("{ms} ms") } }</option>
                        }) }
                    </select>
                </label>
                <span class="muted">{ format!("{} – {}", fmt_ms(win.0), fmt_ms(win.1)) }</span>
            </header>
            // Scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
            <div class="st-scroll" tabindex="0" role="region" aria-label="Space-time diagram, scrolls sideways"><div class="st-wrap">
            <svg class="st" viewBox={format!("0 0 {} {}", fixed(WIDTH, 0), fixed(height, 0))} {onclick} role="img" aria-label="Messages between nodes and clients over time; click to move the time cursor">
                { plot }
                <text class="axis" x={fixed(LEFT, 0)} y={fixed(height - 3.0, 0)}>{ fmt_ms(win.0) }</text>
                <text class="axis" x={fixed(WIDTH - 10.0, 0)} y={fixed(height - 3.0, 0)} text-anchor="end">{ fmt_ms(win.1) }</text>
            </svg>
            // The cursor is an HTML overlay moved by a CSS transform: moving it never repaints the
            // diagram underneath.
            <div class="st-cursor" ref={cursor} aria-hidden="true" style={format!("transform: {}", cursor_transform(cursor_x))}></div>
            </div></div>
        </section>
    }
}

/// The cursor's CSS transform for a cursor at `x` in the diagram's viewBox units.
fn cursor_transform(x: f64) -> String {
    format!("translateX({}%)", fixed(x / WIDTH * 100.0 * 100.0, 1))
}

#[derive(Properties, PartialEq)]
struct PlotProps {
    model: Rc<Model>,
    win: (u64, u64),
    known: u64,
    sel_op: Option<u32>,
    /// Operations whose messages are highlighted (the selection and what caused an anomaly).
    focus: Vec<u32>,
    on_op: Callback<u32>,
}

/// Lanes, crashed stretches, operation spans and message arrows for one window. Re-rendered only
/// when the window or the selection changes, not on every frame.
#[function_component]
fn Plot(p: &PlotProps) -> Html {
    let model = &p.model;
    let sc = model.sc();
    let win = p.win;
    let lanes = sc.nodes.len() + sc.clients.len();
    let axes = Axes { nodes: sc.nodes.len(), win };
    let (x, y) = (|t: u64| axes.x(t), |lane: usize| axes.y(lane));
    // Crashed stretches, computed once per run (the trace can be long).
    let down_spans = use_memo(Rc::clone(&p.model), |m| down_spans(m));
    let lane_labels = (0..lanes).map(|l| {
        let (name, class) = if l < sc.nodes.len() {
            (&sc.nodes[l].name, "lane node-lane")
        } else {
            (&sc.clients[l - sc.nodes.len()].name, "lane client-lane")
        };
        html! {
            <g class={class}>
                <line x1={fixed(LEFT, 0)} x2={fixed(WIDTH - 10.0, 0)} y1={fixed(y(l), 1)} y2={fixed(y(l), 1)} />
                <text x={fixed(LEFT - 6.0, 0)} y={fixed(y(l) + 4.0, 1)} text-anchor="end">{ name.clone() }</text>
            </g>
        }
    });

    let known = p.known;
    let downs = down_spans.iter().filter(|(_, a, b)| *b >= win.0 && *a <= win.1 && *a <= known).map(|(n, a, b)| {
        let b = &(*b).min(known);
        let (x0, x1) = (x((*a).max(win.0)), x((*b).min(win.1)));
        html! { <rect class="down-span" x={fixed(x0, 1)} y={fixed(y(*n) - 7.0, 1)} width={fixed((x1 - x0).max(1.0), 1)} height="14"><title>{ format!("{} down {}–{}", sc.nodes[*n].name, fmt_ms(*a), fmt_ms(*b)) }</title></rect> }
    });

    let spans = op_spans(p, &axes);
    let arrows = message_arrows(p, &axes);
    html! {
        <>
            { for lane_labels }
            { for downs }
            { spans }
            <g class="arrows">{ arrows }</g>
        </>
    }
}

/// Where an instant and a lane go in the diagram.
struct Axes {
    /// Node lanes come first, then client lanes.
    nodes: usize,
    win: (u64, u64),
}

impl Axes {
    fn lane_of(&self, a: Addr) -> usize {
        match a {
            Addr::Node(n) => n as usize,
            Addr::Client(c) => self.nodes + c as usize,
        }
    }

    fn y(&self, lane: usize) -> f64 {
        TOP + lane as f64 * LANE_H + LANE_H / 2.0
    }

    fn x(&self, t: u64) -> f64 {
        time_x(t, self.win, LEFT, WIDTH - LEFT - 10.0)
    }
}

/// Operation spans on client lanes.
fn op_spans(p: &PlotProps, axes: &Axes) -> Html {
    let model = &p.model;
    let sc = model.sc();
    let (win, end) = (p.win, model.end_us.max(1));
    let (x, y) = (|t: u64| axes.x(t), |lane: usize| axes.y(lane));
    let spans = model.report.ops.iter().filter_map(|o| {
        let (s, e) = (o.start_ms?, o.end_ms.unwrap_or(end as f64 / 1000.0));
        let (s_us, e_us) = ((s * 1000.0) as u64, ((e * 1000.0) as u64).min(p.known));
        if e_us < win.0 || s_us > win.1 || s_us > p.known {
            return None;
        }
        let status = if model.op_done(o.index, p.known) { o.status.name() } else { "in-progress" };
        let c = o.ids.client as usize;
        let lane = sc.nodes.len() + c;
        let (x0, x1) = (x(s_us.max(win.0)), x(e_us.min(win.1)));
        let selected = p.sel_op == Some(o.index);
        let related = !selected && p.focus.contains(&o.index);
        let on_op = p.on_op.clone();
        let idx = o.index;
        let label = match &o.value {
            Some(v) => format!("put {}={}", o.key, v),
            None => format!("get {}", o.key),
        };
        Some(html! {
            <g class={classes!("op-span", status, o.op.name(), selected.then_some("selected"), related.then_some("related"))} onclick={Callback::from(move |e: MouseEvent| { e.stop_propagation(); on_op.emit(idx) })}>
                <rect x={fixed(x0, 1)} y={fixed(y(lane) - 8.0, 1)} width={fixed((x1 - x0).max(2.0), 1)} height="16" rx="3" />
                if x1 - x0 > 50.0 { <text x={fixed(x0 + 4.0, 1)} y={fixed(y(lane) + 4.0, 1)}>{ label.clone() }</text> }
                <title>{ format!("op {}: {} by {} — {}", o.index, label, o.client, status) }</title>
            </g>
        })
    });

    spans.collect()
}

/// Message arrows inside the window.
fn message_arrows(p: &PlotProps, axes: &Axes) -> Html {
    let model = &p.model;
    let win = p.win;
    let (x, y, lane_of) = (|t: u64| axes.x(t), |lane: usize| axes.y(lane), |a: Addr| axes.lane_of(a));
    let msgs = &model.rec().messages;
    let first = msgs.partition_point(|m| m.sent_us < win.0.saturating_sub(model.rec().max_flight_us));
    let arrows = msgs[first..]
        .iter()
        .enumerate()
        .take_while(|(_, m)| m.sent_us <= win.1 && m.sent_us <= p.known)
        .filter(|(_, m)| m.gone_us() >= win.0)
        .take(MAX_ARROWS)
        .map(|(i, m)| {
            // A lost message's arrow stops where it was lost, part way to the receiver's lane.
            let (x0, y0) = (x(m.sent_us), y(lane_of(m.from)));
            // Still in the air at the cursor: drawn as far as it has got, without a head.
            let (stop, flying) = (m.gone_us().min(p.known), m.gone_us() > p.known);
            let (x1, y1) = (x(stop), y0 + (y(lane_of(m.to)) - y0) * m.progress_at(stop));
            let dropped = !flying && matches!(m.fate, Fate::Dropped(_));
            let related = m.payload.op().is_some_and(|o| p.focus.contains(&o));
            let dim = !p.focus.is_empty() && !related;
            // Arrowhead: a small triangle at the end, along the direction of travel.
            let (dx, dy) = (x1 - x0, y1 - y0);
            let len = (dx * dx + dy * dy).sqrt().max(1e-6);
            let (ux, uy) = (dx / len, dy / len);
            let head = format!("M{} {} L{} {} L{} {} Z", fixed(x1, 1), fixed(y1, 1), fixed(x1 - 6.0 * ux - 3.0 * uy, 1), fixed(y1 - 6.0 * uy + 3.0 * ux, 1), fixed(x1 - 6.0 * ux + 3.0 * uy, 1), fixed(y1 - 6.0 * uy - 3.0 * ux, 1));
            html! {
                <g key={first + i} class={classes!("arrow", format!("k-{}", m.kind.name()), dropped.then_some("dropped"), related.then_some("related"), dim.then_some("dim"))}>
                    <line x1={fixed(x0, 1)} y1={fixed(y0, 1)} x2={fixed(x1, 1)} y2={fixed(y1, 1)} />
                    if dropped { <path class="drop-x" d={format!("M{} {} l6 6 m0 -6 l-6 6", fixed(x1 - 3.0, 1), fixed(y1 - 3.0, 1))} /> } else if !flying { <path class="head" d={head} /> }
                </g>
            }
        });

    arrows.collect()
}
