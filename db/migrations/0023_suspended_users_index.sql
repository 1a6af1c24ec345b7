-- The suspended users, for the "hidden creator" checks of every list (db/queries/safety.py
-- hidden_user): PostgreSQL hashes them once per statement, and without this index it found them by
-- reading the whole users table (a feed page at 1,000 users: 0.06 of its 1.4 ms; at 50,000 users,
-- fifty times that). Few users are ever suspended, so the index stays tiny.
CREATE INDEX users_suspended_idx ON users (id) WHERE suspended_at IS NOT NULL;
