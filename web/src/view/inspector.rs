//! The inspector: the selected node, operation or message, and what just happened, in words.

use crate::model::{fmt_ms, Model};
use crate::state::Selection;
use quorumscope_core::num::fixed;
use quorumscope_core::scenario::Action as Ev;
use quorumscope_core::MsgRecord;
use quorumscope_core::OpReport;
use quorumscope_core::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub model: Rc<Model>,
    pub snap: Rc<Snapshot>,
    pub t_us: u64,
    /// Up to when results may be shown (the text clock, or the end when the run is revealed).
    pub known_us: u64,
    pub selection: Selection,
    pub on_intervene: Callback<Ev>,
    pub on_msg: Callback<u32>,
    pub on_op: Callback<u32>,
    /// A lesson question waits for its answer: the lists of messages and events (which name
    /// values, hints and acknowledgements) wait too.
    #[prop_or_default]
    pub asking: bool,
}

#[function_component]
pub fn Inspector(p: &InspectorProps) -> Html {
    let m = &p.model;
    let sc = m.sc();
    let node = p.selection.node.filter(|n| (*n as usize) < sc.nodes.len()).map(|n| node_section(p, n));
    let op = p.selection.op.and_then(|o| m.report.ops.get(o as usize)).map(|o| op_section(p, o));
    let msg = p.selection.msg.and_then(|i| m.rec().messages.get(i as usize)).map(|r| msg_section(p, r));
    let flying = m.in_flight(p.t_us);
    let flying_list = flying.iter().take(12).map(|(id, r)| {
        let cb = p.on_msg.clone();
        let id = *id;
        html! { <li><button class="link" onclick={Callback::from(move |_| cb.emit(id))} onfocus={{ let cb = p.on_msg.clone(); Callback::from(move |_: FocusEvent| cb.emit(id)) }}>{ m.describe_msg(r, p.t_us) }</button></li> }
    });
    let recent: Vec<String> = m.recent_events(p.t_us, 40).iter().rev().filter_map(|e| m.narrate(e)).take(8).collect();
    html! {
        <section class="panel inspector" aria-label="Inspector">
            <header class="panel-head"><h2>{ "Inspector" }</h2></header>
            if node.is_none() && op.is_none() && msg.is_none() {
                <p class="muted">{ "Select a node on the ring, an operation in the history or a message to see what it holds and why." }</p>
            }
            { for node }
            { for op }
            { for msg }
            if p.asking {
                <p class="muted" data-asking="1">{ crate::words::ASKING_INSPECTOR }</p>
            } else {
                if !flying.is_empty() {
                    <h3>{ format!("In flight ({})", flying.len()) }</h3>
                    <ul class="flying">{ for flying_list }</ul>
                }
                <h3>{ "What just happened" }</h3>
                <ol class="log" reversed=true>{ for recent.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ol>
            }
        </section>
    }
}

/// The selected node: up or down, what it stores, the hints it holds, a crash/recover button.
fn node_section(p: &InspectorProps, n: u32) -> Html {
    let (m, sc) = (&p.model, p.model.sc());
    let ns = &p.snap.nodes[n as usize];
    let name = sc.nodes[n as usize].name.clone();
    let believed = p.snap.view.up[n as usize];
    let on = p.on_intervene.clone();
    let nm = name.clone();
    let action = if ns.up {
        html! { <button class="danger" data-action="crash" onclick={Callback::from(move |_| on.emit(Ev::Crash(nm.clone())))}>{ format!("Crash {name}") }</button> }
    } else {
        html! { <button class="primary" data-action="recover" onclick={Callback::from(move |_| on.emit(Ev::Recover(nm.clone())))}>{ format!("Recover {name}") }</button> }
    };
    html! {
        <div class="inspect-node" data-inspect-node={name.clone()}>
            <h3>{ format!("Node {name}") }</h3>
            <p>
                { format!("Datacenter {} · ", sc.dcs[sc.nodes[n as usize].dc as usize]) }
                <strong class={if ns.up { "ok" } else { "bad" }}>{ if ns.up { "up" } else { "down (its data survives)" } }</strong>
                if believed != ns.up { <span class="muted">{ " — the others have not noticed yet" }</span> }
            </p>
            { action }
            <h4>{ "Stores" }</h4>
            if ns.store.is_empty() { <p class="muted">{ "nothing yet" }</p> }
            <ul>{ for ns.store.iter().map(|(k, d)| html! { <li><code>{ m.key(*k) }</code>{ " = " }{ m.describe_data(d) }</li> }) }</ul>
            if !ns.hints.is_empty() {
                <h4>{ "Hints held for others" }</h4>
                <ul>{ for ns.hints.iter().map(|(h, k, d)| html! { <li>{ format!("for {}: ", m.node_name(*h)) }<code>{ m.key(*k) }</code>{ " = " }{ m.describe_data(d) }</li> }) }</ul>
            }
            if sc.repl.anti_entropy_ms.is_some() { <p class="muted">{ format!("Merkle root {:016x}", ns.merkle_root) }</p> }
        </div>
    }
}

/// "A → B → C | fallbacks: D → E", and how many more a large cluster has past those listed.
fn preference(o: &OpReport, n: usize, nodes: usize) -> String {
    let more = nodes.saturating_sub(o.preference.len());
    let rest = if more > 0 { format!(" → … ({more} more)") } else { String::new() };
    let (home, fallbacks) = o.preference.split_at(n.min(o.preference.len()));
    format!("{} | fallbacks: {}{rest}", home.join(" → "), fallbacks.join(" → "))
}

/// The selected operation: its status, sets and result, and the quorum line.
fn op_section(p: &InspectorProps, o: &OpReport) -> Html {
    let (m, sc) = (&p.model, p.model.sc());
    let list = |v: &Option<Vec<String>>| {
        v.as_ref().map(|v| if v.is_empty() { "none".to_string() } else { v.join(", ") }).unwrap_or_default()
    };
    let known = p.known_us;
    if !m.op_done(o.index, known) {
        return op_so_far(p, o);
    }
    html! {
        <div class="inspect-op">
            <h3>{ format!("Operation {}: {} {} by {}", o.index, o.op.name(), o.key, o.client) }</h3>
            <dl>
                <dt>{ "status" }</dt><dd>{ o.status.name() }{ match o.outcome { Some("refused") => " — every replica refused it (the key already had the most versions a replica keeps): it is stored nowhere", Some(_) => " — not confirmed (fewer than W acknowledgements before the timeout), so its outcome is indeterminate: it may be stored on some replicas, and is never rolled back", None => "" } }</dd>
                <dt>{ "time" }</dt><dd>{ format!("{} → {}", o.start_ms.map(|s| fixed(s, 1)).unwrap_or_default(), o.end_ms.map(|s| format!("{} ms", fixed(s, 1))).unwrap_or("…".into())) }</dd>
                <dt>{ "preference" }</dt><dd>{ preference(o, sc.repl.n as usize, sc.nodes.len()) }</dd>
                <dt>{ "sent to" }</dt><dd>{ o.sent_to.join(", ") }{ for o.hinted.iter().map(|[f, h]| html! { <span class="muted">{ format!(" ({f} stands in for {h})") }</span> }) }</dd>
                if let Some(v) = &o.value { <dt>{ "writes" }</dt><dd>{ v.clone() }{ if o.blind { " (blind)" } else { "" } }</dd> }
                if o.acked_by.is_some() { <dt>{ "write set" }</dt><dd>{ list(&o.acked_by) }{ if o.late_acks.is_empty() { String::new() } else { format!(" (later: {})", o.late_acks.join(", ")) } }</dd> }
                if o.replied_by.is_some() { <dt>{ "read set" }</dt><dd>{ list(&o.replied_by) }</dd> }
                if o.values.is_some() { <dt>{ "returned" }</dt><dd>{ o.values.as_ref().map(|v| if v.is_empty() { "∅ (nothing)".to_string() } else { v.join(" | ") }).unwrap_or_default() }</dd> }
                if !o.read_repaired.is_empty() { <dt>{ "read repair" }</dt><dd>{ o.read_repaired.join(", ") }{ if sc.repl.blocking_read_repair && o.status == quorumscope_core::OpStatus::Ok { " (blocking: the get returned only once W replicas held what it returned)" } else { "" } }</dd> }
            </dl>
            <p class="quorum-line">{ m.quorum_line(o.index) }</p>
        </div>
    }
}

/// An operation not completed yet at the cursor: what it is, and the answers that have reached
/// its client so far. Its result, status and quorum verdict wait until it completes.
fn op_so_far(p: &InspectorProps, o: &OpReport) -> Html {
    let (m, sc) = (&p.model, p.model.sc());
    let started = o.start_ms.is_some_and(|s| quorumscope_core::ms_to_us(s) <= p.known_us);
    let answered: Vec<&str> = m.answered_by(o.index, p.known_us).iter().map(|n| m.node_name(*n)).collect();
    let (need, what) = if o.value.is_some() { (sc.repl.w, "acknowledged by") } else { (sc.repl.r, "replies from") };
    html! {
        <div class="inspect-op">
            <h3>{ format!("Operation {}: {} {} by {}", o.index, o.op.name(), o.key, o.client) }</h3>
            <dl>
                <dt>{ "status" }</dt><dd>{ if started { "in progress" } else { "not started yet" } }</dd>
                <dt>{ "preference" }</dt><dd>{ preference(o, sc.repl.n as usize, sc.nodes.len()) }</dd>
                if let Some(v) = &o.value { <dt>{ "writes" }</dt><dd>{ v.clone() }{ if o.blind { " (blind)" } else { "" } }</dd> }
                if started { <dt>{ what }</dt><dd>{ format!("{} so far ({} of {need} needed)", if answered.is_empty() { "none".to_string() } else { answered.join(", ") }, answered.len()) }</dd> }
            </dl>
        </div>
    }
}

/// The selected message, in words, and when it is sent and arrives (or is lost).
fn msg_section(p: &InspectorProps, r: &MsgRecord) -> Html {
    let m = &p.model;
    html! {
        <div class="inspect-msg">
            <h3>{ format!("Message: {}", super::kinds::label(r.kind)) }</h3>
            <p>{ m.describe_msg(r, p.known_us) }</p>
            if r.gone_us() <= p.known_us {
                <p class="muted">{ format!("sent {} · {} {}", fmt_ms(r.sent_us), match (r.fate, r.lost_at_us) { (_, Some(_)) => "lost at", (quorumscope_core::Fate::Dropped(_), None) => "dropped at", _ => "arrived" }, fmt_ms(r.gone_us())) }</p>
            } else {
                <p class="muted">{ format!("sent {} · in flight", fmt_ms(r.sent_us)) }</p>
            }
            if let Some(o) = r.payload.op() {
                <button onclick={{ let cb = p.on_op.clone(); Callback::from(move |_| cb.emit(o)) }}>{ format!("Show operation {o}") }</button>
            }
        </div>
    }
}
