//! `denglu doctor`: checks a deployment before it goes live and prints a checklist, each line
//! passed, warned, failed or skipped, with the fix. The checks read the settings and look at
//! the world (the public URL, the providers, the database, the clock); they change nothing.
//!
//! `check` is the line, `report` prints the checklist, `run` puts the groups in order; each
//! other file is one group. This file only declares and re-exports.

mod check;
mod clock;
mod database;
mod providers;
mod public_url;
mod report;
mod run;
mod secret;

pub use check::{Check, Lang, Outcome, Said};
pub use report::{render, summary};
pub use run::{Report, examine, unreadable};
