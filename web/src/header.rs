//! The page's chrome: the header (lesson picker, Import, Glossary, Copy link, Embed, Export, help)
//! and, in embed mode, the bar with "More" and "Open in Quorumscope". Packing a link and reading
//! a file are asynchronous: they dispatch when the browser answers.

use crate::dom::{self, attr_escape, page_url};
use crate::lessons;
use crate::link::{self, View};
use crate::state::{Action, AppState, Dialog};
use crate::words;
use quorumscope_core::scenario::MAX_SCENARIO_BYTES;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// The header. A plain function, not a component: what its buttons share changes on every frame.
pub fn header(state: &UseReducerHandle<AppState>) -> Html {
    let d = state.dispatcher();
    let custom = state.lesson.is_none() || state.edited;
    let on_glossary = d.to_callback().reform(|_: MouseEvent| Action::OpenDialog(Dialog::Glossary));
    let on_help = d.to_callback().reform(|_: MouseEvent| Action::ToggleHelp);
    let big = state.view.text_scale() > 1;
    let on_scale = d.to_callback().reform(move |_: MouseEvent| Action::SetScale(if big { 1 } else { 2 }));
    html! {
        <header class="top">
            <h1><span class="logo" aria-hidden="true">{ "◎" }</span>{ " Quorumscope" }</h1>
            { lesson_picker(state.lesson.as_deref().filter(|_| !custom), state.lesson_number().filter(|_| custom), &d) }
            <div class="actions">
                <label class="button" title="Load a scenario JSON file, or a Jepsen register history">{ "Import" }
                    <input type="file" accept=".json,application/json,.log,.txt,.edn,text/plain" class="visually-hidden" onchange={on_import(d.clone())} aria-label="Import a scenario file or a Jepsen history" />
                </label>
                <button onclick={on_glossary} data-action="glossary">{ "Glossary" }</button>
                <button onclick={on_copy_link(state.clone())} data-action="copy-link" title="Put the whole experiment in the address and copy it">{ "Copy link" }</button>
                <button onclick={on_embed(state.clone())} data-action="embed" title="An iframe snippet for a course page">{ "Embed" }</button>
                <button onclick={on_export(state.clone())} title="Download this experiment as a scenario file the CLI can run">{ "Export" }</button>
                <button onclick={d.to_callback().reform(|_: MouseEvent| Action::OpenDialog(Dialog::Figure))} data-action="figure" aria-haspopup="dialog" title="Download the ring or the space-time diagram at this instant, as SVG or PNG">{ "Figure" }</button>
                if state.imported.is_none() {
                    <button onclick={Callback::from(|_: MouseEvent| dom::show_and_focus("#lab"))} data-action="lab" title={words::LAB_BUTTON_HELP}>{ words::LAB_BUTTON }</button>
                }
                <button onclick={on_scale} data-action="scale" aria-pressed={big.to_string()} title="Text twice as large, for a projector (scale=2 in the link)">{ "Projector" }</button>
                <button onclick={on_help} aria-label="Help and keyboard shortcuts" title="Help (?)">{ "?" }</button>
            </div>
        </header>
    }
}

/// The lesson menu, with `lesson` selected (`None`: the experiment is the reader's own). The
/// titles are read from the files once (`lessons::title`), not on every render.
fn lesson_picker(lesson: Option<&str>, from: Option<usize>, d: &UseReducerDispatcher<AppState>) -> Html {
    let d = d.clone();
    let onchange = Callback::from(move |e: Event| {
        if let Some(s) = dom::target::<web_sys::HtmlSelectElement>(&e) {
            if !s.value().is_empty() {
                d.dispatch(Action::LoadLesson(s.value()));
            }
        }
    });
    html! {
        <label class="lesson-pick">{ "Lesson " }
            <select {onchange} aria-label="Lesson">
                if lesson.is_none() { <option value="" selected=true>{ words::from_lesson(from.unwrap_or(0)).trim_end_matches(':').to_string() }</option> }
                { for lessons::LESSONS.iter().enumerate().map(|(i, l)| html! {
                    <option value={l.slug} selected={lesson == Some(l.slug)}>{ format!("{}. {}", i + 1, lessons::title(l.slug)) }</option>
                }) }
            </select>
        </label>
    }
}

/// Import: a scenario file's text, read by the browser, within the size cap.
fn on_import(d: UseReducerDispatcher<AppState>) -> Callback<Event> {
    Callback::from(move |e: Event| {
        let Some(input) = dom::target::<web_sys::HtmlInputElement>(&e) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        if file.size() > MAX_SCENARIO_BYTES as f64 {
            return d.dispatch(Action::Fail(words::too_big(&file.name(), file.size(), MAX_SCENARIO_BYTES)));
        }
        let d = d.clone();
        let name = file.name();
        wasm_bindgen_futures::spawn_local(async move {
            // Bytes, not the browser's text: it would replace a byte that is not UTF-8 by U+FFFD
            // and load a title the file does not have. Refused where the CLI refuses it.
            let bytes = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok();
            let Some(bytes) = bytes.map(|b| js_sys::Uint8Array::new(&b).to_vec()) else {
                return d.dispatch(Action::Fail(words::unreadable(&name)));
            };
            match quorumscope_core::scenario::text_of(bytes) {
                Ok(text) => d.dispatch(Action::Import(name.clone(), text)),
                Err(e) => d.dispatch(Action::Fail(words::not_utf8(&name, &e.to_string()))),
            }
        });
    })
}

/// Figure: the view chosen in the Figure dialog at this instant, downloaded (the dialog closes).
pub fn on_figure(state: &UseReducerHandle<AppState>) -> Callback<(crate::figure::What, crate::figure::Format)> {
    use crate::figure;
    let state = state.clone();
    Callback::from(move |(what, format)| {
        let (state, lesson, t) = (state.clone(), state.lesson.clone(), state.t_us);
        wasm_bindgen_futures::spawn_local(async move {
            let saved = figure::save(figure::file_name(lesson.as_deref(), what, t, format), what, format).await;
            state.dispatch(Action::CloseDialog);
            if let Err(e) = saved {
                state.dispatch(Action::Fail(e));
            }
        });
    })
}

/// Export: the experiment as a scenario file download.
fn on_export(state: UseReducerHandle<AppState>) -> Callback<MouseEvent> {
    Callback::from(move |_: MouseEvent| {
        // Compact, as links are written (one serializer in the bundle), then laid out for
        // people through a JSON tree.
        let compact = serde_json::to_string(&state.model.file).unwrap_or_default();
        let text = serde_json::from_str::<serde_json::Value>(&compact)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_default();
        if dom::download("quorumscope-scenario.json", &text).is_err() {
            state.dispatch(Action::Fail(words::DOWNLOAD_REFUSED.into()));
        }
    })
}

/// Copy link: the address gets the whole experiment, the clipboard a copy, a dialog shows it.
/// Links are packed by the browser's CompressionStream, which answers asynchronously.
fn on_copy_link(state: UseReducerHandle<AppState>) -> Callback<MouseEvent> {
    Callback::from(move |_: MouseEvent| {
        let (shared, unchanged, view) = (state.shared(), state.unchanged_lesson(), state.view.clone());
        let d = state.dispatcher();
        wasm_bindgen_futures::spawn_local(async move {
            let frag = match link::fragment_in_browser(shared, unchanged, view).await {
                Ok(frag) => frag,
                Err(e) => return d.dispatch(Action::Fail(e)),
            };
            if let Some(w) = web_sys::window() {
                // replaceState: the address now holds the experiment, without a reload or a
                // hashchange event.
                if let Ok(h) = w.history() {
                    let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&frag));
                }
                let url = format!("{}{}", page_url(false), frag);
                let _ = w.navigator().clipboard().write_text(&url);
                d.dispatch(Action::OpenDialog(Dialog::Link(url)));
            }
        });
    })
}

/// The iframe snippet for a course page (text for the reader to copy, escaped as HTML).
fn iframe(page: &str, frag: &str, title: &str) -> String {
    format!(
        "<iframe src=\"{}{}\" width=\"720\" height=\"480\" style=\"border:0;max-width:100%\" title=\"Quorumscope: {}\" loading=\"lazy\"></iframe>",
        attr_escape(page),
        attr_escape(frag),
        attr_escape(title)
    )
}

/// Embed: the snippet, in a dialog.
fn on_embed(state: UseReducerHandle<AppState>) -> Callback<MouseEvent> {
    Callback::from(move |_: MouseEvent| {
        let view = View { embed: true, ..state.view.clone() };
        let (shared, unchanged) = (state.shared(), state.unchanged_lesson());
        let title = state.model.sc().title.clone();
        let d = state.dispatcher();
        wasm_bindgen_futures::spawn_local(async move {
            match link::fragment_in_browser(shared, unchanged, view).await {
                Ok(frag) => d.dispatch(Action::OpenDialog(Dialog::Embed(iframe(&page_url(true), &frag, &title)))),
                Err(e) => d.dispatch(Action::Fail(e)),
            }
        });
    })
}

/// Embed mode's bar: "More" (every panel: `more`) and a link to the full app with this
/// experiment (`open_ref` is that link).
pub fn embed_bar(state: &UseReducerHandle<AppState>, more: &UseStateHandle<bool>, open_ref: &NodeRef) -> Html {
    // The link carries the experiment as it is when followed. It is filled in on focus or
    // mouse-down (both come well before the click that follows the link; packing takes a
    // millisecond or two), not encoded on every frame. Yew delegates events to the app's root,
    // so the event's `current_target` is not the link: the link is found by its NodeRef.
    let fill_href = {
        let (state, open_ref) = (state.clone(), open_ref.clone());
        Callback::from(move |_: web_sys::Event| {
            let Some(a) = open_ref.cast::<web_sys::HtmlAnchorElement>() else { return };
            let (shared, unchanged) = (state.shared(), state.unchanged_lesson());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(frag) = link::fragment_in_browser(shared, unchanged, View::default()).await {
                    a.set_href(&format!("{}{}", page_url(false), frag));
                }
            });
        })
    };
    let more = more.clone();
    let label = if *more { "Less" } else { "More: controls, history, diagrams" };
    // A landmark (as the full page's header is), so nothing on an embed is outside one.
    html! {
        <nav class="embed-bar" aria-label="Quorumscope">
            <button onclick={{ let m = more.clone(); Callback::from(move |_| m.set(!*m)) }} aria-expanded={more.to_string()} data-action="more">{ label }</button>
            <a ref={open_ref.clone()} href={page_url(false)} target="_blank" rel="noopener" onmousedown={fill_href.reform(|e: MouseEvent| e.into())} onfocus={fill_href.reform(|e: FocusEvent| e.into())}>{ "Open in Quorumscope ↗" }</a>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embed_snippet_escapes_what_it_quotes() {
        let s = super::iframe("https://x.org/q/?embed", "#lesson=a&t=1", "Say \"hi\" <b>");
        assert_eq!(
            s,
            "<iframe src=\"https://x.org/q/?embed#lesson=a&amp;t=1\" width=\"720\" height=\"480\" style=\"border:0;max-width:100%\" title=\"Quorumscope: Say &quot;hi&quot; &lt;b&gt;\" loading=\"lazy\"></iframe>"
        );
    }
}
