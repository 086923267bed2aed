//! The part of the configuration the HTTP side reads (the use cases' part
//! is `guildhall_app::Settings`).

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
    /// The server's key for CSRF tokens. The server derives it from the
    /// instance's private key, so tokens survive restarts; random otherwise.
    pub secret: Secret,
    /// Peers whose forwarding header is believed (see [`crate::client`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub client_address_header: crate::client::ClientHeader,
    /// Who may read `/metrics`.
    pub metrics_access: MetricsAccess,
}

/// `metrics.access`: who may read `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MetricsAccess {
    /// Not served at all (404).
    Off,
    /// Only requests from this machine that no proxy relayed.
    #[default]
    Loopback,
    /// Anyone sending `Authorization: Bearer <token>`.
    Token(String),
}

/// 32 secret bytes that do not show in `Debug` output (settings get logged).
#[derive(Clone)]
pub struct Secret(pub [u8; 32]);

impl Secret {
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
        Secret(bytes)
    }

    /// A key for one purpose derived from long-lived secret material.
    pub fn derive(purpose: &str, material: &[u8]) -> Self {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(material);
        Secret(h.finalize().into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
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
            secret: Secret::random(),
            trusted_proxies: vec![],
            client_address_header: Default::default(),
            metrics_access: MetricsAccess::Loopback,
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
}
