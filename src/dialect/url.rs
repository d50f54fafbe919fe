//! Database URLs as typed by people: the password is found and redacted *before* any URL
//! parsing (a password with an unencoded `#`, `/`, `?` or `@` breaks parsers, whose errors
//! would otherwise print it), and the user and password are percent-encoded for drivers.

/// The URL with its password replaced by `****`, whatever characters the password holds.
///
/// The userinfo is everything between `://` and the *last* `@`, so an `@`, `/`, `?`
/// or `#` inside the password stays inside it. An `@` later in the URL (in the query) makes
/// the redaction cover more than the password, never less.
pub fn redact_url(url: &str) -> String {
    match split_userinfo(url) {
        Some((scheme, user, Some(_), rest)) => format!("{scheme}://{user}:****@{rest}"),
        _ => url.to_string(),
    }
}

/// The URL with its user and password percent-encoded, so a driver's URL parser reads a
/// password such as `p#ss/w?rd` as the person meant it. Already-encoded text (`%23`) is
/// kept as it is.
pub fn encode_userinfo(url: &str) -> String {
    match split_userinfo(url) {
        Some((scheme, user, password, rest)) => {
            let mut out = format!("{scheme}://{}", encode(user));
            if let Some(p) = password {
                out.push(':');
                out.push_str(&encode(p));
            }
            out.push('@');
            out.push_str(rest);
            out
        }
        None => url.to_string(),
    }
}

/// `(scheme, user, password, host-and-rest)` of a URL with a userinfo part.
fn split_userinfo(url: &str) -> Option<(&str, &str, Option<&str>, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let at = rest.rfind('@')?;
    let (userinfo, host) = (&rest[..at], &rest[at + 1..]);
    Some(match userinfo.split_once(':') {
        Some((user, password)) => (scheme, user, Some(password), host),
        None => (scheme, userinfo, None, host),
    })
}

/// Percent-encodes everything but unreserved characters and existing `%XX` escapes.
fn encode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escaped = b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit();
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || escaped {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECIAL: &str = "p@ss:w/o?r#d%&=+;[] \"'`\\$!";

    #[test]
    fn passwords_with_url_special_characters_are_redacted() {
        for scheme in ["postgres", "mysql", "mariadb", "postgresql"] {
            let url = format!("{scheme}://app:{SPECIAL}@db.example:5432/main?sslmode=require");
            let shown = redact_url(&url);
            assert_eq!(
                shown,
                format!("{scheme}://app:****@db.example:5432/main?sslmode=require")
            );
            for part in ["p@ss", "w/o", "r#d", "%&=+"] {
                assert!(!shown.contains(part), "{shown}");
            }
        }
        assert_eq!(redact_url("sqlite://dev.db"), "sqlite://dev.db");
        assert_eq!(redact_url("postgres://app@h/db"), "postgres://app@h/db");
        assert_eq!(redact_url("not a url:pw@"), "not a url:pw@");
    }

    #[test]
    fn userinfo_is_percent_encoded_once() {
        let url = format!("postgres://app:{SPECIAL}@h:5432/db");
        let enc = encode_userinfo(&url);
        let parsed = url::Url::parse(&enc).ok();
        assert_eq!(parsed.as_ref().and_then(|u| u.host_str()), Some("h"));
        let pw = parsed
            .as_ref()
            .and_then(|u| u.password())
            .map(|p| {
                url::form_urlencoded::parse(format!("x={}", p.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        assert_eq!(pw, SPECIAL);
        assert_eq!(
            encode_userinfo("postgres://a:x%23y@h/db"),
            "postgres://a:x%23y@h/db"
        );
    }
}
