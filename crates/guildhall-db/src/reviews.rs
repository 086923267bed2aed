//! Reviews in the store: a reviews group's products, the reviews of each
//! (threads with a product and a rating; one live review per member and
//! product, which the unique index `threads_one_review` holds too), and the
//! distribution of their ratings, counted from the reviews when read.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::threads::{THREAD_SELECT, Thread, viewer_id};
use crate::{Federated, NewThread, Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, ProductId, ThreadId, UserId};
use guildhall_core::reviews::{Distribution, Rating};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow, Row as _};

/// A product and how its reviews rate it.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: ProductId,
    pub group_id: GroupId,
    pub name: String,
    pub description: String,
    pub description_html: String,
    pub image_url: Option<String>,
    pub link_url: Option<String>,
    /// A remote group's product: its id on its server.
    pub ap_id: Option<String>,
    pub created_at: i64,
    pub ratings: Distribution,
}

/// A product's fields, to add or to change.
#[derive(Debug, Clone, Copy)]
pub struct ProductFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub description_html: &'a str,
    pub image_url: Option<&'a str>,
    pub link_url: Option<&'a str>,
}

/// The order of a product's reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOrder {
    /// Most "helpful" votes first.
    Helpful,
    Newest,
    Highest,
    Lowest,
}

impl ReviewOrder {
    fn sql(self) -> &'static str {
        match self {
            ReviewOrder::Helpful => "t.score DESC, t.id DESC",
            ReviewOrder::Newest => "t.created_at DESC, t.id DESC",
            ReviewOrder::Highest => "t.rating DESC, t.score DESC, t.id DESC",
            ReviewOrder::Lowest => "t.rating ASC, t.score DESC, t.id DESC",
        }
    }
}

/// A product's columns with its rating counts, from `products p` and its
/// live reviews `t`.
const PRODUCT_SELECT: &str = "SELECT p.id, p.group_id, p.name, p.description, p.description_html, p.image_url, \
     p.link_url, p.ap_id, p.created_at, \
     CAST(COALESCE(SUM(CASE WHEN t.rating = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS r1, \
     CAST(COALESCE(SUM(CASE WHEN t.rating = 2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS r2, \
     CAST(COALESCE(SUM(CASE WHEN t.rating = 3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS r3, \
     CAST(COALESCE(SUM(CASE WHEN t.rating = 4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS r4, \
     CAST(COALESCE(SUM(CASE WHEN t.rating = 5 THEN 1 ELSE 0 END), 0) AS BIGINT) AS r5 \
     FROM products p LEFT JOIN threads t ON t.product_id = p.id AND t.deleted_at IS NULL";
const PRODUCT_GROUP_BY: &str = "GROUP BY p.id, p.group_id, p.name, p.description, p.description_html, \
     p.image_url, p.link_url, p.ap_id, p.created_at";

impl<'r> FromRow<'r, sqlx::any::AnyRow> for Product {
    fn from_row(row: &'r sqlx::any::AnyRow) -> sqlx::Result<Product> {
        Ok(Product {
            id: row.try_get("id")?,
            group_id: row.try_get("group_id")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            description_html: row.try_get("description_html")?,
            image_url: row.try_get("image_url")?,
            link_url: row.try_get("link_url")?,
            ap_id: row.try_get("ap_id")?,
            created_at: row.try_get("created_at")?,
            ratings: Distribution {
                counts: [
                    row.try_get("r1")?,
                    row.try_get("r2")?,
                    row.try_get("r3")?,
                    row.try_get("r4")?,
                    row.try_get("r5")?,
                ],
            },
        })
    }
}

impl Store {
    /// Adds a product to a group.
    pub async fn create_product(
        &self,
        group: GroupId,
        fields: ProductFields<'_>,
        by: UserId,
    ) -> Result<Product> {
        let id: ProductId = sqlx::query_scalar(
            "INSERT INTO products (group_id, name, description, description_html, image_url, link_url, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(group)
        .bind(fields.name)
        .bind(fields.description)
        .bind(fields.description_html)
        .bind(fields.image_url)
        .bind(fields.link_url)
        .bind(by)
        .bind(now_ms())
        .fetch_one(&self.writer)
        .await?;
        self.product(id)
            .await?
            .ok_or(StoreError::NotFound("product"))
    }

    /// Changes a product's fields.
    pub async fn update_product(&self, id: ProductId, fields: ProductFields<'_>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE products SET name = $1, description = $2, description_html = $3, image_url = $4, \
             link_url = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(fields.name)
        .bind(fields.description)
        .bind(fields.description_html)
        .bind(fields.image_url)
        .bind(fields.link_url)
        .bind(now_ms())
        .bind(id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("product"));
        }
        Ok(())
    }

    /// A remote group's product, stored under its id there.
    pub async fn product_by_ap_id(&self, ap_id: &str) -> Result<Option<ProductId>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM products WHERE ap_id = $1")
                .bind(ap_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores or refreshes the copy of a remote group's product.
    pub async fn upsert_remote_product(
        &self,
        group: GroupId,
        ap_id: &str,
        fields: ProductFields<'_>,
    ) -> Result<ProductId> {
        Ok(sqlx::query_scalar(
            "INSERT INTO products (group_id, name, description, description_html, image_url, link_url, ap_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT creator_id FROM groups WHERE id = $1), $8) \
             ON CONFLICT (ap_id) DO UPDATE SET name = excluded.name, description_html = excluded.description_html, \
             image_url = excluded.image_url, link_url = excluded.link_url, updated_at = excluded.created_at \
             RETURNING id",
        )
        .bind(group)
        .bind(fields.name)
        .bind(fields.description)
        .bind(fields.description_html)
        .bind(fields.image_url)
        .bind(fields.link_url)
        .bind(ap_id)
        .bind(now_ms())
        .fetch_one(&self.writer)
        .await?)
    }

    pub async fn product(&self, id: ProductId) -> Result<Option<Product>> {
        let sql = format!("{PRODUCT_SELECT} WHERE p.id = $1 {PRODUCT_GROUP_BY}");
        Ok(sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A group's products, by name.
    pub async fn products(&self, group: GroupId) -> Result<Vec<Product>> {
        let sql = format!(
            "{PRODUCT_SELECT} WHERE p.group_id = $1 {PRODUCT_GROUP_BY} ORDER BY p.name, p.id LIMIT 500"
        );
        Ok(sqlx::query_as(AssertSqlSafe(sql))
            .bind(group)
            .fetch_all(&self.pool)
            .await?)
    }

    /// A member's review of a product (one of ours or a copy); with
    /// `remote`, a copy of a review made elsewhere.
    pub async fn create_review(
        &self,
        new: NewThread<'_>,
        product: ProductId,
        rating: Rating,
        via: Via<'_>,
        remote: Option<Federated<'_>>,
    ) -> Result<Thread> {
        self.create_post_thread(new, Some((product, rating)), via, remote)
            .await
    }

    /// A product's live reviews in `order` (at most `limit`).
    pub async fn reviews(
        &self,
        product: ProductId,
        order: ReviewOrder,
        limit: i64,
        viewer: Option<UserId>,
    ) -> Result<Vec<Thread>> {
        let sql = format!(
            "{THREAD_SELECT} WHERE t.product_id = $2 AND t.deleted_at IS NULL ORDER BY {} LIMIT $3",
            order.sql()
        );
        let reviews = sqlx::query_as::<_, Thread>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(product)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.ranked(reviews))
    }

    /// The member's live review of a product, if any.
    pub async fn review_by(&self, product: ProductId, author: UserId) -> Result<Option<ThreadId>> {
        let mut conn = self.pool.acquire().await?;
        review_of(&mut conn, product, author).await
    }

    /// Changes a review's stars, and tells the fediverse as an edit does.
    pub async fn set_rating(&self, id: ThreadId, rating: Rating, via: Via<'_>) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let found: Option<(GroupId, UserId)> = sqlx::query_as(
            "UPDATE threads SET rating = $1, edited_at = $2 \
             WHERE id = $3 AND deleted_at IS NULL AND product_id IS NOT NULL RETURNING group_id, author_id",
        )
        .bind(i64::from(rating.stars()))
        .bind(now_ms())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (group, author) = found.ok_or(StoreError::NotFound("review"))?;
        let object = EventObject::Thread(id);
        record_via(&mut tx, via, EventKind::Update, object, group, author, None).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Refuses a second live review of `product` by `author` (inside the
/// transaction that writes the first, after its lock).
pub(crate) async fn check_first(
    conn: &mut AnyConnection,
    product: ProductId,
    author: UserId,
) -> Result<()> {
    match review_of(conn, product, author).await? {
        Some(id) => Err(RuleError::Conflict(format!(
            "you have already reviewed this product (review {id}); edit that review instead"
        ))
        .into()),
        None => Ok(()),
    }
}

/// `author`'s live review of `product`, if any.
async fn review_of(
    conn: &mut AnyConnection,
    product: ProductId,
    author: UserId,
) -> Result<Option<ThreadId>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM threads WHERE product_id = $1 AND author_id = $2 AND deleted_at IS NULL",
    )
    .bind(product)
    .bind(author)
    .fetch_optional(&mut *conn)
    .await?)
}
