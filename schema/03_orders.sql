-- Orders with money amounts, and the audit trail of what happened to them.
CREATE TABLE orders (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    status       order_status NOT NULL DEFAULT 'pending',
    total_amount NUMERIC(12, 2) NOT NULL DEFAULT 0,
    currency     CHAR(3) NOT NULL DEFAULT 'EUR',
    placed_at    TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    paid_at      TIMESTAMPTZ,
    CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0)
);

CREATE INDEX orders_user_id_placed_at_idx ON orders (user_id, placed_at DESC);
-- Only unpaid orders are looked up by status; keep the index small.
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status = 'pending';

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    actor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action      VARCHAR(64) NOT NULL,
    payload     JSONB NOT NULL DEFAULT '{}',
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);
CREATE INDEX audit_log_lower_action_idx ON audit_log (lower(action));

-- What each active user has spent on paid orders.
CREATE VIEW user_order_totals AS
SELECT u.id AS user_id, u.email, count(o.id) AS order_count, coalesce(sum(o.total_amount), 0) AS total_spent
FROM users u
LEFT JOIN orders o ON o.user_id = u.id AND o.status = 'paid'
WHERE u.is_active
GROUP BY u.id, u.email;
