//! Tests of the JSONata parser: tree shapes, errors, and every expression in ../shared.

use std::fmt::Write as _;
use std::path::{Path as FsPath, PathBuf};

use super::{Expr, ExprKind, Group, Stage, Step, parse, template_body};

/// A compact, unambiguous rendering of a tree: `(op lhs rhs)` for operators, `(path …)` for
/// paths with each step's decorations written after it.
fn show(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn write_list(out: &mut String, items: &[Expr], separator: &str) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(separator);
        }
        write_expr(out, item);
    }
}

fn write_group(out: &mut String, group: &Group) {
    out.push('{');
    for (index, (key, value)) in group.pairs.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_expr(out, key);
        out.push_str(": ");
        write_expr(out, value);
    }
    out.push('}');
}

fn write_step(out: &mut String, step: &Step) {
    write_expr(out, &step.expr);
    if let Some(ancestor) = step.ancestor {
        let _ = write!(out, "!{ancestor}");
    }
    if let Some(focus) = &step.focus {
        let _ = write!(out, "@${focus}");
    }
    if let Some(index) = &step.index {
        let _ = write!(out, "#${index}");
    }
    for stage in &step.stages {
        match stage {
            Stage::Filter(predicate) => {
                out.push('[');
                write_expr(out, predicate);
                out.push(']');
            }
            Stage::Index { name, .. } => {
                let _ = write!(out, "#${name}");
            }
        }
    }
    if step.keep_array {
        out.push_str("[]");
    }
}

fn write_expr(out: &mut String, expr: &Expr) {
    let call = |out: &mut String, head: &str, parts: &[&Expr]| {
        let _ = write!(out, "({head}");
        for part in parts {
            out.push(' ');
            write_expr(out, part);
        }
        out.push(')');
    };
    match &expr.kind {
        ExprKind::String(value) => {
            let _ = write!(out, "{value:?}");
        }
        ExprKind::Number(value) => {
            let _ = write!(out, "{value}");
        }
        ExprKind::Bool(value) => {
            let _ = write!(out, "{value}");
        }
        ExprKind::Null => out.push_str("null"),
        ExprKind::Regex { pattern, flags } => {
            let _ = write!(out, "/{pattern}/{flags}");
        }
        ExprKind::Name(name) => out.push_str(name),
        ExprKind::Variable(name) => {
            let _ = write!(out, "${name}");
        }
        ExprKind::Wildcard => out.push('*'),
        ExprKind::Descendants => out.push_str("**"),
        ExprKind::Parent { label } => {
            let _ = write!(out, "%{label}");
        }
        ExprKind::Path(path) => {
            out.push_str("(path");
            for step in &path.steps {
                out.push(' ');
                write_step(out, step);
            }
            if let Some(group) = &path.group {
                out.push(' ');
                write_group(out, group);
            }
            out.push(')');
        }
        ExprKind::Postfix { expr, predicates, group, keep_array } => {
            write_expr(out, expr);
            for predicate in predicates {
                out.push('[');
                write_expr(out, predicate);
                out.push(']');
            }
            if let Some(group) = group {
                write_group(out, group);
            }
            if *keep_array {
                out.push_str("[]");
            }
        }
        ExprKind::Negate(operand) => call(out, "-", &[operand]),
        ExprKind::Binary { op, lhs, rhs } => call(out, op.symbol(), &[lhs, rhs]),
        ExprKind::Apply { lhs, rhs } => call(out, "~>", &[lhs, rhs]),
        ExprKind::Default { lhs, rhs } => call(out, "?:", &[lhs, rhs]),
        ExprKind::Coalesce { lhs, rhs } => call(out, "??", &[lhs, rhs]),
        ExprKind::Array(items) => {
            out.push('[');
            write_list(out, items, ", ");
            out.push(']');
        }
        ExprKind::Object(pairs) => {
            let group = Group { pairs: pairs.clone(), position: 0 };
            write_group(out, &group);
        }
        ExprKind::Block(items) => {
            out.push_str("(block");
            for item in items {
                out.push(' ');
                write_expr(out, item);
            }
            out.push(')');
        }
        ExprKind::Condition { condition, then, otherwise } => match otherwise {
            Some(otherwise) => call(out, "?", &[condition, then, otherwise]),
            None => call(out, "?", &[condition, then]),
        },
        ExprKind::Bind { name, value } => call(out, &format!(":= ${name}"), &[value]),
        ExprKind::Call { procedure, args, partial } => {
            out.push_str(if *partial { "(partial " } else { "(call " });
            write_expr(out, procedure);
            for arg in args {
                out.push(' ');
                write_expr(out, arg);
            }
            out.push(')');
        }
        ExprKind::Placeholder => out.push('?'),
        ExprKind::Lambda(lambda) => {
            out.push_str("(lambda (");
            let params: Vec<String> = lambda.params.iter().map(|p| format!("${p}")).collect();
            out.push_str(&params.join(" "));
            out.push(')');
            if let Some(signature) = &lambda.signature {
                let _ = write!(out, " {}", signature.text);
            }
            out.push(' ');
            write_expr(out, &lambda.body);
            out.push(')');
        }
        ExprKind::Transform { pattern, update, delete } => match delete {
            Some(delete) => call(out, "transform", &[pattern, update, delete]),
            None => call(out, "transform", &[pattern, update]),
        },
        ExprKind::Sort(terms) => {
            out.push_str("(sort");
            for term in terms {
                out.push_str(if term.descending { " >" } else { " <" });
                write_expr(out, &term.expr);
            }
            out.push(')');
        }
    }
}

#[track_caller]
fn check(source: &str, expected: &str) {
    match parse(source) {
        Ok(expr) => assert_eq!(show(&expr), expected, "shape of {source:?}"),
        Err(error) => panic!("{source:?} should parse, got {error}"),
    }
}

#[test]
fn literals() {
    let cases = [
        ("42", "42"),
        ("3.25", "3.25"),
        ("1e3", "1000"),
        ("2.5E-2", "0.025"),
        ("0", "0"),
        ("-7", "-7"),
        ("true", "true"),
        ("false", "false"),
        ("null", "null"),
        (r#""double""#, r#""double""#),
        ("'single'", r#""single""#),
        (r#""a\"b""#, r#""a\"b""#),
        (r#"'it"s'"#, r#""it\"s""#),
        (r#""tab\there""#, r#""tab\there""#),
        (r#""\\ \/ \b \f \n \r""#, r#""\\ / \u{8} \u{c} \n \r""#),
        (r#""caf\u00e9""#, r#""café""#),
        (r#""\uD83D\uDE00""#, r#""😀""#),
        (r#""\uD83D""#, "\"\u{fffd}\""),
        ("/ab+c/", "/ab+c/"),
        ("/ab+c/i", "/ab+c/i"),
        ("/[/]x/m", "/[/]x/m"),
        (r"/a\/b/", r"/a\/b/"),
        ("/* comment */ 1 /* another */", "1"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
}

#[test]
fn paths() {
    let cases = [
        ("a", "(path a)"),
        ("a.b.c", "(path a b c)"),
        ("a.b[0].c", "(path a b[0] c)"),
        ("a[0]", "(path a[0])"),
        ("a[0][1]", "(path a[0][1])"),
        ("a[-1]", "(path a[-1])"),
        ("a[b = 'x'].c", r#"(path a[(= (path b) "x")] c)"#),
        ("a[]", "(path a[])"),
        ("a.b[].c", "(path a b[] c)"),
        ("`a b`.`c.d`", "(path a b c.d)"),
        ("a.\"b c\".d", "(path a b c d)"),
        ("\"a\".b", "(path a b)"),
        ("*", "*"),
        ("a.*", "(path a *)"),
        ("*.a", "(path * a)"),
        ("**", "**"),
        ("a.**.b", "(path a ** b)"),
        ("$", "$"),
        ("$$", "$$"),
        ("$.a", "(path $ a)"),
        ("$$.a.b", "(path $$ a b)"),
        ("$x.y", "(path $x y)"),
        ("$states.input.Values", "(path $states input Values)"),
        ("$x[0]", "$x[0]"),
        ("$x[0].y", "(path $x[0] y)"),
        ("a.$x[0]", "(path a $x[0])"),
        ("a.(b.c)", "(path a (block (path b c)))"),
        ("a.$uppercase()", "(path a (call $uppercase))"),
        ("a.[b, c]", "(path a [(path b), (path c)])"),
        ("[1,2,3][0]", "[1, 2, 3][0]"),
        ("[1,2][]", "[1, 2][]"),
        ("$f()[]", "(call $f)[]"),
        ("and.or.in", "(path and or in)"),
        ("a[in = 1]", "(path a[(= (path in) 1)])"),
        ("a.and", "(path a and)"),
        ("café.naïve", "(path café naïve)"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
}

#[test]
fn path_flags() {
    let expr = parse("a.[b].c").unwrap();
    let ExprKind::Path(path) = &expr.kind else { panic!("a path") };
    let flags: Vec<bool> = path.steps.iter().map(|step| step.cons_array).collect();
    assert_eq!(flags, [false, true, false]);
    assert!(!path.keep_singleton_array);

    let expr = parse("a.b[].c").unwrap();
    let ExprKind::Path(path) = &expr.kind else { panic!("a path") };
    assert!(path.keep_singleton_array);
    assert!(path.steps[1].keep_array);

    let expr = parse("[1,2].x").unwrap();
    let ExprKind::Path(path) = &expr.kind else { panic!("a path") };
    assert!(path.steps[0].cons_array);
}

#[test]
fn operators_and_precedence() {
    let cases = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("(1 + 2) * 3", "(* (block (+ 1 2)) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("7 % 4", "(% 7 4)"),
        ("-a.b", "(- (path a b))"),
        ("-(1)", "(- (block 1))"),
        ("- -1", "1"),
        ("2 * -3", "(* 2 -3)"),
        ("a & b & c", "(& (& (path a) (path b)) (path c))"),
        ("'a' & 1 + 2", "(+ (& \"a\" 1) 2)"),
        ("1 + 2 = 3", "(= (+ 1 2) 3)"),
        ("a != b", "(!= (path a) (path b))"),
        ("a < b", "(< (path a) (path b))"),
        ("a <= b", "(<= (path a) (path b))"),
        ("a > b", "(> (path a) (path b))"),
        ("a >= b", "(>= (path a) (path b))"),
        ("x in [1, 2]", "(in (path x) [1, 2])"),
        ("a and b or c", "(or (and (path a) (path b)) (path c))"),
        ("a or b and c", "(or (path a) (and (path b) (path c)))"),
        ("a = 1 and b = 2", "(and (= (path a) 1) (= (path b) 2))"),
        ("a ? b : c", "(? (path a) (path b) (path c))"),
        ("a ? b", "(? (path a) (path b))"),
        ("a = 1 ? 'x' : 'y'", r#"(? (= (path a) 1) "x" "y")"#),
        ("a ? b : c ? d : e", "(? (path a) (path b) (? (path c) (path d) (path e)))"),
        ("a ? b ? c : d : e", "(? (path a) (? (path b) (path c) (path d)) (path e))"),
        ("a or b ? c : d", "(? (or (path a) (path b)) (path c) (path d))"),
        ("a ?: 'x'", r#"(?: (path a) "x")"#),
        ("a ?? 42", "(?? (path a) 42)"),
        ("a ?? b ?? c", "(?? (path a) (?? (path b) (path c)))"),
        ("a ?? b = c", "(?? (path a) (= (path b) (path c)))"),
        ("a.b ?: c + 1", "(?: (path a b) (+ (path c) 1))"),
        ("1 + a ?? b", "(?? (+ 1 (path a)) (path b))"),
        ("[1..5]", "[(.. 1 5)]"),
        ("[0, 2..4, 9]", "[0, (.. 2 4), 9]"),
        ("[$a..$b + 1]", "[(.. $a (+ $b 1))]"),
        ("[]", "[]"),
        ("{}", "{}"),
        ("{'a': 1, \"b\": [2, 3]}", r#"{"a": 1, "b": [2, 3]}"#),
        ("{'k': a.b}.k", r#"(path {"k": (path a b)} k)"#),
        ("()", "(block)"),
        ("(1; 2; 3)", "(block 1 2 3)"),
        ("(1;)", "(block 1)"),
        ("$x := 1", "(:= $x 1)"),
        ("$x := $y := 2", "(:= $x (:= $y 2))"),
        ("$x := 1 + 2", "(:= $x (+ 1 2))"),
        ("$x := a ? 1 : 2", "(:= $x (? (path a) 1 2))"),
        ("($x := 1; $x + 1)", "(block (:= $x 1) (+ $x 1))"),
        ("a ? $x := 1 : 2", "(? (path a) (:= $x 1) 2)"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
}

#[test]
fn functions() {
    let cases = [
        ("$f()", "(call $f)"),
        ("$sum(a.b)", "(call $sum (path a b))"),
        ("$f(1, 'x', [2])", r#"(call $f 1 "x" [2])"#),
        ("$f(1)(2)", "(call (call $f 1) 2)"),
        ("$f(?, 2)", "(partial $f ? 2)"),
        ("$substring(?, 0, ?)", "(partial $substring ? 0 ?)"),
        ("$map([1,2], function($v){ $v * 2 })", "(call $map [1, 2] (lambda ($v) (* $v 2)))"),
        ("function(){ 1 }", "(lambda () 1)"),
        ("λ($x, $y){ $x + $y }", "(lambda ($x $y) (+ $x $y))"),
        ("function($x, $y)<n-n:n>{ $x + $y }", "(lambda ($x $y) <n-n:n> (+ $x $y))"),
        ("λ($arr, $sep)<a<s>s?:s>{$join($arr, $sep)}", "(lambda ($arr $sep) <a<s>s?:s> (call $join $arr $sep))"),
        ("function($x) < n : n > { $x }", "(lambda ($x) <n:n> $x)"),
        ("function($x){ $x }(5)", "(call (lambda ($x) $x) 5)"),
        ("a ~> $f()", "(~> (path a) (call $f))"),
        ("a ~> $f", "(~> (path a) $f)"),
        ("a ~> $f(1) ~> $g", "(~> (~> (path a) (call $f 1)) $g)"),
        ("a ~> $f() = 1", "(= (~> (path a) (call $f)) 1)"),
        ("1 + a ~> $f()", "(~> (+ 1 (path a)) (call $f))"),
        ("$s ~> /^A/", "(~> $s /^A/)"),
        ("$match(s, /[0-9]+/i)", "(call $match (path s) /[0-9]+/i)"),
        ("a / b", "(/ (path a) (path b))"),
        ("(a) / 2", "(/ (block (path a)) 2)"),
        ("[/a/]", "[/a/]"),
        ("(/a/)", "(block /a/)"),
        ("function($f){$f(?)}", "(lambda ($f) (partial $f ?))"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
    let expr = parse("λ($a, $b)<(ns)a<n>+f?:x>{ $a }").unwrap();
    let ExprKind::Lambda(lambda) = &expr.kind else { panic!("a lambda") };
    let signature = lambda.signature.as_ref().unwrap();
    let params: Vec<(&str, Option<&str>)> =
        signature.params.iter().map(|param| (param.types.as_str(), param.type_parameter.as_deref())).collect();
    assert_eq!(params, [("ns", None), ("a", Some("n")), ("f", None)]);
    assert_eq!(signature.result.as_deref(), Some("x"));
}

#[test]
fn order_by_grouping_and_bindings() {
    let cases = [
        ("a^(b)", "(path a (sort <(path b)))"),
        (
            "Account.Order.Product^(>Price, <Quantity)",
            "(path Account Order Product (sort >(path Price) <(path Quantity)))",
        ),
        ("a^(b).c", "(path a (sort <(path b)) c)"),
        ("a^(b)[0]", "(path a (sort <(path b))[0])"),
        ("$x^($)", "(path $x (sort <$))"),
        ("x + a^(b)", "(path (+ (path x) (path a)) (sort <(path b)))"),
        ("a{b: c}", "(path a {(path b): (path c)})"),
        ("a.b{c: d}", "(path a b {(path c): (path d)})"),
        ("a{'k': v}.x", r#"(path a x {"k": (path v)})"#),
        ("$x{'k': v}", r#"$x{"k": (path v)}"#),
        ("[1,2]{'k': $}", r#"[1, 2]{"k": $}"#),
        ("a{'n': $}[0]", r#"(path a[0] {"n": $})"#),
        ("a@$x", "(path a@$x)"),
        ("a@$x.b", "(path a@$x b)"),
        (
            "library.loans@$l.books@$b[$l.isbn=$b.isbn].{'title': $b.title}",
            r#"(path library loans@$l books@$b[(= (path $l isbn) (path $b isbn))] {"title": (path $b title)})"#,
        ),
        ("a#$i", "(path a#$i)"),
        ("a#$i[$i < 2]", "(path a#$i[(< $i 2)])"),
        ("a[x]#$i", "(path a[(path x)]#$i)"),
        ("a^(b)#$i", "(path a (sort <(path b))#$i)"),
        ("$x#$i", "(path $x#$i)"),
        ("$x[0]#$i", "(path $x[0]#$i)"),
        ("a@$x#$i", "(path a@$x#$i)"),
        ("a@$x[]", "(path a@$x[])"),
        ("(a.b)@$x.c", "(path (block (path a b))@$x c)"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
}

#[test]
fn parent_operator() {
    let cases = [
        ("a.%", "(path a!0 %0)"),
        ("a.b.%.c", "(path a b!0 %0 c)"),
        ("a.b.%.%", "(path a!1 b!0 %0 %1)"),
        (
            "Account.Order.Product.{'Order': %.OrderID, 'Account': %.%.`Account Name`}",
            r#"(path Account Order!2 Product!0 {"Order": (path %0 OrderID), "Account": (path %0 %2 Account Name)})"#,
        ),
        ("a.b[%.c = 1]", "(path a b!0[(= (path %0 c) 1)])"),
        ("a.b.(%.c)", "(path a b!0 (block (path %0 c)))"),
        ("a.*[%.x]", "(path a *!0[(path %0 x)])"),
        ("a.b@$x.%", "(path a b!0@$x %0)"),
        // A `%` already resolved inside a nested predicate is left alone.
        ("a[*[%.x]]", "(path a[*[(path %0 x)]])"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
    // Two `%` resolved to one step share its label.
    let expr = parse("a.b.c.[%.x, %.y]").unwrap();
    assert_eq!(show(&expr), "(path a b c!0 [(path %0 x), (path %0 y)])");
}

#[test]
fn transforms() {
    let cases = [
        ("| Account.Order | {'x': 1} |", r#"(transform (path Account Order) {"x": 1})"#),
        ("$ ~> |a|{'t': p * q}, ['p', 'q']|", r#"(~> $ (transform (path a) {"t": (* (path p) (path q))} ["p", "q"]))"#),
        ("$t := |a|{}|", "(:= $t (transform (path a) {}))"),
    ];
    for (source, expected) in cases {
        check(source, expected);
    }
}

#[test]
fn positions() {
    let expr = parse("1 + 2 * 3").unwrap();
    assert_eq!(expr.position, 2);
    let ExprKind::Binary { lhs, rhs, .. } = &expr.kind else { panic!("binary") };
    assert_eq!((lhs.position, rhs.position), (0, 6));

    // Offsets count characters, not bytes.
    let expr = parse("'é' & é").unwrap();
    assert_eq!(expr.position, 4);
    let ExprKind::Binary { rhs, .. } = &expr.kind else { panic!("binary") };
    assert_eq!(rhs.position, 6);

    let expr = parse("  $f(1)").unwrap();
    assert_eq!(expr.position, 4);
    let expr = parse("x.function($a){1}").unwrap();
    let ExprKind::Path(path) = &expr.kind else { panic!("path") };
    assert_eq!((expr.position, path.steps[1].expr.position), (0, 2));
}

#[test]
fn errors() {
    let cases: &[(&str, &str, usize)] = &[
        // Tokens.
        (r#""no closing quote"#, "S0101", 0),
        ("1e1000", "S0102", 0),
        (r#""\y""#, "S0103", 1),
        (r"'it\'s'", "S0103", 3),
        (r#""\u12g4""#, "S0104", 1),
        ("`no closing backtick", "S0105", 0),
        ("1 /* open comment", "S0106", 2),
        ("[1!2]", "S0204", 2),
        ("a ~ b", "S0204", 2),
        // Syntax.
        ("10 + * 2", "S0201", 7),
        ("a b", "S0201", 2),
        ("Account.Order[0].Product;", "S0201", 24),
        ("$x := 1; $x + 1", "S0201", 7),
        ("$.7a", "S0201", 3),
        ("a..b", "S0201", 1),
        ("1 ** 2", "S0201", 2),
        ("/a/g", "S0201", 3),
        ("01", "S0201", 1),
        ("[1,2)", "S0202", 4),
        ("[1:2]", "S0202", 2),
        ("{'a' 1}", "S0202", 5),
        ("a[1..2]", "S0202", 3),
        ("$f(? + 1)", "S0202", 5),
        ("function($x)<n:n {$x}", "S0202", 17),
        ("$sum($states.input.items.numbers", "S0203", 32),
        ("(1; 2", "S0203", 5),
        ("(1 +", "S0203", 4),
        ("a[", "S0203", 2),
        ("| a | b", "S0203", 7),
        ("1 +", "S0207", 3),
        ("1=", "S0207", 2),
        ("", "S0207", 0),
        ("  ", "S0207", 2),
        ("%%", "S0207", 2),
        ("function(x){$x}(3)", "S0208", 9),
        ("function($x, 1){$x}", "S0208", 13),
        ("$x{'a': 1}[0]", "S0209", 10),
        ("[1,2,3]{\"num\": $}[true]", "S0209", 17),
        ("[1,2,3]{\"num\": $}{\"num\": $}", "S0210", 17),
        ("a{'x': 1}{'y': 2}", "S0210", 9),
        ("@ bar", "S0211", 0),
        ("55=>5", "S0211", 3),
        ("$sum(:)", "S0211", 5),
        ("+1", "S0211", 0),
        ("(%%)", "S0211", 3),
        ("[1,]", "S0211", 3),
        ("$.store.book[?(@.price < 10)].title", "S0211", 13),
        ("x := 1", "S0212", 0),
        ("2 := 1", "S0212", 0),
        ("($a := [1,2]; $a[1] := 3; $a)", "S0212", 16),
        ("a.b := 1", "S0212", 1),
        ("$.7", "S0213", 2),
        ("a.true", "S0213", 2),
        ("a.null.b", "S0213", 2),
        ("a.-1", "S0213", 2),
        ("Account.Order@o.Product", "S0214", 14),
        ("Account.Order@$o#i.Product", "S0214", 17),
        ("Account.Order[1]@$o.Product", "S0215", 16),
        ("$x[0]@$y", "S0215", 5),
        ("Account.Order^(>OrderID)@$o.Product", "S0216", 24),
        ("%", "S0217", 0),
        ("(%)", "S0217", 1),
        ("$.%", "S0217", 0),
        ("$$.%", "S0217", 0),
        ("{'hello': 'world'}.%", "S0217", 0),
        ("library.loans.%.%.%", "S0217", 18),
        ("library.%%%", "S0217", 10),
        ("%.a", "S0217", 0),
        // Regular expressions.
        ("$match(s, //)", "S0301", 10),
        ("$match(s, /abc)", "S0302", 10),
        ("$match(s, /a(/)", "S0302", 10),
        // Signatures.
        ("λ($arg)<n<n>>{$arg}", "S0401", 9),
        ("λ($arr)<(sa<n>)>>{$arr}", "S0402", 8),
    ];
    for &(source, code, position) in cases {
        match parse(source) {
            Ok(expr) => panic!("{source:?} should fail with {code}, parsed as {}", show(&expr)),
            Err(error) => assert_eq!((error.code, error.position), (code, position), "error for {source:?}: {error}"),
        }
    }
}

#[test]
fn error_messages() {
    let cases = [
        ("[1,2)", r#"Expected "]", got ")""#),
        ("$f(1", r#"Expected ")" before end of expression"#),
        ("a b", r#"Syntax error: "b""#),
        ("1 + * 2", "Syntax error: 2"),
        ("@x", r#"The symbol "@" cannot be used as a unary operator"#),
        ("a.7", "The literal value 7 cannot be used as a step within a path expression"),
        (r#""\q""#, r"Unsupported escape sequence: \q"),
    ];
    for (source, message) in cases {
        let error = parse(source).unwrap_err();
        assert_eq!(error.message, message, "message for {source:?}");
    }
    let error = parse("a b").unwrap_err();
    assert_eq!(error.to_string(), r#"S0201 at character 2: Syntax error: "b""#);
}

#[test]
fn nesting_limit() {
    let deep = format!("{}1{}", "(".repeat(150), ")".repeat(150));
    assert!(parse(&deep).is_ok());
    let long = vec!["a"; 150].join(" + ");
    assert!(parse(&long).is_ok());
    let too_deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(parse(&too_deep).unwrap_err().code, "U1001");
    let too_long = vec!["1"; 5000].join(" + ");
    assert_eq!(parse(&too_long).unwrap_err().code, "U1001");
    let too_many_brackets = "[".repeat(5000);
    assert_eq!(parse(&too_many_brackets).unwrap_err().code, "U1001");
}

#[test]
fn template_bodies() {
    let cases = [
        ("{% $x %}", Some((" $x ", 2))),
        ("{%$x%}", Some(("$x", 2))),
        ("{% \n10         %}", Some((" \n10         ", 2))),
        ("{%%}", Some(("", 2))),
        ("{%}", None),
        ("{% 10 %", None),
        ("10 %}", None),
        (" {% states.input %} ", None),
        ("{% $x %} ", None),
        ("$.x", None),
        ("", None),
    ];
    for (value, expected) in cases {
        assert_eq!(template_body(value), expected, "body of {value:?}");
    }
}

/// Every string value in a JSON document, with its JSON pointer.
fn strings_in(value: &serde_json::Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(text) => out.push((pointer.to_owned(), text.clone())),
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                strings_in(item, &format!("{pointer}/{index}"), out);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                let key = key.replace('~', "~0").replace('/', "~1");
                strings_in(item, &format!("{pointer}/{key}"), out);
            }
        }
        _ => {}
    }
}

fn files_under(directory: &FsPath, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every `{% … %}` in the recorded AWS definitions and in the corpus files named after
/// JSONata must parse, except in definitions AWS refused (`create_error`) and the corpus
/// files that are invalid on purpose (`invalid-jsonata-syntax-*`), which must not.
#[test]
fn shared_corpus() {
    let shared = FsPath::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared"));
    if !shared.is_dir() {
        println!("skipped: ../shared not present");
        return;
    }
    let mut files = Vec::new();
    files_under(&shared.join("conformance/aws-recorded"), &mut files);
    files.retain(|path| path.file_name().is_some_and(|name| name == "definition.json"));
    let mut corpus = Vec::new();
    files_under(&shared.join("corpus"), &mut corpus);
    corpus
        .retain(|path| path.file_name().is_some_and(|name| name.to_string_lossy().to_lowercase().contains("jsonata")));
    files.extend(corpus);

    let (mut parsed, mut failed, mut unexpected) = (0, Vec::new(), Vec::new());
    for file in &files {
        let relative = file.strip_prefix(shared).unwrap_or(file).display().to_string();
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            println!("not JSON, skipped: {relative}");
            continue;
        };
        let may_fail = relative.contains("/create_error/");
        let must_fail = relative.contains("/invalid-jsonata-syntax-");
        let mut strings = Vec::new();
        strings_in(&json, "", &mut strings);
        for (pointer, value) in strings {
            let Some((body, _)) = template_body(&value) else {
                continue;
            };
            match parse(body) {
                Ok(_) => {
                    parsed += 1;
                    if must_fail {
                        unexpected.push(format!("{relative}#{pointer}: {value:?} parsed"));
                    }
                }
                Err(error) => {
                    let line = format!("{relative}#{pointer}: {value:?}: {error}");
                    if !(may_fail || must_fail) {
                        unexpected.push(line.clone());
                    }
                    failed.push(line);
                }
            }
        }
    }
    println!("files: {}, parsed: {parsed}, failed: {}", files.len(), failed.len());
    for line in &failed {
        println!("  failed: {line}");
    }
    assert!(unexpected.is_empty(), "unexpected results:\n{}", unexpected.join("\n"));
    assert!(parsed > 250, "only {parsed} expressions found");
}
