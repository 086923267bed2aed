//! What a newcomer has done so far, for the onboarding checklist
//! (guildhall-core's `onboarding`).

use crate::Store;
use crate::error::Result;
use guildhall_core::ids::UserId;
use guildhall_core::onboarding::Progress;

impl Store {
    /// A member's first steps; `default_groups` (joined by every new
    /// member) do not count as joining one.
    pub async fn onboarding_progress(
        &self,
        user: UserId,
        default_groups: &[String],
    ) -> Result<Progress> {
        let (profile, threads, questions): (i64, i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT CASE WHEN COALESCE(display_name, '') <> '' OR bio <> '' OR avatar_url IS NOT NULL \
                 THEN 1 ELSE 0 END FROM users WHERE id = $1), \
               (SELECT COUNT(*) FROM threads WHERE author_id = $1 AND deleted_at IS NULL), \
               (SELECT COUNT(*) FROM threads t JOIN groups g ON g.id = t.group_id \
                 WHERE t.author_id = $1 AND t.deleted_at IS NULL AND g.kind = 'questions') \
             + (SELECT COUNT(*) FROM replies r JOIN threads t ON t.id = r.thread_id JOIN groups g ON g.id = t.group_id \
                 WHERE r.author_id = $1 AND r.deleted_at IS NULL AND g.kind = 'questions')",
        )
        .bind(user)
        .fetch_one(&self.pool)
        .await?;
        let joined: Vec<String> = sqlx::query_scalar(
            "SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id \
             WHERE m.user_id = $1 AND m.pending = 0",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        let groups = joined
            .iter()
            .filter(|name| !default_groups.contains(name))
            .count() as i64;
        Ok(Progress {
            profile: profile == 1,
            threads,
            questions,
            groups,
        })
    }
}
