//! PostgreSQL sequences that belong to columns (serial, identity) through a migration: the
//! database migrated to a schema, with rows in it, is the database the schema builds from
//! empty, by `pg_dump`'s view, and its next insert does not collide with a row.

use crate::native::{self, Native};
use crate::support::{bin, repo, TestDb};
use std::path::Path;

fn apply(dir: &Path, db: &TestDb, schema: &Path) {
    let schema = schema.display().to_string();
    let (code, out, err) = bin(
        dir,
        &[
            "apply",
            "--yes",
            "--allow-destructive",
            "--url",
            &db.url,
            "--schema",
            &schema,
        ],
    );
    assert_eq!(code, 0, "apply {schema}:\n{out}{err}");
}

/// Builds the case's `from.sql`, seeds it, migrates to `to.sql` and inserts
/// (`to-check.sql`); then compares with `to.sql` built from empty.
fn migrated_equals_built(case: &str) {
    let dir = repo().join("fixtures/cases").join(case);
    let work = tempfile::tempdir().expect("tempdir");
    let (Some(migrated), Some(built)) = (Native::Postgres.fresh(), Native::Postgres.fresh()) else {
        return;
    };
    apply(work.path(), &migrated, &dir.join("from.sql"));
    native::load(Native::Postgres, &migrated, &dir.join("seed.sql")).expect("seed");
    apply(work.path(), &migrated, &dir.join("to.sql"));
    native::load(Native::Postgres, &migrated, &dir.join("to-check.sql"))
        .expect("insert after the migration");
    apply(work.path(), &built, &dir.join("to.sql"));
    let a = native::view(Native::Postgres, &migrated).expect("pg_dump of the migrated database");
    let b = native::view(Native::Postgres, &built).expect("pg_dump of the built database");
    assert!(
        a == b,
        "{case}: the migrated database differs from the one built from to.sql:\n{}",
        native::diff(&a, &b, "migrated", "built")
    );
}

#[test]
fn a_renamed_table_takes_its_serial_and_identity_sequences_along() {
    migrated_equals_built("pg_rename_sequences");
}

#[test]
fn serial_and_identity_swapped_keep_their_rows_and_names() {
    migrated_equals_built("pg_serial_identity_rows");
}
