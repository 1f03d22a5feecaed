//! The Java semantics that show through AWS's intrinsic functions: AWS evaluates them on the
//! plain Java objects Jackson reads JSON into (`LinkedHashMap`, `ArrayList`, `String`,
//! `Integer`/`Long`/`BigInteger`, `Double`, `Boolean`, `null`), so what a user sees follows
//! Java's rules: `String.valueOf` renders values (`{Arg1=1, Arg2=[]}`, recorded for
//! `States.Format`), `Math.round` rounds (`States.MathAdd(-2.5, 0)` is `-2`, recorded),
//! `HashSet`/`HashMap` decide the order of `States.ArrayUnique` and `States.JsonMerge`
//! results, and `java.util.Random` draws seeded numbers.
//!
//! Everything here is exact Java behaviour reimplemented from the Java language and library
//! specifications; nothing is copied from other projects.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

/// A JSON number as the Java type Jackson reads it into.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum JavaNumber {
    /// An integer that fits in 32 bits: `Integer`.
    Int(i32),
    /// An integer that fits in 64 bits: `Long`.
    Long(i64),
    /// A larger non-negative integer: `BigInteger` (serde_json holds at most a `u64`).
    Big(u64),
    /// Any number written with a fraction or an exponent: `Double`.
    Double(f64),
}

/// The Java type of a JSON number.
pub(crate) fn java_number(number: &Number) -> JavaNumber {
    if let Some(integer) = number.as_i64() {
        match i32::try_from(integer) {
            Ok(small) => JavaNumber::Int(small),
            Err(_) => JavaNumber::Long(integer),
        }
    } else if let Some(unsigned) = number.as_u64() {
        JavaNumber::Big(unsigned)
    } else {
        JavaNumber::Double(number.as_f64().unwrap_or(0.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering: String.valueOf and Jackson's compact JSON
// ---------------------------------------------------------------------------------------------

/// `String.valueOf(object)` of the Java object a JSON value is read into: strings as they are,
/// numbers as Java prints them, `null`, `true`, lists as `[a, b]` and maps as `{k=v, k2=v2}`,
/// with nested strings unquoted.
pub(crate) fn to_java_string(value: &Value) -> String {
    let mut out = String::new();
    write_java_string(value, &mut out);
    out
}

fn write_java_string(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&number_to_java_string(number)),
        Value::String(text) => out.push_str(text),
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_java_string(element, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, (key, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_java_string(member, out);
            }
            out.push('}');
        }
    }
}

/// A number as Java's `toString` of its type prints it.
pub(crate) fn number_to_java_string(number: &Number) -> String {
    match java_number(number) {
        JavaNumber::Int(value) => value.to_string(),
        JavaNumber::Long(value) => value.to_string(),
        JavaNumber::Big(value) => value.to_string(),
        JavaNumber::Double(value) => double_to_string(value),
    }
}

/// `Double.toString(value)`: the shortest digits that read back as the same double, written
/// as `123.45` when `1e-3 <= |value| < 1e7` (always with a fractional digit: `100.0`) and as
/// `1.2345E-5` / `1.0E21` otherwise.
pub(crate) fn double_to_string(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: `-1.2345e-5`.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if value < 0.0 { "-" } else { "" };
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        // Plain notation: the decimal point goes after `exponent + 1` digits.
        let point = exponent + 1;
        let (integer, fraction) = if point <= 0 {
            ("0".to_string(), format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)))
        } else {
            let point = point as usize;
            if digits.len() <= point {
                (format!("{digits}{}", "0".repeat(point - digits.len())), String::new())
            } else {
                (digits[..point].to_string(), digits[point..].to_string())
            }
        };
        let fraction = if fraction.is_empty() { "0".to_string() } else { fraction };
        format!("{sign}{integer}.{fraction}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

/// Compact JSON as Jackson writes it: no spaces, members in their order, doubles as
/// `Double.toString` prints them (`1.0E21`), control characters escaped with upper-case hex.
pub(crate) fn compact_json(value: &Value) -> String {
    let mut out = String::new();
    write_compact_json(value, &mut out);
    out
}

fn write_compact_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&number_to_java_string(number)),
        Value::String(text) => write_json_string(text, out),
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_compact_json(element, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, (key, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_compact_json(member, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            control if (control as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", control as u32)),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// `String.length()`: the length in UTF-16 code units, which is what AWS's character limits
/// count.
pub(crate) fn java_length(text: &str) -> usize {
    text.encode_utf16().count()
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// `Math.round(double)`: the closest `long`, ties towards positive infinity (`-2.5` → `-2`),
/// `NaN` → 0, saturating at the ends of the range.
pub(crate) fn math_round(value: f64) -> i64 {
    if value.is_nan() {
        return 0;
    }
    let floor = value.floor();
    let rounded = if value - floor >= 0.5 { floor + 1.0 } else { floor };
    saturate(rounded)
}

/// `(long) value`: truncation towards zero, `NaN` → 0, saturating.
pub(crate) fn truncate(value: f64) -> i64 {
    if value.is_nan() { 0 } else { saturate(value.trunc()) }
}

fn saturate(value: f64) -> i64 {
    if value >= 9.223_372_036_854_776e18 {
        i64::MAX
    } else if value <= -9.223_372_036_854_776e18 {
        i64::MIN
    } else {
        value as i64
    }
}

/// `java.util.Random`: the 48-bit linear congruential generator, so a seeded
/// `States.MathRandom` draws what Java would draw from the same seed.
#[derive(Clone, Debug)]
pub(crate) struct JavaRandom {
    seed: u64,
}

const RANDOM_MULTIPLIER: u64 = 0x5_DEEC_E66D;
const RANDOM_MASK: u64 = (1 << 48) - 1;

impl JavaRandom {
    /// `new Random(seed)`.
    pub(crate) fn new(seed: i64) -> Self {
        Self { seed: (seed as u64 ^ RANDOM_MULTIPLIER) & RANDOM_MASK }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(RANDOM_MULTIPLIER).wrapping_add(0xB)) & RANDOM_MASK;
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)` for a positive bound: uniform in `[0, bound)`.
    pub(crate) fn next_int(&mut self, bound: i32) -> i32 {
        debug_assert!(bound > 0);
        let mut r = self.next(31);
        let m = bound.wrapping_sub(1);
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// hashCode, equals, and the iteration order of HashSet and HashMap
// ---------------------------------------------------------------------------------------------

/// `hashCode()` of the Java object a JSON value is read into (`null` hashes to 0).
pub(crate) fn java_hash(value: &Value) -> i32 {
    match value {
        Value::Null => 0,
        Value::Bool(flag) => {
            if *flag {
                1231
            } else {
                1237
            }
        }
        Value::Number(number) => match java_number(number) {
            JavaNumber::Int(value) => value,
            JavaNumber::Long(value) => (value ^ ((value as u64) >> 32) as i64) as i32,
            JavaNumber::Big(value) => {
                // BigInteger: the magnitude's 32-bit words, most significant first.
                let mut hash: i32 = 0;
                for word in [(value >> 32) as u32, value as u32] {
                    if hash == 0 && word == 0 {
                        continue;
                    }
                    hash = (i64::from(hash.wrapping_mul(31)) + i64::from(word)) as i32;
                }
                hash
            }
            JavaNumber::Double(value) => {
                let bits = if value.is_nan() { 0x7ff8_0000_0000_0000 } else { value.to_bits() };
                (bits ^ (bits >> 32)) as i32
            }
        },
        Value::String(text) => string_hash(text),
        Value::Array(elements) => {
            elements.iter().fold(1i32, |hash, element| hash.wrapping_mul(31).wrapping_add(java_hash(element)))
        }
        Value::Object(members) => {
            members.iter().fold(0i32, |hash, (key, member)| hash.wrapping_add(string_hash(key) ^ java_hash(member)))
        }
    }
}

/// `String.hashCode()`, over UTF-16 code units.
pub(crate) fn string_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |hash, unit| hash.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `equals` of the Java objects two JSON values are read into: numbers of different Java
/// types differ (`1` is not `1.0`), doubles compare by bits, maps ignore member order.
pub(crate) fn java_equals(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(left), Value::Bool(right)) => left == right,
        (Value::Number(left), Value::Number(right)) => match (java_number(left), java_number(right)) {
            (JavaNumber::Double(left), JavaNumber::Double(right)) => {
                let bits = |value: f64| if value.is_nan() { 0x7ff8_0000_0000_0000 } else { value.to_bits() };
                bits(left) == bits(right)
            }
            (left, right) => left == right,
        },
        (Value::String(left), Value::String(right)) => left == right,
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(left, right)| java_equals(left, right))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left.iter().all(|(key, member)| right.get(key).is_some_and(|other| java_equals(member, other)))
        }
        _ => false,
    }
}

/// `HashMap.hash`: the hash code with its high bits folded into the low ones.
fn spread(hash: i32) -> usize {
    let hash = hash as u32;
    (hash ^ (hash >> 16)) as usize
}

/// `HashMap.tableSizeFor`: the smallest power of two at least `capacity` (at least 1).
fn table_size_for(capacity: usize) -> usize {
    capacity.max(1).next_power_of_two().min(1 << 30)
}

/// The bookkeeping of a `java.util.HashMap` (JDK 8–17) that decides its iteration order: the
/// table's capacity, the resize threshold and the number of nodes in each bin. Nodes are kept
/// in insertion order; iterating the map visits bins in index order and each bin's nodes in
/// insertion order (resizing splits a bin without reordering it). Bins that turn into trees
/// (more than 8 colliding keys in a table of 64 or more) are taken as kept in insertion
/// order too, which Java does not promise.
struct HashTable {
    capacity: usize,
    threshold: usize,
    /// (hash, index of the entry in insertion order).
    nodes: Vec<(i32, usize)>,
    /// How many nodes each bin holds.
    bins: Vec<usize>,
}

const TREEIFY_THRESHOLD: usize = 8;
const MIN_TREEIFY_CAPACITY: usize = 64;

impl HashTable {
    /// `new HashMap<>(initialCapacity)`; `None` for `new HashMap<>()`.
    fn new(initial_capacity: Option<usize>) -> Self {
        Self { capacity: 0, threshold: initial_capacity.map_or(0, table_size_for), nodes: Vec::new(), bins: Vec::new() }
    }

    fn resize(&mut self) {
        if self.capacity > 0 {
            let old = self.capacity;
            self.capacity = (old * 2).min(1 << 30);
            self.threshold = if old >= 16 { self.threshold * 2 } else { self.capacity * 3 / 4 };
        } else if self.threshold > 0 {
            self.capacity = self.threshold;
            self.threshold = self.capacity * 3 / 4;
        } else {
            self.capacity = 16;
            self.threshold = 12;
        }
        self.bins = vec![0; self.capacity];
        for index in 0..self.nodes.len() {
            let bin = self.bin(self.nodes[index].0);
            self.bins[bin] += 1;
        }
    }

    fn bin(&self, hash: i32) -> usize {
        spread(hash) & (self.capacity - 1)
    }

    /// `putMapEntries` before its puts: pre-sizing for `size` entries.
    fn presize(&mut self, size: usize) {
        if size == 0 {
            return;
        }
        if self.capacity == 0 {
            let wanted = (size as f32 / 0.75 + 1.0) as usize;
            if wanted > self.threshold {
                self.threshold = table_size_for(wanted);
            }
        } else if size > self.threshold {
            self.resize();
        }
    }

    /// Adds a node for a key not yet in the table.
    fn insert(&mut self, hash: i32, entry: usize) {
        if self.capacity == 0 {
            self.resize();
        }
        let bin = self.bin(hash);
        let in_bin = self.bins[bin];
        self.nodes.push((hash, entry));
        self.bins[bin] += 1;
        if in_bin >= TREEIFY_THRESHOLD && self.capacity < MIN_TREEIFY_CAPACITY {
            self.resize();
        }
        if self.nodes.len() > self.threshold {
            self.resize();
        }
    }

    /// The entries' indexes in iteration order.
    fn iteration_order(&self) -> Vec<usize> {
        let mut order: Vec<(usize, usize)> =
            self.nodes.iter().enumerate().map(|(position, (hash, _))| (self.bin(*hash), position)).collect();
        crate::sort::sort(&mut order);
        order.into_iter().map(|(_, position)| self.nodes[position].1).collect()
    }
}

/// The distinct elements of a list in the order `new HashSet<>(list)` iterates them (the
/// first of equal elements is kept).
pub(crate) fn hash_set_order(elements: &[Value]) -> Vec<Value> {
    let initial = ((elements.len() as f32 / 0.75) as usize + 1).max(16);
    let mut table = HashTable::new(Some(initial));
    let mut kept: Vec<&Value> = Vec::new();
    let mut by_hash: HashMap<i32, Vec<usize>> = HashMap::new();
    for element in elements {
        let hash = java_hash(element);
        let same_hash = by_hash.entry(hash).or_default();
        if same_hash.iter().any(|index| java_equals(kept[*index], element)) {
            continue;
        }
        same_hash.push(kept.len());
        table.insert(hash, kept.len());
        kept.push(element);
    }
    table.iteration_order().into_iter().map(|index| kept[index].clone()).collect()
}

/// `HashMap<String, Object> merged = new HashMap<>(left); merged.putAll(right)`, in the order
/// the merged map iterates: a key of `right` replaces the value of the same key of `left`.
pub(crate) fn hash_map_merge(left: &Map<String, Value>, right: &Map<String, Value>) -> Map<String, Value> {
    let mut table = HashTable::new(None);
    let mut entries: Vec<(String, Value)> = Vec::new();
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for source in [left, right] {
        table.presize(source.len());
        for (key, value) in source {
            if let Some(position) = positions.get(key.as_str()) {
                entries[*position].1 = value.clone();
            } else {
                positions.insert(key, entries.len());
                table.insert(string_hash(key), entries.len());
                entries.push((key.clone(), value.clone()));
            }
        }
    }
    let mut slots: Vec<Option<(String, Value)>> = entries.into_iter().map(Some).collect();
    table.iteration_order().into_iter().filter_map(|index| slots[index].take()).collect()
}

// ---------------------------------------------------------------------------------------------
// Base64
// ---------------------------------------------------------------------------------------------

const BASE64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (index, symbol) in symbols.iter().enumerate() {
            if index <= chunk.len() {
                out.push(BASE64_ALPHABET[*symbol as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Lenient Base64 decoding, as AWS decodes (third-party observations against AWS: malformed
/// text such as `'!!!invalid!!!'`, `'abc'`, `'ab==cd'` and `' YWJjZA== '` decodes rather than
/// fails): characters outside the alphabet are skipped, the URL-safe `-` and `_` count as `+`
/// and `/`, the first `=` ends the data, and a final group of two or three symbols yields one
/// or two bytes (a lone leftover symbol is dropped).
pub(crate) fn base64_decode_lenient(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut group: u32 = 0;
    let mut count = 0;
    for byte in text.bytes() {
        let symbol = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        group = (group << 6) | u32::from(symbol);
        count += 1;
        if count == 4 {
            out.extend_from_slice(&[(group >> 16) as u8, (group >> 8) as u8, group as u8]);
            group = 0;
            count = 0;
        }
    }
    match count {
        2 => out.push((group >> 4) as u8),
        3 => out.extend_from_slice(&[(group >> 10) as u8, (group >> 2) as u8]),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn doubles_print_as_java_prints_them() {
        let cases = [
            (1.1, "1.1"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1234567.0, "1234567.0"),
            (12345678.0, "1.2345678E7"),
            (1e21, "1.0E21"),
            (-2.5, "-2.5"),
            (1.5e-7, "1.5E-7"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (123.456, "123.456"),
            (9_999_999.0, "9999999.0"),
            (10_000_000.0, "1.0E7"),
        ];
        for (value, expected) in cases {
            assert_eq!(double_to_string(value), expected, "{value}");
        }
    }

    #[test]
    fn values_render_as_string_value_of() {
        // Recorded: States.Format with {"Arg1": 1, "Arg2": []} renders "{Arg1=1, Arg2=[]}".
        assert_eq!(to_java_string(&json!({"Arg1": 1, "Arg2": []})), "{Arg1=1, Arg2=[]}");
        assert_eq!(to_java_string(&json!([1, "a", null, true, 2.0, {"k": [3]}])), "[1, a, null, true, 2.0, {k=[3]}]");
        assert_eq!(to_java_string(&json!(18446744073709551615u64)), "18446744073709551615");
    }

    #[test]
    fn compact_json_follows_jackson() {
        assert_eq!(compact_json(&json!({"Arg1": 1, "Arg2": []})), r#"{"Arg1":1,"Arg2":[]}"#);
        assert_eq!(compact_json(&json!([1, 2, "HelloWorld"])), r#"[1,2,"HelloWorld"]"#);
        assert_eq!(compact_json(&json!({"x": 1e21, "t": "a\"b\u{1}\n"})), "{\"x\":1.0E21,\"t\":\"a\\\"b\\u0001\\n\"}");
    }

    #[test]
    fn math_round_ties_towards_positive_infinity() {
        let cases = [
            (0.5, 1),
            (1.5, 2),
            (2.5, 3),
            (-0.5, 0),
            (-1.5, -1),
            (-2.5, -2),
            (-1.51, -2),
            (0.49999999999999994, 0),
            (f64::NAN, 0),
            (1e300, i64::MAX),
        ];
        for (value, expected) in cases {
            assert_eq!(math_round(value), expected, "{value}");
        }
        assert_eq!(truncate(-1.9), -1);
        assert_eq!(truncate(2.6), 2);
    }

    #[test]
    fn java_random_matches_the_specification() {
        // new Random(42): nextInt() is -1170105035, so nextInt(100) draws 30, 63, 48.
        let mut random = JavaRandom::new(42);
        assert_eq!(random.next(32), -1_170_105_035);
        let mut random = JavaRandom::new(42);
        let drawn: Vec<i32> = (0..3).map(|_| random.next_int(100)).collect();
        assert_eq!(drawn, [30, 63, 48]);
        // new Random(0).nextInt(10) is 0, then 8, 9, 7.
        let mut random = JavaRandom::new(0);
        let drawn: Vec<i32> = (0..4).map(|_| random.next_int(10)).collect();
        assert_eq!(drawn, [0, 8, 9, 7]);
        // A power-of-two bound takes the high bits.
        let mut random = JavaRandom::new(1);
        assert!((0..1000).all(|_| (0..16).contains(&random.next_int(16))));
    }

    #[test]
    fn hash_codes_follow_java() {
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("Hello"), 69_609_650);
        assert_eq!(java_hash(&json!([1, 2])), 994);
        assert_eq!(java_hash(&json!(true)), 1231);
        assert_eq!(java_hash(&json!(null)), 0);
        assert_eq!(java_hash(&json!(5_000_000_000i64)), (5_000_000_000i64 ^ (5_000_000_000i64 >> 32)) as i32);
        assert_eq!(java_hash(&json!(1.5)), {
            let bits = 1.5f64.to_bits();
            (bits ^ (bits >> 32)) as i32
        });
        assert!(java_equals(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
        assert!(!java_equals(&json!(1), &json!(1.0)));
    }

    #[test]
    fn hash_set_order_matches_aws_observations() {
        // Third-party observations against AWS (States.ArrayUnique):
        assert_eq!(
            hash_set_order(&[json!(true), json!(false), json!(true), json!(false)]),
            [json!(false), json!(true)]
        );
        assert_eq!(hash_set_order(&[json!([1, 2]), json!([1, 2]), json!([2, 1])]), [json!([2, 1]), json!([1, 2])]);
        assert_eq!(hash_set_order(&[json!(1), json!(2), json!(3), json!(3), json!(3), json!(4)]), [1, 2, 3, 4]);
        assert_eq!(hash_set_order(&[json!("a"), json!("b"), json!("a"), json!("c")]), ["a", "b", "c"]);
        assert_eq!(hash_set_order(&[json!(null), json!(null), json!(1)]), [json!(null), json!(1)]);
        assert_eq!(hash_set_order(&[json!(1), json!("1"), json!("01")]), [json!(1), json!("1"), json!("01")]);
        assert_eq!(hash_set_order(&[json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1})]), [json!({"a": 1, "b": 2})]);
        // Large tables keep every element.
        let many: Vec<Value> = (0..500).rev().map(|n| json!(n)).collect();
        assert_eq!(hash_set_order(&many).len(), 500);
    }

    #[test]
    fn hash_map_merge_orders_as_aws_recorded() {
        // Recorded (test_json_merge_escaped_argument): the right-hand key comes first.
        let left = json!({"constant_in_literal": "false"});
        let right = json!({"constant_input_field": "constant_value"});
        let merged = hash_map_merge(left.as_object().unwrap(), right.as_object().unwrap());
        assert_eq!(merged.keys().collect::<Vec<_>>(), ["constant_input_field", "constant_in_literal"]);
        let left = json!({"a": {"a1": 1}, "b": 2, "d": 3});
        let right = json!({"a": {"a3": 1}, "c": 3, "d": 4});
        let merged = hash_map_merge(left.as_object().unwrap(), right.as_object().unwrap());
        assert_eq!(Value::Object(merged), json!({"a": {"a3": 1}, "b": 2, "c": 3, "d": 4}));
    }

    #[test]
    fn base64_round_trips_and_decodes_leniently() {
        assert_eq!(base64_encode(b"Data to encode"), "RGF0YSB0byBlbmNvZGU=");
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode("✓".as_bytes()), "4pyT");
        assert_eq!(base64_encode(b"abc\0def"), "YWJjAGRlZg==");
        assert_eq!(base64_decode_lenient("RGF0YSB0byBlbmNvZGU="), b"Data to encode");
        assert_eq!(base64_decode_lenient(" YWJjZA== "), b"abcd");
        assert_eq!(base64_decode_lenient("ab==cd"), b"i");
        assert_eq!(base64_decode_lenient("abc"), [0x69, 0xb7]);
        assert_eq!(base64_decode_lenient("a"), Vec::<u8>::new());
    }
}
