//! The pages' own words in every language (`locales/{en,es}.toml`, embedded), and the choice of
//! language: `?lang=` (the visible switch, remembered in a cookie), else the cookie, else the
//! browser's `Accept-Language`, else English.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;

/// A language of the pages: the knowledge base's languages (its patient texts come in each).
pub(crate) use discpath_kb::Language as Lang;

/// The language of a code or a language tag (`es-MX`).
pub(crate) fn parse(tag: &str) -> Option<Lang> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    Lang::from_code(&primary)
}

/// The other language (what the switch offers).
pub(crate) fn other(lang: Lang) -> Lang {
    Lang::ALL.into_iter().find(|l| *l != lang).unwrap_or(lang)
}

/// The language a request asks for: `?lang=`, then the cookie, then `Accept-Language` (by its
/// quality values), then English.
pub(crate) fn of_request(query: Option<&str>, headers: &HeaderMap) -> Lang {
    query
        .and_then(parse)
        .or_else(|| crate::auth::cookie(headers, LANG_COOKIE).and_then(parse))
        .or_else(|| accepted(headers))
        .unwrap_or(Lang::En)
}

/// The cookie that remembers the language switch.
pub(crate) const LANG_COOKIE: &str = "discpath_lang";

/// The best supported language of `Accept-Language`.
fn accepted(headers: &HeaderMap) -> Option<Lang> {
    let header = headers.get(axum::http::header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(parse) else { continue };
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// The locale key of a follow-up point of the knowledge base, by its label.
pub(crate) fn follow_up_key(label: &str) -> Option<&'static str> {
    match label {
        "baseline" => Some("course.follow_up.baseline"),
        "6 weeks" => Some("course.follow_up.6_weeks"),
        "3 months" => Some("course.follow_up.3_months"),
        "6 months" => Some("course.follow_up.6_months"),
        _ => None,
    }
}

/// The words of one language, by dotted key (`landing.title`).
#[derive(Debug)]
pub(crate) struct Texts {
    words: BTreeMap<String, String>,
}

impl Texts {
    /// The text of `key`; a missing key shows itself (the completeness test keeps that from
    /// happening).
    pub(crate) fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.words.get(key).map_or(key, String::as_str)
    }

    /// Whether `key` has a text (optional texts: a question's hint).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.words.contains_key(key)
    }

    fn parse(source: &str) -> Self {
        let mut words = BTreeMap::new();
        // The files are embedded and checked by the tests below, so a parse error is a build
        // defect; it shows as missing words, never as a panic.
        if let Ok(table) = source.parse::<toml::Table>() {
            flatten("", &table, &mut words);
        }
        Self { words }
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(inner) => flatten(&path, inner, out),
            toml::Value::String(text) => {
                out.insert(path, text.clone());
            }
            _ => {}
        }
    }
}

static EN: LazyLock<Texts> = LazyLock::new(|| Texts::parse(include_str!("../../locales/en.toml")));
static ES: LazyLock<Texts> = LazyLock::new(|| Texts::parse(include_str!("../../locales/es.toml")));

/// The words of a language.
pub(crate) fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

/// What templates need of a language.
pub(crate) trait LangCodes {
    /// The code (`lang` attribute, `?lang=`).
    fn code(&self) -> &'static str;
    /// The code of the other language.
    fn other_code(&self) -> &'static str;
}

impl LangCodes for Lang {
    fn code(&self) -> &'static str {
        self.as_str()
    }

    fn other_code(&self) -> &'static str {
        other(*self).as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key_and_no_empty_text() {
        for source in [include_str!("../../locales/en.toml"), include_str!("../../locales/es.toml")]
        {
            assert!(source.parse::<toml::Table>().is_ok(), "a locale file does not parse");
        }
        let english: Vec<&String> = texts(Lang::En).words.keys().collect();
        let spanish: Vec<&String> = texts(Lang::Es).words.keys().collect();
        assert!(!english.is_empty());
        assert_eq!(english, spanish, "en.toml and es.toml must have the same keys");
        for lang in Lang::ALL {
            for (key, text) in &texts(lang).words {
                assert!(!text.trim().is_empty(), "{}: {key} is empty", lang.as_str());
            }
        }
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut used = 0;
        // The templates and those of their subfolders (`clinic/`).
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                files.extend(std::fs::read_dir(entry.path()).into_iter().flatten().flatten());
            } else {
                files.push(entry);
            }
        }
        assert!(files.iter().any(|f| f.path().starts_with(dir.join("clinic"))));
        for entry in files {
            let source = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for (at, _) in source.match_indices("tr.t(\"") {
                let rest = &source[at + 6..];
                let key = rest.split('"').next().unwrap_or_default();
                assert!(
                    texts(Lang::En).words.contains_key(key),
                    "{}: no text {key:?}",
                    entry.path().display()
                );
                used += 1;
            }
        }
        assert!(used > 10, "the templates use the translations");
    }

    #[test]
    fn the_language_follows_the_switch_then_the_cookie_then_the_browser() {
        let mut headers = HeaderMap::new();
        assert_eq!(of_request(None, &headers), Lang::En);
        headers.insert(
            "accept-language",
            "fr-FR, es-MX;q=0.8, en;q=0.5"
                .parse()
                .unwrap_or(axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(of_request(None, &headers), Lang::Es);
        headers.insert(
            "cookie",
            "discpath_lang=en".parse().unwrap_or(axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(of_request(None, &headers), Lang::En);
        assert_eq!(of_request(Some("es"), &headers), Lang::Es);
        assert_eq!(of_request(Some("xx"), &headers), Lang::En);
    }
}
