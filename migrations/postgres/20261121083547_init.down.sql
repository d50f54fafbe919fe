-- sqlshift migration
--   name:      init
--   version:   20261121083547
--   dialect:   postgres
--   direction: down (reverts 20261121083547_init.up.sql)
--   steps:     7
--   hazards:
--     step 2: data-loss: drops table public.audit_log and all its rows
--     step 3: data-loss: drops table public.memberships and all its rows
--     step 4: data-loss: drops table public.orders and all its rows
--     step 5: data-loss: drops table public.roles and all its rows
--     step 6: data-loss: drops table public.users and all its rows
--   type mappings that lose meaning: none

-- 1. view public.user_order_totals (drop view)
DROP VIEW public.user_order_totals;

-- 2. table public.audit_log (drop table)
-- WARNING: data-loss: drops table public.audit_log and all its rows
DROP TABLE public.audit_log;

-- 3. table public.memberships (drop table)
-- WARNING: data-loss: drops table public.memberships and all its rows
DROP TABLE public.memberships;

-- 4. table public.orders (drop table)
-- WARNING: data-loss: drops table public.orders and all its rows
DROP TABLE public.orders;

-- 5. table public.roles (drop table)
-- WARNING: data-loss: drops table public.roles and all its rows
DROP TABLE public.roles;

-- 6. table public.users (drop table)
-- WARNING: data-loss: drops table public.users and all its rows
DROP TABLE public.users;

-- 7. type public.order_status (drop enum)
DROP TYPE public.order_status;
