//! The text a typed literal has once the server has read it: `'48 hours'::interval` is
//! stored as `'48:00:00'::interval`, `DATE '2024-1-2'` as `'2024-01-02'::date`. A file
//! and a catalog spell the same constant differently, so both are brought to the stored
//! form before they are compared. Only unambiguous spellings are rewritten; anything else
//! is kept as written (and compared as written).

/// The stored text of a constant of type `ty` written as `text`, when it differs.
pub fn stored_text(ty: &str, text: &str) -> Option<String> {
    match ty {
        "interval" => interval(text),
        "date" => date(text.trim()),
        "timestamp" | "timestamp without time zone" => timestamp(text.trim()),
        "timestamptz" | "timestamp with time zone" => timestamptz_utc(text.trim()),
        _ => None,
    }
}

/// `'t'`, `'yes'`, `'on'`, `'1'` … as a boolean, the way PostgreSQL reads them.
pub fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `X'1F'` as PostgreSQL's bit string: four bits per hex digit (`00011111`).
pub fn hex_bits(hex: &str) -> Option<String> {
    hex.chars()
        .map(|c| c.to_digit(16).map(|d| format!("{d:04b}")))
        .collect()
}

fn date(text: &str) -> Option<String> {
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return None;
    }
    Some(format!("{y:0>4}-{m:0>2}-{d:0>2}"))
}

/// One to `max` ASCII digits.
fn digits(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
}

/// A `timestamptz` as PostgreSQL prints it in a session whose TimeZone is UTC (sqlshift
/// reads catalogs so): the instant moved to UTC, `+00`. A value without an offset is read
/// as UTC.
fn timestamptz_utc(text: &str) -> Option<String> {
    let t = text.trim();
    // The offset: `+01`, `+01:00`, `-0530`, `Z`, after the time of day.
    let (local, offset_minutes) = match t.rfind(['+', '-']) {
        Some(at) if at > 10 && t[..at].contains(':') => {
            let off = &t[at + 1..];
            let sign: i64 = if t.as_bytes()[at] == b'-' { -1 } else { 1 };
            let (h, m) = match off.split_once(':') {
                Some((h, m)) => (h, m),
                None if off.len() == 4 => off.split_at(2),
                None => (off, "0"),
            };
            if !(digits(h, 2) && digits(m, 2)) {
                return None;
            }
            let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
            (t[..at].trim(), sign * minutes)
        }
        _ => match t.strip_suffix(['Z', 'z']) {
            Some(l) => (l.trim(), 0),
            None => (t, 0),
        },
    };
    let stamp = timestamp(local)?;
    let (day, clock) = stamp.split_once(' ')?;
    let mut parts = day.splitn(3, '-');
    let (y, mo, d) = (
        parts.next()?.parse::<i64>().ok()?,
        parts.next()?.parse::<i64>().ok()?,
        parts.next()?.parse::<i64>().ok()?,
    );
    let (hms, frac) = clock.split_once('.').map_or((clock, ""), |(a, b)| (a, b));
    let mut hms = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    let total = days_from_civil(y, mo, d) * 1440 + h * 60 + mi - offset_minutes;
    let (days, minute) = (total.div_euclid(1440), total.rem_euclid(1440));
    let (y, mo, d) = civil_from_days(days);
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{sec:02}{frac}+00",
        minute / 60,
        minute % 60
    ))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn timestamp(text: &str) -> Option<String> {
    let (day, time) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim()),
        None => (text, "00:00:00"),
    };
    let day = date(day)?;
    let mut hms: Vec<&str> = time.split(':').collect();
    if hms.len() == 2 {
        hms.push("00");
    }
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = frac.bytes().all(|b| b.is_ascii_digit());
    if !(digits(h, 2) && digits(m, 2) && digits(whole, 2) && all_digits) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!("{day} {h:0>2}:{m:0>2}:{whole:0>2}{frac}"))
}

/// PostgreSQL's output of an interval (IntervalStyle `postgres`): years and months,
/// days, then `[-]HH:MM:SS[.ffffff]`; zero fields are left out, all zero is `00:00:00`.
fn interval(text: &str) -> Option<String> {
    let mut months: i64 = 0;
    let mut days: i64 = 0;
    let mut micros: i128 = 0;
    let mut words = text.split_whitespace().peekable();
    let mut ago = false;
    while let Some(w) = words.next() {
        let w = w.to_ascii_lowercase();
        if w == "@" {
            continue;
        }
        if w == "ago" {
            ago = true;
            continue;
        }
        if w.contains(':') {
            micros += clock(&w)?;
            continue;
        }
        // `2days` or `2 days`.
        let split = w.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(w.len());
        let (num, unit) = w.split_at(split);
        let unit = if unit.is_empty() {
            words.next()?.to_ascii_lowercase()
        } else {
            unit.to_string()
        };
        // Only whole numbers: fractional units spill into smaller fields by rules not
        // worth guessing; such a literal is compared as written.
        let n: i64 = num.parse().ok()?;
        match unit.as_str() {
            "millennium" | "millennia" | "millenniums" | "mil" | "mils" => months += n * 12000,
            "century" | "centuries" | "c" => months += n * 1200,
            "decade" | "decades" | "dec" | "decs" => months += n * 120,
            "year" | "years" | "y" | "yr" | "yrs" => months += n * 12,
            "month" | "months" | "mon" | "mons" => months += n,
            "week" | "weeks" | "w" => days += n * 7,
            "day" | "days" | "d" => days += n,
            "hour" | "hours" | "h" | "hr" | "hrs" => micros += n as i128 * 3_600_000_000,
            "minute" | "minutes" | "m" | "min" | "mins" => micros += n as i128 * 60_000_000,
            "second" | "seconds" | "s" | "sec" | "secs" => micros += n as i128 * 1_000_000,
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => micros += n as i128 * 1000,
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => micros += n as i128,
            _ => return None,
        }
    }
    if ago {
        months = -months;
        days = -days;
        micros = -micros;
    }
    // After a negative field PostgreSQL writes a positive one with its `+`.
    let mut out = Vec::new();
    let mut negative_before = false;
    let mut field = |n: i64, one: &str, many: &str, out: &mut Vec<String>| {
        if n != 0 {
            let plus = if negative_before && n > 0 { "+" } else { "" };
            let unit = if n == 1 { one } else { many };
            out.push(format!("{plus}{n} {unit}"));
            negative_before |= n < 0;
        }
    };
    field(months / 12, "year", "years", &mut out);
    field(months % 12, "mon", "mons", &mut out);
    field(days, "day", "days", &mut out);
    if micros != 0 || out.is_empty() {
        let sign = if micros < 0 {
            "-"
        } else if negative_before && micros > 0 {
            "+"
        } else {
            ""
        };
        let m = micros.abs();
        let (secs, frac) = (m / 1_000_000, m % 1_000_000);
        let mut t = format!(
            "{sign}{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if frac != 0 {
            t.push_str(format!(".{frac:06}").trim_end_matches('0'));
        }
        out.push(t);
    }
    Some(out.join(" "))
}

/// `HH:MM[:SS[.f]]` in microseconds.
fn clock(w: &str) -> Option<i128> {
    let (neg, w) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w.strip_prefix('+').unwrap_or(w)),
    };
    let parts: Vec<&str> = w.split(':').collect();
    let int = |s: &str| s.parse::<i128>().ok();
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (int(h)?, int(m)?, "0"),
        [h, m, s] => (int(h)?, int(m)?, *s),
        _ => return None,
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_us = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse::<i128>().ok()?
    };
    let total = ((h * 60 + m) * 60 + int(whole)?) * 1_000_000 + frac_us;
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_print_as_postgresql_stores_them() {
        for (written, stored) in [
            ("2 days", "2 days"),
            ("1 day", "1 day"),
            ("48 hours", "48:00:00"),
            ("90 minutes", "01:30:00"),
            ("1 day 2 hours", "1 day 02:00:00"),
            ("14 months", "1 year 2 mons"),
            ("2 weeks", "14 days"),
            ("0 seconds", "00:00:00"),
            ("1 day ago", "-1 days"),
            ("1 year 3 days 04:05:06.5", "1 year 3 days 04:05:06.5"),
            ("30 ms", "00:00:00.03"),
            ("-1 days 2 hours", "-1 days +02:00:00"),
            ("-14 months 3 days", "-1 years -2 mons +3 days"),
        ] {
            assert_eq!(interval(written).as_deref(), Some(stored), "{written}");
        }
        assert_eq!(interval("1.5 days"), None);
        assert_eq!(interval("P1D"), None);
    }

    #[test]
    fn dates_and_timestamps_are_padded() {
        assert_eq!(date("2024-1-2").as_deref(), Some("2024-01-02"));
        assert_eq!(
            timestamp("2024-01-02").as_deref(),
            Some("2024-01-02 00:00:00")
        );
        assert_eq!(
            timestamp("2024-01-02T03:04").as_deref(),
            Some("2024-01-02 03:04:00")
        );
        assert_eq!(
            timestamp("2024-01-02 03:04:05.120").as_deref(),
            Some("2024-01-02 03:04:05.12")
        );
        assert_eq!(timestamp("now"), None);
    }

    #[test]
    fn timestamptz_values_are_moved_to_utc() {
        for (written, stored) in [
            ("2022-04-01 01:00:00+01", "2022-04-01 00:00:00+00"),
            ("2022-04-01 00:30:00+01:00", "2022-03-31 23:30:00+00"),
            ("2022-01-01 00:00:00+00", "2022-01-01 00:00:00+00"),
            ("2024-02-28 23:00:00-0130", "2024-02-29 00:30:00+00"),
            ("2024-12-31 23:59:59.5-01", "2025-01-01 00:59:59.5+00"),
            ("2022-1-2", "2022-01-02 00:00:00+00"),
            ("2022-01-02T03:04Z", "2022-01-02 03:04:00+00"),
        ] {
            assert_eq!(
                timestamptz_utc(written).as_deref(),
                Some(stored),
                "{written}"
            );
        }
        assert_eq!(timestamptz_utc("now"), None);
    }
}
