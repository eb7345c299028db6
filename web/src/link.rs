//! Share links: the whole experiment in the URL fragment.
//!
//! Forms (all in the fragment, so nothing reaches a server):
//! - `#lesson=sloppy-quorum&t=350` — a preset, unchanged, at an instant;
//! - `#v1=PAYLOAD&t=350` — any experiment: PAYLOAD is the URL-safe base64 of the raw-deflated
//!   JSON of [`Shared`] (the full scenario with every intervention, time, selection, speed);
//! - options: `embed=1` (minimal chrome), `panels=history,spacetime,...`, `autoplay=1`,
//!   `reveal=1` (the whole run at once, for instructors: no questions, every result shown).
//!
//! A link is untrusted input. Its length, its inflated size and its event count are capped
//! ([`MAX_LINK_CHARS`], [`MAX_INFLATED_BYTES`], [`MAX_LINK_EVENTS`]); every failure becomes a
//! message saying what is wrong, never a panic. The `v1` prefix is the format's version: a later
//! format gets a new prefix and `v1` links keep decoding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use quorumscope_core::scenario::ScenarioFile;
use serde::Serialize;
use serde_json::Value;

pub const MAX_LINK_CHARS: usize = 64 * 1024;
pub const MAX_INFLATED_BYTES: usize = 1024 * 1024;
pub const MAX_LINK_EVENTS: usize = 5_000;
/// The newest format this build writes.
pub const VERSION: u32 = 1;

/// What a `v1` link carries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shared {
    pub scenario: ScenarioFile,
    pub t_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// The lesson it started from, for the lesson picker and captions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
}

impl Shared {
    /// Reads the JSON a link carries (by hand, as scenario files are read: see `scenario.rs`).
    fn from_json(v: &Value) -> Result<Shared, String> {
        let Value::Object(m) = v else { return Err("it is not a JSON object".into()) };
        if let Some(k) = m.keys().find(|k| !["scenario", "t_ms", "op", "speed", "lesson"].contains(&k.as_str())) {
            return Err(format!("unknown field `{k}`"));
        }
        let present = |k: &str| m.get(k).filter(|x| !x.is_null());
        let number =
            |k: &str| present(k).map(|x| x.as_f64().ok_or(format!("`{k}` must be a number, got {x}"))).transpose();
        let scenario = m.get("scenario").ok_or("it has no scenario")?;
        let scenario =
            quorumscope_core::scenario::from_value(scenario).map_err(|e| format!("the scenario is invalid — {e}"))?;
        let op = match present("op") {
            None => None,
            Some(x) => Some(
                x.as_u64()
                    .and_then(|o| u32::try_from(o).ok())
                    .ok_or(format!("`op` must be an operation number, got {x}"))?,
            ),
        };
        let lesson = match present("lesson") {
            None => None,
            Some(x) => Some(x.as_str().ok_or(format!("`lesson` must be a name, got {x}"))?.to_string()),
        };
        Ok(Shared { scenario, t_ms: number("t_ms")?.unwrap_or(0.0), op, speed: number("speed")?, lesson })
    }
}

/// Options that shape the page rather than the experiment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    pub embed: bool,
    pub autoplay: bool,
    /// Show the whole run at every instant (results, anomalies, later messages) and ask no
    /// questions: the instructor's view. Off, every view shows only what has happened by the cursor.
    pub reveal: bool,
    /// Panels to show in embed mode, in the link's order (`history`, `spacetime`, `controls`,
    /// `inspector`, `merkle`, `legend`); names this version does not know are left out.
    pub panels: Vec<crate::panel::Panel>,
    /// Text size for a projector: `scale=2` doubles every label (1 to 3; 0 or 1: as designed).
    pub scale: u8,
    /// Light or dark colours (`theme=light`, `theme=dark`), or the system's (`auto`, the default).
    pub theme: Theme,
}

/// The page's colours: the system's (`prefers-color-scheme`), or pinned light or dark (a course
/// page with its own colours, a projector in a dark room).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
    pub fn from_name(name: &str) -> Option<Theme> {
        [Theme::Auto, Theme::Light, Theme::Dark].into_iter().find(|t| t.name() == name)
    }
}

impl View {
    /// The text scale, at least 1.
    pub fn text_scale(&self) -> u8 {
        self.scale.max(1)
    }
}

/// What a fragment asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fragment {
    pub lesson: Option<String>,
    /// A decoded experiment, or why it could not be decoded.
    pub shared: Option<Result<Shared, String>>,
    pub t_ms: Option<f64>,
    pub view: View,
    /// `origin=`: the only origin a course page's messages are taken from (and sent to).
    pub origin: Option<String>,
    /// A `v1` experiment still packed (raw deflate), until [`parse`] or [`parse_in_browser`]
    /// unpacks it into `shared`.
    packed: Option<Vec<u8>>,
}

/// The JSON a `v1` link packs, or `None` when the short form (`lesson=...`) says it all.
fn payload(shared: &Shared, unchanged_lesson: bool) -> Option<Vec<u8>> {
    match (&shared.lesson, unchanged_lesson) {
        (Some(_), true) => None,
        _ => Some(serde_json::to_vec(shared).unwrap_or_default()),
    }
}

/// An experiment kept in the browser's storage: the JSON a `v1` link packs, unpacked (packing
/// is asynchronous in the browser, and storage is local, so size matters less than a link's).
pub fn draft_text(shared: &Shared) -> String {
    serde_json::to_string(shared).unwrap_or_default()
}

/// A kept experiment read back, checked as a link's is; a damaged or foreign value is refused.
pub fn from_draft(text: &str) -> Result<Fragment, String> {
    let shared = read_v1(text.as_bytes())?;
    Ok(Fragment { shared: Some(Ok(shared)), ..Fragment::default() })
}

/// The last experiment a tab showed whole (its kept text), reopened after the app stopped
/// (`#restore=last`, from index.html's watchdog); what cannot be read back says why.
pub fn from_last_good(kept: Option<&str>) -> Fragment {
    match kept.map(from_draft) {
        Some(Ok(f)) => f,
        Some(Err(e)) => Fragment {
            shared: Some(Err(format!("the last experiment kept in this tab could not be read back: {e}"))),
            ..Fragment::default()
        },
        None => Fragment { shared: Some(Err("this tab kept no experiment to reopen".into())), ..Fragment::default() },
    }
}

/// Raw deflate, natively (tests, tools). The browser packs and unpacks with its own streams (see
/// [`fragment_in_browser`] and `inflate_in_browser`); all of them read and write the same format.
#[cfg(not(target_arch = "wasm32"))]
pub fn deflate(json: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(json, 9)
}

/// The fragment for an experiment: short for an unchanged lesson, `v1=` otherwise.
#[cfg(not(target_arch = "wasm32"))]
pub fn fragment(shared: &Shared, unchanged_lesson: bool, view: &View) -> String {
    let packed = payload(shared, unchanged_lesson).map(|json| deflate(&json));
    assemble(shared, packed.as_deref(), view)
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// The page's own compressor (Chromium 103, Firefox 113, Safari 16.4): a deflater in
        /// the bundle would cost more than a tenth of the whole app's download.
        pub type CompressionStream;
        #[wasm_bindgen(constructor, catch)]
        pub fn new(format: &str) -> Result<CompressionStream, JsValue>;

        /// Its counterpart, for opening links.
        pub type DecompressionStream;
        #[wasm_bindgen(constructor, catch)]
        pub fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    }

    /// `bytes` as a readable stream, to pipe through one of the above.
    pub fn stream(bytes: &[u8]) -> Result<web_sys::ReadableStream, JsValue> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        Ok(web_sys::Blob::new_with_u8_array_sequence(&parts)?.stream())
    }
}

/// [`fragment`] as the app makes it: in the browser, packed by the page's own
/// `CompressionStream("deflate-raw")`, which answers asynchronously.
pub async fn fragment_in_browser(shared: Shared, unchanged_lesson: bool, view: View) -> Result<String, String> {
    #[cfg(not(target_arch = "wasm32"))]
    return Ok(fragment(&shared, unchanged_lesson, &view));
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(json) = payload(&shared, unchanged_lesson) else { return Ok(assemble(&shared, None, &view)) };
        let fail =
            |_| "this browser cannot compress a link (it lacks CompressionStream); use Export instead".to_string();
        let deflater = browser::CompressionStream::new("deflate-raw").map_err(fail)?;
        let packed = browser::stream(&json).map_err(fail)?.pipe_through(deflater.unchecked_ref());
        let response = web_sys::Response::new_with_opt_readable_stream(Some(&packed)).map_err(fail)?;
        let bytes = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(fail)?).await.map_err(fail)?;
        Ok(assemble(&shared, Some(&js_sys::Uint8Array::new(&bytes).to_vec()), &view))
    }
}

fn damaged() -> String {
    "the link is damaged (its compressed data does not unpack); was it cut short when copied?".to_string()
}

fn too_big() -> String {
    format!("the link unpacks to more than {} KiB; that is more than any experiment needs", MAX_INFLATED_BYTES / 1024)
}

/// The packed bytes of a `v1=` parameter (its length capped, its base64 checked).
fn unpack(payload: &str) -> Result<Vec<u8>, String> {
    if payload.len() > MAX_LINK_CHARS {
        return Err(format!("the link is {} characters long; links are limited to {MAX_LINK_CHARS}", payload.len()));
    }
    URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the link is damaged (not URL-safe base64: {e}); was it cut short when copied?"))
}

/// Natively, miniz inflates (with the same cap the browser's stream reader enforces).
#[cfg(not(target_arch = "wasm32"))]
fn inflate(packed: &[u8]) -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(packed, MAX_INFLATED_BYTES).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => too_big(),
        _ => damaged(),
    })
}

/// In the browser, the page's `DecompressionStream("deflate-raw")` inflates, read chunk by chunk
/// so that a link that unpacks past the cap is refused without unpacking it all.
#[cfg(target_arch = "wasm32")]
async fn inflate_in_browser(packed: &[u8]) -> Result<Vec<u8>, String> {
    use wasm_bindgen::JsCast;
    let inflater = browser::DecompressionStream::new("deflate-raw")
        .map_err(|_| "this browser cannot unpack links (it lacks DecompressionStream)".to_string())?;
    let stream = browser::stream(packed).map_err(|_| damaged())?;
    let reader: web_sys::ReadableStreamDefaultReader =
        stream.pipe_through(inflater.unchecked_ref()).get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await.map_err(|_| damaged())?;
        if js_sys::Reflect::get(&chunk, &"done".into()).map_or(true, |d| d.is_truthy()) {
            return Ok(out);
        }
        let bytes: js_sys::Uint8Array =
            js_sys::Reflect::get(&chunk, &"value".into()).map_err(|_| damaged())?.unchecked_into();
        let start = out.len();
        if start + bytes.length() as usize > MAX_INFLATED_BYTES {
            let _ = reader.cancel();
            return Err(too_big());
        }
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
    }
}

/// Reads the unpacked JSON of a `v1` link, with the same checks as a scenario file.
fn read_v1(json: &[u8]) -> Result<Shared, String> {
    let text = std::str::from_utf8(json).map_err(|_| "the link is damaged (not text once unpacked)".to_string())?;
    // The scenario reader's JSON step: errors at the field, a field given twice refused. Text
    // that is not JSON at all says so (parsed again only on this error path, to tell the two).
    let tree = quorumscope_core::scenario::parse_json(text).map_err(|e| {
        let syntax = serde_json::from_str::<serde::de::IgnoredAny>(text).is_err();
        format!("the link's contents {}: {e}", if syntax { "are not JSON" } else { "cannot be read" })
    })?;
    let shared = Shared::from_json(&tree).map_err(|e| format!("the link's contents are not an experiment: {e}"))?;
    if shared.scenario.events.len() > MAX_LINK_EVENTS {
        return Err(format!(
            "the link's experiment has {} events; links are limited to {MAX_LINK_EVENTS}",
            shared.scenario.events.len()
        ));
    }
    if !shared.t_ms.is_finite() || shared.t_ms < 0.0 {
        return Err("the link's time is not a time".into());
    }
    // The scenario itself must be valid, with the same checks as a file.
    quorumscope_core::Scenario::from_file(&shared.scenario)
        .map_err(|e| format!("the link's scenario is invalid — {e}"))?;
    Ok(shared)
}

/// Decodes the payload of a `v1=` parameter.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_v1(payload: &str) -> Result<Shared, String> {
    read_v1(&inflate(&unpack(payload)?)?)
}

/// Percent-decoding for the few characters a fragment may carry escaped.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a location's fragment (`#...`) and query (`?embed`), unpacking a `v1` experiment.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse(hash: &str, query: &str) -> Fragment {
    let mut f = parse_params(hash, query);
    if let Some(p) = f.packed.take() {
        f.shared = Some(inflate(&p).and_then(|json| read_v1(&json)));
    }
    f
}

/// [`parse`] as the app does it: in the browser, the experiment is unpacked asynchronously.
pub async fn parse_in_browser(hash: &str, query: &str) -> Fragment {
    #[cfg(not(target_arch = "wasm32"))]
    return parse(hash, query);
    #[cfg(target_arch = "wasm32")]
    {
        let mut f = parse_params(hash, query);
        if let Some(p) = f.packed.take() {
            f.shared = Some(match inflate_in_browser(&p).await {
                Ok(json) => read_v1(&json),
                Err(e) => Err(e),
            });
        }
        f
    }
}

/// The parameters of a fragment and query; a `v1` experiment is left packed.
fn parse_params(hash: &str, query: &str) -> Fragment {
    let mut f = Fragment::default();
    let params = hash.trim_start_matches('#').split('&').chain(query.trim_start_matches('?').split('&'));
    for p in params.filter(|p| !p.is_empty()).take(32) {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k {
            "lesson" => f.lesson = Some(unescape(v)),
            "t" => f.t_ms = crate::parse_f64(v).filter(|t| *t >= 0.0),
            "embed" => f.view.embed = v != "0",
            "autoplay" => f.view.autoplay = v != "0",
            "reveal" => f.view.reveal = v != "0",
            "origin" => f.origin = Some(unescape(v)).filter(|o| o.len() <= 200),
            "scale" => f.view.scale = v.parse::<u8>().ok().filter(|x| (1..=3).contains(x)).unwrap_or(1),
            "theme" => f.view.theme = Theme::from_name(v).unwrap_or_default(),
            "panels" => {
                f.view.panels = unescape(v)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .take(8)
                    .filter_map(crate::panel::Panel::from_name)
                    .collect()
            }
            "v1" => match unpack(v) {
                Ok(p) => (f.packed, f.shared) = (Some(p), None),
                Err(e) => (f.packed, f.shared) = (None, Some(Err(e))),
            },
            _ if k.len() > 1 && k.starts_with('v') && k[1..].chars().all(|c| c.is_ascii_digit()) => {
                f.packed = None;
                f.shared =
                    Some(Err(format!("this link was made by a newer Quorumscope (format {k}); this one reads v1")));
            }
            _ => {}
        }
    }
    f
}

/// The fragment, given the packed experiment (`None`: the lesson's short form).
fn assemble(shared: &Shared, packed: Option<&[u8]>, view: &View) -> String {
    let mut parts = Vec::new();
    match (packed, &shared.lesson) {
        (Some(p), _) => parts.push(format!("v{VERSION}={}", URL_SAFE_NO_PAD.encode(p))),
        (None, l) => parts.push(format!("lesson={}", l.as_deref().unwrap_or_default())),
    }
    parts.push(format!("t={}", quorumscope_core::num::num(shared.t_ms)));
    if view.embed {
        parts.push("embed=1".into());
    }
    if view.autoplay {
        parts.push("autoplay=1".into());
    }
    if view.reveal {
        parts.push("reveal=1".into());
    }
    if view.scale > 1 {
        parts.push(format!("scale={}", view.scale));
    }
    if view.theme != Theme::Auto {
        parts.push(format!("theme={}", view.theme.name()));
    }
    if !view.panels.is_empty() {
        let names: Vec<&str> = view.panels.iter().map(|p| p.name()).collect();
        parts.push(format!("panels={}", names.join(",")));
    }
    format!("#{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::Panel;
    use quorumscope_core::scenario::{Action, EventDecl};

    fn lesson(slug: &str) -> ScenarioFile {
        quorumscope_core::scenario::parse_file(crate::lessons::text(slug).unwrap()).unwrap()
    }

    /// A `v1=` parameter, packed as natively.
    fn encode(s: &Shared) -> String {
        format!("v1={}", URL_SAFE_NO_PAD.encode(deflate(&serde_json::to_vec(s).unwrap())))
    }

    fn shared(slug: &str) -> Shared {
        Shared { scenario: lesson(slug), t_ms: 350.5, op: Some(1), speed: Some(0.1), lesson: Some(slug.into()) }
    }

    #[test]
    fn the_last_good_experiment_reopens_or_says_why_not() {
        let s = shared("stale-read");
        assert_eq!(from_last_good(Some(&draft_text(&s))).shared, Some(Ok(s)));
        let none = from_last_good(None).shared.unwrap().unwrap_err();
        assert_eq!(none, "this tab kept no experiment to reopen");
        let damaged = from_last_good(Some("{\"scenario\": 3")).shared.unwrap().unwrap_err();
        assert!(damaged.starts_with("the last experiment kept in this tab could not be read back: "), "{damaged}");
    }

    #[test]
    fn round_trip_through_a_fragment() {
        for l in crate::lessons::LESSONS {
            let s = shared(l.slug);
            let frag = fragment(&s, false, &View::default());
            let back = parse(&frag, "");
            assert_eq!(back.shared, Some(Ok(s)), "{}", l.slug);
        }
    }

    #[test]
    fn a_preset_plus_twenty_interventions_stays_under_2000_characters() {
        for l in crate::lessons::LESSONS {
            let mut s = shared(l.slug);
            for i in 0..20 {
                let action = match i % 4 {
                    0 => Action::Crash(s.scenario.nodes[i % s.scenario.nodes.len()].id.clone()),
                    1 => Action::Recover(s.scenario.nodes[i % s.scenario.nodes.len()].id.clone()),
                    2 => Action::Put { client: "zoe".into(), key: "k".into(), value: format!("v{i}"), blind: false },
                    _ => Action::Get { client: "yann".into(), key: "k".into() },
                };
                s.scenario.events.push(EventDecl::at(100.0 + i as f64 * 37.5, action));
            }
            let frag = fragment(
                &s,
                false,
                &View { embed: true, autoplay: true, panels: vec![Panel::History], ..View::default() },
            );
            assert!(frag.len() < 2000, "{}: {} characters", l.slug, frag.len());
            assert_eq!(parse(&frag, "").shared.unwrap().unwrap(), s);
        }
    }

    #[test]
    fn presets_have_short_links_and_view_options_survive() {
        let s = shared("sloppy-quorum");
        let view =
            View { embed: true, autoplay: true, panels: vec![Panel::History, Panel::SpaceTime], ..View::default() };
        let frag = fragment(&s, true, &view);
        assert_eq!(frag, "#lesson=sloppy-quorum&t=350.5&embed=1&autoplay=1&panels=history,spacetime");
        let back = parse(&frag, "");
        assert_eq!(back.lesson.as_deref(), Some("sloppy-quorum"));
        assert_eq!(back.t_ms, Some(350.5));
        assert_eq!(back.view, view);
        assert!(parse("", "?embed").view.embed);
        // Names this version does not know are ignored; the known ones keep their order.
        let back = parse("#lesson=stale-read&panels=merkle,sparkles,,history,Legend", "");
        assert_eq!(back.view.panels, vec![Panel::Merkle, Panel::History]);
        // The projector's text scale: kept in the link, bounded, absent when normal.
        assert_eq!(parse("#lesson=stale-read&scale=2", "").view.text_scale(), 2);
        assert_eq!(parse("#lesson=stale-read&scale=9", "").view.text_scale(), 1);
        assert_eq!(parse("#lesson=stale-read", "").view.text_scale(), 1);
        let big = View { scale: 2, ..View::default() };
        let frag = fragment(&s, true, &big);
        assert_eq!(frag, "#lesson=sloppy-quorum&t=350.5&scale=2");
        assert_eq!(parse(&frag, "").view, big);
        // The colours: pinned light or dark, kept in the link; anything else is the system's.
        assert_eq!(parse("#lesson=stale-read&theme=dark", "").view.theme, Theme::Dark);
        assert_eq!(parse("#lesson=stale-read&theme=light", "").view.theme, Theme::Light);
        assert_eq!(parse("#lesson=stale-read&theme=purple", "").view.theme, Theme::Auto);
        let dark = View { theme: Theme::Dark, ..View::default() };
        let frag = fragment(&s, true, &dark);
        assert_eq!(frag, "#lesson=sloppy-quorum&t=350.5&theme=dark");
        assert_eq!(parse(&frag, "").view, dark);
        assert!(!fragment(&s, true, &View::default()).contains("theme"));
    }

    #[test]
    fn version_one_links_made_today_keep_decoding() {
        // A v1 link written on 2026-11-28 (built outside this code, with Python's zlib), frozen
        // here: if the format or the scenario contract changes incompatibly, this fails.
        const FROZEN: &str = "#v1=TY3BCsIwEER_pcw5lLZSD7lZwZ-QIiFdNBiTkqQVLP13NyrSwy67OzvzFkRNTgXjIRckkyxB4hT8i1wx14U17g4B5weKkGcceOm4jugFAo3WaJWMd9nNbSfwhGxYgqxXAZrJpWxcoNLlwVMtoK3hK2M0B41TnjJjVnbK8Bmr-L-3Ff8HFW8sdFthX22CBrZf6Ru09sz9sZqyFfDjhxpHogGyKuv1DQ";
        let got = parse(FROZEN, "").shared.unwrap().unwrap();
        assert_eq!(got.scenario.title, "Frozen v1 link");
        assert_eq!((got.t_ms, got.op, got.speed), (12.5, Some(1), Some(0.1)));
        assert_eq!(got.scenario.events.len(), 3);
        assert_eq!(got.scenario.replication.r, 1);
        // And what this build writes decodes to what it wrote.
        let again = parse(&format!("#{}", encode(&got)), "").shared.unwrap().unwrap();
        assert_eq!(again, got);
        assert!(parse("#v7=abc", "").shared.unwrap().unwrap_err().contains("newer Quorumscope"));
    }

    #[test]
    fn damaged_links_say_what_is_wrong() {
        let good = encode(&shared("stale-read"));
        let payload = good.strip_prefix("v1=").unwrap();
        let cases = [
            (format!("v1={}", &payload[..payload.len() / 2]), "damaged"),
            ("v1=!!!not-base64!!!".to_string(), "not URL-safe base64"),
            (format!("v1={}", URL_SAFE_NO_PAD.encode(b"plain text, not deflate")), "does not unpack"),
            (format!("v1={}", "A".repeat(MAX_LINK_CHARS + 1)), "limited to"),
        ];
        for (frag, want) in cases {
            let e = parse(&frag, "").shared.unwrap().unwrap_err();
            assert!(e.contains(want), "{frag:.40}: {e}");
        }
    }

    /// A link's JSON is read as a file is: a field given twice is refused, naming it.
    #[test]
    fn a_link_with_a_field_given_twice_is_refused_at_the_field() {
        let good = serde_json::to_string(&shared("stale-read")).unwrap();
        assert!(read_v1(good.as_bytes()).is_ok());
        let twice = good.replacen("\"t_ms\":", "\"t_ms\":1,\"t_ms\":", 1);
        let e = read_v1(twice.as_bytes()).unwrap_err();
        assert!(e.starts_with("the link's contents cannot be read: t_ms: given twice in one object"), "{e}");
        // Text that is not JSON says so, with where it stops being JSON.
        let e = read_v1(b"not json").unwrap_err();
        assert_eq!(e, "the link's contents are not JSON: expected ident at line 1 column 2");
        let cut = &good[..good.len() - 1];
        let e = read_v1(cut.as_bytes()).unwrap_err();
        assert!(e.starts_with("the link's contents are not JSON: ") && e.contains("EOF while parsing"), "{e}");
    }

    #[test]
    fn decompression_bombs_and_event_floods_are_refused() {
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 8 * MAX_INFLATED_BYTES], 9);
        let e = decode_v1(&URL_SAFE_NO_PAD.encode(bomb)).unwrap_err();
        assert!(e.contains("more than 1024 KiB"), "{e}");
        let mut s = shared("stale-read");
        s.scenario.events = (0..MAX_LINK_EVENTS + 1).map(|i| EventDecl::at(i as f64, Action::Heal)).collect();
        let e = parse(&format!("#{}", encode(&s)), "").shared.unwrap().unwrap_err();
        assert!(e.contains("limited to 5000"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// Fuzz: no fragment, however damaged, panics; each gives a value or a message.
        #[test]
        fn any_fragment_decodes_or_says_why(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse(&text, &text);
            let _ = decode_v1(&text);
            // Valid base64 of arbitrary bytes reaches the inflater and the JSON parser too.
            let _ = decode_v1(&URL_SAFE_NO_PAD.encode(&bytes));
            let _ = decode_v1(&URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&bytes, 1)));
        }

        /// Fuzz: a real link with one byte changed still never panics.
        #[test]
        fn a_mutated_link_never_panics(at in 0usize..4000, b in proptest::prelude::any::<u8>()) {
            let good = encode(&shared("failed-write"));
            let mut bytes = good.into_bytes();
            let i = at % bytes.len();
            bytes[i] = b;
            let _ = parse(&format!("#{}", String::from_utf8_lossy(&bytes)), "");
        }
    }

    #[test]
    fn an_invalid_scenario_in_a_link_is_named() {
        let mut s = shared("stale-read");
        s.scenario.replication.w = 9;
        let e = decode_v1(encode(&s).strip_prefix("v1=").unwrap()).unwrap_err();
        assert!(e.contains("replication.w"), "{e}");
    }
}
