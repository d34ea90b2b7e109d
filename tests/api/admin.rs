//! The operator console: only administrators see it (everyone else gets 404), every change
//! needs a fresh sign-in and is audited with who made it, and merging two accounts of one
//! person moves every identity in one transaction.

use denglu::entities::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{Browser, TestApp, location, spawn_app};

/// Signs up `username` with `provider` as simulator user `user` and makes them an
/// administrator, as `denglu admin grant` does.
async fn administrator(app: &TestApp, provider: &str, user: u64, username: &str) -> (Browser, i64) {
    let browser = app.new_browser();
    let id = browser.sign_up(app, provider, user, username).await;
    let granted = denglu::auth::set_administrator(&app.db.conn, username, true)
        .await
        .expect("the database answers");
    assert_eq!(granted, Some(id));
    (browser, id)
}

/// The audit events of `kind`, oldest first.
pub async fn events(app: &TestApp, kind: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq(kind))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db.conn)
        .await
        .expect("the audit log reads")
}

/// Posts a console form the way a browser without scripts does; returns where it went.
async fn post(browser: &Browser, path: &str, form: &[(&str, &str)]) -> String {
    let response = browser
        .client
        .post(browser.url(path))
        .form(form)
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status(), 303, "{path}");
    location(&response)
}

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("a page"))
}

#[tokio::test]
async fn the_console_is_not_found_for_anyone_but_an_administrator() {
    let app = spawn_app().await;
    let paths = ["/admin", "/admin/people", "/admin/people/1", "/admin/audit"];
    let visitor = app.new_browser();
    for path in paths {
        let (status, html) = page(&visitor, path).await;
        assert_eq!(status, 404, "{path} for a visitor");
        assert!(html.contains("404"), "{path}");
    }
    let person = app.new_browser();
    let person_id = person.sign_up(&app, "weibo", 2, "someone").await;
    for path in paths {
        assert_eq!(page(&person, path).await.0, 404, "{path} for a person");
    }
    // A change posted by someone who is not an administrator changes nothing.
    let refused = person
        .client
        .post(person.url(&format!("/admin/people/{person_id}/disable")))
        .send()
        .await
        .expect("the app answers");
    assert_eq!(refused.status(), 404);
    assert!(person.me().await.is_some(), "still signed in, not disabled");

    // The same page as any unknown address: nothing says a console is there.
    let (_, unknown) = page(&person, "/no-such-page").await;
    let (_, hidden) = page(&person, "/admin").await;
    let title = |html: &str| {
        html[html.find("<title>").unwrap()..html.find("</title>").unwrap()].to_string()
    };
    assert_eq!(title(&hidden), title(&unknown));
    assert!(!hidden.contains("console"), "no trace of the console");
    for (method, path) in [
        ("POST", "/admin"),
        ("GET", "/admin/people/1/disable"),
        ("DELETE", "/admin/people/1"),
    ] {
        let response = person
            .client
            .request(method.parse().unwrap(), person.url(path))
            .send()
            .await
            .expect("the app answers");
        assert_eq!(
            response.status(),
            404,
            "{method} {path}: not a 405 that names the address"
        );
    }

    let (admin, _) = administrator(&app, "qq", 1, "boss").await;
    for path in paths {
        assert_eq!(
            page(&admin, path).await.0,
            200,
            "{path} for an administrator"
        );
    }
    let (_, html) = page(&admin, "/admin").await;
    assert!(
        html.contains("概览") && html.contains("<svg"),
        "the dashboard in Chinese"
    );
    let english = admin.clone();
    let response = english
        .client
        .get(english.url("/admin/people"))
        .header("accept-language", "en")
        .send()
        .await
        .expect("the app answers");
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "people's data is never cached"
    );
    let html = response.text().await.expect("a page");
    assert!(
        html.contains("People") && html.contains("@someone"),
        "in English"
    );

    // Revoked: the console is gone again.
    denglu::auth::set_administrator(&app.db.conn, "boss", false)
        .await
        .expect("the database answers");
    assert_eq!(page(&admin, "/admin").await.0, 404);
    let kinds: Vec<String> = ["admin_granted", "admin_revoked"]
        .into_iter()
        .map(str::to_string)
        .collect();
    for kind in &kinds {
        assert_eq!(events(&app, kind).await.len(), 1, "{kind} is audited");
    }
}

#[tokio::test]
async fn people_are_found_by_name_id_and_method_a_page_at_a_time() {
    let app = spawn_app().await;
    let (admin, _) = administrator(&app, "qq", 1, "boss").await;
    let weibo = app.new_browser();
    let alice = weibo.sign_up(&app, "weibo", 2, "alice_w").await;
    // Many more accounts than one page holds, written as a busy site would have them.
    for n in 0..25 {
        app.execute(&format!(
            "INSERT INTO users (username, username_key, display_name, status, created_at, updated_at, is_admin) \
             VALUES ('filler{n}', 'filler{n}', 'Filler {n}', 'active', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', false)"
        ))
        .await;
    }
    let (_, html) = page(&admin, "/admin/people?q=ALICE").await;
    assert!(html.contains("@alice_w"), "case does not matter");
    assert!(!html.contains("@boss"));
    let (_, html) = page(&admin, &format!("/admin/people?q=%23{alice}")).await;
    assert!(html.contains("@alice_w"), "by #id");
    let (_, html) = page(&admin, "/admin/people?method=weibo").await;
    assert!(
        html.contains("@alice_w") && !html.contains("@boss"),
        "by method"
    );
    let (_, html) = page(&admin, "/admin/people?q=%25").await;
    assert!(
        !html.contains("@alice_w"),
        "a % is a character, not a wildcard"
    );

    let (_, first) = page(&admin, "/admin/people").await;
    assert_eq!(first.matches("data-person=").count(), 20, "a page of 20");
    assert!(first.contains("rel=\"next\""));
    let (_, second) = page(&admin, "/admin/people?page=1").await;
    assert_eq!(second.matches("data-person=").count(), 7, "27 in all");
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
}

#[tokio::test]
async fn every_administrator_action_is_audited_with_who_did_it() {
    let app = spawn_app().await;
    let (admin, admin_id) = administrator(&app, "qq", 1, "boss").await;
    let phone = app.new_browser();
    let alice = phone.sign_up(&app, "weibo", 2, "alice").await;
    let laptop = app.new_browser();
    assert_eq!(laptop.sign_in_with(&app, "weibo", 2).await, "/account");
    assert_eq!(
        laptop
            .sign_in_with_query(&app, "wechat", 2, "?link=1&next=/account")
            .await,
        "/account?notice=linked"
    );

    // The person's page: identities with the WeChat ids, sessions, recent events.
    let (_, html) = page(&admin, &format!("/admin/people/{alice}")).await;
    let unionid = app.sim_user(2).await["unionid"]
        .as_str()
        .expect("a unionid")
        .to_string();
    assert!(html.contains(&unionid), "the unionid is shown");
    assert!(html.contains("data-openid"), "an openid per WeChat app");
    assert_eq!(html.matches("data-session=").count(), 2, "two sessions");

    // End one session.
    let sessions = app
        .auth
        .person(alice)
        .await
        .expect("reads")
        .expect("exists")
        .sessions;
    let laptop_session = sessions[0].id;
    let back = post(
        &admin,
        &format!("/admin/people/{alice}/sessions/{laptop_session}/end"),
        &[],
    )
    .await;
    assert_eq!(back, format!("/admin/people/{alice}?notice=session-ended"));
    let still = [phone.me().await.is_some(), laptop.me().await.is_some()];
    assert_eq!(still.iter().filter(|s| **s).count(), 1, "one session ended");
    let ended = events(&app, "session_ended").await;
    let by_admin = ended.last().expect("audited");
    assert_eq!(
        (by_admin.user_id, by_admin.actor_id),
        (Some(alice), Some(admin_id))
    );

    // Unlink WeChat; the last method cannot go.
    let person = app.auth.person(alice).await.unwrap().unwrap();
    let wechat = person
        .identities
        .iter()
        .find(|i| i.provider == "wechat")
        .expect("linked")
        .id;
    let weibo = person
        .identities
        .iter()
        .find(|i| i.provider == "weibo")
        .unwrap()
        .id;
    assert_eq!(
        post(
            &admin,
            &format!("/admin/people/{alice}/identities/{wechat}/unlink"),
            &[]
        )
        .await,
        format!("/admin/people/{alice}?notice=unlinked")
    );
    assert_eq!(
        post(
            &admin,
            &format!("/admin/people/{alice}/identities/{weibo}/unlink"),
            &[]
        )
        .await,
        format!("/admin/people/{alice}?error=last-method")
    );
    let unlinked = events(&app, "unlinked").await;
    assert_eq!(unlinked.len(), 1);
    assert_eq!(unlinked[0].actor_id, Some(admin_id));
    assert_eq!(unlinked[0].provider.as_deref(), Some("wechat"));

    // Disable: every session ends and she cannot sign in; enable: she can again.
    assert_eq!(
        post(&admin, &format!("/admin/people/{alice}/disable"), &[]).await,
        format!("/admin/people/{alice}?notice=disabled")
    );
    assert!(phone.me().await.is_none() && laptop.me().await.is_none());
    assert_eq!(
        phone.sign_in_with(&app, "weibo", 2).await,
        "/login?error=refused"
    );
    let disabled = events(&app, "account_disabled").await;
    assert_eq!(
        (disabled[0].user_id, disabled[0].actor_id),
        (Some(alice), Some(admin_id))
    );
    let (_, html) = page(&admin, &format!("/admin/people/{alice}")).await;
    assert!(html.contains(r#"data-status="disabled""#));
    assert_eq!(
        post(&admin, &format!("/admin/people/{alice}/enable"), &[]).await,
        format!("/admin/people/{alice}?notice=enabled")
    );
    assert_eq!(phone.sign_in_with(&app, "weibo", 2).await, "/account");
    assert_eq!(
        events(&app, "account_enabled").await[0].actor_id,
        Some(admin_id)
    );

    // An administrator cannot disable themselves (and lock everyone out).
    assert_eq!(
        post(&admin, &format!("/admin/people/{admin_id}/disable"), &[]).await,
        format!("/admin/people/{admin_id}?error=self")
    );
    assert!(admin.me().await.is_some());
}

#[tokio::test]
async fn a_change_needs_a_sign_in_within_fifteen_minutes() {
    let app = spawn_app().await;
    let (admin, admin_id) = administrator(&app, "qq", 1, "boss").await;
    let person = app.new_browser();
    let alice = person.sign_up(&app, "weibo", 2, "alice").await;
    age_sign_in(&app, admin_id, 16).await;

    let (status, html) = page(&admin, &format!("/admin/people/{alice}")).await;
    assert_eq!(status, 200, "looking needs no fresh sign-in");
    assert!(
        html.contains("data-fresh-needed"),
        "says why the buttons are off"
    );
    let next = format!("/admin/people/{alice}");
    let to_login = post(&admin, &format!("/admin/people/{alice}/disable"), &[]).await;
    assert_eq!(
        to_login,
        format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    );
    assert!(person.me().await.is_some(), "nothing changed");
    assert!(events(&app, "account_disabled").await.is_empty());

    // Signing in again (the same method) makes it fresh, and the change goes through.
    assert_eq!(
        admin
            .sign_in_with_query(&app, "qq", 1, &format!("?next={next}"))
            .await,
        next
    );
    assert_eq!(
        post(&admin, &format!("/admin/people/{alice}/disable"), &[]).await,
        format!("/admin/people/{alice}?notice=disabled")
    );
    assert!(person.me().await.is_none());
}

/// Moves the administrator's sign-in `minutes` into the past, as if they signed in then.
async fn age_sign_in(app: &TestApp, user_id: i64, minutes: i64) {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = &app.db.conn;
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all(Statement::from_string(
            backend,
            format!("SELECT id, data FROM sessions WHERE user_id = {user_id}"),
        ))
        .await
        .expect("sessions read");
    assert!(!rows.is_empty());
    let then = (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339();
    for row in rows {
        let id: i64 = row.try_get("", "id").unwrap();
        let data: String = row.try_get("", "data").unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&data).expect("session JSON");
        assert!(
            json.get("signed_in_at").is_some(),
            "the session knows when: {json}"
        );
        json["signed_in_at"] = serde_json::Value::String(then.clone());
        let text = json.to_string().replace('\'', "''");
        app.execute(&format!(
            "UPDATE sessions SET data = '{text}' WHERE id = {id}"
        ))
        .await;
    }
}

#[tokio::test]
async fn merging_moves_every_identity_and_ends_the_emptied_accounts_sessions() {
    let app = spawn_app().await;
    let (admin, admin_id) = administrator(&app, "qq", 1, "boss").await;
    let old = app.new_browser();
    let from = old.sign_up(&app, "weibo", 2, "xiaoming_old").await;
    let new = app.new_browser();
    let into = new.sign_up(&app, "qq", 2, "xiaoming").await;

    // The confirmation names both, and the username must be typed.
    let (_, html) = page(&admin, &format!("/admin/people/{from}/merge?into={into}")).await;
    assert!(html.contains("@xiaoming_old") && html.contains("@xiaoming"));
    let mismatch = post(
        &admin,
        &format!("/admin/people/{from}/merge"),
        &[
            ("into", &into.to_string()),
            ("confirm_username", "xiaoming"),
        ],
    )
    .await;
    assert!(mismatch.contains("error=confirm-mismatch"), "{mismatch}");
    assert!(old.me().await.is_some(), "nothing happened");
    let (_, html) = page(&admin, &mismatch).await;
    assert!(html.contains("data-error"), "the page says why");

    let merged = post(
        &admin,
        &format!("/admin/people/{from}/merge"),
        &[
            ("into", &into.to_string()),
            ("confirm_username", "xiaoming_old"),
        ],
    )
    .await;
    assert_eq!(merged, format!("/admin/people/{into}?notice=merged"));
    assert!(
        old.me().await.is_none(),
        "the emptied account's sessions ended"
    );
    let me = new.me().await.expect("the kept account is still signed in");
    let mut methods: Vec<&str> = me["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["provider"].as_str().unwrap())
        .collect();
    methods.sort();
    assert_eq!(methods, ["qq", "weibo"]);
    // Weibo now signs in to the kept account.
    let again = app.new_browser();
    assert_eq!(again.sign_in_with(&app, "weibo", 2).await, "/account");
    assert_eq!(again.me().await.unwrap()["id"], into);

    let emptied = app.auth.person(from).await.unwrap().unwrap().account;
    assert_eq!(
        (emptied.status.as_str(), emptied.merged_into),
        ("disabled", Some(into))
    );
    let recorded = events(&app, "accounts_merged").await;
    assert_eq!(
        (recorded[0].user_id, recorded[0].actor_id),
        (Some(into), Some(admin_id))
    );
    assert!(
        recorded[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("xiaoming_old")
    );
    // A merged account cannot be enabled again (its identities are elsewhere).
    assert_eq!(
        post(&admin, &format!("/admin/people/{from}/enable"), &[]).await,
        format!("/admin/people/{from}?error=not-found")
    );
}

#[tokio::test]
async fn a_merge_that_fails_half_way_changes_nothing() {
    let app = spawn_app().await;
    let (admin, _) = administrator(&app, "qq", 1, "boss").await;
    let old = app.new_browser();
    let from = old.sign_up(&app, "weibo", 2, "old_one").await;
    let into = app.new_browser().sign_up(&app, "qq", 2, "new_one").await;
    // The last write of the merge fails, after the identities were moved.
    if app.database_url.starts_with("postgres") {
        app.execute(
            "CREATE FUNCTION fail_merge() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'merge interrupted'; END $$ LANGUAGE plpgsql",
        )
        .await;
        app.execute(
            "CREATE TRIGGER fail_merge BEFORE UPDATE ON users FOR EACH ROW WHEN (NEW.merged_into IS NOT NULL) EXECUTE FUNCTION fail_merge()",
        )
        .await;
    } else {
        app.execute(
            "CREATE TRIGGER fail_merge BEFORE UPDATE ON users WHEN NEW.merged_into IS NOT NULL BEGIN SELECT RAISE(ABORT, 'merge interrupted'); END",
        )
        .await;
    }
    let outcome = post(
        &admin,
        &format!("/admin/people/{from}/merge"),
        &[("into", &into.to_string()), ("confirm_username", "old_one")],
    )
    .await;
    assert_eq!(outcome, format!("/admin/people/{from}?error=failed"));
    let kept = app.auth.person(from).await.unwrap().unwrap();
    assert_eq!(kept.identities.len(), 1, "the identity did not move");
    assert_eq!(kept.account.status, "active");
    assert!(old.me().await.is_some(), "its session lives");
    assert_eq!(
        app.auth
            .person(into)
            .await
            .unwrap()
            .unwrap()
            .identities
            .len(),
        1
    );
    assert!(
        events(&app, "accounts_merged").await.is_empty(),
        "nothing recorded"
    );
}

#[tokio::test]
async fn two_accounts_with_a_method_at_the_same_provider_are_not_merged() {
    let app = spawn_app().await;
    let (admin, _) = administrator(&app, "qq", 1, "boss").await;
    let from = app.new_browser().sign_up(&app, "qq", 3, "carol_a").await;
    let into = app.new_browser().sign_up(&app, "qq", 4, "carol_b").await;
    let outcome = post(
        &admin,
        &format!("/admin/people/{from}/merge"),
        &[("into", &into.to_string()), ("confirm_username", "carol_a")],
    )
    .await;
    assert_eq!(outcome, format!("/admin/people/{from}?error=same-provider"));
    assert_eq!(
        app.auth
            .person(from)
            .await
            .unwrap()
            .unwrap()
            .identities
            .len(),
        1
    );
}
