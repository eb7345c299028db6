//! Figures for slides and handouts: the ring or the space-time diagram at the current instant,
//! as a self-contained SVG (colours and fonts inlined, text kept as text) or a PNG at twice the
//! size on screen. The ring's messages are on a canvas over its SVG, so the figure adds them as
//! SVG marks (`view::messages::svg_marks`), exactly those the canvas drew.

use wasm_bindgen::prelude::*;

/// Which view, and in which format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Ring,
    Spacetime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl What {
    pub fn from_name(name: &str) -> Option<What> {
        [What::Ring, What::Spacetime].into_iter().find(|w| w.name() == name)
    }
    fn selector(self) -> &'static str {
        match self {
            What::Ring => "svg.ring",
            What::Spacetime => "svg.st",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            What::Ring => "ring",
            What::Spacetime => "spacetime",
        }
    }
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
    pub fn from_name(name: &str) -> Option<Format> {
        [Format::Svg, Format::Png].into_iter().find(|f| f.name() == name)
    }
}

impl serde::Serialize for What {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl serde::Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The file's name: the lesson (or "experiment"), the view and the instant.
pub fn file_name(lesson: Option<&str>, what: What, t_us: u64, format: Format) -> String {
    let ext = if format == Format::Svg { "svg" } else { "png" };
    let t = quorumscope_core::num::fixed(t_us as f64 / 1000.0, 1);
    format!("quorumscope-{}-{}-{t}ms.{ext}", lesson.unwrap_or("experiment"), what.name())
}

#[wasm_bindgen(inline_js = r#"
// Presentation properties copied from the page's stylesheet onto each element of the copy, so the
// figure looks the same anywhere (CSS variables resolved).
const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity',
  'opacity', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline',
  'visibility', 'display', 'paint-order', 'stroke-linecap', 'stroke-linejoin'];
export function qs_figure_svg(selector, marks) {
  const svg = document.querySelector(selector);
  if (!svg) return null;
  const copy = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll('*')], to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    for (const p of PROPS) to[i].style.setProperty(p, cs.getPropertyValue(p));
  });
  const box = svg.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(box.width)));
  copy.setAttribute('height', String(Math.round(box.height)));
  const bg = getComputedStyle(document.querySelector('.app') || document.body).getPropertyValue('--panel').trim() || '#fff';
  const vb = svg.viewBox.baseVal;
  const back = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  for (const [k, v] of [['x', vb.x], ['y', vb.y], ['width', vb.width], ['height', vb.height], ['fill', bg]]) back.setAttribute(k, String(v));
  copy.insertBefore(back, copy.firstChild);
  if (marks) {
    const g = new DOMParser().parseFromString(`<svg xmlns="http://www.w3.org/2000/svg">${marks}</svg>`, 'image/svg+xml').documentElement.firstChild;
    copy.appendChild(document.importNode(g, true));
  }
  return new XMLSerializer().serializeToString(copy);
}
// The SVG drawn at twice its size onto a canvas, as a PNG data URL.
export async function qs_figure_png(svgText) {
  const w = Number(/width="(\d+)"/.exec(svgText)[1]), h = Number(/height="(\d+)"/.exec(svgText)[1]);
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = 2 * w;
    c.height = 2 * h;
    c.getContext('2d').drawImage(img, 0, 0, 2 * w, 2 * h);
    return c.toDataURL('image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}
export function qs_save(name, href) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
}
"#)]
extern "C" {
    fn qs_figure_svg(selector: &str, marks: &str) -> Option<String>;
    #[wasm_bindgen(catch)]
    async fn qs_figure_png(svg: &str) -> Result<JsValue, JsValue>;
    fn qs_save(name: &str, href: &str);
}

/// The figure's data: SVG text, or a PNG as a `data:` URL.
pub async fn make(what: What, format: Format) -> Result<String, String> {
    let marks = if what == What::Ring { ring_marks() } else { String::new() };
    let svg = qs_figure_svg(what.selector(), &marks).ok_or("that view is not on the page (see configure's panels).")?;
    match format {
        Format::Svg => Ok(svg),
        Format::Png => qs_figure_png(&svg)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| "the browser could not draw the figure.".to_string()),
    }
}

/// The ring's messages in the theme's colours, read where the canvas reads them.
fn ring_marks() -> String {
    let style = web_sys::window()
        .and_then(|w| Some((w.document()?.query_selector(".msg-canvas").ok()??, w)))
        .and_then(|(c, w)| w.get_computed_style(&c).ok()?);
    let var = |name: &str| {
        style.as_ref()?.get_property_value(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    crate::view::messages::last_marks(&var)
}

/// Downloads the figure (the app's button).
pub async fn save(name: String, what: What, format: Format) -> Result<(), String> {
    let data = make(what, format).await?;
    let href = match format {
        Format::Png => data,
        Format::Svg => {
            let parts = js_sys::Array::of1(&JsValue::from_str(&data));
            let opts = web_sys::BlobPropertyBag::new();
            opts.set_type("image/svg+xml");
            let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
                .map_err(|_| crate::words::DOWNLOAD_REFUSED)?;
            web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| crate::words::DOWNLOAD_REFUSED)?
        }
    };
    qs_save(&name, &href);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_named_after_the_lesson_the_view_and_the_instant() {
        assert_eq!(
            file_name(Some("stale-read"), What::Ring, 20_500, Format::Png),
            "quorumscope-stale-read-ring-20.5ms.png"
        );
        assert_eq!(file_name(None, What::Spacetime, 0, Format::Svg), "quorumscope-experiment-spacetime-0.0ms.svg");
    }
}
