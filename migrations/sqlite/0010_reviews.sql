-- Reviews: a `reviews` group has products, kept by its moderators, and a
-- thread there is a member's review of one of them, with one to five stars.
-- One live review per member and product.
CREATE TABLE products (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id         BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name             TEXT   NOT NULL,
    description      TEXT   NOT NULL DEFAULT '',
    description_html TEXT   NOT NULL DEFAULT '',
    image_url        TEXT,
    link_url         TEXT,
    ap_id            TEXT UNIQUE,           -- a remote group's product: its id there
    created_by       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT
);
CREATE INDEX products_group ON products(group_id, name);

ALTER TABLE threads ADD COLUMN product_id BIGINT REFERENCES products(id) ON DELETE SET NULL;
ALTER TABLE threads ADD COLUMN rating BIGINT CHECK (rating BETWEEN 1 AND 5);
CREATE UNIQUE INDEX threads_one_review ON threads(product_id, author_id)
    WHERE product_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX threads_product ON threads(product_id, score DESC, id DESC);
