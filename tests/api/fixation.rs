//! Account takeover and fixation: what someone who planted a session id, shares a computer, or
//! sees a QR code on another person's screen must not be able to do.

use crate::helpers::{query_param, spawn_app};

#[tokio::test]
async fn a_planted_session_cannot_complete_the_victims_sign_up() {
    let app = spawn_app().await;
    // The fixer gets a session id of their own and plants it in the victim's browser.
    let fixer = app.new_browser();
    fixer.get("/login/qr").await;
    let planted = fixer.session_id().expect("the fixer has a session");
    let victim = app.new_browser();
    victim.plant_session(&planted);
    assert_eq!(victim.sign_in_with(&app, "weibo", 1).await, "/signup");
    assert_ne!(
        victim.session_id(),
        Some(planted),
        "a verified identity entering the session moves it to a new id"
    );
    // The fixer, still holding the planted id, tries to finish the victim's sign-up first.
    let stolen = fixer.complete_signup("fixer", "Fixer", "").await;
    assert_eq!(stolen.status(), 401);
    assert_eq!(app.count("users").await, 0);
    // The victim finishes it.
    let own = victim.complete_signup("victim", "Victim", "").await;
    assert!(own.status().is_success(), "{}", own.status());
}

#[tokio::test]
async fn signing_in_ends_what_the_previous_person_left_in_the_browser() {
    let app = spawn_app().await;
    let bob = app.new_browser();
    bob.sign_up(&app, "qq", 2, "bob").await;
    bob.sign_out().await;
    // On a shared computer, Alice starts a first sign-up and walks away, leaving a QR ticket
    // and a started sign-in behind.
    let shared = app.new_browser();
    assert_eq!(shared.sign_in_with(&app, "weibo", 1).await, "/signup");
    let ticket_page = shared.get("/login/qr").await.text().await.expect("HTML");
    let ticket = ticket_page
        .split("data-ticket=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a ticket on the page")
        .to_string();
    let started = shared.start("qq", "").await;
    let state = query_param(&started, "state").expect("a state");
    // Bob signs in on the same browser.
    assert_eq!(shared.sign_in_with(&app, "qq", 2).await, "/account");
    let signup = shared.get("/signup").await;
    assert_eq!(signup.status(), 302, "Alice's pending sign-up is gone");
    let events = shared.get(&format!("/auth/qr/{ticket}/events")).await;
    assert_eq!(events.status(), 404, "Alice's ticket is not Bob's");
    let callback = shared
        .callback(&format!("/auth/qq/callback?code=x&state={state}"))
        .await;
    assert_eq!(
        callback, "/login?error=state",
        "Alice's started sign-in is gone"
    );
}
