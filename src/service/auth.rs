//! Bearer tokens: each configured token has a name (shown in the audit trail, never its
//! value). A presented token is compared with every configured one in constant time, over
//! SHA-256 digests so that neither the content nor the length of a token leaks through
//! timing.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A configured token.
#[derive(Clone)]
pub struct Token {
    pub name: String,
    pub secret: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}, ****)", self.name)
    }
}

pub struct Tokens {
    digests: Vec<(String, [u8; 32])>,
}

impl Tokens {
    pub fn new(tokens: &[Token]) -> Tokens {
        Tokens {
            digests: tokens
                .iter()
                .map(|t| (t.name.clone(), Sha256::digest(t.secret.as_bytes()).into()))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// The name of the token `presented` matches. Every configured token is compared, so
    /// the time taken does not say which one matched.
    pub fn check(&self, presented: &str) -> Option<&str> {
        let d: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for (name, digest) in &self.digests {
            if bool::from(digest.ct_eq(&d)) && found.is_none() {
                found = Some(name.as_str());
            }
        }
        found
    }
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_exact_token_and_names_it() {
        let t = Tokens::new(&[
            Token {
                name: "ci".into(),
                secret: "abc".into(),
            },
            Token {
                name: "ops".into(),
                secret: "xyz".into(),
            },
        ]);
        assert_eq!(t.check("abc"), Some("ci"));
        assert_eq!(t.check("xyz"), Some("ops"));
        assert_eq!(t.check("ab"), None);
        assert_eq!(t.check("abcd"), None);
        assert_eq!(t.check(""), None);
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert!(!format!(
            "{:?}",
            Token {
                name: "n".into(),
                secret: "s3cret".into()
            }
        )
        .contains("s3cret"));
    }
}
