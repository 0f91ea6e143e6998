//! What free text may hold, wherever people type it (names, messages, reasons).

/// Whether a character may not appear in text: control characters (NUL, escape sequences; line
/// breaks and tabs only in text of several `lines`), and the bidirectional overrides and
/// isolates that make text display differently from what it is (U+202A–U+202E, U+2066–U+2069).
pub fn forbidden_character(c: char, lines: bool) -> bool {
    (c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
