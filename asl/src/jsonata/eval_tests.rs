//! Tests of the JSONata evaluator: a table of expressions with the values JSONata's
//! documentation gives them, errors with their codes, the recorded AWS conformance cases,
//! and a fuzz loop that must neither panic nor run unbounded.

use std::path::Path as FsPath;

use serde_json::{Map, Value, json};

use super::{MAX_STEPS, evaluate, parse};
use crate::eval::FixedEnvironment;

/// The invoice example of the JSONata documentation.
fn invoice() -> Value {
    json!({
        "Account": {
            "Account Name": "Firefly",
            "Order": [
                {"OrderID": "order103", "Product": [
                    {"Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "0406654608",
                     "Description": {"Colour": "Purple", "Width": 300, "Height": 200, "Depth": 210, "Weight": 0.75},
                     "Price": 34.45, "Quantity": 2},
                    {"Product Name": "Trilby hat", "ProductID": 858236, "SKU": "0406634348",
                     "Description": {"Colour": "Orange", "Width": 300, "Height": 200, "Depth": 210, "Weight": 0.6},
                     "Price": 21.67, "Quantity": 1}
                ]},
                {"OrderID": "order104", "Product": [
                    {"Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "040657863",
                     "Description": {"Colour": "Purple", "Width": 300, "Height": 200, "Depth": 210, "Weight": 0.75},
                     "Price": 34.45, "Quantity": 4},
                    {"ProductID": 345664, "SKU": "0406654603", "Product Name": "Cloak",
                     "Description": {"Colour": "Black", "Width": 30, "Height": 20, "Depth": 210, "Weight": 2},
                     "Price": 107.99, "Quantity": 1}
                ]}
            ]
        }
    })
}

fn address() -> Value {
    json!({
        "FirstName": "Fred", "Surname": "Smith", "Age": 28,
        "Address": {"Street": "Hursley Park", "City": "Winchester", "Postcode": "SO21 2JN"},
        "Phone": [
            {"type": "home", "number": "0203 544 1234"},
            {"type": "office", "number": "01962 001234"},
            {"type": "office", "number": "01962 001235"},
            {"type": "mobile", "number": "077 7700 1234"}
        ],
        "Email": [
            {"type": "work", "address": ["fred.smith@my-work.com", "fsmith@my-work.com"]},
            {"type": "home", "address": ["freddy@my-social.com", "frederic.smith@very-serious.com"]}
        ],
        "Other": {"Over 18 ?": true, "Misc": null, "Alternative.Address": {"Street": "Brick Lane", "City": "London", "Postcode": "E1 6RF"}}
    })
}

fn run(source: &str, input: &Value) -> Result<Option<Value>, String> {
    let expr = parse(source).map_err(|error| format!("parse: {error}"))?;
    let mut bindings = Map::new();
    bindings.insert("states".into(), json!({"input": input, "context": {"Execution": {"Name": "exec"}}}));
    bindings.insert("answer".into(), json!(42));
    let mut env = FixedEnvironment::new(7, 1_700_000_000_123);
    evaluate(&expr, input, &bindings, &mut env).map_err(|error| error.cause)
}

/// Cases: (expression, input, expected value or `None` for undefined).
fn table() -> Vec<(&'static str, Value, Option<Value>)> {
    let n = Value::Null;
    let inv = invoice();
    let adr = address();
    vec![
        // literals and arithmetic
        ("1 + 2 * 3", n.clone(), Some(json!(7))),
        ("(1 + 2) * 3", n.clone(), Some(json!(9))),
        ("7 % 4", n.clone(), Some(json!(3))),
        ("-7 % 4", n.clone(), Some(json!(-3))),
        ("10 / 4", n.clone(), Some(json!(2.5))),
        ("1 - -1", n.clone(), Some(json!(2))),
        ("0.1 + 0.2", n.clone(), Some(json!(0.30000000000000004))),
        ("-(2 + 3)", n.clone(), Some(json!(-5))),
        ("'a' & 'b' & 1 & true & null", n.clone(), Some(json!("a b1truenull".replace(' ', "")))),
        ("'x' & nothing", n.clone(), Some(json!("x"))),
        ("nothing + 1", n.clone(), None),
        ("1 = 1.0", n.clone(), Some(json!(true))),
        ("'a' != 'b'", n.clone(), Some(json!(true))),
        ("[1,2] = [1,2]", n.clone(), Some(json!(true))),
        ("{'a':1} = {'a':1}", n.clone(), Some(json!(true))),
        ("nothing = nothing", n.clone(), Some(json!(false))),
        ("'b' > 'a'", n.clone(), Some(json!(true))),
        ("3 >= 3 and 2 < 1", n.clone(), Some(json!(false))),
        ("false or 'x'", n.clone(), Some(json!(true))),
        ("nothing < 3", n.clone(), None),
        ("2 in [1,2,3]", n.clone(), Some(json!(true))),
        ("'a' in 'a'", n.clone(), Some(json!(true))),
        ("4 in [1,2,3]", n.clone(), Some(json!(false))),
        ("true ? 'y' : 'n'", n.clone(), Some(json!("y"))),
        ("false ? 'y'", n.clone(), None),
        ("[] ? 1 : 2", n.clone(), Some(json!(2))),
        ("nothing ?? 5", n.clone(), Some(json!(5))),
        ("0 ?: 5", n.clone(), Some(json!(5))),
        ("3 ?: 5", n.clone(), Some(json!(3))),
        // paths
        ("Account.`Account Name`", inv.clone(), Some(json!("Firefly"))),
        ("Account.Order[0].OrderID", inv.clone(), Some(json!("order103"))),
        ("Account.Order.Product.Price", inv.clone(), Some(json!([34.45, 21.67, 34.45, 107.99]))),
        ("Account.Order.Product[0].Price", inv.clone(), Some(json!([34.45, 34.45]))),
        ("(Account.Order.Product)[0].Price", inv.clone(), Some(json!(34.45))),
        ("Account.Order[-1].Product[-1].`Product Name`", inv.clone(), Some(json!("Cloak"))),
        ("Account.Order.Product[Price > 100].SKU", inv.clone(), Some(json!("0406654603"))),
        ("Account.Order.Product[Price > 100][].SKU", inv.clone(), Some(json!(["0406654603"]))),
        ("$sum(Account.Order.Product.(Price * Quantity))", inv.clone(), Some(json!(336.36))),
        (
            "Account.Order.Product.Description.Colour[0]",
            inv.clone(),
            Some(json!(["Purple", "Orange", "Purple", "Black"])),
        ),
        ("Account.Order.OrderID", inv.clone(), Some(json!(["order103", "order104"]))),
        ("Address.City", adr.clone(), Some(json!("Winchester"))),
        ("Other.Misc", adr.clone(), Some(json!(null))),
        ("Other.`Over 18 ?`", adr.clone(), Some(json!(true))),
        ("Other.Nothing", adr.clone(), None),
        ("Phone[type='office'].number", adr.clone(), Some(json!(["01962 001234", "01962 001235"]))),
        ("Phone[type='mobile'].number", adr.clone(), Some(json!("077 7700 1234"))),
        ("Phone[type='mobile'][].number", adr.clone(), Some(json!(["077 7700 1234"]))),
        ("Phone[[0,1]].type", adr.clone(), Some(json!(["home", "office"]))),
        (
            "Email.address",
            adr.clone(),
            Some(json!([
                "fred.smith@my-work.com",
                "fsmith@my-work.com",
                "freddy@my-social.com",
                "frederic.smith@very-serious.com"
            ])),
        ),
        ("Email[type='work'].address[1]", adr.clone(), Some(json!("fsmith@my-work.com"))),
        ("Address.*", adr.clone(), Some(json!(["Hursley Park", "Winchester", "SO21 2JN"]))),
        ("*.Postcode", adr.clone(), Some(json!("SO21 2JN"))),
        ("**.Postcode", adr.clone(), Some(json!(["SO21 2JN", "E1 6RF"]))),
        (
            "Phone.number[0]",
            adr.clone(),
            Some(json!(["0203 544 1234", "01962 001234", "01962 001235", "077 7700 1234"])),
        ),
        ("$", json!([1, 2]), Some(json!([1, 2]))),
        ("$[0]", json!([1, 2]), Some(json!(1))),
        ("$.a", json!([{"a": 1}, {"a": 2}]), Some(json!([1, 2]))),
        ("a", json!({"a": [1]}), Some(json!([1]))),
        ("a.b", json!({"a": [{"b": 1}]}), Some(json!(1))),
        ("a.b", json!({"a": [{"b": [1]}]}), Some(json!([1]))),
        ("a[0]", json!({"a": [[1, 2], [3]]}), Some(json!([1, 2]))),
        ("$$.a", json!({"a": 5}), Some(json!(5))),
        ("$states.input.x", json!({"x": 3}), Some(json!(3))),
        ("$answer + 1", n.clone(), Some(json!(43))),
        ("$states.context.Execution.Name", n.clone(), Some(json!("exec"))),
        // array constructors and ranges
        ("[1, [2, 3], [[4]]]", n.clone(), Some(json!([1, [2, 3], [[4]]]))),
        ("[1..5]", n.clone(), Some(json!([1, 2, 3, 4, 5]))),
        ("[0, 2..4, 9]", n.clone(), Some(json!([0, 2, 3, 4, 9]))),
        ("[5..1]", n.clone(), Some(json!([]))),
        ("[1..3].($ * $)", n.clone(), Some(json!([1, 4, 9]))),
        ("[1,2,3][$ > 1]", n.clone(), Some(json!([2, 3]))),
        ("[1,2,3][-1]", n.clone(), Some(json!(3))),
        ("[[1,2],[3,4]].$", n.clone(), Some(json!([1, 2, 3, 4]))),
        ("[[1,2],[3,4]].[$]", n.clone(), Some(json!([[1, 2], [3, 4]]))),
        ("Phone.[type]", adr.clone(), Some(json!([["home"], ["office"], ["office"], ["mobile"]]))),
        // object constructors and grouping
        ("{'a': 1, 'b': [1,2]}", n.clone(), Some(json!({"a": 1, "b": [1, 2]}))),
        (
            "Phone{type: number}",
            adr.clone(),
            Some(
                json!({"home": "0203 544 1234", "office": ["01962 001234", "01962 001235"], "mobile": "077 7700 1234"}),
            ),
        ),
        ("Phone{type: $count(number)}", adr.clone(), Some(json!({"home": 1, "office": 2, "mobile": 1}))),
        (
            "Account.Order.Product{`Product Name`: $sum(Price)}",
            inv.clone(),
            Some(json!({"Bowler Hat": 68.9, "Trilby hat": 21.67, "Cloak": 107.99})),
        ),
        (
            "Phone.{type: number}",
            adr.clone(),
            Some(
                json!([{"home": "0203 544 1234"}, {"office": "01962 001234"}, {"office": "01962 001235"}, {"mobile": "077 7700 1234"}]),
            ),
        ),
        ("{'k': nothing}", n.clone(), Some(json!({}))),
        // order-by, focus, index, parent
        ("Account.Order.Product^(Price).Price", inv.clone(), Some(json!([21.67, 34.45, 34.45, 107.99]))),
        ("Account.Order.Product^(>Price, Quantity).Quantity", inv.clone(), Some(json!([1, 2, 4, 1]))),
        ("[3,1,2]^($)", n.clone(), Some(json!([1, 2, 3]))),
        ("Phone#$i[$i > 1].type", adr.clone(), Some(json!(["office", "mobile"]))),
        ("Phone#$i.{'n': $i, 't': type}[0]", adr.clone(), Some(json!({"n": 0, "t": "home"}))),
        (
            "Account.Order@$o.$o.Product.{'o': $o.OrderID, 'p': ProductID}[1]",
            inv.clone(),
            Some(json!({"o": "order103", "p": 858236})),
        ),
        (
            "Account.Order.Product.{'o': %.OrderID, 'a': %.%.`Account Name`}[3]",
            inv.clone(),
            Some(json!({"o": "order104", "a": "Firefly"})),
        ),
        ("Account.Order.Product[%.OrderID = 'order104'].SKU", inv.clone(), Some(json!(["040657863", "0406654603"]))),
        // blocks, variables, functions
        ("($x := 5; $y := $x * 2; $y + 1)", n.clone(), Some(json!(11))),
        ("($x := 1; ($x := 2); $x)", n.clone(), Some(json!(1))),
        ("($f := function($a, $b) { $a * $b }; $f(3, 4))", n.clone(), Some(json!(12))),
        ("(function($x){$x + 1})(2)", n.clone(), Some(json!(3))),
        ("($fact := function($n) { $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(10))", n.clone(), Some(json!(3628800))),
        (
            "($loop := function($n, $acc) { $n = 0 ? $acc : $loop($n - 1, $acc + 1) }; $loop(20000, 0))",
            n.clone(),
            Some(json!(20000)),
        ),
        ("($add := function($a){ function($b){ $a + $b } }; $add(2)(3))", n.clone(), Some(json!(5))),
        ("($first := $substring(?, 0, 1); $first('hello'))", n.clone(), Some(json!("h"))),
        ("'hello' ~> $uppercase()", n.clone(), Some(json!("HELLO"))),
        ("'  a  b ' ~> $trim ~> $uppercase", n.clone(), Some(json!("A B"))),
        ("($inc := function($x){$x+1}; $dbl := function($x){$x*2}; ($inc ~> $dbl)(3))", n.clone(), Some(json!(8))),
        ("[1,2,3] ~> $map(function($v){$v*10})", n.clone(), Some(json!([10, 20, 30]))),
        ("function($x)<n:n>{$x}(2)", n.clone(), Some(json!(2))),
        // transform
        (
            "$ ~> |Address|{'City': 'Paris'}|",
            json!({"Address": {"City": "London", "Zip": 1}}),
            Some(json!({"Address": {"City": "Paris", "Zip": 1}})),
        ),
        ("$ ~> |a|{}, 'x'|", json!({"a": [{"x": 1, "y": 2}, {"x": 3}]}), Some(json!({"a": [{"y": 2}, {}]}))),
        (
            "$ ~> |**[$exists(price)]|{'total': price * 2}|",
            json!({"items": [{"price": 2}, {"price": 5}]}),
            Some(json!({"items": [{"price": 2, "total": 4}, {"price": 5, "total": 10}]})),
        ),
        // strings
        ("$string(5)", n.clone(), Some(json!("5"))),
        ("$string(1/3)", n.clone(), Some(json!("0.333333333333333"))),
        ("$string(1e21)", n.clone(), Some(json!("1e+21"))),
        ("$string({'a': [1, 'x', true]})", n.clone(), Some(json!("{\"a\":[1,\"x\",true]}"))),
        ("$string({'a': 1}, true)", n.clone(), Some(json!("{\n  \"a\": 1\n}"))),
        ("$length('héllo')", n.clone(), Some(json!(5))),
        ("$substring('Hello World', 3)", n.clone(), Some(json!("lo World"))),
        ("$substring('Hello World', 3, 5)", n.clone(), Some(json!("lo Wo"))),
        ("$substring('Hello World', -4)", n.clone(), Some(json!("orld"))),
        ("$substring('Hello World', -4, 1)", n.clone(), Some(json!("o"))),
        ("$substringBefore('Hello World', ' ')", n.clone(), Some(json!("Hello"))),
        ("$substringAfter('Hello World', ' ')", n.clone(), Some(json!("World"))),
        ("$substringAfter('Hello', 'x')", n.clone(), Some(json!("Hello"))),
        ("$uppercase('abc')", n.clone(), Some(json!("ABC"))),
        ("$lowercase('ABC')", n.clone(), Some(json!("abc"))),
        ("$trim(' Hello  \n World ')", n.clone(), Some(json!("Hello World"))),
        ("$pad('foo', 5)", n.clone(), Some(json!("foo  "))),
        ("$pad('foo', -5, '#')", n.clone(), Some(json!("##foo"))),
        ("$pad('5', 3, '0')", n.clone(), Some(json!("500"))),
        ("$contains('abracadabra', 'bra')", n.clone(), Some(json!(true))),
        ("$contains('abracadabra', /a.*a/)", n.clone(), Some(json!(true))),
        ("$contains('abracadabra', /ar.*a/)", n.clone(), Some(json!(false))),
        ("$contains('Hello', /^hello$/i)", n.clone(), Some(json!(true))),
        ("$split('so many words', ' ')", n.clone(), Some(json!(["so", "many", "words"]))),
        ("$split('so many words', ' ', 2)", n.clone(), Some(json!(["so", "many"]))),
        (
            "$split('too much, punctuation. hard; to read', /[ ,.;]+/)",
            n.clone(),
            Some(json!(["too", "much", "punctuation", "hard", "to", "read"])),
        ),
        ("$split('abc', '')", n.clone(), Some(json!(["a", "b", "c"]))),
        ("$join(['a','b','c'])", n.clone(), Some(json!("abc"))),
        ("$join(['a','b','c'], ', ')", n.clone(), Some(json!("a, b, c"))),
        (
            "$match('ababbabbcc', /a(b+)/)",
            n.clone(),
            Some(
                json!([{"match": "ab", "index": 0, "groups": ["b"]}, {"match": "abb", "index": 2, "groups": ["bb"]}, {"match": "abb", "index": 5, "groups": ["bb"]}]),
            ),
        ),
        ("$match('ababbabbcc', /a(b+)/, 1)", n.clone(), Some(json!({"match": "ab", "index": 0, "groups": ["b"]}))),
        ("$replace('John Smith and John Jones', 'John', 'Mr')", n.clone(), Some(json!("Mr Smith and Mr Jones"))),
        ("$replace('John Smith and John Jones', 'John', 'Mr', 1)", n.clone(), Some(json!("Mr Smith and John Jones"))),
        ("$replace('abracadabra', /a.*?a/, '*')", n.clone(), Some(json!("*c*bra"))),
        ("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')", n.clone(), Some(json!("Smith, John"))),
        ("$replace('265USD', /([0-9]+)USD/, '$$$1')", n.clone(), Some(json!("$265"))),
        ("$replace('abc', /b/, function($m){ $uppercase($m.match) })", n.clone(), Some(json!("aBc"))),
        // JavaScript's `\s` takes U+FEFF and U+00A0 but not U+0085 (NEL).
        ("$replace('a\\u00a0b\\ufeffc\\u0085d', /\\s/, '_')", n.clone(), Some(json!("a_b_c\u{85}d"))),
        ("$replace('a b\\u0085', /\\S+/, '_')", n.clone(), Some(json!("_ _"))),
        // Without JavaScript's `u` flag, `\p` is the letter p and `{L}` is literal text.
        ("$contains('p{L}', /^\\p{L}$/)", n.clone(), Some(json!(true))),
        ("$contains('x', /\\p{L}/)", n.clone(), Some(json!(false))),
        ("$base64encode('myuser:mypass')", n.clone(), Some(json!("bXl1c2VyOm15cGFzcw=="))),
        ("$base64decode('bXl1c2VyOm15cGFzcw==')", n.clone(), Some(json!("myuser:mypass"))),
        ("$encodeUrlComponent('?x=test')", n.clone(), Some(json!("%3Fx%3Dtest"))),
        (
            "$encodeUrl('https://mozilla.org/?x=шеллы')",
            n.clone(),
            Some(json!("https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B")),
        ),
        ("$decodeUrlComponent('%3Fx%3Dtest')", n.clone(), Some(json!("?x=test"))),
        (
            "$decodeUrl('https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B')",
            n.clone(),
            Some(json!("https://mozilla.org/?x=шеллы")),
        ),
        ("$formatNumber(3.14159, '#0.00')", n.clone(), Some(json!("3.14"))),
        ("$formatNumber(12345.6, '#,###.00')", n.clone(), Some(json!("12,345.60"))),
        ("$formatNumber(1234.5678, '00.000e0')", n.clone(), Some(json!("12.346e2"))),
        ("$formatNumber(34.555, '#0.00;(#0.00)')", n.clone(), Some(json!("34.56"))),
        ("$formatNumber(-34.555, '#0.00;(#0.00)')", n.clone(), Some(json!("(34.56)"))),
        ("$formatNumber(0.14, '01%')", n.clone(), Some(json!("14%"))),
        (
            "$formatNumber(1234.5678, '#.##0,00', {'decimal-separator': ',', 'grouping-separator': '.'})",
            n.clone(),
            Some(json!("1.234,57")),
        ),
        ("$formatBase(100, 2)", n.clone(), Some(json!("1100100"))),
        ("$formatBase(2555, 16)", n.clone(), Some(json!("9fb"))),
        ("$formatInteger(2789, 'w')", n.clone(), Some(json!("two thousand, seven hundred and eighty-nine"))),
        ("$formatInteger(1999, 'I')", n.clone(), Some(json!("MCMXCIX"))),
        ("$formatInteger(12, '000')", n.clone(), Some(json!("012"))),
        ("$formatInteger(1234567, '#,##0')", n.clone(), Some(json!("1,234,567"))),
        ("$formatInteger(3, '1;o')", n.clone(), Some(json!("3rd"))),
        ("$parseInteger('MCMXCIX', 'I')", n.clone(), Some(json!(1999))),
        ("$parseInteger('12,345', '#,##0')", n.clone(), Some(json!(12345))),
        ("$parseInteger('twelve thousand, four hundred and seventy-six', 'w')", n.clone(), Some(json!(12476))),
        // numbers
        ("$number('5')", n.clone(), Some(json!(5))),
        ("$number('-0.5e2')", n.clone(), Some(json!(-50))),
        ("$number('0x12')", n.clone(), Some(json!(18))),
        ("$number(true)", n.clone(), Some(json!(1))),
        ("$abs(-5)", n.clone(), Some(json!(5))),
        ("$floor(5.7)", n.clone(), Some(json!(5))),
        ("$floor(-5.3)", n.clone(), Some(json!(-6))),
        ("$ceil(5.3)", n.clone(), Some(json!(6))),
        ("$round(123.456)", n.clone(), Some(json!(123))),
        ("$round(123.456, 2)", n.clone(), Some(json!(123.46))),
        ("$round(123.456, -1)", n.clone(), Some(json!(120))),
        ("$round(11.5)", n.clone(), Some(json!(12))),
        ("$round(12.5)", n.clone(), Some(json!(12))),
        ("$round(125, -1)", n.clone(), Some(json!(120))),
        ("$round(-2.5)", n.clone(), Some(json!(-2))),
        ("$power(2, 8)", n.clone(), Some(json!(256))),
        ("$power(2, 0.5)", n.clone(), Some(json!(std::f64::consts::SQRT_2))),
        ("$sqrt(4)", n.clone(), Some(json!(2))),
        ("$random() < 1", n.clone(), Some(json!(true))),
        ("$random(42) = $random(42)", n.clone(), Some(json!(true))),
        // aggregation
        ("$sum([5,1,3,7,4])", n.clone(), Some(json!(20))),
        ("$sum([])", n.clone(), Some(json!(0))),
        ("$max([5,1,3,7,4])", n.clone(), Some(json!(7))),
        ("$min([5,1,3,7,4])", n.clone(), Some(json!(1))),
        ("$average([5,1,3,7,4])", n.clone(), Some(json!(4))),
        ("$max([])", n.clone(), None),
        ("$count([1,2,3])", n.clone(), Some(json!(3))),
        ("$count(nothing)", n.clone(), Some(json!(0))),
        ("$count(5)", n.clone(), Some(json!(1))),
        // booleans
        ("$boolean('')", n.clone(), Some(json!(false))),
        ("$boolean([0, 1])", n.clone(), Some(json!(true))),
        ("$boolean([[]])", n.clone(), Some(json!(false))),
        ("$boolean({})", n.clone(), Some(json!(false))),
        ("$boolean(function(){1})", n.clone(), Some(json!(false))),
        ("$not(0)", n.clone(), Some(json!(true))),
        ("$exists(nothing)", n.clone(), Some(json!(false))),
        ("$exists(null)", n.clone(), Some(json!(true))),
        // arrays
        ("$append([1,2], [3,4])", n.clone(), Some(json!([1, 2, 3, 4]))),
        ("$append(1, 2)", n.clone(), Some(json!([1, 2]))),
        ("$append([1], nothing)", n.clone(), Some(json!([1]))),
        ("$sort([3, 1, 2])", n.clone(), Some(json!([1, 2, 3]))),
        ("$sort(['b', 'a'])", n.clone(), Some(json!(["a", "b"]))),
        ("$sort([3, 1, 2], function($a, $b){ $a < $b })", n.clone(), Some(json!([3, 2, 1]))),
        ("$reverse([1, 2, 3])", n.clone(), Some(json!([3, 2, 1]))),
        ("$count($shuffle([1, 2, 3]))", n.clone(), Some(json!(3))),
        ("$distinct([1, 2, 2, 'a', 'a', [1], [1]])", n.clone(), Some(json!([1, 2, "a", [1]]))),
        ("$zip([1,2,3], [4,5,6])", n.clone(), Some(json!([[1, 4], [2, 5], [3, 6]]))),
        ("$zip([1,2,3], [4,5])", n.clone(), Some(json!([[1, 4], [2, 5]]))),
        // objects
        ("$keys({'a': 1, 'b': 2})", n.clone(), Some(json!(["a", "b"]))),
        ("$keys({'a': 1})", n.clone(), Some(json!("a"))),
        ("$keys([{'a': 1}, {'b': 2, 'a': 3}])", n.clone(), Some(json!(["a", "b"]))),
        ("$lookup({'a': 1}, 'a')", n.clone(), Some(json!(1))),
        ("$spread({'a': 1, 'b': 2})", n.clone(), Some(json!([{"a": 1}, {"b": 2}]))),
        ("$merge([{'a': 1}, {'b': 2}, {'a': 3}])", n.clone(), Some(json!({"a": 3, "b": 2}))),
        ("$sift({'a': 1, 'b': 2}, function($v){ $v > 1 })", n.clone(), Some(json!({"b": 2}))),
        ("$each({'a': 1, 'b': 2}, function($v, $k){ $k & '=' & $v })", n.clone(), Some(json!(["a=1", "b=2"]))),
        ("$type(null)", n.clone(), Some(json!("null"))),
        ("$type([])", n.clone(), Some(json!("array"))),
        ("$type($type)", n.clone(), Some(json!("function"))),
        ("$type(nothing)", n.clone(), None),
        // higher-order
        ("$map([1,2,3], function($v, $i){ $v * $i })", n.clone(), Some(json!([0, 2, 6]))),
        ("$map([1], function($v){ $v })", n.clone(), Some(json!(1))),
        ("$filter([1,2,3,4], function($v){ $v % 2 = 0 })", n.clone(), Some(json!([2, 4]))),
        ("$single([1,2,3], function($v){ $v = 2 })", n.clone(), Some(json!(2))),
        ("$reduce([1,2,3,4], function($a, $b){ $a + $b })", n.clone(), Some(json!(10))),
        ("$reduce([1,2,3], function($a, $b){ $a + $b }, 10)", n.clone(), Some(json!(16))),
        // dates
        ("$now()", n.clone(), Some(json!("2023-11-14T22:13:20.123Z"))),
        ("$millis()", n.clone(), Some(json!(1_700_000_000_123_i64))),
        ("$fromMillis(1510067557121)", n.clone(), Some(json!("2017-11-07T15:12:37.121Z"))),
        (
            "$fromMillis(1510067557121, '[M01]/[D01]/[Y0001] [h#1]:[m01][P]')",
            n.clone(),
            Some(json!("11/07/2017 3:12pm")),
        ),
        ("$fromMillis(1510067557121, '[H01]:[m01]:[s01] [z]', '-0500')", n.clone(), Some(json!("10:12:37 GMT-05:00"))),
        ("$fromMillis(1510067557121, '[FNn], [D1o] [MNn] [Y]')", n.clone(), Some(json!("Tuesday, 7th November 2017"))),
        ("$fromMillis(1510067557121, '[Y0001]-[M01]-[D01]')", n.clone(), Some(json!("2017-11-07"))),
        ("$fromMillis(0, '[MNn,*-3] [Y,2]')", n.clone(), Some(json!("Jan 70"))),
        (
            "$fromMillis(1510067557121, '[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z]', '+0530')",
            n.clone(),
            Some(json!("2017-11-07T20:42:37.121+05:30")),
        ),
        ("$toMillis('2017-11-07T15:12:37.121Z')", n.clone(), Some(json!(1_510_067_557_121_i64))),
        ("$toMillis('2017-11-07')", n.clone(), Some(json!(1_510_012_800_000_i64))),
        ("$toMillis('2017-11-07T15:12:37+01:00')", n.clone(), Some(json!(1_510_063_957_000_i64))),
        ("$toMillis('13/09/2018', '[D]/[M]/[Y]')", n.clone(), Some(json!(1_536_796_800_000_i64))),
        ("$toMillis('2018-09-13 10:20pm', '[Y]-[M]-[D] [h]:[m][P]')", n.clone(), Some(json!(1_536_877_200_000_i64))),
        ("$toMillis($now()) = $millis()", n.clone(), Some(json!(true))),
        // Step Functions additions
        ("$partition([1,2,3,4,5], 2)", n.clone(), Some(json!([[1, 2], [3, 4], [5]]))),
        ("$range(0, 10, 2)", n.clone(), Some(json!([0, 2, 4, 6, 8, 10]))),
        ("$range(5, 1, -2)", n.clone(), Some(json!([5, 3, 1]))),
        ("$hash('input', 'MD5')", n.clone(), Some(json!("a43c1b0aa53a0c908810c06ab1ff3967"))),
        ("$hash('input', 'SHA-1')", n.clone(), Some(json!("140f86aae51ab9e1cda9b4254fe98a74eb54c1a1"))),
        (
            "$hash('input', 'SHA-256')",
            n.clone(),
            Some(json!("c96c6d5be8d08a12e7b5cdc1b207fa6b2430974c86803d8891675e76fd992c20")),
        ),
        ("$length($uuid())", n.clone(), Some(json!(36))),
        ("$parse('{\"a\": [1, 2.5]}')", n.clone(), Some(json!({"a": [1, 2.5]}))),
        ("$parse('\"x\"')", n.clone(), Some(json!("x"))),
    ]
}

/// Expressions that must fail, with the start of the cause.
fn failures() -> Vec<(&'static str, &'static str)> {
    vec![
        ("'a' + 1", "T2001: The left side of the \"+\" operator must evaluate to a number"),
        ("1 + 'a'", "T2002: The right side of the \"+\" operator must evaluate to a number"),
        ("1 < 'a'", "T2009: The values 1 and \"a\" either side of operator \"<\" must be of the same data type"),
        ("{} < 1", "T2010"),
        ("-'a'", "D1002"),
        ("[1..'a']", "T2004"),
        ("[1.5..3]", "T2003"),
        ("{1: 2}", "T1003"),
        ("[1,2]{'a': 1, 'a': 2}", "D1009"),
        ("$map([1,2], $string)", "T0410: Argument 2 of function \"string\""),
        ("$eval('1')", "T1006"),
        ("$uppercase()", "T0411"),
        ("1 / 0", "D1001"),
        ("$uppercase(1)", "T0410: Argument 1 of function \"uppercase\" does not match function signature"),
        ("$sum(['a'])", "T0412: Argument 1 of function \"sum\" must be an array of numbers"),
        ("$substring()", "T0410"),
        ("$nothing()", "T1006"),
        ("uppercase('a')", "T1005"),
        ("1 ~> 2", "T2006"),
        ("$error('boom')", "D3137: boom"),
        ("$assert(false, 'bad')", "D3141: bad"),
        ("$single([1,2])", "D3138"),
        ("$single([], function($v){true})", "D3139"),
        ("$number('abc')", "D3030"),
        ("$sqrt(-1)", "D3060"),
        ("$sort([1, 'a'])", "D3070"),
        ("$reduce([1], function($a){$a})", "D3050"),
        ("$formatBase(1, 40)", "D3100"),
        ("$toMillis('nope')", "D3110"),
        ("$match('abc', /x*/)", "D1004"),
        ("$replace('a', '', 'b')", "D3010"),
        ("$split('a', 'b', -1)", "D3020"),
        ("$ ~> |a|1|", "T2011"),
        ("$string(1/0)", "D1001"),
        ("[1..20000000]", "D2014"),
        ("($f := function($n){ $n + $f($n) }; $f(1))", "U1001"),
        ("($f := function($n){ $f($n + 1) }; $f(1))", "U1002"),
        ("$contains('a', /(a)\\1/)", "D1005"),
        ("function(){1}", super::UNSUPPORTED_RESULT),
        ("$parse('{')", "D3120"),
        ("$hash('a', 'SHA-3')", "D3150"),
    ]
}

#[test]
fn documented_semantics() {
    let mut failed = Vec::new();
    let cases = table();
    for (source, input, expected) in &cases {
        match run(source, input) {
            Ok(actual) if actual == *expected => {}
            Ok(actual) => failed.push(format!("{source}: expected {expected:?}, got {actual:?}")),
            Err(error) => failed.push(format!("{source}: expected {expected:?}, got error {error}")),
        }
    }
    let errors = failures();
    for (source, cause) in &errors {
        match run(source, &json!({"a": {"b": 1}})) {
            Err(actual) if actual.starts_with(cause) => {}
            other => failed.push(format!("{source}: expected error {cause}, got {other:?}")),
        }
    }
    println!("own table: {} of {} passed", cases.len() + errors.len() - failed.len(), cases.len() + errors.len());
    assert!(failed.is_empty(), "{} failures:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn now_is_read_once() {
    struct Ticking(i64);
    impl crate::eval::Environment for Ticking {
        fn random(&mut self) -> f64 {
            0.5
        }
        fn uuid(&mut self) -> String {
            String::new()
        }
        fn now_millis(&mut self) -> i64 {
            self.0 += 1000;
            self.0
        }
    }
    let expr = parse("[$millis(), $millis(), $toMillis($now())]").unwrap();
    let value = evaluate(&expr, &Value::Null, &Map::new(), &mut Ticking(0)).unwrap();
    assert_eq!(value, Some(json!([1000, 1000, 1000])));
}

// ---------------------------------------------------------------------------------------
// Conformance: Pass states of the recorded AWS executions

fn as_value(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

/// Compares with placeholders in the expected side (`<uuid:1>`, `date`, …) as wildcards.
fn matches_recorded(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => {
            e == a
                || ["date", "timestamp", "snf_role_arn"].contains(&e.as_str())
                || (e.contains('<') && e.contains('>'))
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches_recorded(e, a))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len() && e.iter().all(|(k, v)| a.get(k).is_some_and(|a| matches_recorded(v, a)))
        }
        _ => expected == actual,
    }
}

/// Evaluates every `{% %}` in a JSONata field value (Output or Assign).
fn evaluate_template(value: &Value, states: &Value, variables: &Map<String, Value>) -> Result<Value, String> {
    match value {
        Value::String(text) => match super::template_body(text) {
            Some((body, _)) => {
                let expr = parse(body).map_err(|error| error.to_string())?;
                let mut bindings = variables.clone();
                bindings.insert("states".into(), states.clone());
                let mut env = FixedEnvironment::new(1, 1_700_000_000_000);
                match evaluate(&expr, &Value::Null, &bindings, &mut env) {
                    Ok(Some(value)) => Ok(value),
                    Ok(None) => Err("returned nothing (undefined)".into()),
                    Err(error) => Err(error.cause),
                }
            }
            None => Ok(value.clone()),
        },
        Value::Array(items) => items
            .iter()
            .map(|item| evaluate_template(item, states, variables))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(fields) => {
            let mut out = Map::new();
            for (key, item) in fields {
                out.insert(key.clone(), evaluate_template(item, states, variables)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// One case: `Ok(true)` matched, `Ok(false)` had no JSONata expression, `Err` says why not.
fn conformance_case(directory: &FsPath) -> Result<bool, String> {
    let read = |name: &str| -> Result<Value, String> {
        let text = std::fs::read_to_string(directory.join(name)).map_err(|error| error.to_string())?;
        serde_json::from_str(&text).map_err(|error| error.to_string())
    };
    let definition = read("definition.json")?;
    let expected = read("expected.json")?;
    let top_language = definition.get("QueryLanguage").and_then(Value::as_str).unwrap_or("JSONPath").to_owned();
    let states = definition["States"].as_object().ok_or("no States")?;
    let history = expected["history"].as_array().ok_or("no history")?;
    let execution_input = as_value(&history[0]["executionStartedEventDetails"]["input"]);
    let mut variables = Map::new();
    let mut current: Option<(String, Value)> = None;
    let mut evaluated = false;
    for event in history {
        let kind = event["type"].as_str().unwrap_or("");
        if kind == "PassStateEntered" {
            let details = &event["stateEnteredEventDetails"];
            current = Some((details["name"].as_str().unwrap_or("").to_owned(), as_value(&details["input"])));
            continue;
        }
        if kind != "PassStateExited" && kind != "EvaluationFailed" {
            continue;
        }
        let (name, input) = current.clone().ok_or("exit before entry")?;
        let state = &states[&name];
        let language = state.get("QueryLanguage").and_then(Value::as_str).unwrap_or(&top_language);
        if language == "JSONata" {
            let context = json!({
                "Execution": {"Id": "arn:aws:states:us-east-1:111111111111:execution:sm:exec", "Input": execution_input,
                    "StartTime": "2024-01-01T00:00:00.000Z", "Name": "exec", "RoleArn": "arn:aws:iam::111111111111:role/r", "RedriveCount": 0},
                "StateMachine": {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:sm", "Name": "sm"},
                "State": {"Name": name, "EnteredTime": "2024-01-01T00:00:00.000Z"},
            });
            let states_value = json!({"input": input, "context": context});
            if kind == "EvaluationFailed" {
                let details = &event["evaluationFailedEventDetails"];
                let location = details["location"].as_str().unwrap_or("");
                let mut parts = location.split('/');
                let mut field = state.get(parts.next().unwrap_or("")).cloned().unwrap_or(Value::Null);
                for part in parts {
                    field = field.get(part).cloned().unwrap_or(Value::Null);
                }
                let cause = details["cause"].as_str().unwrap_or("");
                match evaluate_template(&field, &states_value, &variables) {
                    Err(why) if cause.contains(&why) => {}
                    other => return Err(format!("{name}/{location}: expected failure {cause:?}, got {other:?}")),
                }
                return Ok(true);
            }
            let details = &event["stateExitedEventDetails"];
            if let Some(output) = state.get("Output") {
                evaluated |= output.to_string().contains("{%");
                let actual = evaluate_template(output, &states_value, &variables)
                    .map_err(|why| format!("{name}/Output: {why}"))?;
                let recorded = as_value(&details["output"]);
                if !matches_recorded(&recorded, &actual) {
                    return Err(format!("{name}/Output: expected {recorded}, got {actual}"));
                }
            }
            if let Some(Value::Object(assign)) = state.get("Assign") {
                for (key, value) in assign {
                    evaluated |= value.to_string().contains("{%");
                    let actual = evaluate_template(value, &states_value, &variables)
                        .map_err(|why| format!("{name}/Assign/{key}: {why}"))?;
                    let recorded = as_value(&details["assignedVariables"][key]);
                    if !matches_recorded(&recorded, &actual) {
                        return Err(format!("{name}/Assign/{key}: expected {recorded}, got {actual}"));
                    }
                }
            }
        }
        if kind == "PassStateExited"
            && let Some(Value::Object(assigned)) = event["stateExitedEventDetails"].get("assignedVariables")
        {
            for (key, value) in assigned {
                variables.insert(key.clone(), as_value(value));
            }
        }
    }
    Ok(evaluated)
}

/// Every JSONata execution-history case without Task whose states are all Pass states: the
/// recorded outputs and assigned variables of each JSONata Pass state must be reproduced.
#[test]
fn aws_conformance() {
    let root = FsPath::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/aws-recorded"));
    let Ok(index) = std::fs::read_to_string(root.join("index.json")) else {
        println!("skipped: ../shared/conformance not present");
        return;
    };
    let index: Vec<Value> = serde_json::from_str(&index).unwrap();
    let known_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/known-failures-jsonata.txt");
    let known: Vec<String> = std::fs::read_to_string(known_path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let (mut passed, mut without_expressions, mut new_failures, mut fixed, mut known_failing) =
        (0, 0, Vec::new(), Vec::new(), 0);
    for case in &index {
        if case["kind"] != "execution_history" || case["jsonata"] != true || case["has_task"] == true {
            continue;
        }
        let directory = root.join(case["dir"].as_str().unwrap());
        let definition: Value =
            serde_json::from_str(&std::fs::read_to_string(directory.join("definition.json")).unwrap()).unwrap();
        let all_pass =
            definition["States"].as_object().is_some_and(|states| states.values().all(|s| s["Type"] == "Pass"));
        if !all_pass {
            continue;
        }
        let name = directory.file_name().unwrap().to_string_lossy().to_string();
        let is_known = known.contains(&name);
        match conformance_case(&directory) {
            Ok(true) => {
                passed += 1;
                if is_known {
                    fixed.push(name);
                }
            }
            Ok(false) => without_expressions += 1,
            Err(why) => {
                if is_known {
                    known_failing += 1;
                } else {
                    new_failures.push(format!("{name}: {why}"));
                }
            }
        }
    }
    println!(
        "conformance: {passed} passed, {without_expressions} without expressions, {known_failing} known failures, {} new failures",
        new_failures.len()
    );
    for name in &fixed {
        println!("  fixed (remove from known-failures-jsonata.txt): {name}");
    }
    assert!(new_failures.is_empty(), "new failures:\n{}", new_failures.join("\n"));
    assert!(passed >= 25, "only {passed} cases passed");
}

// ---------------------------------------------------------------------------------------
// Robustness

/// A small deterministic generator (xorshift).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "a",
    "b",
    "$",
    "$$",
    "*",
    "**",
    "%",
    "1",
    "0",
    "-1",
    "2.5",
    "'x'",
    "\"y\"",
    "true",
    "null",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ";",
    ":",
    ".",
    "..",
    "+",
    "-",
    "/",
    "%",
    "&",
    "=",
    "!=",
    "<",
    ">=",
    "and",
    "or",
    "in",
    "?",
    "??",
    "?:",
    "~>",
    "^(",
    ">",
    "@$v",
    "#$i",
    ":=",
    "$x",
    "$f",
    "function($x){",
    "$x}",
    "$map(",
    "$reduce(",
    "$sort(",
    "$string(",
    "$sum(",
    "$substring(",
    "$match(",
    "/a+/",
    "$replace(",
    "$split(",
    "$keys(",
    "$each(",
    "$sift(",
    "$lookup(",
    "$merge(",
    "$spread(",
    "$zip(",
    "$formatNumber(",
    "$formatInteger(",
    "$fromMillis(",
    "$toMillis(",
    "$pad(",
    "$range(",
    "$partition(",
    "$parse(",
    "$hash(",
    "|a|{'z':1}|",
    "[1..5]",
    "[1..1000]",
    "$count(",
    "$distinct(",
    "$append(",
    "$reverse(",
    "$number(",
    "$round(",
    "$power(",
    "$shuffle(",
    "$single(",
    "$filter(",
    "$type(",
    "$exists(",
    "$boolean(",
    "$not(",
    "$join(",
    "$contains(",
    "$trim(",
    "$length(",
    "$uppercase(",
    "$base64encode(",
    "$decodeUrl(",
    "'[Y0001]-[M01]'",
    "'#,##0.00'",
    "'w'",
    "$states.input",
    "[]",
    "{'k': a}",
];

fn random_json(random: &mut Random, depth: usize) -> Value {
    match random.below(if depth > 3 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => json!(random.below(2) == 0),
        2 => json!(random.below(100) as f64 - 50.0),
        3 => json!(random.below(1000) as f64 / 7.0),
        4 => json!(["a", "b", "x y", "", "1"][random.below(5)]),
        5 | 6 => {
            let mut map = Map::new();
            for _ in 0..random.below(4) {
                map.insert(["a", "b", "c", "x"][random.below(4)].to_owned(), random_json(random, depth + 1));
            }
            Value::Object(map)
        }
        _ => Value::Array((0..random.below(4)).map(|_| random_json(random, depth + 1)).collect()),
    }
}

/// Thousands of random and mutated expressions against random JSON: no panic, and each
/// evaluation ends (within the step budget) in well under a second.
#[test]
fn fuzz_never_panics_and_terminates() {
    let mut random = Random(0x5EED_1234_ABCD_0001);
    let mut sources: Vec<String> = table().iter().map(|(source, _, _)| (*source).to_owned()).collect();
    sources.extend(failures().iter().map(|(source, _)| (*source).to_owned()));
    let seeds = sources.clone();
    for _ in 0..8000 {
        let source: String = if random.below(4) == 0 {
            (0..1 + random.below(8)).map(|_| FRAGMENTS[random.below(FRAGMENTS.len())]).collect::<Vec<_>>().join(" ")
        } else {
            let mut chars: Vec<char> = seeds[random.below(seeds.len())].chars().collect();
            for _ in 0..1 + random.below(3) {
                let position = random.below(chars.len() + 1);
                match random.below(3) {
                    0 if position < chars.len() => {
                        chars.remove(position);
                    }
                    1 => {
                        let fragment = FRAGMENTS[random.below(FRAGMENTS.len())];
                        for (offset, c) in fragment.chars().enumerate() {
                            chars.insert((position + offset).min(chars.len()), c);
                        }
                    }
                    _ => chars.insert(position, ['(', ')', '[', ']', '.', '$', '\'', '{', '}'][random.below(9)]),
                }
            }
            chars.into_iter().collect()
        };
        sources.push(source);
    }
    // Expensive shapes that must hit the limits rather than hang.
    sources.push("[1..10000000].($ * 2)".into());
    sources.push("($f := function($x){ $f($x) }; $f(1))".into());
    sources.push("($f := function($x){ $f($x) + $f($x) }; $f(1))".into());
    sources.push("$reduce([1..40], function($a){ $a & $a }, 'xx')".into());
    sources.push("$reduce([1..40], function($a, $b){ $append($a, $a) }, [1])".into());
    sources.push("$pad('x', 1e12)".into());
    sources.push("[1..3000].[1..3000]".into());
    let mut slowest = std::time::Duration::ZERO;
    let mut evaluated = 0usize;
    for (index, source) in sources.iter().enumerate() {
        let Ok(expr) = parse(source) else { continue };
        let input = random_json(&mut random, 0);
        let mut bindings = Map::new();
        bindings.insert("states".into(), json!({"input": input.clone()}));
        let mut env = FixedEnvironment::new(index as u64, 0);
        let started = std::time::Instant::now();
        let _ = evaluate(&expr, &input, &bindings, &mut env);
        slowest = slowest.max(started.elapsed());
        evaluated += 1;
    }
    println!(
        "fuzz: {} expressions, {evaluated} parsed and evaluated, slowest {slowest:?} (budget {MAX_STEPS} steps)",
        sources.len()
    );
    assert!(evaluated > 1500);
    assert!(slowest < std::time::Duration::from_secs(20), "an evaluation took {slowest:?}");
}
