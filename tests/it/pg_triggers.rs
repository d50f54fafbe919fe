//! PostgreSQL triggers, rules and what depends on functions (issue 13), beyond the laws
//! over `fixtures/`: drift sees a trigger or rule changed by hand, a function's drop names
//! what depends on it, and one that an unmanaged object depends on is said to fail.

use crate::support::{self, bin};
use serde_json::Value;

const SCHEMA: &str = "
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, updated_at timestamptz);
CREATE TABLE log (msg text);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
CREATE RULE log_keep AS ON DELETE TO log DO INSTEAD NOTHING;
";

fn run_sql(url: &str, sql: &str) {
    support::rt().block_on(async {
        let mut c = sqlshift::dialect::connect(url).await.unwrap();
        c.run_script(sql)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    });
}

fn drift(dir: &std::path::Path, url: &str) -> (i32, Value) {
    let (code, out, err) = bin(dir, &["drift", "--format", "json", "--url", url]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}\n{err}"));
    (code, v)
}

#[test]
fn drift_sees_triggers_and_rules_changed_by_hand() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("schema")).unwrap();
    std::fs::write(dir.path().join("schema/s.sql"), SCHEMA).unwrap();
    let url = db.url.as_str();
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", url]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(drift(dir.path(), url).0, 0);
    for (by_hand, what, object) in [
        (
            "DROP TRIGGER items_touch ON items",
            "missing",
            "trigger items_touch on public.items",
        ),
        (
            "ALTER TABLE items DISABLE TRIGGER items_touch",
            "different",
            "trigger items_touch on public.items",
        ),
        (
            "CREATE TRIGGER extra AFTER INSERT ON items EXECUTE FUNCTION touch()",
            "extra",
            "trigger extra on public.items",
        ),
        (
            "CREATE OR REPLACE RULE log_keep AS ON DELETE TO log DO ALSO NOTIFY gone",
            "different",
            "rule log_keep on public.log",
        ),
        (
            "DROP RULE log_keep ON log",
            "missing",
            "rule log_keep on public.log",
        ),
    ] {
        run_sql(url, by_hand);
        let (code, v) = drift(dir.path(), url);
        assert_eq!(code, 1, "{by_hand}: {v:#}");
        let found = v["drift"].as_array().unwrap().iter().any(|o| {
            o["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["what"] == what && c["object"] == object)
        });
        assert!(found, "{by_hand}: no {what} {object} in {v:#}");
        let (code, out, err) = bin(
            dir.path(),
            &["apply", "--yes", "--allow-destructive", "--url", url],
        );
        assert_eq!(code, 0, "repairing {by_hand}: {out}{err}");
        assert_eq!(drift(dir.path(), url).0, 0, "after repairing {by_hand}");
    }
}

#[test]
fn a_dropped_functions_dependents_are_named() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    run_sql(
        url,
        "CREATE FUNCTION positive(n integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT n > 0 $$;
         CREATE TABLE t (a integer CHECK (positive(a)));
         CREATE POLICY p ON t USING (positive(a));",
    );
    // A new signature: the check goes and comes back; the policy is not managed.
    let file = dir.path().join("s.sql");
    std::fs::write(
        &file,
        "CREATE FUNCTION positive(n integer, strict boolean DEFAULT true) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT n > 0 OR NOT strict $$;
         CREATE TABLE t (a integer CHECK (positive(a)));",
    )
    .unwrap();
    let schema = file.display().to_string();
    let (code, out, err) = bin(
        dir.path(),
        &[
            "plan", "--url", url, "--schema", &schema, "--format", "json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let drop = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "drop_routine")
        .unwrap_or_else(|| panic!("no drop: {v:#}"));
    let text = drop["hazards"].to_string();
    assert!(
        text.contains("policy public.t.p") && text.contains("fails"),
        "{text}"
    );
    // Without the policy the same plan runs, taking the check along.
    run_sql(url, "DROP POLICY p ON t");
    let (code, out, err) = bin(
        dir.path(),
        &["apply", "--yes", "--url", url, "--schema", &schema],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("constraint t_a_check on public.t depend(s) on it"),
        "{out}"
    );
    let (code, out, _) = bin(dir.path(), &["plan", "--url", url, "--schema", &schema]);
    assert_eq!((code, out.trim()), (0, "No changes."));
}
