//! Settings (N, W, R, toggles, conflict mode, cluster shape, seed) and interventions (crash,
//! recover, datacenter down, partition, heal, put, get).

use crate::model::Model;
use crate::state::Setting;
use quorumscope_core::num::{fixed, num};
use quorumscope_core::scenario::{Action as Ev, ConflictMode};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub const AE_CHOICES_MS: [Option<f64>; 5] = [None, Some(200.0), Some(500.0), Some(1000.0), Some(2000.0)];

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub model: Rc<Model>,
    pub on_set: Callback<Setting>,
    pub on_intervene: Callback<Ev>,
    pub on_undo: Callback<()>,
    pub can_undo: bool,
    /// A lesson question waits for its answer: the panel keeps its conclusions (whether the
    /// quorums overlap, what the conflict mode keeps) to itself until then.
    #[prop_or_default]
    pub asking: bool,
}

/// The menu's periods, plus the scenario's own if it is not one of them (a lesson's 400 ms must
/// show as 400 ms, not as whatever option comes first).
fn ae_choices(current: Option<f64>) -> Vec<Option<f64>> {
    let mut v = AE_CHOICES_MS.to_vec();
    if !v.contains(&current) {
        let at = v.iter().position(|c| c.unwrap_or(0.0) > current.unwrap_or(0.0)).unwrap_or(v.len());
        v.insert(at, current);
    }
    v
}

fn input_value(e: &Event) -> Option<String> {
    let t = e.target()?;
    if let Ok(i) = t.clone().dyn_into::<web_sys::HtmlInputElement>() {
        return Some(i.value());
    }
    t.dyn_into::<web_sys::HtmlSelectElement>().ok().map(|s| s.value())
}

fn checked(e: &Event) -> bool {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked())
}

/// A slider whose value is shown next to it; emits on every move.
fn slider(name: &str, label: &str, value: u32, min: u32, max: u32, help: &str, emit: Callback<u32>) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        if let Some(v) =
            e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|i| i.value().parse().ok())
        {
            emit.emit(v);
        }
    });
    let id = format!("ctl-{name}");
    html! {
        <div class="slider">
            <label for={id.clone()}>{ label }<span class="value">{ value }</span></label>
            <input type="range" id={id} name={name.to_string()} min={min.to_string()} max={max.to_string()} value={value.to_string()}
                   aria-valuetext={format!("{label} = {value}")} title={help.to_string()} {oninput} />
        </div>
    }
}

fn toggle(name: &str, label: &str, value: bool, help: &str, emit: Callback<bool>) -> Html {
    let onchange = Callback::from(move |e: Event| emit.emit(checked(&e)));
    html! {
        <label class="toggle" title={help.to_string()}>
            <input type="checkbox" name={name.to_string()} checked={value} {onchange} />
            { label }
        </label>
    }
}

#[function_component]
pub fn Controls(p: &ControlsProps) -> Html {
    let form = use_form(&p.model);
    html! {
        <section class="panel controls" aria-label="Settings">
            <header class="panel-head"><h2>{ "Replication" }</h2></header>
            { replication(p) }
            { anti_entropy_and_conflicts(p) }
            { cluster(p) }
            { interventions(p, form) }
        </section>
    }
}

/// A callback that turns a control's value into a setting.
fn set<T: 'static>(p: &ControlsProps, f: fn(T) -> Setting) -> Callback<T> {
    p.on_set.reform(f)
}

/// Whether read and write sets must share a replica: only among the same N home replicas, so a
/// sloppy quorum (writes on fallbacks) breaks it. While a question is open, only the numbers.
pub fn overlap_words(wr: u32, n: u32, sloppy: bool, asking: bool) -> String {
    if asking {
        return format!("W+R = {wr}, N = {n}");
    }
    match (wr > n, sloppy) {
        (true, false) => format!("W+R = {wr} > N = {n}: every read set shares a replica with every write set"),
        (true, true) => format!(
            "W+R = {wr} > N = {n}, but with a sloppy quorum a write may land on fallbacks, so a read of the home replicas can miss it"
        ),
        (false, _) => format!("W+R = {wr} ≤ N = {n}: a read set can miss the write set, so a read can miss the latest write"),
    }
}

/// N, W and R, whether they overlap, and the sloppy-quorum, handoff and read-repair toggles.
fn replication(p: &ControlsProps) -> Html {
    let sc = p.model.sc();
    let r = &sc.repl;
    let nodes = sc.nodes.len() as u32;
    let wr = r.w + r.r;
    let overlap = overlap_words(wr, r.n, r.sloppy_quorum, p.asking);
    html! {
        <>
            { slider("n", "N replicas", r.n, 1, nodes, "Home replicas per key", set(p, Setting::N)) }
            { slider("w", "W acks", r.w, 1, r.n, "Acknowledgements a put waits for", set(p, Setting::W)) }
            { slider("r", "R replies", r.r, 1, r.n, "Replies a get waits for", set(p, Setting::R)) }
            <p class={classes!("overlap", if wr > r.n { "yes" } else { "no" })} role="status">{ overlap }</p>
            { toggle("sloppy", "Sloppy quorum", r.sloppy_quorum, "Use the first N healthy nodes, leaving hints on fallbacks (Dynamo, Riak)", set(p, Setting::Sloppy)) }
            { toggle("hinted_handoff", "Hinted handoff", r.hinted_handoff, "Fallbacks hand hinted writes home once the replica is reachable", set(p, Setting::HintedHandoff)) }
            if r.conflicts.repairs() {
                { toggle("read_repair", "Read repair", r.read_repair, "After a get, send the newest version to replicas that answered with older data (Dynamo/Riak style, asynchronous)", set(p, Setting::ReadRepair)) }
                { toggle("blocking_read_repair", "Blocking read repair", r.blocking_read_repair, "A get returns only once the value it returns is on W replicas: it writes it back to stale replicas and waits for their acks (ABD; Cassandra's default)", set(p, Setting::BlockingReadRepair)) }
            } else {
                <label class="toggle disabled" title={r.conflicts.design()}>
                    <input type="checkbox" name="read_repair" checked={false} disabled={true} />
                    { "Read repair (off: no versions to repair by)" }
                </label>
            }
        </>
    }
}

/// The anti-entropy period and the conflict mode, with a sentence on what the mode does.
fn anti_entropy_and_conflicts(p: &ControlsProps) -> Html {
    let r = &p.model.sc().repl;
    let on_ae = p.on_set.reform(|e: Event| Setting::AntiEntropy(input_value(&e).and_then(|v| crate::parse_f64(&v))));
    let on_conflicts = p.on_set.reform(|e: Event| {
        Setting::Conflicts(input_value(&e).and_then(|v| ConflictMode::from_name(&v)).unwrap_or_default())
    });
    // The core says what each mode does and which real system it follows.
    let conflict_help = r.conflicts.design();
    let repairs = r.conflicts.repairs();
    html! {
        <>
            <label class="field">{ "Anti-entropy " }
                <select name="anti_entropy" onchange={on_ae} disabled={!repairs} title={(!repairs).then_some(conflict_help)}>
                    { for ae_choices(r.anti_entropy_ms).iter().map(|c| html! {
                        <option value={c.map(num).unwrap_or_default()} selected={*c == r.anti_entropy_ms}>
                            { c.map(|v| format!("every {} ms", num(v))).unwrap_or("off".into()) }
                        </option>
                    }) }
                </select>
            </label>
            <label class="field">{ "Conflicts " }
                <select name="conflicts" onchange={on_conflicts}>
                    { for ConflictMode::ALL.iter().map(|m| html! {
                        <option value={m.name()} selected={r.conflicts == *m}>{ m.label() }</option>
                    }) }
                </select>
            </label>
            if !p.asking { <p class="help conflict-design">{ conflict_help }</p> }
        </>
    }
}

/// Node and datacenter counts, message loss, seed.
fn cluster(p: &ControlsProps) -> Html {
    let sc = p.model.sc();
    let nodes = sc.nodes.len() as u32;
    let on = p.on_set.clone();
    let on_seed = Callback::from(move |e: Event| {
        if let Some(v) = input_value(&e).and_then(|v| v.trim().parse::<u64>().ok()) {
            on.emit(Setting::Seed(v))
        }
    });
    let on = p.on_set.clone();
    let on_loss = Callback::from(move |e: Event| {
        if let Some(v) = input_value(&e).and_then(|v| crate::parse_f64(&v)) {
            on.emit(Setting::Loss(v / 100.0))
        }
    });
    html! {
        <details class="cluster">
            <summary>{ "Cluster and network" }</summary>
            { slider("nodes", "Nodes", nodes, 1, 64, "Number of nodes", set(p, |v| Setting::Nodes(v as usize))) }
            { slider("datacenters", "Datacenters", sc.dcs.len() as u32, 1, 4, "Nodes are split into this many datacenters", set(p, |v| Setting::Datacenters(v as usize))) }
            <label class="field">{ "Message loss % " }
                <input type="number" name="loss" min="0" max="50" step="1" value={fixed(sc.loss * 100.0, 0)} onchange={on_loss} />
            </label>
            <label class="field">{ "Seed " }
                <input type="number" name="seed" min="0" value={sc.seed.to_string()} onchange={on_seed} />
            </label>
        </details>
    }
}

/// The put/get form and the partition picker: state that lives in the Controls component.
#[derive(Clone)]
pub struct Form {
    client: UseStateHandle<String>,
    key: UseStateHandle<String>,
    counter: UseStateHandle<u32>,
    value: UseStateHandle<String>,
    blind: UseStateHandle<bool>,
    side: UseStateHandle<Vec<String>>,
}

#[hook]
fn use_form(model: &Model) -> Form {
    let sc = model.sc();
    let first_client = sc.clients.first().map(|c| c.name.clone()).unwrap_or("alice".into());
    let first_key = sc.keys.first().cloned().unwrap_or("x".into());
    Form {
        client: use_state(move || first_client),
        key: use_state(move || first_key),
        counter: use_state(|| 1u32),
        value: use_state(String::new),
        blind: use_state(|| false),
        side: use_state(Vec::new),
    }
}

fn interventions(p: &ControlsProps, form: Form) -> Html {
    let on_undo = p.on_undo.reform(|_: MouseEvent| ());
    html! {
        <div class="interventions">
            <h3>{ "Do something now" }</h3>
            <p class="help">{ "Each action becomes a scenario event at the current time; the run replays from the start with it." }</p>
            { requests(p, &form) }
            { dc_buttons(p) }
            { partition_picker(p, form.side) }
            <p class="help">{ "Crash or recover a node: click it on the ring (or focus it and press Enter)." }</p>
            <button onclick={on_undo} disabled={!p.can_undo} data-action="undo">{ "Undo last action" }</button>
        </div>
    }
}

/// Put and get from any client, on any key.
fn requests(p: &ControlsProps, form: &Form) -> Html {
    let sc = p.model.sc();
    let Form { client, key, counter, value, blind, .. } = form.clone();
    let text_input = |h: UseStateHandle<String>| {
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                h.set(i.value());
            }
        })
    };
    let next_value = if value.is_empty() { format!("v{}", *counter) } else { (*value).clone() };
    let on_put = {
        let (c, k, v, b, on, counter, value) = (
            client.clone(),
            key.clone(),
            next_value.clone(),
            blind.clone(),
            p.on_intervene.clone(),
            counter.clone(),
            value.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            if c.trim().is_empty() || k.trim().is_empty() {
                return;
            }
            on.emit(Ev::Put { client: c.trim().to_string(), key: k.trim().to_string(), value: v.clone(), blind: *b });
            counter.set(*counter + 1);
            value.set(String::new());
        })
    };
    let on_get = {
        let (c, k, on) = (client.clone(), key.clone(), p.on_intervene.clone());
        Callback::from(move |_: MouseEvent| {
            if !c.trim().is_empty() && !k.trim().is_empty() {
                on.emit(Ev::Get { client: c.trim().to_string(), key: k.trim().to_string() })
            }
        })
    };
    html! {
        <>
            <div class="row">
                <label class="field small">{ "client" }<input name="client" list="client-names" value={(*client).clone()} oninput={text_input(client.clone())} /></label>
                <label class="field small">{ "key" }<input name="key" list="key-names" value={(*key).clone()} oninput={text_input(key.clone())} /></label>
                <label class="field small">{ "value" }<input name="value" placeholder={next_value.clone()} value={(*value).clone()} oninput={text_input(value.clone())} /></label>
            </div>
            <datalist id="client-names">{ for sc.clients.iter().map(|c| html! { <option value={c.name.clone()} /> }) }</datalist>
            <datalist id="key-names">{ for sc.keys.iter().map(|k| html! { <option value={k.clone()} /> }) }</datalist>
            <div class="row">
                <button class="primary" onclick={on_put} data-action="put">{ format!("Put {}", next_value) }</button>
                <button class="primary" onclick={on_get} data-action="get">{ "Get" }</button>
                <label class="toggle small" title="A blind put carries no context, so it replaces nothing (siblings mode)">
                    <input type="checkbox" checked={*blind} onchange={{ let b = blind.clone(); Callback::from(move |_: Event| b.set(!*b)) }} />{ "blind" }
                </label>
            </div>
        </>
    }
}

/// A datacenter down or back up, when there are several.
fn dc_buttons(p: &ControlsProps) -> Html {
    let sc = p.model.sc();
    if sc.dcs.len() <= 1 {
        return html! {};
    }
    html! {
        <div class="row">
            { for sc.dcs.iter().map(|d| {
                let (on1, on2, d1, d2) = (p.on_intervene.clone(), p.on_intervene.clone(), d.clone(), d.clone());
                html! {
                    <span class="dc-actions">
                        <button onclick={Callback::from(move |_| on1.emit(Ev::CrashDc(d1.clone())))} aria-label={format!("Take datacenter {d} down")}>{ format!("{d} down") }</button>
                        <button onclick={Callback::from(move |_| on2.emit(Ev::RecoverDc(d2.clone())))} aria-label={format!("Bring datacenter {d} up")}>{ format!("{d} up") }</button>
                    </span>
                }
            }) }
        </div>
    }
}

/// Cut the network between the ticked nodes and everyone else, or heal it.
fn partition_picker(p: &ControlsProps, side: UseStateHandle<Vec<String>>) -> Html {
    let sc = p.model.sc();
    let partition_boxes = sc.nodes.iter().map(|n| {
        let name = n.name.clone();
        let side = side.clone();
        let on = side.contains(&name);
        let onchange = Callback::from(move |_: Event| {
            let mut v = (*side).clone();
            if let Some(i) = v.iter().position(|x| *x == name) {
                v.remove(i);
            } else {
                v.push(name.clone());
            }
            side.set(v);
        });
        html! { <label class="chip"><input type="checkbox" checked={on} {onchange} />{ n.name.clone() }</label> }
    });
    let on_cut = {
        let (side, on, model) = (side.clone(), p.on_intervene.clone(), Rc::clone(&p.model));
        Callback::from(move |_: MouseEvent| {
            if side.is_empty() || side.len() == model.sc().nodes.len() {
                return;
            }
            // Clients are listed with the other side: unlisted actors would form a third group.
            let sc = model.sc();
            let rest: Vec<String> = sc
                .nodes
                .iter()
                .map(|n| n.name.clone())
                .filter(|n| !side.contains(n))
                .chain(sc.clients.iter().map(|c| c.name.clone()))
                .collect();
            on.emit(Ev::Partition(vec![(*side).clone(), rest]));
        })
    };
    let on_heal = p.on_intervene.reform(|_: MouseEvent| Ev::Heal);
    html! {
        <details class="partition">
            <summary>{ "Partition the network" }</summary>
            <p class="help">{ "Tick the nodes on one side of the cut; clients stay with the other side." }</p>
            <div class="chips">{ for partition_boxes }</div>
            <div class="row">
                <button onclick={on_cut} data-action="partition">{ "Cut" }</button>
                <button onclick={on_heal} data-action="heal">{ "Heal" }</button>
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::overlap_words;

    #[test]
    fn the_quorum_line_says_overlap_only_where_it_holds_and_nothing_while_asking() {
        assert_eq!(
            overlap_words(4, 3, false, false),
            "W+R = 4 > N = 3: every read set shares a replica with every write set"
        );
        assert!(overlap_words(4, 3, true, false).contains("with a sloppy quorum a write may land on fallbacks"));
        assert!(overlap_words(2, 3, false, false).starts_with("W+R = 2 ≤ N = 3: a read set can miss"));
        assert_eq!(overlap_words(4, 3, true, true), "W+R = 4, N = 3", "no conclusion while a question waits");
    }
}
