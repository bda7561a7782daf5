//! Matching an emitted event's name against a listener's pattern, as EventEmitter2 does: with
//! `wildcard` on, names are cut at the delimiter, `*` stands for one segment and `**` for any
//! number of segments (none included: `order.**` matches `order`); with it off, names are
//! compared as they are.

/// A listener's event pattern, cut at the delimiter once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Compared as written (wildcards off, or a pattern without `*`).
    Exact(String),
    /// Segments, with `*` and `**` as wildcards.
    Segments(Vec<String>),
}

impl Pattern {
    pub(crate) fn new(pattern: &str, wildcard: bool, delimiter: &str) -> Self {
        if wildcard
            && pattern
                .split(delimiter)
                .any(|part| part == "*" || part == "**")
        {
            Self::Segments(pattern.split(delimiter).map(str::to_owned).collect())
        } else {
            Self::Exact(pattern.to_owned())
        }
    }

    /// Whether an event named `name` reaches this pattern.
    pub(crate) fn matches(&self, name: &str, delimiter: &str) -> bool {
        match self {
            Self::Exact(exact) => exact == name,
            Self::Segments(segments) => {
                let parts: Vec<&str> = name.split(delimiter).collect();
                matches(segments, &parts)
            }
        }
    }
}

fn matches(pattern: &[String], name: &[&str]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=name.len()).any(|skip| matches(rest, &name[skip..]))
        }
        Some((first, rest)) => match name.split_first() {
            Some((part, others)) => (first == "*" || first == part) && matches(rest, others),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    /// The cases below were checked against eventemitter2 6.4.9 (`wildcard: true`) on Node 20.
    #[test]
    fn wildcards_as_eventemitter2() {
        let cases: &[(&str, &str, bool)] = &[
            ("foo.*", "foo.bar", true),
            ("foo.*", "foo", false),
            ("foo.*", "foo.bar.baz", false),
            ("foo.**", "foo", true),
            ("foo.**", "foo.bar", true),
            ("foo.**", "foo.bar.baz", true),
            ("**", "x", true),
            ("**", "foo.bar.baz", true),
            ("*", "x", true),
            ("*", "foo.bar", false),
            ("foo.*.baz", "foo.bar.baz", true),
            ("foo.*.baz", "foo.bar", false),
            ("foo", "foo", true),
            ("foo", "foo.bar", false),
        ];
        for &(pattern, name, expected) in cases {
            let pattern_ = Pattern::new(pattern, true, ".");
            assert_eq!(pattern_.matches(name, "."), expected, "{pattern} vs {name}");
        }
    }

    #[test]
    fn without_wildcards_names_are_literal() {
        let pattern = Pattern::new("foo.*", false, ".");
        assert!(!pattern.matches("foo.bar", "."));
        assert!(pattern.matches("foo.*", "."));
    }

    #[test]
    fn another_delimiter() {
        let pattern = Pattern::new("orders:*", true, ":");
        assert!(pattern.matches("orders:created", ":"));
        assert!(!pattern.matches("orders.created", ":"));
    }
}
