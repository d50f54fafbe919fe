//! Catalog queries for SQLite: the schema table holds every object's `CREATE` statement.

/// Every user object with its SQL, tables first so that indexes and views parse after them.
/// Triggers come in the order they were created (a rebuild re-creates them in that order,
/// which is the order SQLite fires triggers of one event by).
pub const OBJECTS: &str = r"SELECT type, name, tbl_name, sql FROM sqlite_master
WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END,
  CASE type WHEN 'trigger' THEN rowid END, name";

pub const FOREIGN_KEY_CHECK: &str = "PRAGMA foreign_key_check";

/// Every column's declared type exactly as the CREATE TABLE wrote it (the parser's spelling
/// upper-cases known names). Virtual tables are left out: reading one whose module is not
/// loaded fails.
pub const DECLARED_TYPES: &str = r"SELECT m.name AS tbl, c.name AS col, c.type AS type
FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND upper(m.sql) NOT LIKE 'CREATE VIRTUAL%'";

/// The library's version, for `health` and `info`.
pub const SERVER_VERSION: &str = "SELECT 'SQLite ' || sqlite_version()";
