-- The sample database the embedded default config serves (builtin: sql, database: ':memory:', seed: this file).
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  country TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  ordered_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'shipped', 'delivered', 'cancelled'))
);
CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);
CREATE VIEW order_totals AS
  SELECT o.id AS order_id, c.name AS customer, SUM(p.price_cents * i.quantity) AS total_cents
  FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id
  GROUP BY o.id;

INSERT INTO customers VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'GB', '2026-01-04'),
  (2, 'Grace Hopper', 'grace@example.com', 'US', '2026-01-11'),
  (3, 'Edsger Dijkstra', 'edsger@example.com', 'NL', '2026-02-02'),
  (4, 'Barbara Liskov', 'barbara@example.com', 'US', '2026-02-20'),
  (5, 'Tim Berners-Lee', 'tim@example.com', 'GB', '2026-03-15');
INSERT INTO products VALUES
  (1, 'Mechanical keyboard', 'hardware', 12900),
  (2, 'USB-C hub', 'hardware', 4500),
  (3, 'Standing desk', 'furniture', 39900),
  (4, 'Desk lamp', 'furniture', 3900),
  (5, 'Noise-cancelling headphones', 'audio', 24900),
  (6, 'Code editor licence', 'software', 9900);
INSERT INTO orders VALUES
  (1, 1, '2026-03-01', 'delivered'),
  (2, 2, '2026-03-03', 'delivered'),
  (3, 2, '2026-04-10', 'shipped'),
  (4, 3, '2026-04-12', 'pending'),
  (5, 4, '2026-04-18', 'cancelled'),
  (6, 5, '2026-05-02', 'delivered');
INSERT INTO order_items VALUES
  (1, 1, 1), (1, 2, 2),
  (2, 3, 1), (2, 4, 1),
  (3, 5, 1),
  (4, 6, 3),
  (5, 2, 1),
  (6, 1, 1), (6, 5, 1), (6, 4, 2);
