//! A progress bar on stderr for long admin commands: redrawn in place on a
//! terminal, a line per tenth otherwise (logs and CI stay readable).

use std::io::{IsTerminal, Write};

pub struct Bar {
    label: &'static str,
    terminal: bool,
    last_tenth: u64,
}

impl Bar {
    pub fn new(label: &'static str) -> Bar {
        Bar {
            label,
            terminal: std::io::stderr().is_terminal(),
            last_tenth: 0,
        }
    }

    pub fn show(&mut self, done: u64, total: u64) {
        let total = total.max(1);
        let percent = (done * 100 / total).min(100);
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let filled = (percent / 5) as usize;
            let _ = write!(
                err,
                "\r{} [{}{}] {percent:>3}% {done}/{total}",
                self.label,
                "#".repeat(filled),
                " ".repeat(20 - filled)
            );
        } else if percent / 10 > self.last_tenth || done == total {
            self.last_tenth = percent / 10;
            let _ = writeln!(err, "{}: {percent}% ({done}/{total})", self.label);
        }
        let _ = err.flush();
    }

    pub fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
