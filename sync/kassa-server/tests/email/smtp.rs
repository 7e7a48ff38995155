//! An aiosmtpd server in its own process (`smtp_server.py` beside this file), for the tests
//! that send email through a real SMTP server and read what arrived.
#![allow(dead_code)]

use kassa_server::{EmailSettings, SenderOptions, SmtpConfig, SmtpTls};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// An aiosmtpd server in its own process, keeping what it accepts in a folder.
pub struct Smtp {
    child: Child,
    pub port: u16,
    folder: tempfile::TempDir,
    /// How the server connects to it, and the CA file it is told to trust.
    pub tls: SmtpTls,
    pub ca_file: Option<PathBuf>,
}

fn smtp_python() -> PathBuf {
    let venv = std::env::var_os("KASSA_SMTP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/kassa/smtp-venv")
        });
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "aiosmtpd is not installed at {}: run `source scripts/deps.sh; ensure_aiosmtpd`",
        venv.display()
    );
    python
}

impl Smtp {
    pub fn start(args: &[&str]) -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let folder = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/email/smtp_server.py");
        let mut child = Command::new(smtp_python())
            .arg(script)
            .arg(port.to_string())
            .arg(folder.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        Smtp {
            child,
            port,
            folder,
            tls: SmtpTls::Opportunistic,
            ca_file: None,
        }
    }

    /// An SMTP server with a certificate for 127.0.0.1 of its own (a fresh self-signed one),
    /// speaking TLS from the first byte (`implicit`) or offering STARTTLS (`starttls`, which
    /// it then requires). The certificate's PEM is written to `certs` for the server to trust.
    pub fn start_tls(mode: &str, certs: &std::path::Path) -> Smtp {
        let issued = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
        let cert = certs.join("smtp-cert.pem");
        let key = certs.join("smtp-key.pem");
        std::fs::write(&cert, issued.cert.pem()).unwrap();
        std::fs::write(&key, issued.signing_key.serialize_pem()).unwrap();
        let (cert_arg, key_arg) = (cert.to_string_lossy(), key.to_string_lossy());
        let mut smtp = Smtp::start(&["--tls", mode, "--cert", &cert_arg, "--key", &key_arg]);
        smtp.tls = if mode == "implicit" {
            SmtpTls::Implicit
        } else {
            SmtpTls::StartTls
        };
        smtp.ca_file = Some(cert);
        smtp
    }

    /// The messages kept so far, in the order they arrived.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    pub fn settings(&self, retry_base: Duration) -> EmailSettings {
        EmailSettings {
            smtp: SmtpConfig {
                host: "127.0.0.1".into(),
                port: self.port,
                username: None,
                password: None,
                from: "Kassa Receipts <receipts@example.com>".into(),
                tls: self.tls,
                ca_file: self.ca_file.clone(),
            },
            sender: SenderOptions {
                batch: 20,
                concurrency: 4,
                poll: Duration::from_millis(50),
                retry_base,
                retry_max: Duration::from_secs(1),
                max_attempts: 5,
                lease: Duration::from_secs(60),
            },
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
