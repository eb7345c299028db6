//! The page's optional panels. In embed mode only the ring, the time controls and the captions
//! show, plus the panels a link names (`panels=history,spacetime`) or all of them after "More".

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Controls,
    Inspector,
    Legend,
    SpaceTime,
    History,
    Merkle,
    Consistency,
    /// The staleness lab (PBS).
    Lab,
}

impl Panel {
    pub const ALL: [Panel; 8] = [
        Panel::Controls,
        Panel::Inspector,
        Panel::Legend,
        Panel::SpaceTime,
        Panel::History,
        Panel::Merkle,
        Panel::Consistency,
        Panel::Lab,
    ];

    /// The panel's name in a link.
    pub fn name(self) -> &'static str {
        match self {
            Panel::Controls => "controls",
            Panel::Inspector => "inspector",
            Panel::Legend => "legend",
            Panel::SpaceTime => "spacetime",
            Panel::History => "history",
            Panel::Merkle => "merkle",
            Panel::Consistency => "consistency",
            Panel::Lab => "lab",
        }
    }

    /// The panel a link names; `None` for a name this version does not know (it is ignored).
    pub fn from_name(name: &str) -> Option<Panel> {
        Panel::ALL.into_iter().find(|p| p.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Panel;

    #[test]
    fn names_round_trip_and_unknown_names_are_none() {
        for p in Panel::ALL {
            assert_eq!(Panel::from_name(p.name()), Some(p));
        }
        assert_eq!(Panel::from_name("spacetime"), Some(Panel::SpaceTime));
        assert_eq!(Panel::from_name("History"), None);
        assert_eq!(Panel::from_name("nonsense"), None);
    }
}
