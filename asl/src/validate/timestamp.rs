//! RFC 3339 timestamps as Step Functions accepts them (uppercase `T`, `Z` or a numeric offset).

/// Whether `text` is an RFC 3339 date-time with an uppercase `T` and a `Z` or `±hh:mm` offset,
/// and a real calendar date and time.
pub fn is_rfc3339_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let slice = text.get(range)?;
        if slice.bytes().all(|byte| byte.is_ascii_digit()) { slice.parse().ok() } else { None }
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    if bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return false;
        }
        rest = &fraction[length..];
    }
    match rest.as_bytes() {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|byte| byte.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_aws_accepts_and_refuses_the_rest() {
        for valid in [
            "2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00.123Z",
            "2024-02-29T23:59:59+05:30",
            "2016-12-05T21:29:29-00:00",
        ] {
            assert!(is_rfc3339_timestamp(valid), "{valid}");
        }
        for invalid in [
            "2016-13-05T21:29:29Z",
            "05-12-2016T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2016-12-05T21:29:29",
            "2016-12-05t21:29:29Z",
            "2023-02-29T00:00:00Z",
            "2016-12-05 21:29:29Z",
            "2016-12-05T21:29:29.Z",
        ] {
            assert!(!is_rfc3339_timestamp(invalid), "{invalid}");
        }
    }
}
