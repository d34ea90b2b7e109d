//! Integration tests: the real app over real HTTP.

mod accounts;
mod avatars;
mod browser_defences;
mod cli;
mod doctor;
mod fixation;
mod flows_accounts;
mod flows_double_redirect;
mod flows_errors;
mod flows_first_login;
mod flows_signup;
mod flows_start;
mod flows_tokens;
mod health;
mod helpers;
mod limits;
mod oidc;
mod oidc_attacks;
mod oidc_helpers;
mod pages;
mod qr_login;
mod scale_out;
mod sessions;
mod startup;
