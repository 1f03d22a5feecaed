//! A deterministic fuzz loop: thousands of mutated and generated intrinsic calls and paths,
//! parsed and evaluated against random JSON. Nothing may panic; errors are fine.

use serde_json::{Map, Value, json};

use super::{IntrinsicFunction, evaluate, evaluate_field, evaluate_text, parse_intrinsic_syntax};
use crate::eval::{FixedEnvironment, PathScope};
use crate::path::{evaluate_path, parse_path};

/// xorshift64*: small, deterministic, good enough to shake inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const KEYS: [&str; 8] = ["a", "b", "items", "n", "s", "x y", "Name", "é"];

fn random_json(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!((rng.next() as i64) >> rng.below(64)),
        3 => {
            let value = f64::from_bits(rng.next());
            if value.is_finite() { json!(value) } else { json!(rng.below(1000) as f64 / 7.0) }
        }
        4 => json!(*rng.pick(&[
            "",
            " ",
            "a,b,,c",
            "{}",
            "\\{",
            "-0",
            "[1, 2]",
            "{\"k\": 1}",
            "RGF0YQ==",
            "MD5",
            "SHA-256",
            "é✓🚀",
            "null"
        ])),
        5 => json!(*rng.pick(&[-3, -1, 0, 1, 2, 3, 1000, 2147483647, -2147483648])),
        6 => Value::Array((0..rng.below(6)).map(|_| random_json(rng, depth + 1)).collect()),
        _ => {
            let mut members = Map::new();
            for _ in 0..rng.below(6) {
                members.insert((*rng.pick(&KEYS)).to_string(), random_json(rng, depth + 1));
            }
            Value::Object(members)
        }
    }
}

const PATHS: [&str; 16] = [
    "$",
    "$.a",
    "$.items",
    "$.items[0]",
    "$.items[*]",
    "$..a",
    "$.a.b",
    "$['x y']",
    "$.s",
    "$.n",
    "$$.Execution.Input",
    "$v",
    "$v.a",
    "$.items[?(@.a > 1)]",
    "$.items[?(@ =~ /a.*/i)]",
    "$.items[-1:]",
];

/// A random, usually well-formed call: any function, any number of arguments of any kind.
fn random_call(rng: &mut Rng, depth: usize) -> String {
    let function = *rng.pick(&IntrinsicFunction::ALL);
    let arity = function.arity();
    let count = if rng.below(10) == 0 {
        rng.below(5)
    } else {
        arity.min + rng.below(arity.max.unwrap_or(arity.min + 3) - arity.min + 1)
    };
    let arguments: Vec<String> = (0..count)
        .map(|_| match rng.below(if depth > 3 { 5 } else { 6 }) {
            0 => format!("'{}'", rng.pick(&["", "{}", "{} {}", "a,b", "\\{\\}", "MD5", "SHA-1", "\\\\", "{", "x}"])),
            1 => {
                (*rng.pick(&["0", "1", "-1", "2.5", "-0.5", "1e3", "2147483647", "-2147483648", "99999999999", "3.9"]))
                    .to_string()
            }
            2 => (*rng.pick(&["true", "false", "null"])).to_string(),
            3 | 4 => (*rng.pick(&PATHS)).to_string(),
            _ => random_call(rng, depth + 1),
        })
        .collect();
    format!("{}({})", function.name(), arguments.join(", "))
}

const ALPHABET: [&str; 24] = [
    "'",
    "\\",
    "{",
    "}",
    "(",
    ")",
    ",",
    "$",
    ".",
    "[",
    "]",
    "?",
    "@",
    "*",
    "0",
    "-",
    "a",
    " ",
    "States.",
    "=~",
    "/",
    "..",
    "States.Format(",
    "é",
];

/// The text with a few random edits.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => {
                let replacement: Vec<char> = rng.pick(&ALPHABET).chars().collect();
                chars.splice(at..=at, replacement);
            }
            _ => {
                let insertion: Vec<char> = rng.pick(&ALPHABET).chars().collect();
                chars.splice(at..at, insertion);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_calls_and_paths_never_panic() {
    // `ASL_FUZZ_ROUNDS=200000 ASL_FUZZ_SEED=7 cargo test …` shakes harder.
    let rounds: u64 = std::env::var("ASL_FUZZ_ROUNDS").ok().and_then(|text| text.parse().ok()).unwrap_or(6_000);
    let seed: u64 = std::env::var("ASL_FUZZ_SEED").ok().and_then(|text| text.parse().ok()).unwrap_or(0);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let context = json!({"Execution": {"Input": {"a": 1}, "Name": "run"}, "State": {"Name": "S"}});
    let mut evaluated = 0usize;
    let mut succeeded = 0usize;
    for round in 0..rounds {
        let input = random_json(&mut rng, 0);
        let variables: Map<String, Value> = [("v".to_string(), random_json(&mut rng, 1))].into_iter().collect();
        let scope = PathScope { input: &input, context: &context, variables: &variables };
        let mut env = FixedEnvironment::new(round, 0);
        let call = random_call(&mut rng, 0);
        let text = if rng.below(3) == 0 { mutate(&mut rng, &call) } else { call };
        if let Ok(parsed) = parse_intrinsic_syntax(&text) {
            evaluated += 1;
            succeeded += usize::from(evaluate(&parsed, &scope, &mut env).is_ok());
        }
        let _ = evaluate_text(&text, &scope, &mut env);
        let _ = evaluate_field("f.$", &text, &scope, &mut env);
        let base = *rng.pick(&PATHS);
        let path_text = mutate(&mut rng, base);
        if let Ok(path) = parse_path(&path_text) {
            let _ = evaluate_path(&path, &scope);
            let _ = path.to_string();
            assert_eq!(parse_path(&path.to_string()).as_ref(), Ok(&path), "{path_text} prints as {path}");
        }
    }
    println!("fuzz: {evaluated} calls parsed and evaluated, {succeeded} succeeded");
    assert!(
        evaluated * 2 > rounds as usize && succeeded * 12 > rounds as usize,
        "the generator should produce mostly valid calls"
    );
}
