//! Integration tests: the real app over real HTTP.

mod accounts;
mod health;
mod helpers;
mod pages;
mod startup;
