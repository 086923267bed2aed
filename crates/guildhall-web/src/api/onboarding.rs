//! A newcomer's checklist and the community team's welcome.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use guildhall_app::{Acting, onboarding};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StepView {
    /// `profile`, `introduce`, `question` or `group`.
    pub key: String,
    pub words: String,
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OnboardingView {
    pub steps: Vec<StepView>,
    /// Every step done: the home page no longer shows the checklist.
    pub finished: bool,
    /// The welcome (`[onboarding] welcome`), as HTML; empty when none.
    pub welcome_html: String,
}

/// The caller's first steps, each ticked when done, and the welcome.
#[utoipa::path(get, path = "/api/v1/onboarding", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = OnboardingView), (status = 401, body = ErrorBody)))]
pub async fn checklist(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<OnboardingView>> {
    let steps = onboarding::steps(&state.app, Acting::Member(&user)).await?;
    Ok(Json(OnboardingView {
        finished: guildhall_core::onboarding::finished(&steps),
        steps: steps
            .into_iter()
            .map(|s| StepView {
                key: s.key.to_owned(),
                words: s.words.to_owned(),
                done: s.done,
            })
            .collect(),
        welcome_html: onboarding::welcome_html(&state.app),
    }))
}
