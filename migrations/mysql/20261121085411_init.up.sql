-- sqlshift:no-transaction
-- sqlshift migration
--   name:      init
--   version:   20261121085411
--   dialect:   mysql
--   direction: up (reverted by 20261121085411_init.down.sql)
--   steps:     6
--   hazards: none
--   type mappings that lose meaning:
--     mysql: partial index orders_open_idx covers every row (MySQL has no partial indexes)
-- Runs outside a transaction, because step 1 (table roles), step 2 (table users), step 3 (table audit_log), step 4 (table memberships), step 5 (table orders), step 6 (view user_order_totals) cannot run inside one: if a statement fails, the statements before it stay applied.

-- 1. table roles (create table)
CREATE TABLE `roles` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `description` text NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `roles_name_key` (`name`)
);

-- 2. table users (create table)
CREATE TABLE `users` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `email` varchar(255) NOT NULL COMMENT 'Unique sign-in address, stored as typed.',
  `display_name` text NOT NULL,
  `is_active` tinyint(1) NOT NULL DEFAULT 1,
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_key` (`email`)
) COMMENT='Everyone who can sign in.';

-- 3. table audit_log (create table)
CREATE TABLE `audit_log` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `actor_id` bigint NULL,
  `action` varchar(64) NOT NULL,
  `payload` json NOT NULL DEFAULT '{}',
  `occurred_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  KEY `audit_log_actor_id_fkey` (`actor_id`),
  KEY `audit_log_occurred_at_idx` (`occurred_at`),
  CONSTRAINT `audit_log_actor_id_fkey` FOREIGN KEY (`actor_id`) REFERENCES `users` (`id`) ON DELETE SET NULL
);

-- 4. table memberships (create table)
CREATE TABLE `memberships` (
  `user_id` bigint NOT NULL,
  `role_id` int NOT NULL,
  `granted_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`user_id`, `role_id`),
  KEY `memberships_role_id_idx` (`role_id`),
  CONSTRAINT `memberships_role_id_fkey` FOREIGN KEY (`role_id`) REFERENCES `roles` (`id`),
  CONSTRAINT `memberships_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
);

-- 5. table orders (create table)
CREATE TABLE `orders` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `user_id` bigint NOT NULL,
  `status` enum('pending','paid','shipped','cancelled') NOT NULL DEFAULT 'pending',
  `total_amount` decimal(12,2) NOT NULL DEFAULT 0,
  `currency` char(3) NOT NULL DEFAULT 'EUR',
  `placed_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `paid_at` timestamp NULL,
  PRIMARY KEY (`id`),
  KEY `orders_open_idx` (`placed_at`),
  KEY `orders_user_id_placed_at_idx` (`user_id`, `placed_at` DESC),
  CONSTRAINT `orders_total_amount_check` CHECK (total_amount >= 0),
  CONSTRAINT `orders_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`)
);

-- 6. view user_order_totals (create view)
CREATE VIEW `user_order_totals` AS SELECT u.id AS user_id, u.email, count(o.id) AS order_count, coalesce(sum(o.total_amount), 0) AS total_spent FROM users AS u LEFT JOIN orders AS o ON o.user_id = u.id AND o.status = 'paid' WHERE u.is_active GROUP BY u.id, u.email;
