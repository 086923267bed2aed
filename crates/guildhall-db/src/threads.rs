use crate::Federated;
use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::moderation::check_not_banned;
use crate::removals::take_down;
use crate::reputation::{after_post, check_post, member};
use crate::reviews;
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::cursor::{Cursor, SortKey};
use guildhall_core::ids::{GroupId, Origin, ProductId, ReplyId, ThreadId, UserId};
use guildhall_core::kinds::GroupKind;
use guildhall_core::questions::QuestionState;
use guildhall_core::ranking::{Sort, hot_rank};
use guildhall_core::reputation::ledger::Object;
use guildhall_core::reviews::Rating;
use sqlx::{AssertSqlSafe, FromRow};

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Thread {
    pub id: ThreadId,
    pub group_id: GroupId,
    pub group_name: String,
    /// Whether the thread's group is ours or another instance's.
    #[sqlx(rename = "group_domain", try_from = "Option<String>")]
    pub group_origin: Origin,
    /// What the group is for, which decides what the thread is (a
    /// question in a `questions` group).
    #[sqlx(try_from = "String")]
    pub group_kind: GroupKind,
    /// Who may read it (its group's visibility).
    #[sqlx(try_from = "String")]
    pub group_visibility: guildhall_core::visibility::Visibility,
    pub author_id: UserId,
    pub author_name: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub reply_count: i64,
    pub hot_rank: f64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub last_activity_at: i64,
    pub deleted_at: Option<i64>,
    /// Set (with `deleted_at`) when a moderator removed it: restorable.
    pub removed_at: Option<i64>,
    /// A locked thread takes no new replies but its moderators'; the
    /// reason is for its author and the moderators.
    pub locked_at: Option<i64>,
    pub lock_reason: Option<String>,
    /// A pinned thread comes first in its group.
    pub pinned_at: Option<i64>,
    /// A question's accepted answer, who accepted it and when.
    pub accepted_reply_id: Option<ReplyId>,
    /// For a question: 1 when a live (not deleted) reply answers it.
    pub answered: i64,
    pub accepted_by: Option<UserId>,
    pub accepted_by_name: Option<String>,
    pub accepted_at: Option<i64>,
    /// An idea's stage (`None`: the first) and, for a merged duplicate,
    /// the idea it repeats.
    pub idea_status: Option<String>,
    pub duplicate_of: Option<ThreadId>,
    /// A review's product and stars.
    pub product_id: Option<ProductId>,
    pub rating: Option<i64>,
    /// The viewer's vote (1, -1), if a viewer was given and voted.
    pub my_vote: Option<i64>,
    /// The author's points here, and the rank they earn (shown by the name).
    pub author_points: i64,
    #[sqlx(skip)]
    pub author_rank: String,
}

pub struct NewThread<'a> {
    pub group_id: GroupId,
    pub author_id: UserId,
    pub title: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
}

/// One page of a listing and the cursor for the next, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<guildhall_core::cursor::Cursor>,
}

/// Columns of a thread as read with `t` = threads, `g` = groups, `u` = author,
/// `v` = the viewer's vote (joined on `$1`, -1 for nobody).
pub(crate) const THREAD_SELECT: &str = "SELECT t.id, t.group_id, g.name AS group_name, g.domain AS group_domain, g.kind AS group_kind, g.visibility AS group_visibility, \
     t.author_id, u.username AS author_name, \
     t.title, t.body, t.body_html, t.score, t.upvotes, t.downvotes, t.reply_count, t.hot_rank, t.created_at, \
     t.edited_at, t.last_activity_at, t.deleted_at, t.removed_at, t.locked_at, t.lock_reason, t.pinned_at, t.accepted_reply_id, t.accepted_by, ab.username AS accepted_by_name, t.accepted_at, \
     t.idea_status, t.duplicate_of, t.product_id, t.rating, \
     CAST(CASE WHEN g.kind = 'questions' AND EXISTS (SELECT 1 FROM replies lr WHERE lr.thread_id = t.id \
          AND lr.deleted_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) AS answered, \
     v.value AS my_vote, CAST(COALESCE(rs.points, 0) AS BIGINT) AS author_points \
     FROM threads t JOIN groups g ON g.id = t.group_id JOIN users u ON u.id = t.author_id \
     LEFT JOIN users ab ON ab.id = t.accepted_by \
     LEFT JOIN thread_votes v ON v.thread_id = t.id AND v.user_id = $1 \
     LEFT JOIN reputation_scores rs ON rs.member_id = t.author_id AND rs.group_id = 0";

/// Keeps the threads whose group the viewer (`$1`, -1 for nobody) may
/// read: public groups, and the others they belong to, moderate, or (as
/// an admin) oversee. The app layer checks single threads the same way
/// (`guildhall_app::access`); this is for lists spanning groups.
pub(crate) const READABLE: &str = "(g.visibility = 'public' \
     OR EXISTS (SELECT 1 FROM group_members rm WHERE rm.group_id = g.id AND rm.user_id = $1 AND rm.pending = 0) \
     OR EXISTS (SELECT 1 FROM group_moderators ro WHERE ro.group_id = g.id AND ro.user_id = $1) \
     OR EXISTS (SELECT 1 FROM users ra WHERE ra.id = $1 AND ra.is_admin = 1))";

/// Who is looking, for `my_vote` (threads' and replies'); ids are
/// positive so -1 matches no one.
pub(crate) fn viewer_id(viewer: Option<UserId>) -> i64 {
    viewer.map_or(-1, UserId::get)
}

/// Which threads of a scope a listing keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadFilter<'a> {
    /// Questions in a state (`unsolved` includes the unanswered).
    Question(QuestionState),
    /// Ideas at a stage; `initial` when it is the first stage, which ideas
    /// with no stored status are at.
    Stage { key: &'a str, initial: bool },
}

/// Which threads a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadScope {
    /// One group's.
    Group(GroupId),
    /// Those of every group a member has joined or follows: their feed.
    Subscribed(UserId),
}

impl Store {
    /// A local member's new thread.
    pub async fn create_thread(&self, new: NewThread<'_>) -> Result<Thread> {
        self.create_thread_via(new, Via::Local, None).await
    }

    /// A new thread, local or (with `remote`) a copy of a remote Page.
    pub async fn create_thread_via(
        &self,
        new: NewThread<'_>,
        via: Via<'_>,
        remote: Option<Federated<'_>>,
    ) -> Result<Thread> {
        self.create_post_thread(new, None, via, remote).await
    }

    /// A new thread, a review of a product when `review` says which and
    /// with how many stars: one live review per member and product.
    pub(crate) async fn create_post_thread(
        &self,
        new: NewThread<'_>,
        review: Option<(ProductId, Rating)>,
        via: Via<'_>,
        remote: Option<Federated<'_>>,
    ) -> Result<Thread> {
        let now = now_ms();
        let created = remote.map_or(now, |r| r.published.min(now));
        let mut tx = self.writer.begin().await?;
        // Takes the write lock first (see lib.rs) and reads the group's setting.
        let group: Option<(i64, Option<String>)> = sqlx::query_as(
            "UPDATE groups SET thread_count = thread_count + 1 WHERE id = $1 RETURNING restricted, domain",
        )
        .bind(new.group_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (restricted, domain) = group.ok_or(StoreError::NotFound("group"))?;
        let mut restricted = restricted != 0;
        if restricted {
            let moderates: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM group_moderators WHERE group_id = $1 AND user_id = $2",
            )
            .bind(new.group_id)
            .bind(new.author_id)
            .fetch_optional(&mut *tx)
            .await?;
            restricted = moderates.is_none();
        }
        // Trust levels and reputation are about our groups; a remote
        // group's copies are its own instance's to judge.
        let author = match domain {
            None => check_post(&mut tx, &self.rules, new.author_id, new.body, restricted).await?,
            Some(_) => member(&mut tx, new.author_id).await?,
        };
        author.active()?;
        check_not_banned(&mut tx, new.group_id, new.author_id, "post").await?;
        if let Some((product, _)) = review {
            reviews::check_first(&mut tx, product, new.author_id).await?;
        }
        let id: ThreadId = sqlx::query_scalar(
            "INSERT INTO threads (group_id, author_id, title, body, body_html, hot_rank, created_at, last_activity_at, ap_id, \
             product_id, rating) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10) RETURNING id",
        )
        .bind(new.group_id)
        .bind(new.author_id)
        .bind(new.title)
        .bind(new.body)
        .bind(new.body_html)
        .bind(hot_rank(0, created))
        .bind(created)
        .bind(remote.map(|r| r.ap_id))
        .bind(review.map(|(p, _)| p))
        .bind(review.map(|(_, r)| i64::from(r.stars())))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::taken_or(e, "this thread is already stored"))?;
        // Badges follow the counts, which include posts anywhere here.
        after_post(&mut tx, &author, new.author_id, true).await?;
        record_via(
            &mut tx,
            via,
            EventKind::Create,
            EventObject::Thread(id),
            new.group_id,
            new.author_id,
            None,
        )
        .await?;
        tx.commit().await?;
        self.thread(id, Some(new.author_id))
            .await?
            .ok_or(StoreError::NotFound("thread"))
    }

    pub async fn thread(&self, id: ThreadId, viewer: Option<UserId>) -> Result<Option<Thread>> {
        let sql = format!("{THREAD_SELECT} WHERE t.id = $2");
        let thread = sqlx::query_as::<_, Thread>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(self.ranked_one(thread))
    }

    /// One page of a group's live threads in `sort` order, after `cursor`.
    /// One group's threads (see [`Store::list_threads_in`]).
    pub async fn list_threads(
        &self,
        group_id: GroupId,
        sort: Sort,
        cursor: Option<Cursor>,
        limit: i64,
        viewer: Option<UserId>,
    ) -> Result<Page<Thread>> {
        let scope = ThreadScope::Group(group_id);
        self.list_threads_in(scope, sort, None, cursor, limit, viewer)
            .await
    }

    /// Threads in a scope, sorted and paged by cursor; with a filter, only
    /// the questions in a state or the ideas in a stage.
    pub async fn list_threads_in(
        &self,
        scope: ThreadScope,
        sort: Sort,
        filter: Option<ThreadFilter<'_>>,
        cursor: Option<Cursor>,
        limit: i64,
        viewer: Option<UserId>,
    ) -> Result<Page<Thread>> {
        let column = match sort {
            Sort::Hot => "t.hot_rank",
            Sort::New | Sort::Old => "t.created_at",
            Sort::Active => "t.last_activity_at",
            Sort::Top(_) => "t.score",
        };
        let (in_scope, scope_id) = match scope {
            ThreadScope::Group(id) => ("t.group_id = $2", id.get()),
            // Followed remote groups count once their Accept has arrived.
            ThreadScope::Subscribed(user) => (
                "t.group_id IN (SELECT group_id FROM group_members WHERE user_id = $2 AND pending = 0)",
                user.get(),
            ),
        };
        let mut sql = format!("{THREAD_SELECT} WHERE {in_scope} AND t.deleted_at IS NULL");
        // A stage's key is bound last: after the limit ($6, or $4 without a cursor).
        let stage_param = if cursor.is_some() { "$7" } else { "$5" };
        sql.push_str(&filter_sql(filter, stage_param));
        // A group's pinned threads come first, on its first page only.
        if let ThreadScope::Group(_) = scope {
            sql.push_str(" AND t.pinned_at IS NULL");
        }
        // Oldest first is the one ascending order (the support queue's).
        let (before, order) = match sort {
            Sort::Old => (">", "ASC"),
            _ => ("<", "DESC"),
        };
        // $3: window start (or a time before any thread); $4/$5: cursor key and id.
        sql.push_str(" AND t.created_at >= $3");
        let since = sort
            .window()
            .and_then(|w| w.since(now_ms()))
            .unwrap_or(i64::MIN);
        if cursor.is_some() {
            sql.push_str(&format!(
                " AND ({column} {before} $4 OR ({column} = $4 AND t.id {before} $5))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY {column} {order}, t.id {order} LIMIT $6"
        ));
        if cursor.is_none() {
            // Keep parameter numbers dense: SQLite counts the highest one used.
            sql = sql.replace("LIMIT $6", "LIMIT $4");
        }
        let mut query = sqlx::query_as::<_, Thread>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(scope_id)
            .bind(since);
        if let Some(c) = cursor {
            query = match (sort, c.key) {
                (Sort::Hot, SortKey::Float(f)) => query.bind(f),
                (Sort::New | Sort::Old | Sort::Active | Sort::Top(_), SortKey::Int(i)) => {
                    query.bind(i)
                }
                _ => {
                    return Err(RuleError::invalid(
                        "cursor",
                        "this cursor belongs to another sort",
                    )
                    .into());
                }
            }
            .bind(c.id);
        }
        query = query.bind(limit + 1);
        if let Some(ThreadFilter::Stage { key, .. }) = filter {
            query = query.bind(key);
        }
        let mut items = query.fetch_all(&self.pool).await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|t| Cursor {
                key: sort_key(sort, t),
                id: t.id.get(),
            })
        } else {
            None
        };
        if let (ThreadScope::Group(group), None) = (scope, cursor) {
            let mut pinned = self.pinned(group, filter, viewer).await?;
            pinned.append(&mut items);
            items = pinned;
        }
        Ok(Page {
            items: self.ranked(items),
            next,
        })
    }

    /// A group's pinned live threads, most recently pinned first.
    pub async fn pinned_threads(&self, group: GroupId) -> Result<Vec<Thread>> {
        Ok(self.ranked(self.pinned(group, None, None).await?))
    }

    async fn pinned(
        &self,
        group: GroupId,
        filter: Option<ThreadFilter<'_>>,
        viewer: Option<UserId>,
    ) -> Result<Vec<Thread>> {
        let sql = format!(
            "{THREAD_SELECT} WHERE t.group_id = $2 AND t.deleted_at IS NULL AND t.pinned_at IS NOT NULL{} \
             ORDER BY t.pinned_at DESC, t.id DESC LIMIT {PINNED_MAX}",
            filter_sql(filter, "$3")
        );
        let mut query = sqlx::query_as::<_, Thread>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(group);
        if let Some(ThreadFilter::Stage { key, .. }) = filter {
            query = query.bind(key);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// A member's latest live threads, for their profile.
    pub async fn threads_by_author(
        &self,
        author_id: UserId,
        limit: i64,
        viewer: Option<UserId>,
    ) -> Result<Vec<Thread>> {
        let sql = format!(
            "{THREAD_SELECT} WHERE t.author_id = $2 AND t.deleted_at IS NULL AND {READABLE} \
             ORDER BY t.created_at DESC, t.id DESC LIMIT $3"
        );
        let threads = sqlx::query_as::<_, Thread>(AssertSqlSafe(sql))
            .bind(viewer_id(viewer))
            .bind(author_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.ranked(threads))
    }

    /// Replaces a live thread's title and body. Deleted threads stay deleted.
    pub async fn edit_thread(
        &self,
        id: ThreadId,
        title: &str,
        body: &str,
        body_html: &str,
    ) -> Result<()> {
        self.edit_thread_via(id, title, body, body_html, Via::Local)
            .await
    }

    pub async fn edit_thread_via(
        &self,
        id: ThreadId,
        title: &str,
        body: &str,
        body_html: &str,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let found: Option<(GroupId, UserId)> = sqlx::query_as(
            "UPDATE threads SET title = $1, body = $2, body_html = $3, edited_at = $4 \
             WHERE id = $5 AND deleted_at IS NULL RETURNING group_id, author_id",
        )
        .bind(title)
        .bind(body)
        .bind(body_html)
        .bind(now_ms())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (group_id, author_id) = found.ok_or(StoreError::NotFound("thread"))?;
        let object = EventObject::Thread(id);
        record_via(
            &mut tx,
            via,
            EventKind::Update,
            object,
            group_id,
            author_id,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a thread into a tombstone: its text is gone, its replies stay.
    /// Deletes a thread in its author's name.
    pub async fn delete_thread(&self, id: ThreadId) -> Result<()> {
        self.delete_thread_via(id, None, Via::Local).await
    }

    /// Deletes a thread; `by` is whoever did it when not the author (a
    /// moderator's removal), which the event records as its actor.
    pub async fn delete_thread_by(&self, id: ThreadId, by: UserId) -> Result<()> {
        self.delete_thread_via(id, Some(by), Via::Local).await
    }

    pub async fn delete_thread_via(
        &self,
        id: ThreadId,
        by: Option<UserId>,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let object = Object::Thread(id);
        take_down(&mut tx, &self.rules, object, by, ("", true), via).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The most pinned threads a group's listing shows above the rest.
pub const PINNED_MAX: i64 = 20;

/// The SQL that keeps a filter's threads; a stage's key is bound as
/// `stage_param`.
fn filter_sql(filter: Option<ThreadFilter<'_>>, stage_param: &str) -> String {
    match filter {
        None => String::new(),
        Some(ThreadFilter::Question(QuestionState::Unanswered)) => {
            " AND g.kind = 'questions' AND t.accepted_reply_id IS NULL AND NOT EXISTS \
             (SELECT 1 FROM replies lr WHERE lr.thread_id = t.id AND lr.deleted_at IS NULL)"
                .into()
        }
        Some(ThreadFilter::Question(QuestionState::Unsolved)) => {
            " AND g.kind = 'questions' AND t.accepted_reply_id IS NULL".into()
        }
        Some(ThreadFilter::Question(QuestionState::Solved)) => {
            " AND t.accepted_reply_id IS NOT NULL".into()
        }
        Some(ThreadFilter::Stage { initial, .. }) => format!(
            " AND g.kind = 'ideas' AND (t.idea_status = {stage_param}{})",
            if initial {
                " OR t.idea_status IS NULL"
            } else {
                ""
            }
        ),
    }
}

fn sort_key(sort: Sort, t: &Thread) -> SortKey {
    match sort {
        Sort::Hot => SortKey::Float(t.hot_rank),
        Sort::New | Sort::Old => SortKey::Int(t.created_at),
        Sort::Active => SortKey::Int(t.last_activity_at),
        Sort::Top(_) => SortKey::Int(t.score),
    }
}
