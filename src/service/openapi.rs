//! The OpenAPI 3.0 document of the API, kept by hand in `openapi.json` next to this file.
//! A unit test holds it to the router (every route documented, nothing documented that is
//! not served), and schemathesis checks the running server against it (see the README).

/// The document `GET /v1/openapi.json` returns.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// Every `(method, path)` the router serves, for the test below and for the README.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("get", "/v1/status"),
    ("get", "/v1/history"),
    ("get", "/v1/drift"),
    ("get", "/v1/plan"),
    ("post", "/v1/migrate"),
    ("post", "/v1/rollback"),
    ("get", "/v1/openapi.json"),
    ("get", "/metrics"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_document_describes_exactly_the_routes_served() {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("openapi.json is JSON");
        assert_eq!(doc["openapi"], "3.0.3");
        let paths = doc["paths"].as_object().expect("paths");
        let mut documented: Vec<(String, String)> = paths
            .iter()
            .flat_map(|(p, ops)| {
                ops.as_object()
                    .into_iter()
                    .flat_map(|o| o.keys())
                    .map(move |m| (m.clone(), p.clone()))
            })
            .collect();
        documented.sort();
        let mut served: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        served.sort();
        assert_eq!(documented, served);
        for (m, p) in ROUTES {
            let op = &doc["paths"][p][m];
            let responses = op["responses"].as_object().expect("responses");
            if *p == "/v1/health" {
                assert_eq!(
                    op["security"],
                    serde_json::json!([]),
                    "health needs no token"
                );
            } else {
                assert!(responses.contains_key("401"), "{m} {p} documents 401");
            }
            if *m == "post" {
                for code in ["400", "403", "409", "413"] {
                    assert!(responses.contains_key(code), "{m} {p} documents {code}");
                }
            }
            // Every $ref resolves.
            let text = op.to_string();
            for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
                let name = r.split('"').next().unwrap_or_default();
                assert!(
                    doc["components"]["schemas"].get(name).is_some(),
                    "{m} {p}: unknown schema {name}"
                );
            }
        }
    }
}
