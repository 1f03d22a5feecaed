//! Timestamps as Step Functions reads and writes them: ISO-8601 extended offset date-times
//! (`2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+01:00`) parsed into instants, and the
//! millisecond UTC form AWS writes in the context object (`2025-01-15T10:30:00.000Z`).

/// An instant: seconds since the Unix epoch and nanoseconds within that second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub seconds: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Instant {
    /// The instant `millis` milliseconds after the epoch.
    pub fn from_millis(millis: i64) -> Self {
        Self { seconds: millis.div_euclid(1000), nanos: (millis.rem_euclid(1000) as u32) * 1_000_000 }
    }

    /// Milliseconds since the epoch, rounded down.
    pub fn to_millis(self) -> i64 {
        self.seconds.saturating_mul(1000).saturating_add(i64::from(self.nanos / 1_000_000))
    }
}

/// Parses an ISO-8601 extended offset date-time as AWS accepts it in Wait states and Choice
/// rules: `YYYY-MM-DDThh:mm[:ss[.fraction]]` followed by `Z` or `±hh:mm`. `T` and `Z` may be
/// lower case; the fraction has one to nine digits. Dates and times must exist (no month 13,
/// no hour 25, no February 30). Returns `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<Instant> {
    let bytes = text.as_bytes();
    let mut position = 0;
    let year = digits(bytes, &mut position, 4)?;
    expect(bytes, &mut position, b'-')?;
    let month = digits(bytes, &mut position, 2)?;
    expect(bytes, &mut position, b'-')?;
    let day = digits(bytes, &mut position, 2)?;
    match bytes.get(position) {
        Some(b'T' | b't') => position += 1,
        _ => return None,
    }
    let hour = digits(bytes, &mut position, 2)?;
    expect(bytes, &mut position, b':')?;
    let minute = digits(bytes, &mut position, 2)?;
    let mut second = 0;
    let mut nanos = 0u32;
    if bytes.get(position) == Some(&b':') {
        position += 1;
        second = digits(bytes, &mut position, 2)?;
        if bytes.get(position) == Some(&b'.') {
            position += 1;
            let start = position;
            while position < bytes.len() && bytes[position].is_ascii_digit() {
                position += 1;
            }
            let fraction = &text[start..position];
            if fraction.is_empty() || fraction.len() > 9 {
                return None;
            }
            let padded = format!("{fraction:0<9}");
            nanos = padded.parse().ok()?;
        }
    }
    let offset_seconds = match bytes.get(position) {
        Some(b'Z' | b'z') => {
            position += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let negative = *sign == b'-';
            position += 1;
            let hours = digits(bytes, &mut position, 2)?;
            expect(bytes, &mut position, b':')?;
            let minutes = digits(bytes, &mut position, 2)?;
            if hours > 18 || minutes > 59 {
                return None;
            }
            let total = hours * 3600 + minutes * 60;
            if negative { -total } else { total }
        }
        _ => return None,
    };
    if position != bytes.len() {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(Instant { seconds, nanos })
}

/// Writes an instant as AWS writes times in the context object: UTC with exactly three
/// fraction digits, `2025-01-15T10:30:00.000Z`.
pub fn format_millis(millis: i64) -> String {
    let instant = Instant::from_millis(millis);
    let days = instant.seconds.div_euclid(86_400);
    let within = instant.seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        within / 3600,
        within / 60 % 60,
        within % 60,
        instant.nanos / 1_000_000
    )
}

fn digits(bytes: &[u8], position: &mut usize, count: usize) -> Option<i64> {
    let slice = bytes.get(*position..*position + count)?;
    if !slice.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *position += count;
    Some(slice.iter().fold(0i64, |total, digit| total * 10 + i64::from(digit - b'0')))
}

fn expect(bytes: &[u8], position: &mut usize, wanted: u8) -> Option<()> {
    (bytes.get(*position) == Some(&wanted)).then(|| *position += 1)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
/// Days since 1970-01-01 of a proleptic Gregorian date (shared with JSONata's date functions).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day number (days since 1970-01-01).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_aws_accepts() {
        let base = parse_timestamp("2016-03-14T01:59:00Z").expect("valid");
        assert_eq!(base.seconds, 1_457_920_740);
        assert_eq!(parse_timestamp("2016-03-14T02:59:00+01:00"), Some(base));
        assert_eq!(parse_timestamp("2016-03-14t01:59:00z"), Some(base));
        assert_eq!(parse_timestamp("2016-03-14T01:59Z"), Some(base));
        let nanos = parse_timestamp("2016-03-05T21:29:29.243167252Z").expect("nanoseconds");
        assert_eq!(nanos.nanos, 243_167_252);
        assert_eq!(parse_timestamp("2026-11-21T16:50:55.00Z").map(|instant| instant.nanos), Some(0));
    }

    #[test]
    fn refuses_what_aws_refuses() {
        for text in [
            "2016-12-05 21:29:29Z",
            "2016-13-05T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "05-12-2016T21:29:29Z",
            "2012-10-09T19:00:55",
            "2023-02-24",
            "2023-02-30T00:00:00Z",
            "2012-10-09T19:00:55.Z",
            "",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }

    #[test]
    fn writes_milliseconds_in_utc() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_736_937_000_000), "2025-01-15T10:30:00.000Z");
        assert_eq!(format_millis(1_736_937_001_500), "2025-01-15T10:30:01.500Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        let leap = parse_timestamp("2024-02-29T12:00:00Z").expect("leap day");
        assert_eq!(format_millis(leap.to_millis()), "2024-02-29T12:00:00.000Z");
    }
}
