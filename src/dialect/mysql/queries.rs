//! Catalog queries for MySQL and MariaDB, all over `information_schema` for the connected
//! database: a fixed handful, whatever the number of tables.
//!
//! Every `information_schema` table a query reads is filtered by the connected schema
//! (`… = DATABASE()` on each side of a join): MariaDB pushes that down and opens only the
//! target's tables; without it a join side scans every database on the server and waits
//! behind any metadata lock anywhere.

/// Server flavour and the database's defaults.
pub const DATABASE: &str = "SELECT VERSION() AS version, DEFAULT_CHARACTER_SET_NAME AS charset, \
DEFAULT_COLLATION_NAME AS collation, @@default_storage_engine AS engine, CAST(@@GLOBAL.sql_mode AS CHAR) AS sql_mode \
FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()";

/// The default collation of every character set.
pub const DEFAULT_COLLATIONS: &str =
    "SELECT CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation \
FROM information_schema.COLLATIONS WHERE IS_DEFAULT = 'Yes'";

pub const TABLES: &str = "SELECT t.TABLE_NAME AS name, t.ENGINE AS engine, t.TABLE_COLLATION AS collation, \
t.TABLE_COMMENT AS comment, t.CREATE_OPTIONS AS create_options, (SELECT c.CHARACTER_SET_NAME FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY c \
WHERE c.COLLATION_NAME = t.TABLE_COLLATION LIMIT 1) AS charset \
FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY t.TABLE_NAME";

pub const COLUMNS: &str = "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, COLUMN_DEFAULT AS default_expr, \
IS_NULLABLE AS nullable, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, CHARACTER_SET_NAME AS charset, \
COLLATION_NAME AS collation, EXTRA AS extra, COLUMN_COMMENT AS comment, GENERATION_EXPRESSION AS generation \
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION";

pub const INDEXES: &str = "SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, CAST(NON_UNIQUE AS SIGNED) AS non_unique, \
COLUMN_NAME AS column_name, CAST(SUB_PART AS SIGNED) AS sub_part, INDEX_TYPE AS index_type, COLLATION AS collation, \
INDEX_COMMENT AS index_comment FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

/// MySQL 8 also reports functional key parts.
pub const INDEXES_MYSQL: &str = "SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, CAST(NON_UNIQUE AS SIGNED) AS non_unique, \
COLUMN_NAME AS column_name, CAST(SUB_PART AS SIGNED) AS sub_part, INDEX_TYPE AS index_type, COLLATION AS collation, INDEX_COMMENT AS index_comment, EXPRESSION AS expression \
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

/// Each side filtered in its own derived table: MariaDB does not push `DATABASE()` through
/// the join and would open every table on the server for REFERENTIAL_CONSTRAINTS.
pub const FOREIGN_KEYS: &str = "SELECT k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS column_name, \
k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column, r.UPDATE_RULE AS on_update, r.DELETE_RULE AS on_delete \
FROM (SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME, ORDINAL_POSITION \
FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL) k \
JOIN (SELECT CONSTRAINT_NAME, TABLE_NAME, UPDATE_RULE, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS \
WHERE CONSTRAINT_SCHEMA = DATABASE()) r ON r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/// MariaDB names the table in CHECK_CONSTRAINTS, and whether a check is part of a column
/// (`LEVEL = 'Column'`, named after it) or of the table.
pub const CHECKS_MARIADB: &str = "SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause, LEVEL AS level \
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME";

/// MySQL 8 does not: join TABLE_CONSTRAINTS for it.
pub const CHECKS_MYSQL: &str = "SELECT tc.TABLE_NAME AS table_name, cc.CONSTRAINT_NAME AS name, cc.CHECK_CLAUSE AS clause, 'Table' AS level \
FROM information_schema.CHECK_CONSTRAINTS cc JOIN information_schema.TABLE_CONSTRAINTS tc \
ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK' \
WHERE cc.CONSTRAINT_SCHEMA = DATABASE() AND tc.CONSTRAINT_SCHEMA = DATABASE() ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME";

/// MySQL 8 has no ALGORITHM column in VIEWS (see `VIEWS_MYSQL`).
pub const VIEWS: &str =
    "SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition, CHECK_OPTION AS check_option, \
SECURITY_TYPE AS security, ALGORITHM AS algorithm FROM information_schema.VIEWS \
WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";

/// MySQL 8 keeps a view's ALGORITHM out of information_schema: it is read as the default.
pub const VIEWS_MYSQL: &str =
    "SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition, CHECK_OPTION AS check_option, \
SECURITY_TYPE AS security, 'UNDEFINED' AS algorithm FROM information_schema.VIEWS \
WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";

/// Procedures and functions (MariaDB's packages come along and are left alone). The body
/// is NULL for a user who may not see it.
pub const ROUTINES: &str = "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind, DTD_IDENTIFIER AS return_type, \
CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation, ROUTINE_DEFINITION AS body, IS_DETERMINISTIC AS is_deterministic, \
SQL_DATA_ACCESS AS data_access, SECURITY_TYPE AS security_type, ROUTINE_COMMENT AS comment, SQL_MODE AS sql_mode \
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_TYPE, ROUTINE_NAME";

/// Every routine's parameters in order (position 0 is a function's result, read from
/// ROUTINES).
pub const PARAMETERS: &str = "SELECT SPECIFIC_NAME AS name, ROUTINE_TYPE AS kind, PARAMETER_MODE AS param_mode, \
PARAMETER_NAME AS param, DTD_IDENTIFIER AS data_type, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation \
FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
ORDER BY ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION";

/// Triggers in the order they fire within their table, timing and event.
pub const TRIGGERS: &str = "SELECT TRIGGER_NAME AS name, EVENT_MANIPULATION AS event, EVENT_OBJECT_TABLE AS table_name, \
ACTION_STATEMENT AS body, ACTION_TIMING AS timing, SQL_MODE AS sql_mode FROM information_schema.TRIGGERS \
WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_SCHEMA = DATABASE() \
ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER";

/// Events, their times as the event's time zone shows them.
pub const EVENTS: &str = "SELECT EVENT_NAME AS name, EVENT_DEFINITION AS body, EVENT_TYPE AS event_type, \
CAST(EXECUTE_AT AS CHAR) AS execute_at, CAST(INTERVAL_VALUE AS CHAR) AS interval_value, INTERVAL_FIELD AS interval_field, \
CAST(STARTS AS CHAR) AS starts, CAST(ENDS AS CHAR) AS ends, STATUS AS status, ON_COMPLETION AS on_completion, \
EVENT_COMMENT AS comment, SQL_MODE AS sql_mode FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME";

/// Everything sqlshift leaves alone, so it can say so.
pub const UNMANAGED: &str =
    "SELECT 'sequence' AS kind, TABLE_NAME AS name FROM information_schema.TABLES \
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE' ORDER BY 1, 2";

/// How many catalog queries one introspection runs (a constant, whatever the schema size).
pub const QUERY_COUNT: usize = 13;

/// What a catalog query reads, for messages.
pub fn what(sql: &str) -> &'static str {
    const NAMES: &[(&str, &str)] = &[
        (DATABASE, "the database's defaults"),
        (DEFAULT_COLLATIONS, "the default collations"),
        (TABLES, "the tables"),
        (COLUMNS, "the columns"),
        (INDEXES, "the indexes"),
        (INDEXES_MYSQL, "the indexes"),
        (FOREIGN_KEYS, "the foreign keys"),
        (CHECKS_MARIADB, "the check constraints"),
        (CHECKS_MYSQL, "the check constraints"),
        (VIEWS, "the views"),
        (VIEWS_MYSQL, "the views"),
        (ROUTINES, "the procedures and functions"),
        (PARAMETERS, "the routines' parameters"),
        (TRIGGERS, "the triggers"),
        (EVENTS, "the events"),
        (UNMANAGED, "the sequences"),
    ];
    NAMES
        .iter()
        .find(|(q, _)| *q == sql)
        .map_or("the catalog", |(_, n)| n)
}

/// The server's version (MariaDB says so in it), for `health` and `info`.
pub const SERVER_VERSION: &str =
    "SELECT CAST(CONCAT(IF(VERSION() LIKE '%MariaDB%', '', 'MySQL '), VERSION()) AS CHAR)";
