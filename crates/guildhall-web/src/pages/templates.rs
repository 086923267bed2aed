//! The page templates, compiled into the binary so it runs from any
//! directory. minijinja escapes every value in `.html` templates; only HTML
//! that was sanitized on the way in (`*_html` fields) is marked `|safe`.

use crate::error::AppError;
use minijinja::{Environment, Value};

/// Every template, by name. `base.html` and `macros.html` are the layout and
/// the shared pieces (vote buttons, time stamps) the others build on.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("feed.html", include_str!("../../templates/feed.html")),
    (
        "admin_federation.html",
        include_str!("../../templates/admin_federation.html"),
    ),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "register.html",
        include_str!("../../templates/register.html"),
    ),
    (
        "group_form.html",
        include_str!("../../templates/group_form.html"),
    ),
    ("group.html", include_str!("../../templates/group.html")),
    (
        "thread_form.html",
        include_str!("../../templates/thread_form.html"),
    ),
    ("thread.html", include_str!("../../templates/thread.html")),
    ("board.html", include_str!("../../templates/board.html")),
    ("product.html", include_str!("../../templates/product.html")),
    ("modlog.html", include_str!("../../templates/modlog.html")),
    ("bans.html", include_str!("../../templates/bans.html")),
    (
        "group_private.html",
        include_str!("../../templates/group_private.html"),
    ),
    (
        "requests.html",
        include_str!("../../templates/requests.html"),
    ),
    (
        "invitations.html",
        include_str!("../../templates/invitations.html"),
    ),
    ("invite.html", include_str!("../../templates/invite.html")),
    ("flags.html", include_str!("../../templates/flags.html")),
    ("welcome.html", include_str!("../../templates/welcome.html")),
    (
        "notifications.html",
        include_str!("../../templates/notifications.html"),
    ),
    (
        "reply_form.html",
        include_str!("../../templates/reply_form.html"),
    ),
    ("profile.html", include_str!("../../templates/profile.html")),
    (
        "settings.html",
        include_str!("../../templates/settings.html"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Compiles every template. A syntax error is a bug in the binary, caught
    /// by the unit test below, so it panics here rather than at first use.
    pub fn new() -> Self {
        let mut env = Environment::new();
        // Autoescape by extension is minijinja's default; say it anyway.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
        // For `?next=` and cursors in links (minijinja's own needs a feature).
        env.add_filter("urlencode", |v: &str| -> String {
            url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
        });
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                panic!("template {name} does not compile: {e:#}");
            }
        }
        Templates { env }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, AppError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| AppError::Internal(format!("rendering {name}: {e:#}")))
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn every_template_compiles_and_escapes() {
        let t = Templates::new();
        let html = t
            .render(
                "error.html",
                context! {
                    site => context! { name => "Test <b>hall</b>" },
                    status => 400,
                    message => "<script>alert(1)</script>",
                },
            )
            .unwrap();
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("Test &lt;b&gt;hall"));
        assert!(html.contains("<html lang=\"en\">"));
    }

    #[test]
    fn links_carry_an_encoded_next() {
        let html = Templates::new()
            .render(
                "login.html",
                context! {
                    site => context! { name => "x", registration_open => true },
                    limits => context! { name_max => 30, password_max => 256 },
                    next => "/t/1?a=b&c",
                },
            )
            .unwrap();
        assert!(
            html.contains("/register?next=%2Ft%2F1%3Fa%3Db%26c"),
            "{html}"
        );
    }
}
