//! Function signatures (`<a<s>s?:s>`): the parameter types a lambda declares.
//!
//! Like JSONata, the reader is lenient: characters that are not type symbols or options are
//! skipped. It rejects what JSONata rejects when compiling: a type parameter on anything but
//! an array or a function (S0401) and a choice group holding a parameterised type (S0402).

use super::ParseError;
use super::ast::{ParamModifier, Signature, SignatureParam};

/// Reads `text`, a whole signature with its angle brackets, that starts at character
/// `position` of the source.
pub(super) fn parse(text: &str, position: usize) -> Result<Signature, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    // Everything between the outer brackets.
    let inner = &chars[1..chars.len().saturating_sub(1).max(1)];
    let mut params: Vec<SignatureParam> = Vec::new();
    let mut result = None;
    let mut index = 0;
    while index < inner.len() {
        let symbol = inner[index];
        match symbol {
            ':' => {
                result = Some(inner[index + 1..].iter().collect());
                break;
            }
            'b' | 'n' | 's' | 'l' | 'a' | 'o' | 'f' | 'u' | 'j' | 'x' => {
                params.push(SignatureParam { types: symbol.to_string(), type_parameter: None, modifier: None });
            }
            '(' => {
                let close = closing(inner, index, '(', ')');
                let choice: String = inner[index + 1..close].iter().collect();
                // (An unclosed group runs to the end.)
                if choice.contains('<') {
                    return Err(ParseError::new(
                        "S0402",
                        "Choice groups containing parameterized types are not supported".to_owned(),
                        position + 1 + index,
                    ));
                }
                params.push(SignatureParam { types: choice, type_parameter: None, modifier: None });
                index = close;
            }
            '<' => {
                let parameterisable = params.last().is_some_and(|param| param.types == "a" || param.types == "f");
                let last = params.last_mut().filter(|_| parameterisable);
                let Some(last) = last else {
                    return Err(ParseError::new(
                        "S0401",
                        "Type parameters can only be applied to functions and arrays".to_owned(),
                        position + 1 + index,
                    ));
                };
                let close = closing(inner, index, '<', '>');
                last.type_parameter = Some(inner[index + 1..close].iter().collect());
                index = close;
            }
            '+' | '?' | '-' => {
                if let Some(last) = params.last_mut() {
                    last.modifier = Some(match symbol {
                        '+' => ParamModifier::OneOrMore,
                        '?' => ParamModifier::Optional,
                        _ => ParamModifier::ContextIfMissing,
                    });
                }
            }
            _ => {}
        }
        index += 1;
    }
    Ok(Signature { text: text.to_owned(), params, result })
}

/// The index of the bracket closing the one at `open_index`, or the length of `chars` when
/// it is never closed.
fn closing(chars: &[char], open_index: usize, open: char, close: char) -> usize {
    let mut depth = 0;
    for (index, c) in chars.iter().enumerate().skip(open_index) {
        if *c == open {
            depth += 1;
        } else if *c == close {
            depth -= 1;
            if depth == 0 {
                return index;
            }
        }
    }
    chars.len()
}
