//! Operation history and the checker's anomalies. Selecting either jumps to its time and
//! highlights the operations and messages behind it.

use crate::model::Model;
use crate::state::Selection;
use quorumscope_core::num::fixed;
use std::rc::Rc;
use yew::prelude::*;

/// Rows drawn at once; a long run shows the window around the current time.
pub const MAX_ROWS: usize = 200;

#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    pub model: Rc<Model>,
    pub t_us: u64,
    pub selection: Selection,
    pub on_op: Callback<u32>,
    pub on_anomaly: Callback<usize>,
}

#[derive(Clone, Copy, PartialEq)]
pub enum Phase {
    Later,
    Active,
    Done,
}

#[derive(Properties, PartialEq)]
pub struct RowProps {
    pub model: Rc<Model>,
    pub index: u32,
    pub phase: Phase,
    pub selected: bool,
    pub related: bool,
    /// How many of its anomalies the checker could know of by now (tags shown).
    pub seen: usize,
    pub on_op: Callback<u32>,
}

/// One operation. A component of its own so that, as time moves, only rows whose phase changes
/// are re-rendered.
#[function_component]
fn Row(p: &RowProps) -> Html {
    let m = &p.model;
    let o = &m.report.ops[p.index as usize];
    let (started, done) = (p.phase != Phase::Later, p.phase == Phase::Done);
    use quorumscope_core::OpStatus;
    // What the row says about the outcome, once it is known.
    let (status, label) = match (done, started, o.status, o.outcome) {
        (true, _, OpStatus::Ok, _) => ("ok", "✓ ok"),
        (true, _, OpStatus::Failed, Some("refused")) => ("failed", "✗ refused: too many siblings"),
        (true, _, OpStatus::Failed, Some(_)) => ("failed", "✗ failed: indeterminate"),
        (true, _, OpStatus::Failed, None) => ("failed", "✗ failed"),
        (true, _, OpStatus::Pending, _) => ("pending", "pending"),
        (false, true, _, _) => ("in progress", "in progress"),
        (false, false, _, _) => ("later", "later"),
    };
    let result = match (&o.value, &o.values) {
        (Some(v), _) => format!("{} = {}", o.key, v),
        (None, Some(vs)) if done => {
            format!("{} → {}", o.key, if vs.is_empty() { "∅".to_string() } else { vs.join(" | ") })
        }
        (None, _) => format!("{} → …", o.key),
    };
    let kinds: Vec<&str> =
        m.anomalies.iter().filter(|a| a.op == Some(o.index) && done).take(p.seen).map(|a| a.kind.title()).collect();
    let idx = o.index;
    let onclick = {
        let on_op = p.on_op.clone();
        Callback::from(move |_: MouseEvent| on_op.emit(idx))
    };
    let onkeydown = {
        let on_op = p.on_op.clone();
        // Enter and Space, as on a button; the page's Space shortcut (play) skips a handled key.
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_op.emit(idx)
            }
        })
    };
    // A row's name for a screen reader: what its cells say, in one line.
    let name = format!("Operation {idx}: {} {} {result}, {label}", o.client, o.op.name());
    html! {
        <tr data-op={idx.to_string()} data-status={if done { o.status.name() } else { status }}
            class={classes!(p.selected.then_some("selected"), p.related.then_some("related"), (!started).then_some("future"), (started && !done).then_some("active"))}
            tabindex="0" {onclick} {onkeydown} aria-label={name} aria-selected={p.selected.to_string()}>
            <td>{ idx }</td>
            <td>{ o.client.clone() }</td>
            <td>{ o.op.name() }</td>
            <td class="result">{ result }</td>
            <td class="num">{ o.start_ms.map(|s| fixed(s, 1)).unwrap_or_default() }</td>
            <td class="num">{ if done { o.end_ms.map(|s| fixed(s, 1)).unwrap_or_default() } else { String::new() } }</td>
            <td><span class={classes!("status", status.replace(' ', "-"))}>{ label }</span></td>
            <td>{ for kinds.iter().map(|k| html! { <span class="anomaly-tag">{ *k }</span> }) }</td>
        </tr>
    }
}

#[function_component]
pub fn History(p: &HistoryProps) -> Html {
    let m = &p.model;
    let ops = &m.report.ops;
    let t_ms = p.t_us as f64 / 1000.0;
    let sel_anomaly = p.selection.anomaly.and_then(|i| m.anomalies.get(i));
    // Behind a selected anomaly, or a consistency model's witness.
    let mut related: Vec<u32> = sel_anomaly.map(|a| a.related_ops.clone()).unwrap_or_default();
    if p.selection.verdict.is_some() {
        related.extend(p.selection.focus_ops(m));
    }
    // Rows around the current time when there are many.
    let first_now = ops.partition_point(|o| o.start_ms.is_some_and(|s| s < t_ms));
    // The window slides in steps of a quarter, so rows are not added and removed every frame.
    let step = MAX_ROWS / 4;
    let lo = (first_now.saturating_sub(MAX_ROWS / 2) / step * step).min(ops.len().saturating_sub(MAX_ROWS));
    let hi = (lo + MAX_ROWS).min(ops.len());
    let rows = ops[lo..hi].iter().map(|o| {
        let started = o.start_ms.is_some_and(|s| s <= t_ms);
        let done = o.end_ms.is_some_and(|e| e <= t_ms);
        let phase = if done {
            Phase::Done
        } else if started {
            Phase::Active
        } else {
            Phase::Later
        };
        let seen = m.anomalies_by(p.t_us).filter(|(_, a)| a.op == Some(o.index)).count();
        html! {
            <Row key={o.index} model={Rc::clone(m)} index={o.index} {phase} selected={p.selection.op == Some(o.index)}
                 related={related.contains(&o.index)} {seen} on_op={p.on_op.clone()} />
        }
    });
    // Only what the checker could know by now: each anomaly from its time, divergence at the end.
    let known: Vec<(usize, &quorumscope_core::Anomaly)> = m.anomalies_by(p.t_us).collect();
    let finished = p.t_us >= m.end_us;
    let anomalies = known.iter().map(|(i, a)| {
        let (i, seen) = (*i, true);
        let on_anomaly = p.on_anomaly.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_anomaly.emit(i));
        html! {
            <li key={i} class={classes!("anomaly", a.kind.name(), (p.selection.anomaly == Some(i)).then_some("selected"), (!seen).then_some("future"))}>
                <button {onclick} data-anomaly={a.kind.name()}>
                    <strong>{ a.kind.title() }</strong>
                    { a.op.map(|o| format!(" · op {o}")).unwrap_or_default() }
                    { format!(" · {}", crate::model::fmt_ms(a.at_us)) }
                </button>
                <p>{ a.explanation.clone() }</p>
                <details class="definition"><summary>{ format!("What is a {}?", a.kind.title().to_ascii_lowercase()) }</summary><p>{ a.kind.definition() }</p></details>
            </li>
        }
    });
    // Once a kind's list is full, the count is of what is listed, and the note says so first.
    let full = listing_full(&known);
    let count = quorumscope_core::num::grouped(known.len() as u64);
    let count = if full.is_some() { format!("{count} listed") } else { count };
    html! {
        <>
            <section class="panel anomalies" aria-label="Anomalies">
                <header class="panel-head"><h2>{ if finished { format!("Anomalies ({count})") } else { format!("Anomalies so far ({count})") } }</h2></header>
                if let Some(note) = full {
                    <p class="muted" data-not-listed="">{ note }</p>
                }
                if known.is_empty() && finished {
                    <p class="muted">{ "None in this run: every read saw the latest completed write, nothing was lost and the replicas agree at the end. Whether the run is linearizable is a stronger question: see the Consistency panel." }</p>
                } else if known.is_empty() {
                    <p class="muted">{ "None so far. The checker lists each anomaly once it has happened; whether the replicas agree is known at the end of the run. Linearizability and the other models: the Consistency panel." }</p>
                } else {
                    <ul>{ for anomalies }</ul>
                }
            </section>
            <section class="panel history" aria-label="Operation history">
                <header class="panel-head"><h2>{ format!("Operations ({})", ops.len()) }</h2>
                    if ops.len() > MAX_ROWS { <span class="muted">{ format!("showing {}–{}", lo, hi - 1) }</span> }
                </header>
                <div class="table-wrap">
                <table>
                    <thead><tr><th>{"#"}</th><th>{"client"}</th><th>{"op"}</th><th>{"key / result"}</th><th>{"start ms"}</th><th>{"end ms"}</th><th>{"status"}</th><th>{"anomaly"}</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                </div>
            </section>
        </>
    }
}

/// Said once the list shown holds as many anomalies of some kind as the checker lists (whether or
/// not the run has more: that would tell what the cursor has not reached).
fn listing_full(known: &[(usize, &quorumscope_core::Anomaly)]) -> Option<String> {
    let limit = quorumscope_core::MAX_LISTED_PER_KIND;
    let full: Vec<&str> = quorumscope_core::AnomalyKind::ALL
        .into_iter()
        .filter(|k| known.iter().filter(|(_, a)| a.kind == *k).count() >= limit)
        .map(|k| k.title())
        .collect();
    (!full.is_empty()).then(|| crate::words::listing_full(limit, &full))
}
