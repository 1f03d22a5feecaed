//! Printing an edited tree as YAML with the least change to the old YAML text: the YAML
//! counterpart of [`crate::reprint`], so a graph edit on an `.asl.yaml` file changes only the
//! lines it touched and keeps every comment, quote, flow collection, block scalar and blank line
//! elsewhere.
//!
//! The old text is read again with the same parser ([`saphyr_parser`]) into a layout of its
//! block mappings and sequences: for each member or item, where its lines begin (the comments
//! and blank lines above it belong to it), its key or `-`, its value's text and the end of its
//! last line (a comment after the value belongs to it). The parser's own spans are not enough
//! for this (a quoted scalar's span runs on over a following comment, a block scalar's starts at
//! its first content line and ends at the next token, a block collection's end is the next
//! token), so the layout takes only starting points from the parser and finds the ends in the
//! text, checking that the pieces tile the text exactly.
//!
//! Printing walks the edited tree beside the old tree and the layout. A value equal to its old
//! counterpart is copied with its lines. A changed block mapping or sequence keeps the text
//! around its entries, and its entries are paired with the old ones as in [`crate::reprint`]
//! (by key, then a new key with an old member of equal value, a renamed state, then the rest
//! in order when as many remain); removed entries take their own lines with them (an entry
//! that becomes the first loses the blank lines above it), new ones are printed with
//! [`super::print_yaml`]'s rules at their siblings' indentation, nested blocks indented as the
//! old text indents them. A renamed key keeps its value's text. A changed string keeps quotes
//! the author chose where they can hold it (see [`keeps_quote`]). Anything else that changed
//! (a flow collection, a block scalar, a value of another kind) is printed afresh in block
//! style; a comment after the old value is kept unless the new one spans lines. Comments and
//! blank lines before the root's first key, and after its last value, belong to the document
//! and stay.
//!
//! What the layout cannot read safely (aliases, anchors or tags on collections, explicit `? `
//! keys, any piece that does not tile) makes the whole document fall back to
//! [`super::print_yaml`], and so does any result that does not read back as the edited tree:
//! [`reprint_yaml`] always reads its text back before returning it.

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{
    IMPLICIT_KEY_LIMIT, Indents, needs_escape, print_yaml, write_double_quoted, write_flow_string, write_mapping,
    write_scalar_value, write_sequence,
};
use crate::{
    Document, SourceFormat,
    json::{Member, Node, Value},
};

/// Prints `new` (an edited copy of `old`) as YAML, changing as little of `old_text` as
/// possible. `old` must be the tree read from `old_text`. The result always reads back as a
/// tree equal to `new`: when the least-change text would not (or the old text's layout cannot
/// be read safely), the whole tree is printed with [`print_yaml`].
pub fn reprint_yaml(new: &Node, old: &Node, old_text: &str) -> String {
    if let Some(text) = least_change(new, old, old_text) {
        let (document, _) = Document::read(&text, SourceFormat::Yaml);
        if document.root().is_some_and(|root| root.same_value(new)) {
            return text;
        }
    }
    print_yaml(new)
}

/// The least-change text, not yet read back; `None` where the old text's layout cannot be
/// used.
fn least_change(new: &Node, old: &Node, text: &str) -> Option<String> {
    if new.same_value(old) {
        return Some(text.to_string());
    }
    let (root, plain_words) = read_layout(text)?;
    let Kind::Block(block) = &root.kind else { return None };
    let fits = match (&new.value, block.mapping) {
        (Value::Object(members), true) => !members.is_empty(),
        (Value::Array(elements), false) => !elements.is_empty(),
        _ => false,
    };
    if !fits {
        return None;
    }
    let mut printer = Printer {
        text,
        newline: if text.contains("\r\n") { "\r\n" } else { "\n" },
        indents: detect_indents(&root),
        plain_words,
        out: String::with_capacity(text.len() + 64),
    };
    printer.copy(0, block.head);
    printer.block(new, old, block)?;
    let end = block.entries.last()?.region_end;
    printer.copy(end, text.len());
    let mut out = printer.out;
    if end == text.len() && !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
        if out.ends_with('\r') {
            out.pop();
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// The layout of the old text

/// A value's place in the old text.
#[derive(Debug)]
struct Lay {
    /// Its first character: the scalar (with its tag or anchor), the quote, the `|` or `>`, the
    /// bracket, a block mapping's first key or a block sequence's first `-`.
    start: usize,
    /// Just after its last character (before any comment after it).
    end: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Scalar(Quote),
    Flow,
    Block(Block),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quote {
    Plain,
    Single,
    Double,
    /// `|` or `>`.
    Block,
}

/// A block mapping or sequence.
#[derive(Debug)]
struct Block {
    mapping: bool,
    /// The column (in characters) of its keys or `-`s.
    column: usize,
    /// Its first entry starts on a line that something else began (`- Key: …`).
    inline: bool,
    /// Where its first entry's lines begin: its first token when inline, else the line after
    /// the one that holds the parent's `:` or `-` (or, at the root, the first key's line).
    head: usize,
    entries: Vec<Entry>,
}

/// A member of a block mapping or an item of a block sequence.
#[derive(Debug)]
struct Entry {
    /// Where its lines begin: comments and blank lines above it are its own.
    head: usize,
    /// Its key, or its `-`.
    start: usize,
    key: Option<Key>,
    /// Just after its `:` or `-`.
    area: usize,
    value: Lay,
    /// Just after the line break that ends its last line (or the end of the text).
    region_end: usize,
}

#[derive(Debug)]
struct Key {
    text: String,
    end: usize,
    quote: Quote,
}

enum Frame {
    Block { block: Block, first: usize, pending: Option<Pending> },
    Flow { start: usize, depth: usize },
}

/// An entry whose key or `-` has been read and whose value has not.
struct Pending {
    head: usize,
    start: usize,
    key: Option<Key>,
    area: usize,
}

/// Reads the layout of `text`'s first document, and whether it writes any YAML 1.1 word
/// ([`YAML_1_1_WORDS`]) as a plain string; `None` when any part of it is not what the printer
/// can work with.
fn read_layout(text: &str) -> Option<(Lay, bool)> {
    let byte_offsets: Vec<usize> = text.char_indices().map(|(offset, _)| offset).chain([text.len()]).collect();
    let to_byte = |index: usize| byte_offsets.get(index).copied().unwrap_or(text.len());
    let scan = Scan { text };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let mut plain_words = false;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let (span_start, span_end) = (to_byte(span.start.index()), to_byte(span.end.index()));
        if let Some(Frame::Flow { depth, .. }) = stack.last_mut() {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => *depth += 1,
                Event::MappingEnd | Event::SequenceEnd if *depth > 0 => *depth -= 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    // The span starts at the bracket (and may run on over a comment).
                    let Some(Frame::Flow { start, .. }) = stack.pop() else { return None };
                    if !matches!(text.as_bytes().get(span_start), Some(b'}' | b']')) {
                        return None;
                    }
                    let lay = Lay { start, end: span_start + 1, kind: Kind::Flow };
                    scan.place(&mut stack, &mut root, lay)?;
                }
                Event::Alias(_) => return None,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                plain_words |= style == ScalarStyle::Plain && YAML_1_1_WORDS.contains(&value.as_ref());
                if let Some(Frame::Block { block, first, pending: pending @ None }) = stack.last_mut()
                    && block.mapping
                {
                    // A key.
                    if anchor > 0 || tag.is_some() {
                        return None;
                    }
                    let start = span_start;
                    let quote = quote_of(style);
                    let end = match quote {
                        Quote::Plain => span_end,
                        Quote::Single | Quote::Double => scan.quoted_end(start)?,
                        Quote::Block => return None,
                    };
                    let head = match block.entries.last() {
                        None if start == *first => block.head,
                        Some(previous) if scan.next_token(previous.region_end) == start => previous.region_end,
                        _ => return None,
                    };
                    if scan.column(start) != block.column || (!block.entries.is_empty() && !scan.line_first(start)) {
                        return None;
                    }
                    let colon = scan.skip_blanks(end);
                    if text.as_bytes().get(colon) != Some(&b':') {
                        return None;
                    }
                    *pending = Some(Pending {
                        head,
                        start,
                        key: Some(Key { text: value.to_string(), end, quote }),
                        area: colon + 1,
                    });
                    continue;
                }
                let (area, parent_column) = scan.begin_value(&mut stack)?;
                let quote = quote_of(style);
                let lay = match quote {
                    Quote::Plain if span_start == span_end => {
                        Lay { start: area?, end: area?, kind: Kind::Scalar(quote) }
                    }
                    Quote::Plain | Quote::Single | Quote::Double => {
                        let token = match area {
                            Some(area) => scan.next_token(area),
                            None => scan.root_token(),
                        };
                        if token != span_start {
                            return None;
                        }
                        let end = match quote {
                            Quote::Plain => span_end,
                            _ if anchor == 0 && tag.is_none() => scan.quoted_end(span_start)?,
                            _ => return None,
                        };
                        Lay { start: span_start, end, kind: Kind::Scalar(quote) }
                    }
                    Quote::Block => {
                        let start = scan.next_token(area?);
                        if !matches!(text.as_bytes().get(start), Some(b'|' | b'>')) {
                            return None;
                        }
                        let end = scan.block_scalar_end(start, parent_column?);
                        Lay { start, end, kind: Kind::Scalar(quote) }
                    }
                };
                scan.place(&mut stack, &mut root, lay)?;
            }
            Event::MappingStart(anchor, ref tag) | Event::SequenceStart(anchor, ref tag) => {
                let mapping = matches!(event, Event::MappingStart(..));
                if anchor > 0 || tag.is_some() {
                    return None;
                }
                if let Some(Frame::Block { block, pending: None, .. }) = stack.last()
                    && block.mapping
                {
                    // A collection as a key.
                    return None;
                }
                let (area, _) = scan.begin_value(&mut stack)?;
                let token = match area {
                    Some(area) => scan.next_token(area),
                    None => scan.root_token(),
                };
                match (text.as_bytes().get(token)?, mapping) {
                    (b'{', true) | (b'[', false) => {
                        if token != span_start {
                            return None;
                        }
                        stack.push(Frame::Flow { start: token, depth: 0 });
                        continue;
                    }
                    (b'{' | b'[', _) => return None,
                    (b'-', false) if scan.is_dash(token) => {}
                    (_, true) if token == span_start => {}
                    _ => return None,
                }
                let inline = !scan.line_first(token);
                let head = match (inline, area) {
                    (true, _) => token,
                    (false, Some(area)) => scan.line_after(area),
                    (false, None) => scan.line_start(token),
                };
                if head > token {
                    return None;
                }
                let block = Block { mapping, column: scan.column(token), inline, head, entries: Vec::new() };
                stack.push(Frame::Block { block, first: token, pending: None });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(Frame::Block { block, first, pending: None }) = stack.pop() else { return None };
                let end = block.entries.last()?.value.end;
                scan.place(&mut stack, &mut root, Lay { start: first, end, kind: Kind::Block(block) })?;
            }
            Event::Alias(_) => return None,
            Event::DocumentEnd => {
                if root.is_some() {
                    break;
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) => {}
        }
    }
    if !stack.is_empty() {
        return None;
    }
    Some((root?, plain_words))
}

fn quote_of(style: ScalarStyle) -> Quote {
    match style {
        ScalarStyle::Plain => Quote::Plain,
        ScalarStyle::SingleQuoted => Quote::Single,
        ScalarStyle::DoubleQuoted => Quote::Double,
        ScalarStyle::Literal | ScalarStyle::Folded => Quote::Block,
    }
}

/// Questions about places in the old text.
struct Scan<'t> {
    text: &'t str,
}

impl Scan<'_> {
    /// Starts a value: in a sequence, finds its `-` and opens its entry. Gives where the value's
    /// text begins (after the `:` or `-`; `None` at the root) and the column of the block that
    /// holds it.
    fn begin_value(&self, stack: &mut [Frame]) -> Option<(Option<usize>, Option<usize>)> {
        let Some(Frame::Block { block, first, pending }) = stack.last_mut() else {
            return if stack.is_empty() { Some((None, None)) } else { None };
        };
        if block.mapping {
            return Some((Some(pending.as_ref()?.area), Some(block.column)));
        }
        if pending.is_some() {
            return None;
        }
        let (head, dash) = match block.entries.last() {
            None => (block.head, *first),
            Some(previous) => {
                let dash = self.next_token(previous.region_end);
                if !self.line_first(dash) || self.column(dash) != block.column {
                    return None;
                }
                (previous.region_end, dash)
            }
        };
        if !self.is_dash(dash) {
            return None;
        }
        *pending = Some(Pending { head, start: dash, key: None, area: dash + 1 });
        Some((Some(dash + 1), Some(block.column)))
    }

    /// Puts a finished value in its entry (or makes it the root), checking that only a
    /// comment follows it on its line.
    fn place(&self, stack: &mut [Frame], root: &mut Option<Lay>, lay: Lay) -> Option<()> {
        let Some(frame) = stack.last_mut() else {
            if root.is_some() {
                return None;
            }
            *root = Some(lay);
            return Some(());
        };
        let Frame::Block { block, pending, .. } = frame else { return None };
        let Pending { head, start, key, area } = pending.take()?;
        let region_end = self.line_after(lay.end);
        let rest = self.text.get(lay.end..region_end)?.trim_start();
        if !(rest.is_empty() || rest.starts_with('#')) || lay.end < area {
            return None;
        }
        block.entries.push(Entry { head, start, key, area, value: lay, region_end });
        Some(())
    }

    /// The next character that is not a space, a line break or part of a comment.
    fn next_token(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut at = from;
        if at == 0 && self.text.starts_with('\u{feff}') {
            at = '\u{feff}'.len_utf8();
        }
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => at += 1,
                b'#' => at = self.text[at..].find('\n').map_or(bytes.len(), |offset| at + offset),
                _ => break,
            }
        }
        at
    }

    /// The root value's first character, past directives and `---`.
    fn root_token(&self) -> usize {
        let mut at = self.next_token(0);
        loop {
            let rest = &self.text[at..];
            if rest.starts_with("---") && rest[3..].chars().next().is_none_or(char::is_whitespace) {
                at = self.next_token(at + 3);
            } else if rest.starts_with('%') && self.line_first(at) {
                at = self.next_token(self.line_after(at));
            } else {
                return at;
            }
        }
    }

    /// Past spaces and tabs (not line breaks).
    fn skip_blanks(&self, from: usize) -> usize {
        from + self.text[from..].bytes().take_while(|byte| *byte == b' ' || *byte == b'\t').count()
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |offset| offset + 1)
    }

    /// Just after the line break that ends the line holding `at` (or the end of the text).
    fn line_after(&self, at: usize) -> usize {
        self.text[at..].find('\n').map_or(self.text.len(), |offset| at + offset + 1)
    }

    fn column(&self, at: usize) -> usize {
        self.text[self.line_start(at)..at].chars().count()
    }

    /// Only spaces come before `at` on its line.
    fn line_first(&self, at: usize) -> bool {
        self.text[self.line_start(at)..at].bytes().all(|byte| byte == b' ')
    }

    /// A `-` that starts a sequence item.
    fn is_dash(&self, at: usize) -> bool {
        self.text.as_bytes().get(at) == Some(&b'-')
            && self.text.as_bytes().get(at + 1).is_none_or(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
    }

    /// Just after the closing quote of the quoted scalar starting at `start`.
    fn quoted_end(&self, start: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let quote = *bytes.get(start)?;
        let mut at = start + 1;
        while let Some(&byte) = bytes.get(at) {
            match (quote, byte) {
                (b'"', b'\\') => at += 2,
                (b'\'', b'\'') if bytes.get(at + 1) == Some(&b'\'') => at += 2,
                (b'"', b'"') | (b'\'', b'\'') => return Some(at + 1),
                _ => at += 1,
            }
        }
        None
    }

    /// Just after the last content of the block scalar whose `|` or `>` is at `start`, held by
    /// a block at `parent_column`: its lines are the blank ones and those indented further.
    /// Blank lines after the last text are the scalar's own only when it keeps them (`|+`).
    fn block_scalar_end(&self, start: usize, parent_column: usize) -> usize {
        let header = &self.text[start + 1..];
        let header_length = header.bytes().take_while(|byte| matches!(byte, b'0'..=b'9' | b'+' | b'-')).count();
        let keep = header[..header_length].contains('+');
        let mut end = start + 1 + header_length;
        let mut line = self.line_after(start);
        while line < self.text.len() {
            let stop = self.text[line..].find('\n').map_or(self.text.len(), |offset| line + offset);
            let content = self.text[line..stop].trim_end_matches('\r');
            let blank = content.trim().is_empty();
            if !blank && content.bytes().take_while(|byte| *byte == b' ').count() <= parent_column {
                break;
            }
            if keep || !blank {
                end = line + content.len();
            }
            line = stop + 1;
        }
        end
    }
}

/// The old text's indentation of nested blocks under a key: the most common one, else
/// [`Indents::PRINT`]'s.
fn detect_indents(root: &Lay) -> Indents {
    let mut mapping = std::collections::BTreeMap::<usize, usize>::new();
    let mut sequence = std::collections::BTreeMap::<usize, usize>::new();
    let mut stack = vec![root];
    while let Some(lay) = stack.pop() {
        let Kind::Block(block) = &lay.kind else { continue };
        for entry in &block.entries {
            if let Kind::Block(inner) = &entry.value.kind
                && block.mapping
                && !inner.inline
                && inner.column >= block.column
            {
                let counts = if inner.mapping { &mut mapping } else { &mut sequence };
                *counts.entry(inner.column - block.column).or_default() += 1;
            }
            stack.push(&entry.value);
        }
    }
    let most = |counts: std::collections::BTreeMap<usize, usize>, default: usize| {
        counts.into_iter().max_by_key(|(width, count)| (*count, usize::MAX - width)).map_or(default, |(width, _)| width)
    };
    Indents { mapping: most(mapping, Indents::PRINT.mapping).max(1), sequence: most(sequence, Indents::PRINT.sequence) }
}

// ---------------------------------------------------------------------------------------------
// Printing

/// Where a value sits: a mapping member's value (keys at `column`) or a sequence item (its `-`
/// at `column`).
#[derive(Clone, Copy)]
enum Place {
    Member(usize),
    Item(usize),
}

struct Printer<'t> {
    text: &'t str,
    newline: &'static str,
    indents: Indents,
    /// The old text writes YAML 1.1 words as plain strings.
    plain_words: bool,
    out: String,
}

impl Printer<'_> {
    fn copy(&mut self, from: usize, to: usize) {
        self.out.push_str(&self.text[from..to]);
    }

    /// Appends what `write` prints, with the old text's line breaks.
    fn fresh(&mut self, write: impl FnOnce(&mut String)) {
        let mut printed = String::new();
        write(&mut printed);
        if self.newline == "\n" {
            self.out.push_str(&printed);
        } else {
            self.out.push_str(&printed.replace('\n', self.newline));
        }
    }

    fn line_break(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push_str(self.newline);
        }
    }

    fn block(&mut self, new: &Node, old: &Node, block: &Block) -> Option<()> {
        match (&new.value, &old.value, block.mapping) {
            (Value::Object(members), Value::Object(old_members), true) => self.mapping(members, old_members, block),
            (Value::Array(elements), Value::Array(old_elements), false) => self.sequence(elements, old_elements, block),
            _ => None,
        }
    }

    /// What comes before new entry `j`, paired with old entry `k`: the old entry's own lines
    /// above it and its indentation (less the blank lines, where it becomes the first entry), or
    /// its siblings' indentation.
    fn lead(&mut self, block: &Block, j: usize, k: Option<usize>) {
        if j == 0 && block.inline {
            return;
        }
        match k {
            Some(k) if !(k == 0 && block.inline) => {
                let entry = &block.entries[k];
                let mut from = entry.head;
                while j == 0
                    && k > 0
                    && let Some(length) = self.text[from..entry.start].find('\n')
                    && self.text[from..from + length].trim().is_empty()
                {
                    from += length + 1;
                }
                self.copy(from, entry.start);
            }
            _ => self.out.extend(std::iter::repeat_n(' ', block.column)),
        }
    }

    fn mapping(&mut self, members: &[Member], old_members: &[Member], block: &Block) -> Option<()> {
        if old_members.len() != block.entries.len()
            || old_members
                .iter()
                .zip(&block.entries)
                .any(|(member, entry)| entry.key.as_ref().is_none_or(|key| key.text != member.key))
        {
            return None;
        }
        let pairs = pair_members(members, old_members);
        for (j, member) in members.iter().enumerate() {
            if j > 0 {
                self.line_break();
            }
            self.lead(block, j, pairs[j]);
            match pairs[j] {
                Some(k) => {
                    let entry = &block.entries[k];
                    let key = entry.key.as_ref()?;
                    if old_members[k].key == member.key {
                        self.copy(entry.start, key.end);
                    } else {
                        let mut printed = String::new();
                        if keeps_quote(
                            key.quote,
                            &self.text[entry.start..key.end],
                            &old_members[k].key,
                            &member.key,
                            self.plain_words,
                        ) {
                            write_quoted_like(&mut printed, &member.key, key.quote);
                        } else {
                            write_flow_string(&mut printed, &member.key);
                        }
                        if printed.contains('\n') || printed.chars().count() > IMPLICIT_KEY_LIMIT {
                            return None;
                        }
                        self.out.push_str(&printed);
                    }
                    self.copy(key.end, entry.area);
                    self.value(&member.value, &old_members[k].value, entry, Place::Member(block.column))?;
                }
                None => {
                    let indents = self.indents;
                    self.fresh(|out| write_mapping(out, std::slice::from_ref(member), block.column, true, indents));
                    self.out.push_str(self.newline);
                }
            }
        }
        Some(())
    }

    fn sequence(&mut self, elements: &[Node], old_elements: &[Node], block: &Block) -> Option<()> {
        if old_elements.len() != block.entries.len() {
            return None;
        }
        let pairs = crate::reprint::pair_elements(elements, old_elements);
        for (j, element) in elements.iter().enumerate() {
            if j > 0 {
                self.line_break();
            }
            self.lead(block, j, pairs[j]);
            match pairs[j] {
                Some(k) => {
                    let entry = &block.entries[k];
                    self.copy(entry.start, entry.area);
                    self.value(element, &old_elements[k], entry, Place::Item(block.column))?;
                }
                None => {
                    let indents = self.indents;
                    self.fresh(|out| write_sequence(out, std::slice::from_ref(element), block.column, true, indents));
                    self.out.push_str(self.newline);
                }
            }
        }
        Some(())
    }

    /// Prints `new` in place of `old`, the value of `entry`: from just after its `:` or `-` to
    /// the end of its last line.
    fn value(&mut self, new: &Node, old: &Node, entry: &Entry, place: Place) -> Option<()> {
        let lay = &entry.value;
        if new.same_value(old) {
            self.copy(entry.area, entry.region_end);
            return Some(());
        }
        let block_indent = match place {
            Place::Member(column) => column + self.indents.mapping,
            Place::Item(column) => column + 2,
        };
        let multiline = match (&new.value, &old.value, &lay.kind) {
            (Value::Object(members), Value::Object(_), Kind::Block(block)) if block.mapping && !members.is_empty() => {
                self.copy(entry.area, block.head);
                return self.block(new, old, block);
            }
            (Value::Array(elements), Value::Array(_), Kind::Block(block)) if !block.mapping && !elements.is_empty() => {
                self.copy(entry.area, block.head);
                return self.block(new, old, block);
            }
            (Value::String(text), Value::String(old_text), Kind::Scalar(quote)) if *quote != Quote::Block => {
                let gap = &self.text[entry.area..lay.start];
                if !gap.is_empty() && gap.bytes().all(|byte| byte == b' ' || byte == b'\t') {
                    self.out.push_str(gap);
                } else {
                    self.out.push(' ');
                }
                let mut printed = String::new();
                if keeps_quote(*quote, &self.text[lay.start..lay.end], old_text, text, self.plain_words) {
                    write_quoted_like(&mut printed, text, *quote);
                } else {
                    write_scalar(&mut printed, new, block_indent);
                }
                let multiline = printed.contains('\n');
                self.fresh(|out| out.push_str(&printed));
                multiline
            }
            _ => {
                let indents = self.indents;
                let before = self.out.len();
                self.fresh(|out| match (place, &new.value) {
                    (Place::Member(column), Value::Object(members)) if !members.is_empty() => {
                        write_mapping(out, members, column + indents.mapping, false, indents)
                    }
                    (Place::Member(column), Value::Array(elements)) if !elements.is_empty() => {
                        write_sequence(out, elements, column + indents.sequence, false, indents)
                    }
                    (Place::Item(column), Value::Object(members)) if !members.is_empty() => {
                        out.push(' ');
                        write_mapping(out, members, column + 2, true, indents)
                    }
                    (Place::Item(column), Value::Array(elements)) if !elements.is_empty() => {
                        out.push(' ');
                        write_sequence(out, elements, column + 2, true, indents)
                    }
                    _ => {
                        out.push(' ');
                        write_scalar(out, new, block_indent);
                    }
                });
                self.out[before..].contains('\n')
            }
        };
        // What followed the old value on its line: a comment is kept unless the new value
        // spans lines (after a block scalar's last line it would read as text).
        let trail = &self.text[lay.end..entry.region_end];
        if multiline && trail.trim_start().starts_with('#') {
            self.out.push_str(if trail.ends_with('\n') { self.newline } else { "" });
        } else {
            self.copy(lay.end, entry.region_end);
        }
        Some(())
    }
}

/// Writes a scalar, `{}` or `[]` as [`print_yaml`] does, except a string ending in blank lines:
/// as a `|+` block, the blank lines that follow it in the old text would join it, so it is
/// double-quoted.
fn write_scalar(out: &mut String, node: &Node, block_indent: usize) {
    match &node.value {
        Value::String(text) if text.ends_with("\n\n") => write_double_quoted(out, text),
        _ => write_scalar_value(out, node, block_indent),
    }
}

/// Whether `new`, replacing the string `old` written as `source` in `quote`, keeps that style:
/// when the author chose it over [`print_yaml`]'s rules. `"Ship"` (the rules write `Ship`)
/// keeps its double quotes; in a text that writes YAML 1.1 words plain (`Next: Yes`, where the
/// rules write `'Yes'` for YAML 1.1 readers), a new such word is plain too. Strings as the
/// rules write them, and quotes the rules required (`'Check: order'`), are followed by the
/// rules for the new string, so renaming there and back gives the same text.
fn keeps_quote(quote: Quote, source: &str, old: &str, new: &str, plain_words: bool) -> bool {
    match quote {
        Quote::Single | Quote::Double => {
            let mut by_the_rules = String::new();
            write_flow_string(&mut by_the_rules, old);
            source != by_the_rules
        }
        Quote::Plain => plain_words && YAML_1_1_WORDS.contains(&new),
        Quote::Block => false,
    }
}

/// Plain words YAML 1.1 reads as booleans and YAML 1.2 (and [`Document::read`]) as strings.
const YAML_1_1_WORDS: &[&str] =
    &["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"];

/// Writes a string in the style `quote` says, when that style can hold it; else by
/// [`write_flow_string`]'s rules.
fn write_quoted_like(out: &mut String, text: &str, quote: Quote) {
    match quote {
        Quote::Plain if YAML_1_1_WORDS.contains(&text) => out.push_str(text),
        Quote::Double => write_double_quoted(out, text),
        Quote::Single if !text.chars().any(needs_escape) => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        _ => write_flow_string(out, text),
    }
}

/// Pairs each new member with an old one as the JSON reprinter does ([`crate::reprint::pair_members`]:
/// by key, then a renamed key by equal value), then the remaining ones in order when as many
/// new as old remain (a renamed key whose value changed too).
fn pair_members(members: &[Member], old_members: &[Member]) -> Vec<Option<usize>> {
    let (mut pairs, used) = crate::reprint::pair_members(members, old_members);
    let unpaired_new: Vec<usize> = (0..members.len()).filter(|&j| pairs[j].is_none()).collect();
    let unpaired_old: Vec<usize> = (0..old_members.len()).filter(|&k| !used[k]).collect();
    if unpaired_new.len() == unpaired_old.len() {
        for (j, k) in unpaired_new.into_iter().zip(unpaired_old) {
            pairs[j] = Some(k);
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{self, Edit};
    use serde_json::json;

    /// A definition with comments (own-line and trailing), blank lines, quoted strings, block
    /// scalars, flow collections and a compact first member after `- `.
    const ORDER: &str = "\
# An order workflow, with every kind of YAML in it
Comment: \"An order workflow\"  # trailing comment
StartAt: Validate

States:
  # Checks the order first
  Validate:
    Type: Task
    Resource: 'arn:aws:states:::lambda:invoke'
    Parameters:
      FunctionName: validate
      Payload.$: $
    Retry:
      - ErrorEquals: [States.TaskFailed, States.Timeout]
        IntervalSeconds: 2
    Next: Route

  Route:
    Type: Choice
    Choices:
      - Variable: $.ok
        BooleanEquals: true
        Next: \"Ship\"   # the happy path
    Default: Reject

  # Ships it
  Ship:
    Type: Pass
    Result: |
      line one
        # not a comment
      line two
    Next: Done
  Reject:
    Type: Fail
    Cause: >-
      The order
      was refused
  Done: {Type: Succeed}
# end of file
";

    fn read(text: &str) -> Node {
        let (document, diagnostics) = Document::read(text, SourceFormat::Yaml);
        document.root().cloned().unwrap_or_else(|| panic!("{diagnostics:?}\n{text}"))
    }

    /// Applies `edit` to the tree read from `text` and reprints it, requiring the least-change
    /// printer itself (not the fallback) to give a text that reads back as the edited tree.
    /// Returns the text and the edit's inverse.
    fn edited(text: &str, edit: &Edit) -> (String, Edit) {
        let old = read(text);
        let mut new = old.clone();
        let inverse = edit::apply(&mut new, edit).expect("the edit applies");
        let printed = least_change(&new, &old, text).expect("the layout is readable");
        assert!(read(&printed).same_value(&new), "does not read back as the edited tree:\n{printed}");
        assert_eq!(reprint_yaml(&new, &old, text), printed);
        (printed, inverse)
    }

    /// The lines that differ, when both texts have as many.
    fn changed_lines<'a>(before: &'a str, after: &'a str) -> Vec<(&'a str, &'a str)> {
        assert_eq!(before.lines().count(), after.lines().count(), "lines were added or removed:\n{after}");
        before.lines().zip(after.lines()).filter(|(old, new)| old != new).collect()
    }

    fn undone(text: &str, inverse: &Edit) -> String {
        edited(text, inverse).0
    }

    #[test]
    fn an_unrelated_edit_keeps_comments_quotes_block_scalars_flow_collections_and_blank_lines() {
        let edit = Edit::SetField { pointer: "/States/Reject/Error".into(), value: json!("Refused") };
        let (printed, inverse) = edited(ORDER, &edit);
        let expected = ORDER.replace("      was refused\n", "      was refused\n    Error: Refused\n");
        assert_eq!(printed, expected);
        assert_eq!(undone(&printed, &inverse), ORDER);

        let edit = Edit::SetField { pointer: "/States/Validate/Retry/0/IntervalSeconds".into(), value: json!(5) };
        let (printed, inverse) = edited(ORDER, &edit);
        assert_eq!(changed_lines(ORDER, &printed), vec![("        IntervalSeconds: 2", "        IntervalSeconds: 5")]);
        assert_eq!(undone(&printed, &inverse), ORDER);

        let edit = Edit::SetField { pointer: "/Comment".into(), value: json!("Orders: checked, then shipped") };
        let (printed, inverse) = edited(ORDER, &edit);
        assert_eq!(
            changed_lines(ORDER, &printed),
            vec![(
                "Comment: \"An order workflow\"  # trailing comment",
                "Comment: \"Orders: checked, then shipped\"  # trailing comment"
            )]
        );
        assert_eq!(undone(&printed, &inverse), ORDER);
    }

    #[test]
    fn a_rename_rewrites_only_the_lines_that_name_the_state() {
        let edit = Edit::RenameState { scope: String::new(), from: "Ship".into(), to: "Send it".into() };
        let (printed, inverse) = edited(ORDER, &edit);
        assert_eq!(
            changed_lines(ORDER, &printed),
            vec![
                ("        Next: \"Ship\"   # the happy path", "        Next: \"Send it\"   # the happy path"),
                ("  Ship:", "  Send it:"),
            ]
        );
        assert_eq!(undone(&printed, &inverse), ORDER);

        let edit = Edit::RenameState { scope: String::new(), from: "Validate".into(), to: "Check: order".into() };
        let (printed, inverse) = edited(ORDER, &edit);
        assert_eq!(
            changed_lines(ORDER, &printed),
            vec![("StartAt: Validate", "StartAt: 'Check: order'"), ("  Validate:", "  'Check: order':")]
        );
        assert_eq!(undone(&printed, &inverse), ORDER);
    }

    #[test]
    fn a_state_whose_value_changes_with_its_name_keeps_its_other_lines() {
        let text = "StartAt: Poll\nStates:\n  Poll:\n    Type: Wait  # waits\n    Seconds: 5\n    Next: Poll\n";
        let edit = Edit::RenameState { scope: String::new(), from: "Poll".into(), to: "Again".into() };
        let (printed, inverse) = edited(text, &edit);
        assert_eq!(
            printed,
            "StartAt: Again\nStates:\n  Again:\n    Type: Wait  # waits\n    Seconds: 5\n    Next: Again\n"
        );
        assert_eq!(undone(&printed, &inverse), text);
    }

    #[test]
    fn removing_a_state_removes_its_lines_and_its_leading_comment() {
        let edit = Edit::RemoveState { scope: String::new(), name: "Ship".into() };
        let (printed, _) = edited(ORDER, &edit);
        // The blank line and the comment above Ship are Ship's.
        let start = ORDER.find("\n\n  # Ships it").expect("Ship's comment") + 1;
        let end = ORDER.find("  Reject:").expect("Reject");
        let expected = format!("{}{}", &ORDER[..start], &ORDER[end..]);
        assert_eq!(printed, expected);

        let edit = Edit::RemoveState { scope: String::new(), name: "Validate".into() };
        let (printed, _) = edited(ORDER, &edit);
        let start = ORDER.find("  # Checks the order first").expect("Validate's comment");
        let end = ORDER.find("\n  Route:").expect("Route") + 1;
        assert_eq!(printed, format!("{}{}", &ORDER[..start], &ORDER[end..]));

        let edit = Edit::RemoveState { scope: String::new(), name: "Done".into() };
        let (printed, _) = edited(ORDER, &edit);
        assert_eq!(printed, ORDER.replace("  Done: {Type: Succeed}\n", ""));
    }

    #[test]
    fn removing_a_state_in_print_yaml_layout_and_undoing_it_gives_the_text_back() {
        let text = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n  B:\n    Type: Pass\n    Result: |\n      a\n      b\n    End: true\n  C:\n    Type: Succeed\n";
        let edit = Edit::RemoveState { scope: String::new(), name: "B".into() };
        let (printed, inverse) = edited(text, &edit);
        assert_eq!(printed, "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n  C:\n    Type: Succeed\n");
        assert_eq!(undone(&printed, &inverse), text);
    }

    #[test]
    fn an_added_state_takes_its_siblings_layout() {
        let edit = Edit::AddState {
            scope: String::new(),
            name: "Audit".into(),
            state: json!({"Type": "Pass", "Parameters": {"order.$": "$.order"}, "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}),
        };
        let (printed, inverse) = edited(ORDER, &edit);
        let expected = ORDER.replace(
            "  Done: {Type: Succeed}\n",
            "  Done: {Type: Succeed}\n  Audit:\n    Type: Pass\n    Parameters:\n      order.$: $.order\n    Retry:\n      - ErrorEquals:\n          - States.ALL\n    End: true\n",
        );
        assert_eq!(printed, expected);
        assert_eq!(undone(&printed, &inverse), ORDER);

        // Four-space indentation and sequences at their key's column, as the old text has them.
        let text = "StartAt: A\nStates:\n    A:\n        Type: Task\n        Retry:\n        - ErrorEquals: [X]\n        End: true\n";
        let edit = Edit::AddState {
            scope: String::new(),
            name: "B".into(),
            state: json!({"Type": "Task", "Catch": [{"ErrorEquals": ["Oops"], "Next": "A"}], "End": true}),
        };
        let (printed, inverse) = edited(text, &edit);
        assert_eq!(
            printed,
            format!(
                "{text}    B:\n        Type: Task\n        Catch:\n        - ErrorEquals:\n          - Oops\n          Next: A\n        End: true\n"
            )
        );
        assert_eq!(undone(&printed, &inverse), text);
    }

    #[test]
    fn changed_flow_collections_and_block_scalars_are_printed_in_block_style() {
        let edit = Edit::SetField { pointer: "/States/Done/Comment".into(), value: json!("the end") };
        let (printed, inverse) = edited(ORDER, &edit);
        assert_eq!(
            printed,
            ORDER.replace("  Done: {Type: Succeed}\n", "  Done:\n    Type: Succeed\n    Comment: the end\n")
        );
        assert_eq!(read(&undone(&printed, &inverse)).to_serde(), read(ORDER).to_serde());

        let edit =
            Edit::SetField { pointer: "/States/Validate/Retry/0/ErrorEquals/1".into(), value: json!("States.ALL") };
        let (printed, _) = edited(ORDER, &edit);
        assert!(
            printed.contains(
                "      - ErrorEquals:\n          - States.TaskFailed\n          - States.ALL\n        IntervalSeconds: 2\n"
            ),
            "{printed}"
        );

        let edit = Edit::SetField { pointer: "/States/Ship/Result".into(), value: json!("one line") };
        let (printed, _) = edited(ORDER, &edit);
        assert!(printed.contains("    Result: one line\n    Next: Done\n"), "{printed}");
        let edit = Edit::SetField { pointer: "/States/Reject/Cause".into(), value: json!("first\nsecond") };
        let (printed, _) = edited(ORDER, &edit);
        assert!(printed.contains("    Cause: |-\n      first\n      second\n  Done:"), "{printed}");
    }

    #[test]
    fn a_changed_string_keeps_its_quoting_and_a_trailing_comment_survives() {
        let text = "a: 'single'  # one\nb: \"double\"\nc: plain # three\n";
        let old = read(text);
        let mut new = old.clone();
        for (pointer, value) in [("/a", "it's"), ("/b", "tab\there"), ("/c", "yes")] {
            edit::apply(&mut new, &Edit::SetField { pointer: pointer.into(), value: json!(value) }).expect("applies");
        }
        let printed = reprint_yaml(&new, &old, text);
        assert_eq!(printed, "a: 'it''s'  # one\nb: \"tab\\there\"\nc: 'yes' # three\n");
        // A new value on several lines cannot keep a comment after it.
        edit::apply(&mut new, &Edit::SetField { pointer: "/c".into(), value: json!("x\ny") }).expect("applies");
        let printed = reprint_yaml(&new, &old, text);
        assert_eq!(printed, "a: 'it''s'  # one\nb: \"tab\\there\"\nc: |-\n  x\n  y\n");
    }

    #[test]
    fn quotes_the_author_chose_survive_a_rename_there_and_back() {
        // `"Done"` and plain YAML 1.1 words are the author's choices; `'Check: order'` the rules'.
        let text = "StartAt: 'Check: order'\nStates:\n  'Check: order':\n    Type: Choice\n    Choices:\n      - Variable: $.ok\n        BooleanEquals: true\n        Next: Yes\n    Default: No\n  Yes:\n    Type: Pass\n    Next: \"Done\"\n  No:\n    Type: Fail\n  \"Done\":\n    Type: Succeed\n";
        for (from, to, expected) in [
            ("Yes", "ON", text.replace("Yes", "ON")),
            ("Yes", "Ship it", text.replace("Yes", "Ship it")),
            ("Done", "Finished", text.replace("Done", "Finished")),
            ("Check: order", "Check", text.replace("'Check: order'", "Check")),
        ] {
            let edit = Edit::RenameState { scope: String::new(), from: from.into(), to: to.into() };
            let (printed, inverse) = edited(text, &edit);
            assert_eq!(printed, expected);
            assert_eq!(undone(&printed, &inverse), text, "{from} → {to} → {from}");
        }
    }

    #[test]
    fn line_ends_and_a_missing_final_newline_are_kept() {
        let text = "StartAt: A\r\nStates:\r\n  A:\r\n    Type: Pass # first\r\n    End: true";
        let edit = Edit::AddState { scope: String::new(), name: "B".into(), state: json!({"Type": "Succeed"}) };
        let (printed, inverse) = edited(text, &edit);
        assert_eq!(printed, format!("{text}\r\n  B:\r\n    Type: Succeed"));
        assert_eq!(undone(&printed, &inverse), text);
        let edit = Edit::RenameState { scope: String::new(), from: "A".into(), to: "First".into() };
        let (printed, inverse) = edited(text, &edit);
        assert_eq!(printed, "StartAt: First\r\nStates:\r\n  First:\r\n    Type: Pass # first\r\n    End: true");
        assert_eq!(undone(&printed, &inverse), text);
    }

    #[test]
    fn sequences_of_mappings_keep_their_items() {
        let text = "Catch:\n  - ErrorEquals: [A]  # first\n    Next: X\n  # the second\n  - ErrorEquals:\n      - B\n    Next: Y\n  -\n    ErrorEquals: [C]\n    Next: Z\n";
        let old = read(text);
        let mut new = old.clone();
        edit::apply(&mut new, &Edit::RemoveField { pointer: "/Catch/1".into() }).expect("applies");
        let printed = least_change(&new, &old, text).expect("readable");
        assert_eq!(
            printed,
            "Catch:\n  - ErrorEquals: [A]  # first\n    Next: X\n  -\n    ErrorEquals: [C]\n    Next: Z\n"
        );
        let mut new = old.clone();
        edit::apply(&mut new, &Edit::RemoveField { pointer: "/Catch/0/ErrorEquals".into() }).expect("applies");
        let printed = least_change(&new, &old, text).expect("readable");
        assert!(printed.starts_with("Catch:\n  - Next: X\n  # the second\n"), "{printed}");
        assert!(read(&printed).same_value(&new));
    }

    #[test]
    fn what_the_layout_cannot_hold_falls_back_to_print_yaml() {
        for text in [
            "defaults: &d {Type: Pass}\nStates:\n  A: *d\n",
            "? StartAt\n: A\nStates: {}\n",
            "{StartAt: A, States: {A: {Type: Pass, End: true}}}\n",
        ] {
            let old = read(text);
            let mut new = old.clone();
            edit::apply(&mut new, &Edit::SetField { pointer: "/Comment".into(), value: json!("c") }).expect("applies");
            assert!(least_change(&new, &old, text).is_none(), "{text}");
            assert_eq!(reprint_yaml(&new, &old, text), print_yaml(&new));
        }
    }

    #[test]
    fn every_state_edit_on_the_sample_reads_back_as_the_edited_tree() {
        let old = read(ORDER);
        let names: Vec<String> =
            old.get("States").and_then(Node::members).unwrap_or_default().iter().map(|m| m.key.clone()).collect();
        let mut count = 0;
        for name in &names {
            let edits = [
                Edit::RenameState { scope: String::new(), from: name.clone(), to: format!("{name} renamed") },
                Edit::RemoveState { scope: String::new(), name: name.clone() },
                Edit::SetField { pointer: format!("/States/{name}/Comment"), value: json!("# not a comment: x") },
                Edit::SetField { pointer: format!("/States/{name}/Type"), value: json!({"a": [1, {"b": null}]}) },
                Edit::RemoveField { pointer: format!("/States/{name}/Type") },
            ];
            for edit in &edits {
                let (printed, inverse) = edited(ORDER, edit);
                let back = undone(&printed, &inverse);
                assert!(read(&back).same_value(&old), "{edit:?} then {inverse:?}:\n{back}");
                count += 1;
            }
        }
        assert_eq!(count, 5 * names.len());
    }

    /// Every top-level state of every real YAML definition removed, renamed, given a field and
    /// losing one, and a state added: the least-change text (never the fallback) reads back as
    /// the edited tree, and the inverse edit read back gives the original tree.
    #[test]
    fn edits_of_real_yaml_files_need_no_fallback() {
        let Some(corpus) = crate::test_support::shared("corpus/real-asl") else { return };
        let files = crate::test_support::real_asl_files(&corpus, &["yaml", "yml"]);
        let mut count = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).expect("readable");
            let old = read(&text);
            let names: Vec<String> =
                old.get("States").and_then(Node::members).unwrap_or_default().iter().map(|m| m.key.clone()).collect();
            let mut edits = vec![Edit::AddState {
                scope: String::new(),
                name: "Added".into(),
                state: json!({"Type": "Pass", "Result": {"list": [1, "two"], "text": "a\nb"}, "End": true}),
            }];
            for name in &names {
                let state = format!("/States/{}", name.replace('~', "~0").replace('/', "~1"));
                edits.extend([
                    Edit::RemoveState { scope: String::new(), name: name.clone() },
                    Edit::RenameState { scope: String::new(), from: name.clone(), to: format!("{name} (2)") },
                    Edit::SetField { pointer: format!("{state}/Comment"), value: json!("x: y # z") },
                    Edit::RemoveField { pointer: format!("{state}/Type") },
                ]);
            }
            for edit in &edits {
                let mut new = old.clone();
                let inverse = edit::apply(&mut new, edit).expect("the edit applies");
                let printed = least_change(&new, &old, &text)
                    .unwrap_or_else(|| panic!("{}: {edit:?}: the layout is unreadable", path.display()));
                assert!(read(&printed).same_value(&new), "{}: {edit:?}:\n{printed}", path.display());
                let back = undone(&printed, &inverse);
                assert!(read(&back).same_value(&old), "{}: {edit:?} undone:\n{back}", path.display());
                count += 1;
            }
        }
        assert!(count >= 9, "expected edits of the corpus's YAML files, made {count}");
    }

    /// Every value of a tree's JSON pointers (members and elements, depth first).
    fn pointers(node: &Node, pointer: &str, out: &mut Vec<(String, bool)>) {
        match &node.value {
            Value::Object(members) => {
                for member in members {
                    let child = format!("{pointer}/{}", member.key.replace('~', "~0").replace('/', "~1"));
                    out.push((child.clone(), true));
                    pointers(&member.value, &child, out);
                }
            }
            Value::Array(elements) => {
                for (index, element) in elements.iter().enumerate() {
                    let child = format!("{pointer}/{index}");
                    out.push((child.clone(), false));
                    pointers(element, &child, out);
                }
            }
            _ => {}
        }
    }

    const TRICKY: &str = "\
%YAML 1.2
---
# header
plain:    spaced value   # after
multi: first
  second line
quoted: 'it''s
  # not a comment'
double: \"a \\\" b\"
empty:
nextline:
  value on the next line
keep: |+
  kept

folded: >2
    indented
   less
\"key with spaces\" : 1
list:
- a
- - b
  - c
-
  d: 1
  e: {f: [1, 2]}
- []
nested:
    deep:
        deeper: [x, {y: z}]   # flow
    # trailing comment of deep
last: end # no newline after";

    const TRICKY_TOO: &str = "\
key: # a comment where the value would be
  # and one above the first child
  child: 1
  other:   value after spaces
spaced  : x
anchored: &a value
blocks:
  - |
    literal in a list
  - >-
    folded
    in a list
  - plain
    on two lines
flow: {f: 1,
    g: [2,
      3]}   # a comment
two_lines: \"multi
  line double\"
inner:
  x: 1
# a comment at column 0 in the middle
  y: 2
...
";

    const TRICKY_CRLF: &str = "a: |\r\n  one\r\n  two\r\n# c\r\nb:\r\n  - x # y\r\n  - 'z'\r\nc: {d: e}\r\n";

    #[test]
    fn every_value_of_a_tricky_text_can_be_replaced_removed_and_renamed() {
        let mut count = 0;
        for text in [TRICKY, TRICKY_TOO, TRICKY_CRLF] {
            count += sweep(text);
        }
        assert!(count > 200, "{count}");
    }

    /// Replaces, removes and renames every value of `text`, requiring the least-change text
    /// to read back as the edited tree and its inverse as the old one; returns the edits made.
    fn sweep(text: &str) -> usize {
        let old = read(text);
        let mut all = Vec::new();
        pointers(&old, "", &mut all);
        let mut count = 0;
        for (pointer, is_member) in &all {
            let mut edits = vec![
                Edit::SetField { pointer: pointer.clone(), value: json!("new: value") },
                Edit::SetField { pointer: pointer.clone(), value: json!({"k": [1, {"m": "two\nlines"}]}) },
                Edit::SetField { pointer: pointer.clone(), value: json!(["x"]) },
                Edit::RemoveField { pointer: pointer.clone() },
            ];
            if *is_member {
                let (object, _) = pointer.rsplit_once('/').expect("a member");
                let parent = if object.is_empty() {
                    &old
                } else {
                    let mut node = &old;
                    for token in object.split('/').skip(1) {
                        node = match &node.value {
                            Value::Array(elements) => &elements[token.parse::<usize>().expect("index")],
                            _ => node.get(&token.replace("~1", "/").replace("~0", "~")).expect("member"),
                        };
                    }
                    node
                };
                let key = pointer.rsplit_once('/').expect("a member").1.replace("~1", "/").replace("~0", "~");
                let index = parent.members().expect("an object").iter().position(|m| m.key == key).expect("the key");
                edits.push(Edit::RenameMember { object: object.to_string(), index, key: format!("{key} renamed") });
            }
            for edit in &edits {
                let (printed, inverse) = edited(text, edit);
                let back = undone(&printed, &inverse);
                assert!(read(&back).same_value(&old), "{edit:?} undone:\n{back}");
                count += 1;
            }
        }
        count
    }
}
