//! The lesson library: scenario files from `lessons/`, compiled in (minified by `build.rs`) so
//! that nothing is fetched.

pub struct Lesson {
    pub slug: &'static str,
    pub text: &'static str,
}

macro_rules! lessons {
    ($($slug:literal),* $(,)?) => {
        pub const LESSONS: &[Lesson] = &[
            $(Lesson { slug: $slug, text: include_str!(concat!(env!("OUT_DIR"), "/lessons/", $slug, ".json")) }),*
        ];
    };
}

lessons!(
    "leaderless-basics",
    "quorum-overlap",
    "stale-read",
    "quorum-not-linearizable",
    "read-repair",
    "anti-entropy",
    "racing-last-arrival",
    "racing-lww",
    "racing-siblings",
    "lww-skew",
    "failed-write",
    "sloppy-quorum",
    "sloppy-stale-read",
    "when-to-use",
);

pub const DEFAULT: &str = "leaderless-basics";

pub fn text(slug: &str) -> Option<&'static str> {
    LESSONS.iter().find(|l| l.slug == slug).map(|l| l.text)
}

thread_local! {
    /// Every lesson's title, in `LESSONS` order, read from the files once: the lesson picker asks
    /// for them on every render.
    static TITLES: std::cell::OnceCell<Vec<String>> = const { std::cell::OnceCell::new() };
}

/// The lesson's title, read from its file (once per page).
pub fn title(slug: &str) -> String {
    let Some(i) = LESSONS.iter().position(|l| l.slug == slug) else { return slug.to_string() };
    TITLES.with(|t| {
        t.get_or_init(|| {
            LESSONS
                .iter()
                .map(|l| {
                    quorumscope_core::scenario::parse_file(l.text)
                        .map(|f| f.title)
                        .unwrap_or_else(|_| l.slug.to_string())
                })
                .collect()
        })[i]
            .clone()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_lesson_parses_and_runs() {
        for l in super::LESSONS {
            let sim = quorumscope_core::run_text(l.text, quorumscope_core::Level::Summary)
                .unwrap_or_else(|e| panic!("{}: {e}", l.slug));
            assert!(!sim.report().ops.is_empty(), "{}", l.slug);
            assert!(!super::title(l.slug).is_empty());
        }
    }

    /// build.rs drops only whitespace between tokens: the compiled-in lesson is the file, to the
    /// byte inside every string (captions keep their spaces), and smaller.
    #[test]
    fn compiled_in_lessons_are_their_files_minified() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
        for l in super::LESSONS {
            let file = std::fs::read_to_string(dir.join(format!("{}.json", l.slug))).unwrap();
            let (a, b): (serde_json::Value, serde_json::Value) =
                (serde_json::from_str(&file).unwrap(), serde_json::from_str(l.text).unwrap());
            assert_eq!(a, b, "{}", l.slug);
            assert!(l.text.len() < file.len() && !l.text.contains("\n  "), "{}", l.slug);
        }
    }

    #[test]
    fn titles_come_from_the_files() {
        assert_eq!(super::title("stale-read"), "W+R≤N: what does a read after a write return?");
        assert_eq!(super::title("no-such-lesson"), "no-such-lesson");
    }

    /// The app's lesson list is exactly the files in `lessons/` (a new file must be listed, a
    /// listed one must exist).
    #[test]
    fn the_list_is_the_lessons_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
            .collect();
        files.sort();
        let mut listed: Vec<String> = super::LESSONS.iter().map(|l| l.slug.to_string()).collect();
        listed.sort();
        assert_eq!(listed, files);
    }
}
