-- sqlshift migration
--   name:      init
--   version:   20261121083547
--   dialect:   sqlite
--   direction: down (reverts 20261121083547_init.up.sql)
--   steps:     6
--   hazards:
--     step 2: data-loss: drops table audit_log and all its rows
--     step 3: data-loss: drops table memberships and all its rows
--     step 4: data-loss: drops table orders and all its rows
--     step 5: data-loss: drops table roles and all its rows
--     step 6: data-loss: drops table users and all its rows
--   type mappings that lose meaning:
--     sqlite: JSON/JSONB are stored as TEXT (use SQLite's json functions)
--     sqlite: date/time types are stored as TEXT
--     sqlite: enum types are stored as TEXT with a CHECK constraint
--     sqlite: NUMERIC(p,s) keeps no precision or scale
--     sqlite: comments are not stored
--     sqlite: BOOLEAN is stored as INTEGER 0/1

-- 1. view user_order_totals (drop view)
DROP VIEW user_order_totals;

-- 2. table audit_log (drop table)
-- WARNING: data-loss: drops table audit_log and all its rows
DROP TABLE audit_log;

-- 3. table memberships (drop table)
-- WARNING: data-loss: drops table memberships and all its rows
DROP TABLE memberships;

-- 4. table orders (drop table)
-- WARNING: data-loss: drops table orders and all its rows
DROP TABLE orders;

-- 5. table roles (drop table)
-- WARNING: data-loss: drops table roles and all its rows
DROP TABLE roles;

-- 6. table users (drop table)
-- WARNING: data-loss: drops table users and all its rows
DROP TABLE users;
