//! Accounts over HTTP: signing in and out, sessions, lock-out, roles, CSRF, administration.

use app::accounts::Role;
use app::entities::{audit_events, sessions};
use cleared_tests::{PASSWORD, TestApp, call, location, on_both_databases, page_at, page_text};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

on_both_databases!(
    sign_in_succeeds_and_lands_on_dashboard,
    sign_in_rejects_unknown_email_and_wrong_password_alike,
    sign_in_refuses_deactivated_person,
    repeated_wrong_passwords_are_throttled_for_that_source_only,
    parallel_guesses_get_no_more_than_the_limit,
    sign_out_ends_the_session_on_the_server,
    expired_session_is_not_accepted,
    deactivation_ends_sessions_at_once,
    role_guards_on_pages_and_server_functions,
    cross_site_posts_are_refused,
    admin_creates_person_changes_roles_and_deactivates,
    bad_admin_input_changes_nothing,
    own_password_can_be_changed,
    language_choice_is_stored_for_the_person,
    demo_seeding_is_idempotent,
    migrations_go_down_and_up_again,
    health_and_security_headers,
    plain_forms_return_to_the_page_with_their_outcome,
    redirect_targets_stay_on_this_site,
    personal_responses_are_not_stored_by_caches,
    hostile_text_is_refused_and_changes_nothing,
);

async fn sign_in_succeeds_and_lands_on_dashboard(app: &TestApp) {
    app.with_user("ada@example.com", &[Role::Employee]).await;
    let (client, response) = app.sign_in("  ADA@example.com ", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/dashboard");
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .to_string();
    // Only a hash of the token is stored.
    let stored = sessions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);

    let dashboard = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let html = page_text(&dashboard.text().await.unwrap());
    assert!(html.contains("Welcome, Test ada@example.com"), "{html}");

    // A local `next` is followed; another site is not.
    let (_, response) = app.sign_in_with_next("ada@example.com", "/account").await;
    assert_eq!(location(&response), "/account");
    let (_, response) = app
        .sign_in_with_next("ada@example.com", "//evil.example/")
        .await;
    assert_eq!(location(&response), "/dashboard");
}

async fn sign_in_rejects_unknown_email_and_wrong_password_alike(app: &TestApp) {
    app.with_user("bob@example.com", &[Role::Employee]).await;
    let (client, unknown) = app.sign_in("nobody@example.com", PASSWORD).await;
    let (_, wrong) = app.sign_in("bob@example.com", "not the password").await;
    for response in [&unknown, &wrong] {
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(
            location(response).starts_with("/login?error=invalid"),
            "{}",
            location(response)
        );
        assert!(response.headers().get("set-cookie").is_none());
    }
    let (_, empty) = app.sign_in("", "").await;
    assert!(location(&empty).starts_with("/login?error=missing"));
    let page = client
        .get(app.url(&location(&wrong)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(
        page.contains("The email address or password is not correct"),
        "{page}"
    );
    assert!(
        sessions::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn sign_in_refuses_deactivated_person(app: &TestApp) {
    let id = app.with_user("carl@example.com", &[Role::Employee]).await;
    app::accounts::server::set_active(&app.db, None, id, false, chrono::Utc::now())
        .await
        .unwrap();
    let (_, response) = app.sign_in("carl@example.com", PASSWORD).await;
    assert!(
        location(&response).starts_with("/login?error=deactivated"),
        "{}",
        location(&response)
    );
    // A wrong password does not reveal that the account exists but is deactivated.
    let (_, response) = app.sign_in("carl@example.com", "wrong password").await;
    assert!(location(&response).starts_with("/login?error=invalid"));
}

async fn repeated_wrong_passwords_are_throttled_for_that_source_only(app: &TestApp) {
    app.with_user("dora@example.com", &[Role::Employee]).await;
    for attempt in 1..=5 {
        let (_, response) = app.sign_in("dora@example.com", "wrong password").await;
        assert!(
            location(&response).starts_with("/login?error=invalid"),
            "attempt {attempt}"
        );
    }
    // The right password now gets the same answer as a wrong one: throttled, not "locked".
    let (client, right) = app.sign_in("dora@example.com", PASSWORD).await;
    assert!(
        location(&right).starts_with("/login?error=invalid"),
        "the right password waits too: {}",
        location(&right)
    );
    let page = client
        .get(app.url(&location(&right)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(page.contains("or there were too many attempts"), "{page}");
    // Dora herself, from another address, is not locked out by whoever guessed.
    let elsewhere = app.client_from("127.0.0.2".parse().unwrap());
    let response = elsewhere
        .post(app.url("/login"))
        .form(&[("email", "dora@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/dashboard");
    // Unknown emails are throttled exactly like known ones.
    for _ in 1..=5 {
        app.sign_in("nobody@example.com", "wrong password").await;
    }
    let events = audit_events::Entity::find().all(&app.db).await.unwrap();
    let count = |action: &str| events.iter().filter(|e| e.action == action).count();
    assert_eq!(
        count("sign_in.failed"),
        10,
        "every failure is in the audit log"
    );
    assert_eq!(count("sign_in.throttled"), 1);
    assert!(
        events
            .iter()
            .all(|e| !e.details.contains(PASSWORD) && !e.details.contains("wrong password")),
        "no password in the audit log"
    );
}

/// 100 wrong passwords at once, then the right one: the guesses are counted before any is
/// checked, so no more than the free guesses get through and the right one is refused.
async fn parallel_guesses_get_no_more_than_the_limit(app: &TestApp) {
    app.with_user("hal@example.com", &[Role::Employee]).await;
    let guesses = futures::future::join_all(
        (0..100).map(|_| app.sign_in("hal@example.com", "wrong password")),
    )
    .await;
    assert!(
        guesses
            .iter()
            .all(|(_, r)| location(r).starts_with("/login?error=invalid"))
    );
    let (_, right) = app.sign_in("hal@example.com", PASSWORD).await;
    assert!(location(&right).starts_with("/login?error=invalid"));
    let checked = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("sign_in.failed"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(checked, 5, "only the free guesses were checked");
}

async fn sign_out_ends_the_session_on_the_server(app: &TestApp) {
    app.with_user("eve@example.com", &[Role::Employee]).await;
    let (client, response) = app.sign_in("eve@example.com", PASSWORD).await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let out = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login?notice=signed-out");
    assert!(
        sessions::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    // Replaying the old cookie does not work: the session is gone, not just the cookie.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = replay
        .get(app.url("/dashboard"))
        .header("cookie", cookie)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/login?next=%2Fdashboard");
}

async fn expired_session_is_not_accepted(app: &TestApp) {
    let client = app.actor("fay@example.com", &[Role::Employee]).await;
    assert_eq!(
        client
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    sessions::Entity::update_many()
        .set(sessions::ActiveModel {
            expires_at: Set(past),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap();
    let page = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert!(location(&page).starts_with("/login"));
    assert!(
        sessions::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "the expired session is removed"
    );
}

async fn deactivation_ends_sessions_at_once(app: &TestApp) {
    let admin = app.actor("root@example.com", &[Role::Admin]).await;
    let employee = app.actor("gus@example.com", &[Role::Employee]).await;
    let gus = app::accounts::server::person_by_email(&app.db, "gus@example.com")
        .await
        .unwrap();
    let response = call(
        &admin,
        app,
        "admin/set_active",
        &[("user_id", &gus.id.to_string()), ("active", "false")],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let user_sessions = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(gus.id.0))
        .all(&app.db)
        .await
        .unwrap();
    assert!(user_sessions.is_empty());
    let page = employee.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
}

async fn role_guards_on_pages_and_server_functions(app: &TestApp) {
    let target = app
        .with_user("target@example.com", &[Role::Employee])
        .await
        .to_string();
    let anonymous = app.client();
    let employee = app.actor("emp@example.com", &[Role::Employee]).await;
    let trainer = app
        .actor("tra@example.com", &[Role::Employee, Role::Trainer])
        .await;
    let compliance = app
        .actor("com@example.com", &[Role::Employee, Role::Compliance])
        .await;
    let admin = app.actor("adm@example.com", &[Role::Admin]).await;
    let actors = [
        ("anonymous", &anonymous),
        ("employee", &employee),
        ("trainer", &trainer),
        ("compliance", &compliance),
        ("admin", &admin),
    ];

    // Pages: expected status per actor, in the order above. 303 = sent to sign in, 302 =
    // already signed in, sent on from the sign-in page.
    let pages: &[(&str, [u16; 5])] = &[
        ("/login", [200, 302, 302, 302, 302]),
        ("/dashboard", [303, 200, 200, 200, 200]),
        ("/account", [303, 200, 200, 200, 200]),
        ("/admin", [303, 403, 403, 403, 200]),
        ("/admin?q=x", [303, 403, 403, 403, 200]),
        ("/no-such-page", [404, 404, 404, 404, 404]),
    ];
    for (path, expected) in pages {
        for ((name, client), status) in actors.iter().zip(expected) {
            let response = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), *status, "GET {path} as {name}");
        }
    }
    let forbidden = employee
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(
        forbidden.contains("Access denied"),
        "the 403 page says so plainly"
    );

    // Server functions: 401 without a session, 403 without the role, anything else means the
    // call got past the guard.
    let admin_only: &[(&str, Vec<(&str, String)>)] = &[
        ("admin/list_people", vec![("query", String::new())]),
        (
            "admin/create_person",
            vec![
                ("email", "new@example.com".into()),
                ("display_name", "New".into()),
            ],
        ),
        (
            "admin/set_roles",
            vec![("user_id", target.clone()), ("role_employee", "on".into())],
        ),
        (
            "admin/set_active",
            vec![("user_id", target.clone()), ("active", "true".into())],
        ),
    ];
    for (endpoint, args) in admin_only {
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for (name, client) in &actors {
            let status = call(client, app, endpoint, &args).await.status().as_u16();
            let expected = match *name {
                "anonymous" => 401,
                "admin" => 200,
                _ => 403,
            };
            assert_eq!(status, expected, "{endpoint} as {name}");
        }
    }
    let signed_in_only: &[(&str, Vec<(&str, &str)>)] = &[(
        "change_password",
        vec![
            ("current_password", PASSWORD),
            ("new_password", "another-long-password"),
        ],
    )];
    for (endpoint, args) in signed_in_only {
        assert_eq!(
            call(&anonymous, app, endpoint, args)
                .await
                .status()
                .as_u16(),
            401,
            "{endpoint} anonymous"
        );
        assert_eq!(
            call(&employee, app, endpoint, args).await.status().as_u16(),
            200,
            "{endpoint} as employee"
        );
    }
    // The language can be chosen before signing in.
    assert_eq!(
        call(&anonymous, app, "set_language", &[("lang", "de")])
            .await
            .status()
            .as_u16(),
        200
    );
}

async fn cross_site_posts_are_refused(app: &TestApp) {
    app.with_user("hal@example.com", &[Role::Admin]).await;
    let foreign = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The sign-in form from another site.
    let response = foreign
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", "hal@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/login?error=csrf");
    assert!(response.headers().get("set-cookie").is_none());
    // A request with no origin information at all is refused too.
    let response = foreign
        .post(app.url("/login"))
        .form(&[("email", "hal@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/login?error=csrf");

    // A signed-in admin's browser, tricked by another site into a server-function call.
    let admin = app.actor("ivy@example.com", &[Role::Admin]).await;
    let response = admin
        .post(app.url("/api/admin/create_person"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .header("accept-language", "de")
        .form(&[
            ("email", "planted@example.com"),
            ("display_name", "Planted"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Die Anfrage konnte nicht geprüft werden"),
        "the refusal speaks the reader's language"
    );
    assert!(
        app::accounts::server::find_user_by_email(&app.db, "planted@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

async fn admin_creates_person_changes_roles_and_deactivates(app: &TestApp) {
    let admin = app.actor("boss@example.com", &[Role::Admin]).await;
    let created = call(
        &admin,
        app,
        "admin/create_person",
        &[
            ("email", "Jo.New@Example.com"),
            ("display_name", "Jo New"),
            ("employee_number", "E-77"),
            ("department", "Sales"),
            ("country", "ie"),
            ("preferred_language", "de"),
            ("role_employee", "on"),
            ("role_trainer", "on"),
            ("password", "jo-new-password"),
        ],
    )
    .await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{}",
        created.text().await.unwrap()
    );
    let jo = app::accounts::server::person_by_email(&app.db, "jo.new@example.com")
        .await
        .unwrap();
    assert_eq!(jo.roles, vec![Role::Employee, Role::Trainer]);
    assert_eq!(jo.country.as_deref(), Some("IE"));

    let listed = call(&admin, app, "admin/list_people", &[("query", "sales")])
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("jo.new@example.com"), "{listed}");
    let page = admin
        .get(app.url("/admin?q=jo.new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(page.contains("jo.new@example.com"));

    let id = jo.id.to_string();
    let changed = call(
        &admin,
        app,
        "admin/set_roles",
        &[("user_id", &id), ("role_compliance", "on")],
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let jo = app::accounts::server::person_by_email(&app.db, "jo.new@example.com")
        .await
        .unwrap();
    assert_eq!(jo.roles, vec![Role::Compliance]);

    let (_, signed_in) = app.sign_in("jo.new@example.com", "jo-new-password").await;
    assert_eq!(location(&signed_in), "/dashboard");
    call(
        &admin,
        app,
        "admin/set_active",
        &[("user_id", &id), ("active", "false")],
    )
    .await;
    let (_, refused) = app.sign_in("jo.new@example.com", "jo-new-password").await;
    assert!(location(&refused).starts_with("/login?error=deactivated"));
    call(
        &admin,
        app,
        "admin/set_active",
        &[("user_id", &id), ("active", "true")],
    )
    .await;
    let (_, again) = app.sign_in("jo.new@example.com", "jo-new-password").await;
    assert_eq!(location(&again), "/dashboard");

    let actions: Vec<String> = app::audit::server::list_events(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "user.created",
        "user.roles_changed",
        "user.deactivated",
        "user.reactivated",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "audit log lacks {expected}: {actions:?}"
        );
    }
}

async fn bad_admin_input_changes_nothing(app: &TestApp) {
    let admin = app.actor("chief@example.com", &[Role::Admin]).await;
    let before = app::audit::server::list_events(&app.db)
        .await
        .unwrap()
        .len();
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);
    let cases: &[Case] = &[
        (
            "admin/create_person",
            vec![("email", "not-an-email"), ("display_name", "X")],
            400,
        ),
        (
            "admin/create_person",
            vec![("email", "x@example.com"), ("display_name", "  ")],
            400,
        ),
        (
            "admin/create_person",
            vec![
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("country", "Germany"),
            ],
            400,
        ),
        (
            "admin/create_person",
            vec![
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("password", "short"),
            ],
            400,
        ),
        (
            "admin/create_person",
            vec![
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("preferred_language", "fr"),
            ],
            400,
        ),
        (
            "admin/create_person",
            vec![("email", "CHIEF@example.com"), ("display_name", "Twin")],
            409,
        ),
        (
            "admin/set_roles",
            vec![("user_id", "not-a-uuid"), ("role_admin", "on")],
            404,
        ),
        (
            "admin/set_roles",
            vec![
                ("user_id", "6f1c1f9e-5c1a-4a55-9a43-3c1e7cc3b1a1"),
                ("role_admin", "on"),
            ],
            404,
        ),
        (
            "admin/set_active",
            vec![
                ("user_id", "6f1c1f9e-5c1a-4a55-9a43-3c1e7cc3b1a1"),
                ("active", "false"),
            ],
            404,
        ),
        (
            "admin/set_active",
            vec![("user_id", "x"), ("active", "maybe")],
            400,
        ),
        ("set_language", vec![("lang", "fr")], 400),
    ];
    for (endpoint, args, status) in cases {
        let response = call(&admin, app, endpoint, args).await;
        assert_eq!(
            response.status().as_u16(),
            *status,
            "{endpoint} {args:?}: {}",
            response.text().await.unwrap()
        );
    }
    // The last admin can neither drop the role nor deactivate themself.
    let chief = app::accounts::server::person_by_email(&app.db, "chief@example.com")
        .await
        .unwrap()
        .id
        .to_string();
    assert_eq!(
        call(
            &admin,
            app,
            "admin/set_roles",
            &[("user_id", &chief), ("role_employee", "on")]
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(
            &admin,
            app,
            "admin/set_active",
            &[("user_id", &chief), ("active", "false")]
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    assert!(
        app::accounts::server::find_user_by_email(&app.db, "x@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app::audit::server::list_events(&app.db)
            .await
            .unwrap()
            .len(),
        before,
        "nothing was recorded"
    );
}

async fn own_password_can_be_changed(app: &TestApp) {
    let client = app.actor("ken@example.com", &[Role::Employee]).await;
    let other_device = app.actor_again("ken@example.com").await;
    let wrong = call(
        &client,
        app,
        "change_password",
        &[
            ("current_password", "nope"),
            ("new_password", "brand-new-password"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let short = call(
        &client,
        app,
        "change_password",
        &[("current_password", PASSWORD), ("new_password", "short")],
    )
    .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let ok = call(
        &client,
        app,
        "change_password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "brand-new-password"),
        ],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let rotated = ok
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(rotated.starts_with("cleared_session="), "{rotated}");
    // This browser continues under the new token; the other device is signed out.
    let here = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(here.status(), StatusCode::OK);
    let there = other_device
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(there.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        sessions::Entity::find().count(&app.db).await.unwrap(),
        1,
        "only the rotated session is left"
    );
    let (_, old) = app.sign_in("ken@example.com", PASSWORD).await;
    assert!(location(&old).starts_with("/login?error=invalid"));
    let (_, new) = app.sign_in("ken@example.com", "brand-new-password").await;
    assert_eq!(location(&new), "/dashboard");
    // The wrong current password counted like a failed sign-in.
    let failed = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("sign_in.failed"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        failed.iter().any(|e| e.details.contains("password change")),
        "{failed:?}"
    );
}

async fn language_choice_is_stored_for_the_person(app: &TestApp) {
    let client = app.actor("lou@example.com", &[Role::Employee]).await;
    let english = client
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(english.contains("<html lang=\"en\"") && english.contains("Welcome"));
    assert_eq!(
        call(&client, app, "set_language", &[("lang", "de")])
            .await
            .status(),
        StatusCode::OK
    );
    // A new session (another device, no language cookie) still gets German.
    let (other_device, _) = app.sign_in("lou@example.com", PASSWORD).await;
    let german = other_device
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(
        german.contains("<html lang=\"de\"") && german.contains("Willkommen"),
        "{german}"
    );
    // Before sign-in the browser's language decides.
    let visitor = app.client();
    let page = visitor
        .get(app.url("/login"))
        .header("accept-language", "de-AT,de;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|h| page_text(&h))
        .unwrap();
    assert!(page.contains("Bei Cleared anmelden"));
}

async fn demo_seeding_is_idempotent(app: &TestApp) {
    let now = chrono::Utc::now();
    let first = app::demo::seed_demo(&app.db, now).await.unwrap();
    let count = app::accounts::server::search_people(&app.db, "", 10_000)
        .await
        .unwrap()
        .len();
    let second = app::demo::seed_demo(&app.db, now).await.unwrap();
    assert!(first.created >= 30, "a few dozen people: {first:?}");
    assert_eq!(second.created, 0);
    assert_eq!(
        app::accounts::server::search_people(&app.db, "", 10_000)
            .await
            .unwrap()
            .len(),
        count
    );
    for (email, _, _) in app::demo::DEMO_ACCOUNTS {
        let (_, response) = app.sign_in(email, app::demo::DEMO_PASSWORD).await;
        assert_eq!(location(&response), "/dashboard", "{email}");
    }
}

async fn migrations_go_down_and_up_again(app: &TestApp) {
    use migration::{Migrator, MigratorTrait};
    let applied = Migrator::get_applied_migrations(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(applied, Migrator::migrations().len());
    Migrator::down(&app.db, None).await.unwrap();
    assert!(
        Migrator::get_applied_migrations(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::up(&app.db, None).await.unwrap();
    app.with_user("after@example.com", &[Role::Employee]).await;
}

async fn health_and_security_headers(app: &TestApp) {
    let client = app.client();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let page = client.get(app.url("/login")).send().await.unwrap();
    let headers = page.headers().clone();
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'nonce-"),
        "{csp}"
    );
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(headers.get("referrer-policy").is_some());
    assert!(headers.get("x-request-id").is_some());
    let html = page.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    for script in html.split("<script").skip(1) {
        assert!(
            script.contains(&format!("nonce=\"{nonce}\"")),
            "every inline script carries the nonce: {script}"
        );
    }
}

async fn plain_forms_return_to_the_page_with_their_outcome(app: &TestApp) {
    let admin = app.actor("formal@example.com", &[Role::Admin]).await;
    // What a browser without JavaScript sends: a plain form post accepting HTML.
    let response = admin
        .post(app.url("/api/admin/create_person"))
        .header("referer", app.url("/admin?q=sales"))
        .form(&[("email", "not-an-email"), ("display_name", "X")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(&response);
    assert!(back.starts_with("/admin?q=sales&error="), "{back}");
    assert_eq!(
        response.headers().get("x-form-error-status").unwrap(),
        "400"
    );
    let page = page_at(&admin, app.url(&back)).await;
    assert!(
        page.contains("is not a valid email address"),
        "the page shows the error"
    );
    // A successful post goes back to the page without the error, with the success named.
    let ok = admin
        .post(app.url("/api/admin/create_person"))
        .header("referer", app.url(&back))
        .form(&[("email", "fine@example.com"), ("display_name", "Fine")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::FOUND);
    let back = location(&ok);
    assert_eq!(back, "/admin?q=sales&notice=person_created");
    let page = page_at(&admin, app.url(&back)).await;
    assert!(
        page.contains("The person has been created.") && !page.contains("is not a valid email"),
        "the page confirms the success"
    );
    // The language switch goes back to the same page, without the earlier post's outcome.
    let switched = admin
        .post(app.url("/api/set_language"))
        .header("referer", app.url(&back))
        .form(&[("lang", "de")])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), StatusCode::FOUND);
    assert_eq!(location(&switched), "/admin?q=sales");
    // Only known notices are worded: a link cannot put words of its own on the page.
    let forged = page_at(&admin, app.url("/admin?notice=You+won")).await;
    assert!(!forged.contains("You won") && !forged.contains("id=\"form-notice\""));
}

async fn redirect_targets_stay_on_this_site(app: &TestApp) {
    let client = app.actor("ivy@example.com", &[Role::Employee]).await;
    // Signed in, the sign-in page sends on to `next`: never to another site, never a panic.
    for next in [
        "/%09/evil.example/x",
        "/\t/evil.example/x",
        "//evil.example/x",
        "/\\evil.example",
        "/..//evil.example",
    ] {
        let response = client
            .get(app.url("/login"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        let target = location(&response);
        assert!(
            response.status().is_redirection(),
            "{next}: {}",
            response.status()
        );
        // Where a browser goes: the target resolved against this site, tabs removed as
        // browsers do.
        let followed = url::Url::parse(&app.base_url)
            .unwrap()
            .join(&target.replace('\t', ""))
            .unwrap();
        assert_eq!(followed.host_str(), Some("127.0.0.1"), "{next} -> {target}");
    }
    for control in ["\n", "\r", "\u{b}", "\t"] {
        let next = format!("/x{control}y");
        let response = client
            .get(app.url("/login"))
            .query(&[("next", next.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response), "/dashboard", "GET with {next:?}");
        let (_, posted) = app.sign_in_with_next("ivy@example.com", &next).await;
        assert_eq!(posted.status(), StatusCode::SEE_OTHER, "POST with {next:?}");
        assert_eq!(location(&posted), "/dashboard");
    }
    // A plain form's error goes back only to a page of ours, whatever the Referer says.
    let admin = app.actor("ida@example.com", &[Role::Admin]).await;
    for referer in ["//evil.example/x", "http://evil.example/admin", "not a url"] {
        let response = admin
            .post(app.url("/api/admin/create_person"))
            .header("referer", referer)
            .header("accept", "text/html")
            .form(&[("email", "not-an-email"), ("display_name", "X")])
            .send()
            .await
            .unwrap();
        assert!(
            !location(&response).contains("evil.example"),
            "{referer} -> {}",
            location(&response)
        );
    }
    // The quiz form never puts a malformed attempt id into a header.
    for id in ["x%0d%0aA", "x%00", "x%7f", "x%26next%3D%2F%2Fevil.com"] {
        let response = app
            .client()
            .post(app.url(&format!("/attempts/{id}")))
            .form(&[("q1", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
    }
    let id = uuid::Uuid::new_v4();
    let response = app
        .client()
        .post(app.url(&format!("/attempts/{id}")))
        .form(&[("q1", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&response),
        format!("/login?next=%2Fattempts%2F{id}")
    );
    // A signed-out visitor of a page with a query comes back to it after signing in.
    let anonymous = app.client();
    let response = anonymous
        .get(app.url("/admin?q=a&b=c"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=%2Fadmin%3Fq%3Da%26b%3Dc");
}

async fn personal_responses_are_not_stored_by_caches(app: &TestApp) {
    let client = app.actor("jo@example.com", &[Role::Employee]).await;
    for path in ["/dashboard", "/account", "/login"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            response.headers().get("cache-control").unwrap(),
            "no-store",
            "{path}"
        );
    }
    let dashboard = call(&client, app, "dashboard", &[]).await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert_eq!(
        dashboard.headers().get("cache-control").unwrap(),
        "no-store"
    );
    // Over plain HTTP there is no HSTS and the cookie has no __Host- prefix.
    assert!(
        client
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

async fn hostile_text_is_refused_and_changes_nothing(app: &TestApp) {
    let admin = app.actor("kai@example.com", &[Role::Admin]).await;
    let before = app::accounts::server::search_people(&app.db, "", 1000)
        .await
        .unwrap()
        .len();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("email", "x@example.org\0\0evil"), ("display_name", "X")],
            "invalid_email",
        ),
        (
            &[("email", "y@example.org"), ("display_name", "Y\u{0}")],
            "control_characters",
        ),
        (
            &[
                ("email", "z@example.org"),
                ("display_name", "admin\u{202e}nimda"),
            ],
            "control_characters",
        ),
        (
            &[
                ("email", "w@example.org"),
                ("display_name", "W"),
                ("department", "Sales\nLegal"),
            ],
            "control_characters",
        ),
    ];
    for (fields, code) in cases {
        let response = call(&admin, app, "admin/create_person", fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        let body = response.text().await.unwrap();
        assert!(body.contains(code), "{fields:?}: {body}");
    }
    let after = app::accounts::server::search_people(&app.db, "", 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing was created");
    // Names are stored in one Unicode form, so "José" typed two ways is one name.
    let created = call(
        &admin,
        app,
        "admin/create_person",
        &[
            ("email", "jose@example.org"),
            ("display_name", "  Jose\u{301}  "),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::OK);
    let found = app::accounts::server::search_people(&app.db, "jos\u{e9}", 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].display_name, "Jos\u{e9}");
    // A huge search is refused with a clear message, not run.
    let huge = "a".repeat(100_000);
    let response = call(&admin, app, "admin/list_people", &[("query", &huge)]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("search_too_long"));
    let long = "a".repeat(5_000);
    let page = admin
        .get(app.url("/admin"))
        .query(&[("q", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page_text(&page.text().await.unwrap()).contains("The search text is too long"));
    // `%` and `_` are searched for literally.
    let literal = call(&admin, app, "admin/list_people", &[("query", "%")]).await;
    assert_eq!(
        literal
            .json::<Vec<serde_json::Value>>()
            .await
            .unwrap()
            .len(),
        0
    );
}

/// Over HTTPS (`CLEARED_SECURE_COOKIES=true`) the session cookie is `__Host-` prefixed and
/// `Secure`, and browsers are told to use HTTPS only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_deployment_uses_host_cookie_and_hsts() {
    let app = TestApp::start_with(
        cleared_tests::Backend::Sqlite,
        &[("CLEARED_SECURE_COOKIES", "true")],
    )
    .await
    .unwrap();
    app.with_user("sec@example.com", &[Role::Employee]).await;
    let https = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = https
        .post(app.url("/login"))
        .header("origin", format!("https://{}", app.addr))
        .form(&[("email", "sec@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/dashboard");
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.starts_with("__Host-cleared_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap().starts_with("max-age="))
    );
    // An http:// origin is another origin on an HTTPS site.
    let plain = https
        .post(app.url("/login"))
        .header("origin", app.base_url.clone())
        .form(&[("email", "sec@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&plain), "/login?error=csrf");
    app.stop().await;
}

/// Behind a trusted reverse proxy the client's own address is throttled, not the proxy's, so
/// one guesser behind the proxy does not lock everyone else out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own() {
    let app = TestApp::start_with(
        cleared_tests::Backend::Sqlite,
        &[("CLEARED_TRUSTED_PROXIES", "127.0.0.1")],
    )
    .await
    .unwrap();
    app.with_user("pro@example.com", &[Role::Employee]).await;
    let sign_in = |forwarded_for: &'static str, password: &'static str| {
        let client = app.client();
        let url = app.url("/login");
        async move {
            let response = client
                .post(url)
                .header("x-forwarded-for", forwarded_for)
                .form(&[("email", "pro@example.com"), ("password", password)])
                .send()
                .await
                .unwrap();
            location(&response)
        }
    };
    for _ in 0..6 {
        sign_in("203.0.113.5", "wrong password").await;
    }
    assert!(
        sign_in("203.0.113.5", PASSWORD)
            .await
            .starts_with("/login?error=invalid")
    );
    assert_eq!(sign_in("198.51.100.7", PASSWORD).await, "/dashboard");
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("sign_in.failed"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        events.iter().all(|e| e.details.contains("203.0.113.5")),
        "{events:?}"
    );
    app.stop().await;
}
