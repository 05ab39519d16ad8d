//! Text in several languages, with the fallback rule: the learner's language, else English.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One text in several languages, keyed by language code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<String, String>);

/// A short label that is the same in every language (a handle, a name) or translated (a
/// channel such as "X post" / "X-Beitrag"). Stored content written before labels could be
/// translated reads as the first kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Label {
    Same(String),
    Translated(Localized),
}

impl Label {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Label::Same(text) => text.clone(),
            Label::Translated(localized) => localized.text(lang),
        }
    }
}

/// A text picked for a reader, saying whether it fell back to the default language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Picked {
    pub text: String,
    pub fell_back: bool,
}

pub const DEFAULT_LANG: Lang = Lang::En;

impl Localized {
    pub fn pick(&self, lang: Lang) -> Picked {
        if let Some(text) = self.0.get(lang.code()).filter(|t| !t.trim().is_empty()) {
            return Picked {
                text: text.clone(),
                fell_back: false,
            };
        }
        let text = self
            .0
            .get(DEFAULT_LANG.code())
            .or_else(|| self.0.values().next())
            .cloned()
            .unwrap_or_default();
        Picked {
            text,
            fell_back: lang != DEFAULT_LANG,
        }
    }

    /// The text in `lang`, falling back silently (for titles and short labels).
    pub fn text(&self, lang: Lang) -> String {
        self.pick(lang).text
    }

    /// Whether there is (non-blank) text in `lang` itself, without falling back.
    pub fn has(&self, lang: Lang) -> bool {
        self.0
            .get(lang.code())
            .is_some_and(|t| !t.trim().is_empty())
    }

    /// Whether the default language is present and nothing is blank.
    pub fn is_complete(&self) -> bool {
        self.0
            .get(DEFAULT_LANG.code())
            .is_some_and(|t| !t.trim().is_empty())
    }
}

/// Renders lesson or policy Markdown to HTML that is safe to insert into a page: no script,
/// no event handlers, no `javascript:` links; images are kept.
#[cfg(feature = "ssr")]
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut unsafe_html = String::new();
    html::push_html(
        &mut unsafe_html,
        Parser::new_ext(
            markdown,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        ),
    );
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_translated_or_the_same_in_every_language() {
        let translated: Label =
            serde_json::from_str(r#"{"en":"X post","de":"X-Beitrag"}"#).unwrap();
        assert_eq!(translated.text(Lang::De), "X-Beitrag");
        assert_eq!(translated.text(Lang::En), "X post");
        // Content stored before labels could be translated.
        let same: Label = serde_json::from_str(r#""@KestrelCares""#).unwrap();
        assert_eq!(same.text(Lang::De), "@KestrelCares");
    }

    #[test]
    fn picks_language_and_falls_back_to_english() {
        let text = Localized(
            [("en".to_string(), "Hello".to_string())]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            text.pick(Lang::En),
            Picked {
                text: "Hello".into(),
                fell_back: false
            }
        );
        assert_eq!(
            text.pick(Lang::De),
            Picked {
                text: "Hello".into(),
                fell_back: true
            }
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn markdown_is_sanitised() {
        let html = render_markdown(
            "# Title\n\n<script>alert(1)</script>\n\n<img src=\"x.png\" onerror=\"alert(1)\">\n\n[click](javascript:alert(1)) <a href=\"#\" onclick=\"x()\">a</a>\n\n![pic](https://example.com/p.png)",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            !html.contains("onerror") && !html.contains("onclick"),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("<img src=\"https://example.com/p.png\""),
            "{html}"
        );
    }
}
