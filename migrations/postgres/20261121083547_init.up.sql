-- sqlshift migration
--   name:      init
--   version:   20261121083547
--   dialect:   postgres
--   direction: up (reverted by 20261121083547_init.down.sql)
--   steps:     7
--   hazards: none
--   type mappings that lose meaning: none

-- 1. type public.order_status (create enum)
CREATE TYPE public.order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');

-- 2. table public.roles (create table)
CREATE TABLE public.roles (
  id serial,
  name varchar(64) NOT NULL,
  description text,
  PRIMARY KEY (id),
  UNIQUE (name)
);

-- 3. table public.users (create table)
CREATE TABLE public.users (
  id bigserial,
  email varchar(255) NOT NULL,
  display_name text NOT NULL,
  is_active boolean DEFAULT true NOT NULL,
  created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  PRIMARY KEY (id),
  UNIQUE (email)
);
COMMENT ON TABLE public.users IS 'Everyone who can sign in.';
COMMENT ON COLUMN public.users.email IS 'Unique sign-in address, stored as typed.';

-- 4. table public.audit_log (create table)
CREATE TABLE public.audit_log (
  id bigserial,
  actor_id bigint,
  action varchar(64) NOT NULL,
  payload jsonb DEFAULT '{}' NOT NULL,
  occurred_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  PRIMARY KEY (id),
  FOREIGN KEY (actor_id) REFERENCES public.users (id) ON DELETE SET NULL
);
CREATE INDEX audit_log_lower_action_idx ON public.audit_log ((lower(action)));
CREATE INDEX audit_log_occurred_at_idx ON public.audit_log (occurred_at);

-- 5. table public.memberships (create table)
CREATE TABLE public.memberships (
  user_id bigint NOT NULL,
  role_id integer NOT NULL,
  granted_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  PRIMARY KEY (user_id, role_id),
  FOREIGN KEY (role_id) REFERENCES public.roles (id) ON DELETE RESTRICT,
  FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);
CREATE INDEX memberships_role_id_idx ON public.memberships (role_id);

-- 6. table public.orders (create table)
CREATE TABLE public.orders (
  id bigserial,
  user_id bigint NOT NULL,
  status public.order_status DEFAULT 'pending' NOT NULL,
  total_amount numeric(12,2) DEFAULT 0 NOT NULL,
  currency char(3) DEFAULT 'EUR' NOT NULL,
  placed_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  paid_at timestamp with time zone,
  PRIMARY KEY (id),
  CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
  FOREIGN KEY (user_id) REFERENCES public.users (id)
);
CREATE INDEX orders_open_idx ON public.orders (placed_at) WHERE status = 'pending';
CREATE INDEX orders_user_id_placed_at_idx ON public.orders (user_id, placed_at DESC);

-- 7. view public.user_order_totals (create view)
CREATE VIEW public.user_order_totals AS SELECT u.id AS user_id, u.email, count(o.id) AS order_count, coalesce(sum(o.total_amount), 0) AS total_spent FROM users AS u LEFT JOIN orders AS o ON o.user_id = u.id AND o.status = 'paid' WHERE u.is_active GROUP BY u.id, u.email;
