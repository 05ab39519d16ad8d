//! The one validator for text people type (forms, the API, imports, the command line):
//! trimmed, in Unicode NFC, bounded, and free of control characters and invisible
//! formatting characters, which could make one stored name look like another.

use crate::problem::Problem;
use unicode_normalization::UnicodeNormalization;

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Several,
}

/// Characters that change how text looks without being seen: bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `raw` trimmed and in NFC, or the problem with it: control or invisible characters (line
/// breaks are allowed in multi-line fields and stored as `\n`), or more than `max_chars`.
pub fn clean_text(raw: &str, lines: Lines, max_chars: usize) -> Result<String, Problem> {
    let unified = raw.replace("\r\n", "\n");
    let text: String = unified.trim().nfc().collect();
    let allowed = |c: char| lines == Lines::Several && (c == '\n' || c == '\t');
    if text
        .chars()
        .any(|c| (c.is_control() && !allowed(c)) || is_invisible_format(c))
    {
        return Err(Problem::ControlCharacters);
    }
    if text.chars().count() > max_chars {
        return Err(Problem::TextTooLong {
            max: max_chars as u32,
        });
    }
    Ok(text)
}

/// An optional one-line field: empty means absent.
pub fn clean_optional(raw: Option<String>, max_chars: usize) -> Result<Option<String>, Problem> {
    match raw {
        Some(raw) => {
            clean_text(&raw, Lines::One, max_chars).map(|t| Some(t).filter(|t| !t.is_empty()))
        }
        None => Ok(None),
    }
}

/// The options whose checkbox was ticked, `boxes` in the order of `options`. A form sends a
/// field only when its box is ticked, which works the same with and without JavaScript.
pub fn ticked<T, const N: usize>(options: [T; N], boxes: [Option<String>; N]) -> Vec<T> {
    options
        .into_iter()
        .zip(boxes)
        .filter(|(_, value)| {
            value
                .as_deref()
                .is_some_and(|v| !v.is_empty() && v != "false")
        })
        .map(|(option, _)| option)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_normalised_and_free_of_hidden_characters() {
        let cases: &[(&str, Lines, Result<&str, Problem>)] = &[
            ("  Ada  ", Lines::One, Ok("Ada")),
            ("Jose\u{301}", Lines::One, Ok("Jos\u{e9}")),
            (
                "x@example.org\0\0evil",
                Lines::One,
                Err(Problem::ControlCharacters),
            ),
            ("two\nlines", Lines::One, Err(Problem::ControlCharacters)),
            ("two\r\nlines", Lines::Several, Ok("two\nlines")),
            ("bell\x07", Lines::Several, Err(Problem::ControlCharacters)),
            (
                "admin\u{202E}nimda",
                Lines::One,
                Err(Problem::ControlCharacters),
            ),
            (
                "zero\u{200B}width",
                Lines::One,
                Err(Problem::ControlCharacters),
            ),
            (
                "next\u{85}line",
                Lines::Several,
                Err(Problem::ControlCharacters),
            ),
        ];
        for (raw, lines, expected) in cases {
            assert_eq!(
                clean_text(raw, *lines, 100),
                expected.clone().map(str::to_string),
                "{raw:?}"
            );
        }
        assert_eq!(
            clean_text(&"ä".repeat(11), Lines::One, 10),
            Err(Problem::TextTooLong { max: 10 })
        );
        assert_eq!(clean_optional(Some("  ".into()), 10), Ok(None));
    }
}
