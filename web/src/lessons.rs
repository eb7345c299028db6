//! The lesson library: scenario files from `lessons/`, compiled in so that nothing is fetched.

pub struct Lesson {
    pub slug: &'static str,
    pub text: &'static str,
}

macro_rules! lessons {
    ($($slug:literal),* $(,)?) => {
        pub const LESSONS: &[Lesson] = &[
            $(Lesson { slug: $slug, text: include_str!(concat!("../../lessons/", $slug, ".json")) }),*
        ];
    };
}

lessons!(
    "leaderless-basics",
    "quorum-overlap",
    "stale-read",
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

/// The lesson's title, read from its file.
pub fn title(slug: &str) -> String {
    text(slug)
        .and_then(|t| quorumscope_core::scenario::parse_file(t).ok())
        .map(|f| f.title)
        .unwrap_or_else(|| slug.to_string())
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
}
