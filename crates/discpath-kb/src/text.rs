//! Texts that recommendations carry, encoded as JSON once, when the knowledge base loads.
//!
//! A recommendation repeats long knowledge-base texts (rule statements, source labels, notices,
//! the disclaimer); escaping them again for every document was the largest single cost of
//! `assess --batch`. These types keep the text and its ready-made JSON.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

/// A text with its JSON encoding (a quoted, escaped string).
#[derive(Debug, Clone)]
pub struct Text {
    text: String,
    json: Box<[u8]>,
}

impl Text {
    /// Wraps a text, encoding it.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let json = encode(&text);
        Self { text, json }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text as a JSON string, quoted and escaped.
    pub fn json(&self) -> &[u8] {
        &self.json
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Text {}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// A list of texts (a rule's source labels) with the JSON encoding of the whole list.
#[derive(Debug, Clone)]
pub struct TextList {
    items: Vec<String>,
    json: Box<[u8]>,
}

impl TextList {
    /// Wraps a list, encoding it.
    pub fn new(items: Vec<String>) -> Self {
        let json = encode(&items);
        Self { items, json }
    }

    /// The list as a JSON array of strings.
    pub fn json(&self) -> &[u8] {
        &self.json
    }
}

impl Deref for TextList {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.items
    }
}

impl PartialEq for TextList {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Eq for TextList {}

impl Serialize for TextList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

/// The JSON of strings and lists of strings, which always encode.
fn encode<T: Serialize + ?Sized>(value: &T) -> Box<[u8]> {
    serde_json::to_vec(value).unwrap_or_default().into_boxed_slice()
}

/// A slot where an output's fixed JSON for a knowledge-base item (a rule's rationale entry when
/// it reads no inputs, an instrument, the knowledge base's identity) is kept once it has been
/// written. The first writing is reused; equality ignores it.
#[derive(Debug, Clone, Default)]
pub struct EncodingCache(OnceLock<Box<[u8]>>);

impl EncodingCache {
    /// The cached JSON, writing it with `write` the first time.
    pub fn get_or_write(&self, write: impl FnOnce(&mut Vec<u8>)) -> &[u8] {
        self.0.get_or_init(|| {
            let mut json = Vec::new();
            write(&mut json);
            json.into_boxed_slice()
        })
    }
}

impl PartialEq for EncodingCache {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for EncodingCache {}
