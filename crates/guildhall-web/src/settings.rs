//! The part of the configuration the HTTP side reads.

use guildhall_core::content::Limits;
use guildhall_core::permissions::GroupCreation;

#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Shown on every page and in `/api/v1/instance`.
    pub instance_name: String,
    pub instance_description: String,
    pub instance_logo_url: Option<String>,
    /// The public host name, e.g. `community.example`.
    pub domain: String,
    /// Whether the public URL is https (sets the Secure flag on cookies).
    pub https: bool,
    /// Largest request body accepted, in bytes; larger gets 413.
    pub max_body_bytes: usize,
    pub limits: Limits,
    /// Threads per page when the client does not say; and the most it may ask for.
    pub page_size: i64,
    pub page_size_max: i64,
    pub registration_open: bool,
    pub group_creation: GroupCreation,
    /// How long a login lasts.
    pub session_days: i64,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            instance_name: "Guildhall".into(),
            instance_description: String::new(),
            instance_logo_url: None,
            domain: "localhost:8080".into(),
            https: false,
            max_body_bytes: 256 * 1024,
            limits: Limits::default(),
            page_size: 20,
            page_size_max: 100,
            registration_open: true,
            group_creation: GroupCreation::Admins,
            session_days: 30,
        }
    }
}

impl WebSettings {
    pub fn public_url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.domain
        )
    }

    pub fn session_ttl_ms(&self) -> i64 {
        self.session_days * 24 * 60 * 60 * 1000
    }
}
