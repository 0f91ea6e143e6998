//! The small JSON writer the recommendation's encoder uses.
//!
//! A recommendation is mostly fixed keys and knowledge-base texts encoded once at load; writing
//! those as bytes instead of escaping every key again through a general serializer is what lets
//! `assess --batch` reach its throughput target. Anything that needs real work — escaping a
//! string that contains a quote, a backslash or a control character, formatting a float — is
//! delegated to serde_json, so the output is byte-for-byte what serde_json would write.

/// Appends raw bytes (a key with its quotes and colon, punctuation, ready-made JSON).
pub(crate) fn raw(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes);
}

/// Appends a JSON string.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    // Accumulated without short-circuit, so that the check vectorizes.
    let needs_escape =
        text.bytes().fold(false, |found, b| found | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if !needs_escape {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// Appends a whole number.
pub(crate) fn integer(out: &mut Vec<u8>, value: impl Into<i64>) {
    out.extend_from_slice(itoa::Buffer::new().format(value.into()).as_bytes());
}

/// Appends a number as serde_json writes it (`44.0`, `56.00000000000001`).
pub(crate) fn float(out: &mut Vec<u8>, value: f64) {
    let _ = serde_json::to_writer(&mut *out, &value);
}

/// Appends `true` or `false`.
pub(crate) fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// Appends a JSON array, writing each item with `write`.
pub(crate) fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// Appends a JSON object whose keys are computed, writing each value with `write`.
pub(crate) fn object<K: AsRef<str>, T>(
    out: &mut Vec<u8>,
    entries: impl IntoIterator<Item = (K, T)>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'{');
    for (index, (key, value)) in entries.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        string(out, key.as_ref());
        out.push(b':');
        write(out, value);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{float, integer, string};

    fn written(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "plain",
            "a \"quote\"",
            "back\\slash",
            "tab\tand\nnewline",
            "\u{1}",
            "é – ü",
            "</script>",
        ] {
            assert_eq!(
                written(|out| string(out, text)),
                serde_json::to_string(text).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for value in [0.0, 44.0, 56.00000000000001, 35.55555555555556, 100.0, 1e-7] {
            assert_eq!(written(|out| float(out, value)), serde_json::to_string(&value).unwrap());
        }
        for value in [0i64, 7, -3, 120, i64::MAX] {
            assert_eq!(written(|out| integer(out, value)), serde_json::to_string(&value).unwrap());
        }
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in ".*") {
            prop_assert_eq!(written(|out| string(out, &text)), serde_json::to_string(&text).unwrap());
        }
    }
}
