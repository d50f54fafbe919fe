-- sqlshift migration
--   name:      init
--   version:   20261121083547
--   dialect:   sqlite
--   direction: up (reverted by 20261121083547_init.down.sql)
--   steps:     6
--   hazards: none
--   type mappings that lose meaning:
--     sqlite: JSON/JSONB are stored as TEXT (use SQLite's json functions)
--     sqlite: date/time types are stored as TEXT
--     sqlite: enum types are stored as TEXT with a CHECK constraint
--     sqlite: NUMERIC(p,s) keeps no precision or scale
--     sqlite: comments are not stored
--     sqlite: BOOLEAN is stored as INTEGER 0/1

-- 1. table roles (create table)
CREATE TABLE roles (
  id INTEGER PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  description TEXT,
  UNIQUE (name)
);

-- 2. table users (create table)
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  display_name TEXT NOT NULL,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (email)
);

-- 3. table audit_log (create table)
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  actor_id BIGINT,
  "action" VARCHAR(64) NOT NULL,
  payload JSONB NOT NULL DEFAULT '{}',
  occurred_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX audit_log_lower_action_idx ON audit_log ((lower("action")));
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);

-- 4. table memberships (create table)
CREATE TABLE memberships (
  user_id BIGINT NOT NULL,
  role_id INTEGER NOT NULL,
  granted_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, role_id),
  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE RESTRICT
);
CREATE INDEX memberships_role_id_idx ON memberships (role_id);

-- 5. table orders (create table)
CREATE TABLE orders (
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
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status = 'pending';
CREATE INDEX orders_user_id_placed_at_idx ON orders (user_id, placed_at DESC);

-- 6. view user_order_totals (create view)
CREATE VIEW user_order_totals AS SELECT u.id AS user_id, u.email, count(o.id) AS order_count, coalesce(sum(o.total_amount), 0) AS total_spent FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.status = 'paid' WHERE u.is_active GROUP BY u.id, u.email;
