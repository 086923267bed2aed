//! Accounts: registering, signing in and out, profiles, finding a member.

use crate::credentials::{hash_password, new_token, token_hash, verify_password};
use crate::{Acting, App, Error, Result, keys};
use guildhall_core::content::{avatar_url, display_name, render_markdown};
use guildhall_core::names;
use guildhall_db::{NewUser, ProfileUpdate, User};

pub struct Registration<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub display_name: Option<&'a str>,
    /// Make the account an admin (only the operator may ask it).
    pub admin: bool,
}

/// A visitor signs up while registration is open; the operator adds
/// accounts at any time, admins too. The first account is the admin.
pub async fn register(app: &App, acting: Acting<'_>, new: Registration<'_>) -> Result<User> {
    let operator = matches!(acting, Acting::Operator);
    if !operator && !app.settings.registration_open {
        return Err(Error::Forbidden(
            "registration is closed on this instance".into(),
        ));
    }
    if new.admin && !operator {
        return Err(Error::Forbidden(
            "only the operator makes admins at sign-up".into(),
        ));
    }
    let username = names::username(new.username)?;
    names::password(new.password)?;
    let display = display_name(new.display_name.unwrap_or(""))?;
    // Counted once the input is valid: what the limit guards is the hash
    // and the new account, not a typo.
    if let Acting::Visitor {
        address: Some(address),
    } = acting
    {
        app.limits.register_per_address.hit(address)?;
    }
    let hash = hash_password(&app.hash_gate, new.password.to_string()).await?;
    // Made first, so the member and their keys are stored together.
    let keys = keys::generate().await?;
    let user = app
        .store
        .create_user(NewUser {
            username: &username,
            password_hash: &hash,
            display_name: display.as_deref(),
            is_admin: new.admin,
            first_is_admin: true,
            keys: Some(&keys),
        })
        .await?;
    if user.is_admin && !new.admin {
        tracing::info!(username = %user.username, "first account registered; it is the instance admin");
    }
    crate::onboarding::welcome(app, &user).await?;
    Ok(user)
}

/// Checks credentials and opens a session of `kind` (`cookie` or `api`).
/// Returns the member and the token to hand to the client.
///
/// Rate limits: every attempt counts against the visitor's address; a wrong
/// password counts against the account name (taken before the check, so
/// concurrent guesses cannot all slip through, and given back when right).
pub async fn login(
    app: &App,
    acting: Acting<'_>,
    username: &str,
    password: &str,
    kind: &str,
) -> Result<(User, String)> {
    let wrong = || Error::Unauthorized("wrong username or password".into());
    if let Acting::Visitor {
        address: Some(address),
    } = acting
    {
        app.limits.login_per_address.hit(address)?;
    }
    // Bounded, so made-up names cannot make the keys long.
    let account: String = username.trim().to_lowercase().chars().take(64).collect();
    app.limits.login_per_account.hit(&account)?;
    let found = match names::username(username) {
        Ok(name) => app.store.credentials(&name).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    match verify_password(&app.hash_gate, password.to_string(), hash).await {
        Ok(false) => return Err(wrong()),
        Ok(true) => app.limits.login_per_account.give_back(&account),
        // Not checked at all (busy): not a wrong guess either.
        Err(e) => {
            app.limits.login_per_account.give_back(&account);
            return Err(e);
        }
    }
    let user = user.ok_or_else(wrong)?;
    let (token, token_hash) = new_token();
    app.store
        .create_session(&token_hash, user.id, kind, app.settings.session_ttl_ms())
        .await?;
    Ok((user, token))
}

/// Ends the session `token` opened; an unknown token is already gone.
pub async fn logout(app: &App, token: &str) -> Result<()> {
    app.store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// A member's own profile. Fields left `None` keep their current value.
pub async fn update_profile(
    app: &App,
    acting: Acting<'_>,
    display: Option<&str>,
    bio: Option<&str>,
    avatar: Option<&str>,
) -> Result<User> {
    let user = acting.member()?;
    let limits = app.settings.limits;
    let display = match display {
        Some(d) => display_name(d)?,
        None => user.display_name.clone(),
    };
    let bio = match bio {
        Some(b) => limits.bio(b)?,
        None => user.bio.clone(),
    };
    let avatar = match avatar {
        Some(a) => avatar_url(a)?,
        None => user.avatar_url.clone(),
    };
    let bio_html = render_markdown(&bio);
    Ok(app
        .store
        .update_profile(
            user.id,
            ProfileUpdate {
                display_name: display.as_deref(),
                bio: &bio,
                bio_html: &bio_html,
                avatar_url: avatar.as_deref(),
            },
        )
        .await?)
}

/// A member by name, local (`name`) or remote (`name@host`).
pub async fn user(app: &App, username: &str) -> Result<User> {
    // Remote members are stored as `name@host`: their reputation here,
    // and admins' actions on them, name them so.
    let name = match username.split_once('@') {
        Some(_) => username.to_ascii_lowercase(),
        None => names::username(username).map_err(|_| Error::not_found("user"))?,
    };
    app.store
        .user_by_name(&name)
        .await?
        .ok_or_else(|| Error::not_found("user"))
}
