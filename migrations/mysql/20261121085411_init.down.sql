-- sqlshift:no-transaction
-- sqlshift migration
--   name:      init
--   version:   20261121085411
--   dialect:   mysql
--   direction: down (reverts 20261121085411_init.up.sql)
--   steps:     6
--   hazards:
--     step 2: data-loss: drops table audit_log and all its rows
--     step 3: data-loss: drops table memberships and all its rows
--     step 4: data-loss: drops table orders and all its rows
--     step 5: data-loss: drops table roles and all its rows
--     step 6: data-loss: drops table users and all its rows
--   type mappings that lose meaning:
--     mysql: partial index orders_open_idx covers every row (MySQL has no partial indexes)
-- Runs outside a transaction, because step 1 (view user_order_totals), step 2 (table audit_log), step 3 (table memberships), step 4 (table orders), step 5 (table roles), step 6 (table users) cannot run inside one: if a statement fails, the statements before it stay applied.

-- 1. view user_order_totals (drop view)
DROP VIEW `user_order_totals`;

-- 2. table audit_log (drop table)
-- WARNING: data-loss: drops table audit_log and all its rows
DROP TABLE `audit_log`;

-- 3. table memberships (drop table)
-- WARNING: data-loss: drops table memberships and all its rows
DROP TABLE `memberships`;

-- 4. table orders (drop table)
-- WARNING: data-loss: drops table orders and all its rows
DROP TABLE `orders`;

-- 5. table roles (drop table)
-- WARNING: data-loss: drops table roles and all its rows
DROP TABLE `roles`;

-- 6. table users (drop table)
-- WARNING: data-loss: drops table users and all its rows
DROP TABLE `users`;
