//! Small helpers over the browser: its clock, the page's address, the reduced-motion preference,
//! downloads, focus and event targets. Natively they do nothing (or return nothing).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Milliseconds from the page's high-resolution clock (for measurements, never the simulation).
pub fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// What the page's address asks for: a lesson, a share link, embed options.
pub async fn location_fragment() -> crate::link::Fragment {
    let loc = web_sys::window().map(|w| w.location());
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    let search = loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    if hash == RESTORE_LAST_GOOD {
        return last_good_fragment();
    }
    crate::link::parse_in_browser(&hash, &search).await
}

/// The address index.html's watchdog opens after the app stopped: the last experiment this tab
/// showed whole.
const RESTORE_LAST_GOOD: &str = "#restore=last";

/// Where this tab keeps the last experiment it showed whole (the JSON a `v1` link packs), for
/// the page that stops (index.html's watchdog). Per tab, never sent anywhere.
const LAST_GOOD_KEY: &str = "quorumscope-last-good-v1";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// Keeps `text` as the last experiment shown whole (written when the experiment changes).
pub fn keep_last_good(text: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(LAST_GOOD_KEY, text);
    }
}

fn last_good_fragment() -> crate::link::Fragment {
    let kept = session_storage().and_then(|s| s.get_item(LAST_GOOD_KEY).ok().flatten());
    crate::link::from_last_good(kept.as_deref())
}

/// The page's address without its fragment, for links and embed snippets.
pub fn page_url(embed: bool) -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else { return String::new() };
    let base = format!("{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default());
    if embed {
        format!("{base}?embed")
    } else {
        base
    }
}

/// Where the student's own experiment is kept in this browser (never sent anywhere).
const DRAFT_KEY: &str = "quorumscope-draft-v1";

fn local_storage() -> Option<web_sys::Storage> {
    // Storage may be refused (private modes, sandboxed frames): then nothing is kept.
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The kept experiment, if there is one.
pub fn kept_draft() -> Option<String> {
    local_storage().and_then(|s| s.get_item(DRAFT_KEY).ok().flatten())
}

/// Keeps `text` as the student's experiment; `None` forgets it. A full or refused storage is
/// not an error the student can act on, so it is ignored.
pub fn keep_draft(text: Option<&str>) {
    if let Some(s) = local_storage() {
        let _ = match text {
            Some(t) => s.set_item(DRAFT_KEY, t),
            None => s.remove_item(DRAFT_KEY),
        };
    }
}

/// Text for an HTML attribute value.
pub fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Text as a JSON file download.
pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)
}

/// Adds a stylesheet (our own rules, never text from a scenario) to the page's head.
pub fn add_style(css: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Ok(style), Some(head)) = (doc.create_element("style"), doc.head()) else { return };
    style.set_text_content(Some(css));
    let _ = head.append_child(&style);
}

/// Removes what index.html paints before the wasm arrives (title, lesson words, a placeholder
/// ring): the app has rendered in its place.
pub fn remove_boot_screen() {
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
}

/// The page's colours: `data-theme` on the root element (`light` or `dark`; none: the system's),
/// which the stylesheet's variables follow. Written only when it changes (this runs on every
/// render, before the canvas reads the variables).
pub fn set_theme(theme: crate::link::Theme) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    let want = (theme != crate::link::Theme::Auto).then(|| theme.name());
    if root.get_attribute("data-theme").as_deref() != want {
        let _ = match want {
            Some(t) => root.set_attribute("data-theme", t),
            None => root.remove_attribute("data-theme"),
        };
    }
}

/// A phone-sized window (the layout stacks the panels and docks the question under the ring).
pub fn is_narrow() -> bool {
    web_sys::window().and_then(|w| w.match_media("(max-width: 760px)").ok().flatten()).is_some_and(|m| m.matches())
}

/// The first element matching a CSS selector.
pub fn element(selector: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.query_selector(selector).ok()?
}

/// The element that has the keyboard focus, if it can take it back later.
pub fn focused() -> Option<web_sys::HtmlElement> {
    web_sys::window()?.document()?.active_element()?.dyn_into().ok()
}

/// Brings the element matching `selector` to the top of the view and gives it the focus (as a
/// programmatic target: `tabindex=-1`), once the render now queued has happened.
pub fn show_and_focus(selector: &'static str) {
    gloo_timers::callback::Timeout::new(0, move || {
        let Some(el) = element(selector) else { return };
        el.scroll_into_view();
        if !el.has_attribute("tabindex") {
            let _ = el.set_attribute("tabindex", "-1");
        }
        if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = h.focus();
        }
    })
    .forget();
}

/// An event's target as a given kind of element (an `<input>`, a `<select>`...).
pub fn target<T: JsCast>(e: &web_sys::Event) -> Option<T> {
    e.target()?.dyn_into().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn attribute_text_cannot_close_the_attribute_or_open_a_tag() {
        assert_eq!(super::attr_escape(r#"a "b" <c> & d"#), "a &quot;b&quot; &lt;c&gt; &amp; d");
    }
}
