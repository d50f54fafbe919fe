//! PostgreSQL partitioned tables: what cannot change in place (the partition key, plain ↔
//! partitioned) is refused with the table and the reason, and nothing runs; a partition's
//! rows stay where they are.

use crate::support::{self, pg_db};
use sqlshift::diff::Change;

const EVENTS: &str = "CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text)";

fn refusals(plan: &sqlshift::plan::Plan) -> Vec<String> {
    plan.steps
        .iter()
        .flat_map(|s| &s.changes)
        .filter_map(|c| match c {
            Change::Refuse { table, reason } => Some(format!("{table}: {reason}")),
            _ => None,
        })
        .collect()
}

#[test]
fn a_partition_key_change_is_refused_by_name_and_nothing_runs() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = pg_db().await else { return };
        let d = db.dialect();
        let mut conn = db.connect().await;
        let from = support::desired(
            &format!(
                "{EVENTS} PARTITION BY RANGE (at);
                 CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                 CREATE TABLE plain (id integer, at date);"
            ),
            d,
        );
        support::apply(&mut conn, &from).await;
        conn.run_script("INSERT INTO events VALUES (1, '2025-02-03', 'a')")
            .await
            .expect("seed");
        let to = support::desired(
            &format!(
                "{EVENTS} PARTITION BY LIST (kind);
                 CREATE TABLE events_2025 PARTITION OF events FOR VALUES IN ('a');
                 CREATE TABLE plain (id integer, at date) PARTITION BY RANGE (at);"
            ),
            d,
        );
        let plan = support::plan_against(&mut conn, &to).await;
        let refused = refusals(&plan);
        assert_eq!(refused.len(), 2, "{refused:?}\n{}", plan.sql());
        assert!(
            refused[0].starts_with("public.events: its partition key changes from RANGE (at) to LIST (kind)"),
            "{refused:?}"
        );
        assert!(
            refused[1].starts_with("public.plain: it is a plain table in the database and partitioned (PARTITION BY RANGE (at)) in the schema"),
            "{refused:?}"
        );
        // Nothing of the plan runs, not even its other steps.
        let err = conn
            .execute(&plan, &Default::default())
            .await
            .expect_err("a refused plan does not run");
        let msg = err.to_string();
        assert!(msg.contains("refusing to run this plan"), "{msg}");
        assert!(msg.contains("table public.events: its partition key changes"), "{msg}");
        assert!(support::plan_against(&mut conn, &from).await.is_empty());
        assert_eq!(conn.count_rows("events").await.expect("count"), 1);

        // Partitioned → plain is refused the same way.
        let flat = support::desired(
            &format!("{EVENTS}; CREATE TABLE events_2025 ({}); CREATE TABLE plain (id integer, at date);",
                "id bigint NOT NULL, at date NOT NULL, kind text"),
            d,
        );
        let refused = refusals(&support::plan_against(&mut conn, &flat).await);
        assert!(
            refused.iter().any(|r| r.starts_with("public.events: it is partitioned (PARTITION BY RANGE (at)) in the database and a plain table in the schema")),
            "{refused:?}"
        );
    });
}
