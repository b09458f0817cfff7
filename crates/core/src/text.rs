//! Positions in text: byte offsets turned into the 1-based line and column a person looks for.

/// A 1-based line and column. Columns count characters (not bytes), as editors show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// The line and column of byte `offset` in `text`. An offset past the end (or inside a multi-byte
/// character) is clamped to the nearest character boundary before it.
pub fn position_of(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    Position { line: to_u32(line), column: to_u32(column) }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `text` with its `%XX` sequences decoded (a URL's path part); `None` when they do not make UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = (bytes[at] == b'%')
            .then(|| text.get(at + 1..at + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()));
        match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
            Some(byte) => {
                decoded.push(byte);
                at += 3;
            }
            None => {
                decoded.push(bytes[at]);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "a = 1\nbé = 2\r\nc";
        assert_eq!(position_of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(position_of(text, 6), Position { line: 2, column: 1 });
        // `=` after the two-byte `é` is the 4th character of line 2.
        assert_eq!(position_of(text, 10), Position { line: 2, column: 4 });
        assert_eq!(position_of(text, text.len()), Position { line: 3, column: 2 });
        assert_eq!(position_of(text, 999), Position { line: 3, column: 2 });
        // Inside `é`: clamped back to its start.
        assert_eq!(position_of(text, 8), Position { line: 2, column: 2 });
    }
}
