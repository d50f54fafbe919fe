//! Stored programs (MySQL/MariaDB triggers, routines and events; SQLite triggers) on live
//! servers, beyond the laws: the configured definer, the server's own `sql_mode`, and a
//! program changed or dropped by hand planned back.

use crate::support::{self, plan_against, plan_with};
use sqlshift::dialect::RenderOptions;

const MYSQL: &str = "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
DELIMITER //
CREATE PROCEDURE p(IN a INT) SELECT a || 'x' //
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.v = CONCAT(NEW.v, '!') //
DELIMITER ;";

#[test]
fn mysql_programs_take_the_configured_definer_and_the_servers_sql_mode() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    rt.block_on(async {
        let mut conn = db.connect().await;
        let want = support::desired(MYSQL, conn.dialect());
        let opts = RenderOptions {
            definer: Some("'root'@'localhost'".into()),
            ..RenderOptions::default()
        };
        let plan = plan_with(&mut conn, &want, &opts).await;
        assert!(
            plan.sql().contains("CREATE DEFINER = `root`@`localhost` PROCEDURE"),
            "{}",
            plan.sql()
        );
        conn.execute(&plan, &Default::default()).await.expect("apply");
        let definers = conn
            .scalar_i64(
                "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND DEFINER = 'root@localhost'",
            )
            .await
            .expect("definer");
        assert_eq!(definers, 1);
        // sqlx's session would add PIPES_AS_CONCAT and IGNORE_SPACE: `||` would be CONCAT.
        let same_mode = conn
            .scalar_i64(
                "SELECT (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND SQL_MODE = @@GLOBAL.sql_mode) \
                 + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND SQL_MODE = @@GLOBAL.sql_mode)",
            )
            .await
            .expect("sql_mode");
        assert_eq!(same_mode, 2);
        // The definer is not compared.
        assert!(plan_against(&mut conn, &want).await.is_empty());
    });
}

#[test]
fn mysql_trigger_changed_by_hand_is_planned_back() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    rt.block_on(async {
        let mut conn = db.connect().await;
        let want = support::desired(MYSQL, conn.dialect());
        support::apply(&mut conn, &want).await;
        conn.run_script(
            "DROP TRIGGER t_bi;\nCREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.v = 'changed';",
        )
        .await
        .expect("by hand");
        let plan = plan_against(&mut conn, &want).await;
        let kinds: Vec<&str> = plan.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["replace_program"], "{}", plan.sql());
        assert!(plan.steps[0]
            .hazards
            .iter()
            .any(|h| h.message.contains("does not exist")));
        conn.execute(&plan, &Default::default()).await.expect("apply");
        assert!(plan_against(&mut conn, &want).await.is_empty());
        conn.run_script("DROP PROCEDURE p").await.expect("drop");
        let plan = plan_against(&mut conn, &want).await;
        assert_eq!(
            plan.steps.iter().map(|s| s.kind).collect::<Vec<_>>(),
            ["create_program"]
        );
    });
}

#[test]
fn sqlite_trigger_dropped_by_hand_is_created_again() {
    let db = support::sqlite_db();
    let rt = support::rt();
    rt.block_on(async {
        let mut conn = db.connect().await;
        let want = support::desired(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, n INTEGER);\nCREATE TRIGGER a_ai AFTER INSERT ON a BEGIN UPDATE a SET n = 1 WHERE id = new.id; END;",
            conn.dialect(),
        );
        support::apply(&mut conn, &want).await;
        conn.run_script("DROP TRIGGER a_ai;").await.expect("drop");
        let plan = plan_against(&mut conn, &want).await;
        assert_eq!(
            plan.sql(),
            "CREATE TRIGGER a_ai AFTER INSERT ON a BEGIN UPDATE a SET n = 1 WHERE id = new.id; END;\n"
        );
    });
}
