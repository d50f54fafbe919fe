-- Types shared by the tables. On SQLite an enum becomes TEXT with a CHECK constraint.
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');
