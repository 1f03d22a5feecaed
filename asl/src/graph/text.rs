//! How wide drawn text is, estimated without a browser (the layout sizes nodes by their names
//! on the server and in the browser alike), and text shortened to a width.

/// The two text styles of a drawn graph (see `style/`): a state's name, bold at 12 px, and an
/// edge's label at 11 px.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextStyle {
    /// A state's name in its node.
    Name,
    /// A transition's label.
    Label,
}

/// Advance widths of the printable ASCII characters (space to `~`), in tenths of a pixel, of
/// DejaVu Sans (what `system-ui, sans-serif` is on Linux; wider than the macOS and Windows
/// system fonts, so text measured with it fits there too), measured in Chromium: bold at 12 px
/// and regular at 11 px.
const NAME_WIDTHS: [u8; 95] = [
    42, 55, 62, 100, 84, 120, 105, 37, 55, 55, 63, 100, 46, 50, 46, 44, 84, 84, 84, 84, 84, 84, 84, 84, 84, 84, 48, 48,
    100, 100, 100, 70, 120, 93, 92, 88, 100, 82, 82, 98, 100, 45, 45, 93, 76, 119, 100, 102, 88, 102, 92, 86, 82, 97,
    93, 132, 92, 87, 87, 55, 44, 55, 100, 60, 60, 81, 86, 71, 86, 81, 52, 86, 85, 41, 41, 80, 41, 125, 85, 82, 86, 86,
    59, 71, 57, 85, 78, 111, 77, 78, 70, 85, 44, 85, 100,
];
const LABEL_WIDTHS: [u8; 95] = [
    35, 44, 51, 92, 70, 104, 86, 30, 43, 43, 55, 92, 35, 40, 35, 37, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 37, 37,
    92, 92, 92, 58, 110, 75, 76, 77, 85, 70, 63, 85, 83, 32, 32, 72, 61, 95, 82, 87, 66, 87, 76, 70, 67, 80, 75, 109,
    75, 67, 75, 43, 37, 43, 92, 55, 55, 67, 70, 60, 70, 68, 39, 70, 70, 31, 31, 64, 31, 107, 70, 67, 70, 70, 45, 57,
    43, 70, 65, 90, 65, 65, 58, 70, 37, 70, 92,
];

/// The estimated width of one character, in pixels.
fn char_width(character: char, style: TextStyle) -> f64 {
    let (table, em) = match style {
        TextStyle::Name => (&NAME_WIDTHS, 12.0),
        TextStyle::Label => (&LABEL_WIDTHS, 11.0),
    };
    match character as u32 {
        code @ 0x20..=0x7e => f64::from(table[(code - 0x20) as usize]) / 10.0,
        // Combining marks and zero-width characters take no room of their own.
        0x300..=0x36f | 0x200b..=0x200f => 0.0,
        // East Asian scripts, full-width forms and emoji: a whole em.
        0x1100..=0x115f
        | 0x2e80..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0x1f300..=0x1faff
        | 0x20000..=0x3fffd => em,
        // Other letters (accented Latin, Greek, Cyrillic, …): about a wide lowercase letter.
        _ => em * 0.72,
    }
}

/// The estimated width of `text` drawn in `style`, in pixels.
pub fn text_width(text: &str, style: TextStyle) -> f64 {
    text.chars().map(|character| char_width(character, style)).sum()
}

/// `text` if it fits in `max_width` pixels, else its longest start that fits with an
/// ellipsis after it.
pub fn fit_text(text: &str, max_width: f64, style: TextStyle) -> std::borrow::Cow<'_, str> {
    if text_width(text, style) <= max_width {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = max_width - char_width('\u{2026}', style).max(char_width('.', style) * 3.0);
    let mut used = 0.0;
    let mut end = 0;
    for (index, character) in text.char_indices() {
        used += char_width(character, style);
        if used > room {
            break;
        }
        end = index + character.len_utf8();
    }
    std::borrow::Cow::Owned(format!("{}\u{2026}", text[..end].trim_end()))
}
