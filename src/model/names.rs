//! Qualified names and the rules for names a database generates on its own.

use serde::{Serialize, Serializer};
use std::fmt;

/// A schema-qualified object name. `schema` is empty on dialects without namespaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QName {
    pub schema: String,
    pub name: String,
}

impl QName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// The same relation, where an unqualified name stands for the default schema's
    /// (whatever a dialect calls it): how a schema file's names meet the catalog's.
    pub fn same_relation(&self, other: &QName) -> bool {
        self.name == other.name
            && (self.schema == other.schema || self.schema.is_empty() || other.schema.is_empty())
    }
}

/// Written as `schema.name` so it can key a JSON object.
impl Serialize for QName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// The name PostgreSQL gives an unnamed constraint or index: `table_cols_label`,
/// shortened the way `makeObjectName` does so it fits in `max_len` bytes.
pub fn generated_name(table: &str, columns: &[&str], label: &str, max_len: usize) -> String {
    let middle = columns.join("_");
    // Counted in bytes, as the server counts a name's length; each part is then cut back
    // to a whole character (PostgreSQL's makeObjectName and pg_mbcliplen).
    let (mut t, mut m) = (table.len(), middle.len());
    let overhead = label.len() + 1 + usize::from(m > 0);
    let avail = max_len.saturating_sub(overhead);
    while t + m > avail {
        if t > m {
            t -= 1;
        } else {
            m -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let (t, m) = (clip(table, t), clip(&middle, m));
    if middle.is_empty() {
        format!("{t}_{label}")
    } else {
        format!("{t}_{m}_{label}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(
            generated_name("users", &["email"], "key", 63),
            "users_email_key"
        );
        assert_eq!(generated_name("users", &[], "pkey", 63), "users_pkey");
    }

    #[test]
    fn multibyte_names_are_cut_in_bytes_at_a_character_boundary() {
        // What PostgreSQL 15 named these (pg_constraint.conname).
        assert_eq!(
            generated_name(
                "ünïcödé_tablé_with_a_very_long_name_that_goes_on_and_on",
                &["ïd"],
                "key",
                63
            ),
            "ünïcödé_tablé_with_a_very_long_name_that_goes_on_a_ïd_key"
        );
        assert_eq!(
            generated_name(
                "ünïcödé_tablé_with_a_very_long_name_that_goes_on_and_on",
                &["wert_mit_langem_namen_der_weitergeht_und_weiter"],
                "check",
                63
            ),
            "ünïcödé_tablé_with_a_ve_wert_mit_langem_namen_der_we_check"
        );
    }

    #[test]
    fn long_names_are_shortened_like_postgres() {
        let t = "a".repeat(40);
        let c = "b".repeat(40);
        let n = generated_name(&t, &[&c], "fkey", 63);
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_fkey"));
    }
}
