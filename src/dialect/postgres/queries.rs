//! Catalog queries for PostgreSQL: one per object kind, whatever the number of tables.

/// Namespaces sqlshift never reads.
macro_rules! user_ns {
    ($alias:literal) => {
        concat!(
            $alias,
            ".nspname NOT IN ('pg_catalog', 'information_schema') AND ",
            $alias,
            r".nspname NOT LIKE 'pg\_%'"
        )
    };
}

/// Objects created by an extension belong to the extension, not to the schema.
macro_rules! not_extension_member {
    ($oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_depend dx WHERE dx.objid = ",
            $oid,
            " AND dx.deptype = 'e')"
        )
    };
}

/// A relation's `reloptions` and its TOAST table's, the latter named `toast.x` as
/// `CREATE TABLE … WITH (…)` spells them, as `options`.
macro_rules! relation_options {
    ($alias:literal) => {
        concat!(
            "coalesce(",
            $alias,
            ".reloptions, '{}')::text[] || coalesce((SELECT array_agg('toast.' || o ORDER BY k.ord) ",
            "FROM pg_class tc, unnest(tc.reloptions) WITH ORDINALITY k(o, ord) WHERE tc.oid = ",
            $alias,
            ".reltoastrelid), '{}')::text[] AS options"
        )
    };
}

/// `pg_description` of an object (`$oid`) of a catalog (`$class`), joined as `$alias`.
macro_rules! description {
    ($alias:literal, $class:literal, $oid:literal) => {
        concat!(
            " LEFT JOIN pg_description ",
            $alias,
            " ON ",
            $alias,
            ".classoid = '",
            $class,
            "'::regclass AND ",
            $alias,
            ".objoid = ",
            $oid,
            " AND ",
            $alias,
            ".objsubid = 0 "
        )
    };
}

pub const SCHEMAS: &str = concat!(
    "SELECT n.nspname::text AS name, d.description AS comment FROM pg_namespace n",
    description!("d", "pg_namespace", "n.oid"),
    "WHERE ",
    user_ns!("n"),
    " AND n.nspname <> 'public' AND ",
    not_extension_member!("n.oid"),
    " ORDER BY 1"
);

pub const EXTENSIONS: &str =
    "SELECT extname::text AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1";

pub const ENUMS: &str = concat!(
    "SELECT n.nspname::text AS schema, t.typname::text AS name, ",
    // An enum may have no labels yet (`AS ENUM ()`): no pg_enum row, still a type.
    "coalesce(array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FILTER (WHERE e.enumlabel IS NOT NULL), '{}') AS labels, ",
    "d.description AS comment ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_enum e ON e.enumtypid = t.oid",
    description!("d", "pg_type", "t.oid"),
    "WHERE t.typtype = 'e' AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " GROUP BY 1, 2, d.description ORDER BY 1, 2"
);

/// Domains, with their base type as the columns query reads a column's type, the
/// collation where it differs from the base type's (as pg_dump shows it), and their checks
/// by name.
pub const DOMAINS: &str = concat!(
    "SELECT n.nspname::text AS schema, t.typname::text AS name, ",
    "format_type(t.typbasetype, t.typtypmod) AS data_type, ",
    "bt.typtype::text AS typtype, btn.nspname::text AS type_schema, bt.typname::text AS type_name, ",
    "et.typtype::text AS elem_typtype, etn.nspname::text AS elem_schema, et.typname::text AS elem_name, ",
    "t.typnotnull AS not_null, t.typdefault AS default_expr, ",
    "CASE WHEN t.typcollation <> bt.typcollation THEN co.collname::text END AS collation, ",
    "CASE WHEN t.typcollation <> bt.typcollation THEN con_ns.nspname::text END AS collation_schema, ",
    "ARRAY(SELECT c.conname::text FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_names, ",
    "ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_defs, ",
    "d.description AS comment ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "JOIN pg_type bt ON bt.oid = t.typbasetype JOIN pg_namespace btn ON btn.oid = bt.typnamespace ",
    "LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A' ",
    "LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace ",
    "LEFT JOIN pg_collation co ON co.oid = t.typcollation LEFT JOIN pg_namespace con_ns ON con_ns.oid = co.collnamespace",
    description!("d", "pg_type", "t.oid"),
    "WHERE t.typtype = 'd' AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " ORDER BY 1, 2"
);

/// Composite types, one row per attribute (one row with no attribute for `AS ()`), each
/// attribute's type read as the columns query reads a column's.
pub const COMPOSITES: &str = concat!(
    "SELECT n.nspname::text AS schema, t.typname::text AS name, a.attname::text AS attribute, ",
    "format_type(a.atttypid, a.atttypmod) AS data_type, ",
    "at.typtype::text AS typtype, atn.nspname::text AS type_schema, at.typname::text AS type_name, ",
    "et.typtype::text AS elem_typtype, etn.nspname::text AS elem_schema, et.typname::text AS elem_name, ",
    "CASE WHEN a.attcollation <> at.typcollation THEN co.collname::text END AS collation, ",
    "CASE WHEN a.attcollation <> at.typcollation THEN con.nspname::text END AS collation_schema, ",
    "d.description AS comment ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "JOIN pg_class r ON r.oid = t.typrelid AND r.relkind = 'c' ",
    "LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped ",
    "LEFT JOIN pg_type at ON at.oid = a.atttypid LEFT JOIN pg_namespace atn ON atn.oid = at.typnamespace ",
    "LEFT JOIN pg_type et ON et.oid = at.typelem AND at.typcategory = 'A' ",
    "LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace ",
    "LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace con ON con.oid = co.collnamespace",
    description!("d", "pg_type", "t.oid"),
    "WHERE t.typtype = 'c' AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " AND ",
    not_extension_member!("r.oid"),
    " ORDER BY 1, 2, a.attnum"
);

/// Range types: the subtype read as a column's type, and what pg_dump shows of the rest
/// (the operator class when not the default, the collation when not the subtype's).
pub const RANGES: &str = concat!(
    "SELECT n.nspname::text AS schema, t.typname::text AS name, ",
    "format_type(rg.rngsubtype, NULL) AS data_type, ",
    "st.typtype::text AS typtype, stn.nspname::text AS type_schema, st.typname::text AS type_name, ",
    "et.typtype::text AS elem_typtype, etn.nspname::text AS elem_schema, et.typname::text AS elem_name, ",
    "CASE WHEN NOT opc.opcdefault THEN opc.opcname::text END AS opclass, ",
    "CASE WHEN NOT opc.opcdefault THEN opcn.nspname::text END AS opclass_schema, ",
    "CASE WHEN rg.rngcollation <> st.typcollation THEN co.collname::text END AS collation, ",
    "CASE WHEN rg.rngcollation <> st.typcollation THEN con.nspname::text END AS collation_schema, ",
    "cp.proname::text AS canonical, cpn.nspname::text AS canonical_schema, ",
    "dp.proname::text AS subtype_diff, dpn.nspname::text AS subtype_diff_schema, ",
    "mt.typname::text AS multirange, mtn.nspname::text AS multirange_schema, d.description AS comment ",
    "FROM pg_range rg JOIN pg_type t ON t.oid = rg.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "JOIN pg_type st ON st.oid = rg.rngsubtype JOIN pg_namespace stn ON stn.oid = st.typnamespace ",
    "LEFT JOIN pg_type et ON et.oid = st.typelem AND st.typcategory = 'A' ",
    "LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace ",
    "JOIN pg_opclass opc ON opc.oid = rg.rngsubopc JOIN pg_namespace opcn ON opcn.oid = opc.opcnamespace ",
    "LEFT JOIN pg_collation co ON co.oid = rg.rngcollation LEFT JOIN pg_namespace con ON con.oid = co.collnamespace ",
    "LEFT JOIN pg_proc cp ON cp.oid = rg.rngcanonical LEFT JOIN pg_namespace cpn ON cpn.oid = cp.pronamespace ",
    "LEFT JOIN pg_proc dp ON dp.oid = rg.rngsubdiff LEFT JOIN pg_namespace dpn ON dpn.oid = dp.pronamespace ",
    "LEFT JOIN pg_type mt ON mt.oid = rg.rngmultitypid LEFT JOIN pg_namespace mtn ON mtn.oid = mt.typnamespace",
    description!("d", "pg_type", "t.oid"),
    "WHERE ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " ORDER BY 1, 2"
);

/// Sequences that are objects of their own (not owned by a serial or identity column).
pub const SEQUENCES: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS name, format_type(s.seqtypid, NULL) AS data_type, ",
    "s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, d.description AS comment ",
    "FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace",
    description!("d", "pg_class", "c.oid"),
    "WHERE ",
    user_ns!("n"),
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('i', 'e'))",
    // Owned by a column whose default draws from it: the column is a serial. A sequence
    // merely `OWNED BY` some other column is an object of its own.
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_attrdef ad ON ad.adrelid = d.refobjid AND ad.adnum = d.refobjsubid ",
    "JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid AND dd.refobjid = c.oid ",
    "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a')",
    " ORDER BY 1, 2"
);

/// Tables, partitioned tables and partitions, with a partitioned table's key, a
/// partition's bound and the tables it inherits from (its partitioned table, or its
/// `INHERITS` list in order), their storage parameters (`name=value`, a TOAST table's own
/// after `toast.`), whether they have a TOAST table, and a tablespace other than the default.
pub const TABLES: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS name, obj_description(c.oid, 'pg_class') AS comment, ",
    "c.relkind::text AS relkind, c.relpersistence::text AS persistence, ",
    "CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key, ",
    "CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound, ",
    "ARRAY(SELECT pn.nspname::text FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent ",
    "JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parent_schemas, ",
    "ARRAY(SELECT pc.relname::text FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent ",
    "WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parent_names, ",
    relation_options!("c"),
    ", c.reltoastrelid = 0 AS no_toast, ",
    "(SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = c.reltablespace) AS tablespace ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE c.relkind IN ('r', 'p') AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " ORDER BY 1, 2"
);

pub const COLUMNS: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS table_name, a.attname::text AS name, ",
    "format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null, ",
    "pg_get_expr(ad.adbin, ad.adrelid) AS default_expr, a.attidentity::text AS identity, ",
    "a.attgenerated::text AS generated, d.description AS comment, NOT a.attislocal AS inherited, ",
    "t.typtype::text AS typtype, tn.nspname::text AS type_schema, t.typname::text AS type_name, ",
    "et.typtype::text AS elem_typtype, etn.nspname::text AS elem_schema, et.typname::text AS elem_name, ",
    // The column's collation where it is not its type's.
    "co.collname::text AS collation, cn.nspname::text AS collation_schema, ",
    // The sequence a serial or identity column draws from: its name, and its schema where
    // that is not the table's (a scalar subquery run only for columns with a default or
    // identity, cheaper than a join over every column).
    "CASE WHEN ad.adbin IS NOT NULL OR a.attidentity <> '' THEN ",
    "(SELECT ARRAY[seq.relname::text, CASE WHEN seq.relnamespace <> c.relnamespace THEN ",
    "(SELECT sn.nspname::text FROM pg_namespace sn WHERE sn.oid = seq.relnamespace) END] ",
    "FROM pg_depend dep JOIN pg_class seq ON seq.oid = dep.objid AND seq.relkind = 'S' ",
    "WHERE dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum ",
    "AND dep.classid = 'pg_class'::regclass ",
    "AND (dep.deptype = 'i' OR (dep.deptype = 'a' AND EXISTS (SELECT 1 FROM pg_depend dd ",
    "WHERE dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid AND dd.refobjid = seq.oid))) LIMIT 1) END AS owned_sequence, ",
    // An identity's sequence options: start, increment, min, max, cache, cycle (0 or 1).
    "CASE WHEN a.attidentity <> '' THEN (SELECT ARRAY[s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle::int::bigint] ",
    "FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid WHERE dep.classid = 'pg_class'::regclass ",
    "AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum ",
    "AND dep.deptype = 'i' LIMIT 1) END AS identity_sequence ",
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum ",
    "LEFT JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = a.attnum ",
    "JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace ",
    "LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation ",
    "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' ",
    "LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace ",
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " ORDER BY 1, 2, a.attnum"
);

pub const CONSTRAINTS: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS table_name, con.conname::text AS name, con.contype::text AS kind, ",
    "ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) ",
    "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns, ",
    "fn.nspname::text AS ref_schema, fc.relname::text AS ref_table, ",
    "ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) ",
    "JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS ref_columns, ",
    "con.confupdtype::text AS on_update, con.confdeltype::text AS on_delete, con.condeferrable AS deferrable, ",
    "con.condeferred AS deferred, con.convalidated AS validated, CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) END AS definition, ",
    "con.confmatchtype::text AS match_type, ",
    // Read through jsonb so a server before 15 (no such column) reads false.
    "coalesce((SELECT (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean FROM pg_index i ",
    "WHERE i.indexrelid = con.conindid AND con.contype = 'u'), false) AS nulls_not_distinct, ",
    "cd.description AS comment, ",
    // Cloned onto a partition from its parent's, or inherited: not the table's own.
    "(con.conparentid <> 0 OR NOT con.conislocal) AS inherited ",
    "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace",
    description!("cd", "pg_constraint", "con.oid"),
    "WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relkind IN ('r', 'p') AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " ORDER BY 1, 2, 3"
);

/// Indexes of tables and materialized views that do not back a primary key, unique or
/// exclusion constraint.
pub const INDEXES: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS table_name, i.relname::text AS name, ",
    "pg_get_indexdef(ix.indexrelid) AS definition, c.relkind::text AS relkind, d.description AS comment, ",
    "CASE WHEN i.reltablespace <> 0 THEN (SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = i.reltablespace) END AS tablespace, ",
    "ix.indisvalid AS valid, ",
    // A partition's index attached to its parent's: that index's table and name.
    "CASE WHEN i.relispartition THEN (SELECT ARRAY[pn.nspname::text, pt.relname::text, pi.relname::text] FROM pg_inherits inh ",
    "JOIN pg_class pi ON pi.oid = inh.inhparent JOIN pg_index pix ON pix.indexrelid = pi.oid ",
    "JOIN pg_class pt ON pt.oid = pix.indrelid JOIN pg_namespace pn ON pn.oid = pt.relnamespace ",
    "WHERE inh.inhrelid = ix.indexrelid) END AS parent_index ",
    "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace",
    description!("d", "pg_class", "ix.indexrelid"),
    "WHERE c.relkind IN ('r', 'p', 'm') AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid ",
    "AND con.conrelid = ix.indrelid AND con.contype IN ('p', 'u', 'x')) ORDER BY 1, 2, 3"
);

/// Views with their options (`name=value`), comments, and their columns' comments as two
/// arrays in column order; `populated` is false for a materialized view not filled yet.
pub const VIEWS: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind, ",
    "pg_get_viewdef(c.oid, true) AS definition, ",
    relation_options!("c"),
    ", (SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = c.reltablespace) AS tablespace, ",
    "c.relispopulated AS populated, d.description AS comment, ",
    "ARRAY(SELECT a.attname::text FROM pg_attribute a JOIN pg_description ad ON ad.classoid = 'pg_class'::regclass ",
    "AND ad.objoid = a.attrelid AND ad.objsubid = a.attnum WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS commented_columns, ",
    "ARRAY(SELECT ad.description FROM pg_attribute a JOIN pg_description ad ON ad.classoid = 'pg_class'::regclass ",
    "AND ad.objoid = a.attrelid AND ad.objsubid = a.attnum WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum) AS column_comments ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
    description!("d", "pg_class", "c.oid"),
    "WHERE c.relkind IN ('v', 'm') AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " ORDER BY 1, 2"
);

/// Everything sqlshift leaves alone, so it can say so.
/// An aggregate's option, when set (`$cond`), as `CREATE AGGREGATE` spells it.
macro_rules! agg_option {
    ($cond:literal, $value:literal) => {
        concat!("CASE WHEN ", $cond, " THEN ", $value, " END")
    };
}

/// `FINALFUNC_MODIFY` / `MFINALFUNC_MODIFY` when not the default for the aggregate's kind.
macro_rules! agg_modify {
    ($key:literal, $col:literal) => {
        concat!(
            "CASE WHEN ",
            $col,
            " <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END THEN '",
            $key,
            " = ' || CASE ",
            $col,
            " WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END"
        )
    };
}

/// Functions, procedures and aggregates: each one's definition as a statement, read back
/// by the same reader as a file's (`pg_get_functiondef`; an aggregate's spelled here from
/// `pg_aggregate`). A range type's constructors come and go with it and are left out.
pub const ROUTINES: &str = concat!(
    "SELECT n.nspname::text AS schema, p.proname::text AS name, ",
    "pg_get_function_identity_arguments(p.oid) AS identity, ",
    "CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) ELSE ",
    "'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || ",
    "CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_identity_arguments(p.oid) END || ') (' || concat_ws(', ', ",
    "'SFUNC = ' || a.aggtransfn::regproc::text, 'STYPE = ' || format_type(a.aggtranstype, NULL), ",
    agg_option!("a.aggtransspace <> 0", "'SSPACE = ' || a.aggtransspace"), ", ",
    agg_option!("a.aggfinalfn <> 0", "'FINALFUNC = ' || a.aggfinalfn::regproc::text"), ", ",
    agg_option!("a.aggfinalextra", "'FINALFUNC_EXTRA'"), ", ",
    agg_modify!("FINALFUNC_MODIFY", "a.aggfinalmodify"), ", ",
    agg_option!("a.aggcombinefn <> 0", "'COMBINEFUNC = ' || a.aggcombinefn::regproc::text"), ", ",
    agg_option!("a.aggserialfn <> 0", "'SERIALFUNC = ' || a.aggserialfn::regproc::text"), ", ",
    agg_option!("a.aggdeserialfn <> 0", "'DESERIALFUNC = ' || a.aggdeserialfn::regproc::text"), ", ",
    agg_option!("a.agginitval IS NOT NULL", "'INITCOND = ' || quote_literal(a.agginitval)"), ", ",
    agg_option!("a.aggmtransfn <> 0", "'MSFUNC = ' || a.aggmtransfn::regproc::text"), ", ",
    agg_option!("a.aggminvtransfn <> 0", "'MINVFUNC = ' || a.aggminvtransfn::regproc::text"), ", ",
    agg_option!("a.aggmtranstype <> 0", "'MSTYPE = ' || format_type(a.aggmtranstype, NULL)"), ", ",
    agg_option!("a.aggmtransspace <> 0", "'MSSPACE = ' || a.aggmtransspace"), ", ",
    agg_option!("a.aggmfinalfn <> 0", "'MFINALFUNC = ' || a.aggmfinalfn::regproc::text"), ", ",
    agg_option!("a.aggmfinalextra", "'MFINALFUNC_EXTRA'"), ", ",
    "CASE WHEN a.aggmtransfn <> 0 THEN ", agg_modify!("MFINALFUNC_MODIFY", "a.aggmfinalmodify"), " END, ",
    agg_option!("a.aggminitval IS NOT NULL", "'MINITCOND = ' || quote_literal(a.aggminitval)"), ", ",
    agg_option!("a.aggsortop <> 0", "'SORTOP = ' || (SELECT o.oprname FROM pg_operator o WHERE o.oid = a.aggsortop)"), ", ",
    agg_option!("a.aggkind = 'h'", "'HYPOTHETICAL'"), ", ",
    "CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END",
    ") || ')' END AS definition, ",
    // What depends on it (`type US names … RS args …`): what a plan that drops it must
    // drop first and create again after.
    "ARRAY(SELECT a.type || chr(31) || array_to_string(a.object_names, chr(31)) || chr(30) || ",
    "array_to_string(a.object_args, chr(31)) FROM pg_depend dd, ",
    "pg_identify_object_as_address(dd.classid, dd.objid, dd.objsubid) a ",
    "WHERE dd.refclassid = 'pg_proc'::regclass AND dd.refobjid = p.oid AND dd.deptype = 'n' ORDER BY 1) AS dependents ",
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace ",
    "LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("p.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')",
    " ORDER BY 1, 2, 3"
);

/// Triggers (not the internal ones behind foreign keys, nor a partition's clone of its
/// parent's) and rules (not a view's `_RETURN`), each with its definition as a statement,
/// its firing state (`O`, `D`, `R`, `A`) and its comment.
pub const TRIGGERS: &str = concat!(
    "SELECT 'trigger' AS kind, n.nspname::text AS schema, c.relname::text AS table_name, t.tgname::text AS name, ",
    "pg_get_triggerdef(t.oid) AS definition, t.tgenabled::text AS firing, d.description AS comment ",
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace",
    description!("d", "pg_trigger", "t.oid"),
    "WHERE NOT t.tgisinternal AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " AND ",
    not_extension_member!("c.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_trigger'::regclass AND dp.objid = t.oid AND dp.deptype = 'P')",
    " UNION ALL SELECT 'rule', n.nspname::text, c.relname::text, r.rulename::text, pg_get_ruledef(r.oid), ",
    "r.ev_enabled::text, d.description ",
    "FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace",
    description!("d", "pg_rewrite", "r.oid"),
    "WHERE r.rulename <> '_RETURN' AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " ORDER BY 1, 2, 3, 4"
);

pub const UNMANAGED: &str = concat!(
    // Event triggers fire on DDL in the whole database, sqlshift's own included.
    "SELECT 'event trigger' AS kind, e.evtname || ' (event triggers are not managed: they act on every DDL statement of the database, a plan''s own too)' AS name ",
    "FROM pg_event_trigger e WHERE ",
    not_extension_member!("e.oid"),
    // Base types (with their own input and output functions) other than arrays.
    " UNION ALL SELECT 'base type', ",
    "n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "WHERE t.typtype = 'b' AND t.typelem = 0 AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " UNION ALL SELECT 'foreign table', n.nspname || '.' || c.relname ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND ",
    user_ns!("n"),
    // The index of a key has a comment of its own, besides the key's; not managed.
    " UNION ALL SELECT 'comment on the index of a constraint', n.nspname || '.' || i.relname FROM pg_constraint con ",
    "JOIN pg_class i ON i.oid = con.conindid JOIN pg_namespace n ON n.oid = i.relnamespace ",
    "JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = i.oid AND d.objsubid = 0 WHERE ",
    user_ns!("n"),
    " ORDER BY 1, 2"
);

/// Tables with row-level security on or forced, and every policy (with its table's
/// flags): expressions as `pg_get_expr` prints them, roles by name (`public` for PUBLIC).
pub const POLICIES: &str = concat!(
    "SELECT n.nspname::text AS schema, c.relname::text AS table, c.relrowsecurity AS enabled, ",
    "c.relforcerowsecurity AS forced, p.polname::text AS name, p.polcmd::text AS command, ",
    "p.polpermissive AS permissive, ",
    "ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_get_userbyid(r.oid)::text END ",
    "FROM unnest(p.polroles) AS r(oid) ORDER BY 1) AS roles, ",
    "pg_get_expr(p.polqual, p.polrelid) AS using_expr, ",
    "pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr, d.description AS comment ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "LEFT JOIN pg_policy p ON p.polrelid = c.oid ",
    "LEFT JOIN pg_description d ON d.classoid = 'pg_policy'::regclass AND d.objoid = p.oid AND d.objsubid = 0 ",
    "WHERE (c.relrowsecurity OR c.relforcerowsecurity OR p.oid IS NOT NULL) AND ",
    user_ns!("n"),
    " ORDER BY 1, 2, 5"
);

/// Owner and privileges of every object sqlshift manages privileges of, a column's where
/// it has any, and the default privileges; plus one row naming the role reading them (the
/// one a plan's objects are created by). Privileges as `aclexplode` lists them, with the
/// built-in ones of an object that never had a GRANT (`acldefault`).
pub const ACCESS: &str = concat!(
    "SELECT x.kind, x.schema, x.name, x.args, x.col, pg_get_userbyid(x.owner)::text AS owner, ",
    "ARRAY(SELECT CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_get_userbyid(e.grantee)::text END ",
    "|| ' ' || e.privilege_type || CASE WHEN e.is_grantable THEN ' *' ELSE '' END ",
    "FROM aclexplode(coalesce(x.acl, acldefault(x.t, x.owner))) e ORDER BY 1) AS grants FROM (",
    "SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' WHEN c.relkind = 'm' THEN 'materialized view' ",
    "WHEN c.relkind = 'v' THEN 'view' ELSE 'table' END AS kind, n.nspname::text AS schema, ",
    "c.relname::text AS name, NULL::text AS args, NULL::text AS col, c.relowner AS owner, c.relacl AS acl, ",
    "CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\" AS t ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("c.oid"),
    " UNION ALL SELECT 'column', n.nspname, c.relname, NULL, a.attname::text, c.relowner, a.attacl, 'c' ",
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND ",
    user_ns!("n"),
    " UNION ALL SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname, ",
    "pg_get_function_identity_arguments(p.oid), NULL, p.proowner, p.proacl, 'f' ",
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("p.oid"),
    " UNION ALL SELECT 'type', n.nspname, t.typname, NULL, NULL, t.typowner, t.typacl, 'T' ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace ",
    "WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND ",
    "(SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')) AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("t.oid"),
    " UNION ALL SELECT 'schema', NULL, n.nspname, NULL, NULL, n.nspowner, n.nspacl, 'n' ",
    "FROM pg_namespace n WHERE n.nspname <> 'public' AND ",
    user_ns!("n"),
    " AND ",
    not_extension_member!("n.oid"),
    " UNION ALL SELECT 'default', dn.nspname, d.defaclobjtype::text, NULL, NULL, d.defaclrole, d.defaclacl, ",
    "'r' FROM pg_default_acl d LEFT JOIN pg_namespace dn ON dn.oid = d.defaclnamespace",
    ") x UNION ALL SELECT 'session', NULL, NULL, NULL, NULL, current_user::text, NULL ORDER BY 1, 2, 3, 4, 5"
);

/// How many catalog queries one introspection runs (a constant, whatever the schema size).
pub const QUERY_COUNT: usize = 17;

/// What a catalog query reads, for messages.
pub fn what(sql: &str) -> &'static str {
    [
        (SCHEMAS, "schemas"),
        (EXTENSIONS, "extensions"),
        (ENUMS, "enum types"),
        (DOMAINS, "domains"),
        (COMPOSITES, "composite types"),
        (RANGES, "range types"),
        (SEQUENCES, "sequences"),
        (TABLES, "tables"),
        (COLUMNS, "columns"),
        (CONSTRAINTS, "constraints"),
        (INDEXES, "indexes"),
        (VIEWS, "views"),
        (ROUTINES, "functions"),
        (POLICIES, "row-level security and policies"),
        (ACCESS, "privileges and owners"),
        (TRIGGERS, "triggers and rules"),
        (UNMANAGED, "unmanaged objects"),
    ]
    .iter()
    .find(|(q, _)| *q == sql)
    .map_or("schema", |(_, w)| *w)
}

/// The server's version, for `health` and `info`.
pub const SERVER_VERSION: &str = "SELECT 'PostgreSQL ' || current_setting('server_version')";
