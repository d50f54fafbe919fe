-- sqlshift migration
--   name:      sqlite_declared_types
--   version:   20261202020056
--   dialect:   sqlite
--   direction: up (reverted by 20261202020056_sqlite_declared_types.down.sql)
--   steps:     6
--   hazards:
--     step 2: table-rewrite: re-creates audit_log and copies every row
--     step 3: table-rewrite: re-creates memberships and copies every row
--     step 4: table-rewrite: re-creates orders and copies every row
--     step 5: table-rewrite: re-creates users and copies every row
--   type mappings that lose meaning:
--     sqlite: JSON/JSONB are stored as TEXT (use SQLite's json functions)
--     sqlite: date/time types are stored as TEXT
--     sqlite: enum types are stored as TEXT with a CHECK constraint
--     sqlite: NUMERIC(p,s) keeps no precision or scale
--     sqlite: comments are not stored
--     sqlite: BOOLEAN is stored as INTEGER 0/1

-- 1. view user_order_totals (drop view)
DROP VIEW user_order_totals;

-- 2. table audit_log (rebuild table)
CREATE TABLE _sqlshift_new_audit_log (
  id INTEGER PRIMARY KEY,
  actor_id BIGINT,
  "action" VARCHAR(64) NOT NULL,
  payload JSONB NOT NULL DEFAULT '{}',
  occurred_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL
);
INSERT INTO _sqlshift_new_audit_log (id, actor_id, "action", payload, occurred_at) SELECT id, actor_id, "action", payload, occurred_at FROM audit_log;
DROP TABLE audit_log;
PRAGMA legacy_alter_table = ON;
ALTER TABLE _sqlshift_new_audit_log RENAME TO audit_log;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX audit_log_lower_action_idx ON audit_log ((lower("action")));
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);

-- 3. table memberships (rebuild table)
CREATE TABLE _sqlshift_new_memberships (
  user_id BIGINT NOT NULL,
  role_id INTEGER NOT NULL,
  granted_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, role_id),
  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE RESTRICT
);
INSERT INTO _sqlshift_new_memberships (user_id, role_id, granted_at) SELECT user_id, role_id, granted_at FROM memberships;
DROP TABLE memberships;
PRAGMA legacy_alter_table = ON;
ALTER TABLE _sqlshift_new_memberships RENAME TO memberships;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX memberships_role_id_idx ON memberships (role_id);

-- 4. table orders (rebuild table)
CREATE TABLE _sqlshift_new_orders (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  total_amount NUMERIC(12,2) NOT NULL DEFAULT 0,
  currency CHAR(3) NOT NULL DEFAULT 'EUR',
  placed_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  paid_at TIMESTAMPTZ,
  CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
  FOREIGN KEY (user_id) REFERENCES users (id)
);
INSERT INTO _sqlshift_new_orders (id, user_id, status, total_amount, currency, placed_at, paid_at) SELECT id, user_id, status, total_amount, currency, placed_at, paid_at FROM orders;
DROP TABLE orders;
PRAGMA legacy_alter_table = ON;
ALTER TABLE _sqlshift_new_orders RENAME TO orders;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status = 'pending';
CREATE INDEX orders_user_id_placed_at_idx ON orders (user_id, placed_at DESC);

-- 5. table users (rebuild table)
CREATE TABLE _sqlshift_new_users (
  id INTEGER PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  display_name TEXT NOT NULL,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (email)
);
INSERT INTO _sqlshift_new_users (id, email, display_name, is_active, created_at) SELECT id, email, display_name, is_active, created_at FROM users;
DROP TABLE users;
PRAGMA legacy_alter_table = ON;
ALTER TABLE _sqlshift_new_users RENAME TO users;
PRAGMA legacy_alter_table = OFF;

-- 6. view user_order_totals (create view)
CREATE VIEW user_order_totals AS SELECT u.id AS user_id, u.email, count(o.id) AS order_count, coalesce(sum(o.total_amount), 0) AS total_spent FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.status = 'paid' WHERE u.is_active GROUP BY u.id, u.email;
