//! Component tests in a real browser (headless Chromium, through wasm-bindgen-test-runner and
//! chromedriver): `cargo xtask test` runs them with `--target wasm32-unknown-unknown`.

#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wavehub_core::accounts::{Me, Role};
use wavehub_core::api::{Finding, Problem};
use wavehub_web::api::ApiError;
use wavehub_web::components::layout::{RequireSignIn, TopBar};
use wavehub_web::components::messages::ErrorAlert;
use wavehub_web::pages::login::LoginPage;
use wavehub_web::session::Session;
use wavehub_web::theme::ThemeToggle;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the test page to mount into.
fn container() -> web_sys::HtmlElement {
    let document = document();
    let element = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

fn signed_in_as(username: &str, roles: &[Role]) -> Session {
    Session::new(Some(Me { username: username.into(), roles: roles.to_vec() }), true)
}

fn nav_links(parent: &web_sys::HtmlElement) -> Vec<String> {
    let links = parent.query_selector_all("nav a").unwrap();
    (0..links.length()).map(|i| links.item(i).unwrap().text_content().unwrap()).collect()
}

fn click(parent: &web_sys::HtmlElement, selector: &str) {
    let element = parent.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}"));
    element.unchecked_into::<web_sys::HtmlElement>().click();
}

#[wasm_bindgen_test]
async fn admins_see_the_admin_navigation_and_their_name() {
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), || {
        provide_context(signed_in_as("ada", &[Role::Admin]));
        view! { <Router><TopBar/></Router> }
    });
    leptos::task::tick().await;
    assert_eq!(
        nav_links(&parent),
        ["Catalog", "My instances", "Upload", "Runtime images", "Runtimes", "Tags", "Secrets", "Users", "Audit log"]
    );
    let account = parent.query_selector("[data-testid=account]").unwrap().unwrap();
    assert!(account.text_content().unwrap().contains("ada"));
    assert!(account.text_content().unwrap().contains("Sign out"));
}

#[wasm_bindgen_test]
async fn plain_users_and_authors_see_only_what_they_may_use() {
    let user = container();
    let _user = leptos::mount::mount_to(user.clone(), || {
        provide_context(signed_in_as("uma", &[Role::User]));
        view! { <Router><TopBar/></Router> }
    });
    let author = container();
    let _author = leptos::mount::mount_to(author.clone(), || {
        provide_context(signed_in_as("alan", &[Role::Author]));
        view! { <Router><TopBar/></Router> }
    });
    leptos::task::tick().await;
    // Workspace members read runtime images and runtimes, so every signed-in user gets the links.
    assert_eq!(nav_links(&user), ["Catalog", "My instances", "Runtime images", "Runtimes", "Tags"]);
    assert_eq!(nav_links(&author), ["Catalog", "My instances", "Upload", "Runtime images", "Runtimes", "Tags"]);
}

#[wasm_bindgen_test]
async fn signed_out_visitors_get_a_sign_in_link_once_the_check_is_done() {
    let parent = container();
    let session = Session::new(None, false);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        provide_context(session);
        view! { <Router><TopBar/></Router> }
    });
    leptos::task::tick().await;
    assert!(!parent.text_content().unwrap().contains("Sign in"), "nothing flashes before /me answers");
    session.checked.set(true);
    leptos::task::tick().await;
    let link = parent.query_selector(".topbar-end a").unwrap().unwrap();
    assert_eq!(link.text_content().unwrap(), "Sign in");
    assert_eq!(link.get_attribute("href").unwrap(), "/login");
    assert!(nav_links(&parent).is_empty());
}

#[wasm_bindgen_test]
async fn guarded_pages_ask_visitors_to_sign_in_and_show_members_the_page() {
    let visitor = container();
    let _visitor = leptos::mount::mount_to(visitor.clone(), || {
        provide_context(Session::new(None, true));
        view! { <Router><RequireSignIn><p id="secret">"members only"</p></RequireSignIn></Router> }
    });
    let member = container();
    let _member = leptos::mount::mount_to(member.clone(), || {
        provide_context(signed_in_as("mia", &[Role::User]));
        view! { <Router><RequireSignIn><p id="secret">"members only"</p></RequireSignIn></Router> }
    });
    leptos::task::tick().await;
    assert!(visitor.query_selector("#secret").unwrap().is_none());
    let link = visitor.query_selector("a").unwrap().unwrap();
    let href = link.get_attribute("href").unwrap();
    assert!(href.starts_with("/login?next=/"), "{href}: sign-in brings the visitor back here");
    assert_eq!(member.query_selector("#secret").unwrap().unwrap().text_content().unwrap(), "members only");
}

#[wasm_bindgen_test]
async fn the_theme_toggle_switches_and_remembers() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.set_item("wavehub-theme", "light").unwrap();
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), || view! { <ThemeToggle/> });
    leptos::task::tick().await;
    let root = document().document_element().unwrap();
    assert_eq!(root.get_attribute("data-theme").as_deref(), Some("light"));
    click(&parent, "button");
    leptos::task::tick().await;
    assert_eq!(root.get_attribute("data-theme").as_deref(), Some("dark"));
    assert_eq!(storage.get_item("wavehub-theme").unwrap().as_deref(), Some("dark"));
    assert_eq!(parent.query_selector("button").unwrap().unwrap().get_attribute("aria-label").unwrap(), "Switch to light theme");
}

#[wasm_bindgen_test]
async fn the_sign_in_form_asks_for_both_fields_before_sending() {
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), || {
        provide_context(Session::new(None, true));
        view! { <Router><LoginPage/></Router> }
    });
    leptos::task::tick().await;
    assert!(parent.query_selector("[role=alert]").unwrap().is_none());
    click(&parent, "button[type=submit]");
    leptos::task::tick().await;
    let alert = parent.query_selector("[role=alert]").unwrap().expect("an alert after an empty submit");
    assert_eq!(alert.text_content().unwrap(), "Enter your username and password.");
    // The fields are labelled, so people using screen readers know what to type.
    for id in ["login-username", "login-password"] {
        assert!(parent.query_selector(&format!("label[for={id}]")).unwrap().is_some(), "{id} has a label");
    }
}

#[wasm_bindgen_test]
async fn validation_errors_list_each_field() {
    let parent = container();
    let mut problem = Problem::new(422, "2 problems in the request; see `errors`.");
    problem.errors = vec![
        Finding::field_error("username.invalid", "username", "Use lowercase letters."),
        Finding::field_error("password.too_short", "password", "Use at least 8 characters."),
    ];
    let error = Signal::stored(Some(ApiError::Invalid(problem)));
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <ErrorAlert error/> });
    leptos::task::tick().await;
    let items = parent.query_selector_all("[role=alert] li").unwrap();
    assert_eq!(items.length(), 2);
    assert_eq!(items.item(1).unwrap().text_content().unwrap(), "password: Use at least 8 characters.");
}

fn sample_app(long_description: &str) -> wavehub_core::apps::AppDetail {
    use wavehub_core::apps::{AppDetail, AppRuntime, AppSummary, Visibility};
    AppDetail {
        summary: AppSummary {
            id: 7,
            name: "ai.example.credit".into(),
            version: "1.2.0".into(),
            title: "Credit Risk".into(),
            description: "Scores loans.".into(),
            category: Some("Finance".into()),
            keywords: vec!["loans".into()],
            tags: vec!["FINSERV".into()],
            owner: Some("alice".into()),
            visibility: Visibility::Private,
            created_at: "2026-12-01T10:00:00Z".into(),
            has_icon: false,
        },
        long_description: Some(long_description.into()),
        runtime: AppRuntime { memory_limit: Some("2Gi".into()), volume_mount: Some("/data".into()), volume_size: Some("1Gi".into()), ..AppRuntime::default() },
        screenshots: 2,
        bundle_size: 1_400_000,
        sha256: "0".repeat(64),
        can_manage: true,
    }
}

#[wasm_bindgen_test]
async fn a_hostile_long_description_renders_inert() {
    use wavehub_web::components::app_view::AppOverview;
    let parent = container();
    let hostile = "# Hi\n\n<script>window.pwned = 1</script>\n\n<img src=x onerror=\"window.pwned = 2\">\n\n[x](javascript:window.pwned=3) [ok](https://example.org/)\n";
    let app = sample_app(hostile);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <AppOverview app/> });
    leptos::task::tick().await;
    let about = parent.query_selector("section.markdown").unwrap().expect("the rendered description");
    assert!(about.query_selector("script, img, [onerror], a[href^=javascript]").unwrap().is_none(), "{}", about.inner_html());
    assert!(about.text_content().unwrap().contains("<script>window.pwned = 1</script>"), "shown as text");
    assert_eq!(about.query_selector("h3").unwrap().unwrap().text_content().unwrap(), "Hi", "author headings sit below the page's");
    let link = about.query_selector("a[href='https://example.org/']").unwrap().unwrap();
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener noreferrer nofollow"));
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"pwned".into()).unwrap();
    assert!(pwned.is_undefined());
    // The facts: limits and volume as people read them.
    let facts = parent.query_selector(".app-facts").unwrap().unwrap().text_content().unwrap();
    assert!(facts.contains("2Gi limit") && facts.contains("1Gi at /data") && facts.contains("1.4 MB"), "{facts}");
}

#[wasm_bindgen_test]
async fn screenshots_open_full_size_and_close_with_escape() {
    use wavehub_web::components::app_view::AppOverview;
    let parent = container();
    let app = sample_app("text");
    let srcs = vec!["/a.png".to_owned(), "/b.png".to_owned()];
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <AppOverview app screenshot_srcs=srcs/> });
    leptos::task::tick().await;
    assert!(parent.query_selector("[role=dialog]").unwrap().is_none());
    click(&parent, ".gallery-thumbs li:nth-child(2) button");
    leptos::task::tick().await;
    let dialog = parent.query_selector("[role=dialog]").unwrap().expect("the full-size view");
    assert_eq!(dialog.get_attribute("aria-label").as_deref(), Some("Credit Risk: screenshot 2 of 2"));
    click(&parent, ".lightbox-controls button:first-child");
    leptos::task::tick().await;
    let image = parent.query_selector(".lightbox-image").unwrap().unwrap();
    assert_eq!(image.get_attribute("src").as_deref(), Some("/a.png"), "Previous steps back");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&escape).unwrap();
    leptos::task::tick().await;
    assert!(parent.query_selector("[role=dialog]").unwrap().is_none());
}

/// Types into an input the way a person does: the value changes, then `input` fires.
fn type_into(parent: &web_sys::HtmlElement, selector: &str, text: &str) {
    let element = parent.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}"));
    js_sys::Reflect::set(&element, &"value".into(), &text.into()).unwrap();
    let event = web_sys::Event::new("input").unwrap();
    #[allow(deprecated)]
    event.init_event_with_bubbles("input", true);
    element.dispatch_event(&event).unwrap();
}

fn text_of(parent: &web_sys::HtmlElement, selector: &str) -> String {
    parent.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).text_content().unwrap()
}

#[wasm_bindgen_test]
async fn the_create_image_dialog_shows_the_version_as_you_type_and_asks_when_the_tag_has_none() {
    use wavehub_web::pages::runtime_images::list::CreateImageDialog;
    let parent = container();
    let closed = RwSignal::new(false);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <Router><CreateImageDialog ws="default".to_owned() on_close=move || closed.set(true)/></Router> }
    });
    leptos::task::tick().await;
    let dialog = parent.query_selector("dialog").unwrap().expect("the dialog");
    assert!(dialog.has_attribute("open"), "opened as a modal");
    assert_eq!(document().active_element().unwrap().id(), "image-name", "focus moves to the first field");
    let preview = "[data-testid=version-preview]";
    assert!(text_of(&parent, preview).starts_with("Enter the Docker image"));

    type_into(&parent, "#image-docker", "docker.io/myorg/scorer:2.0.0");
    leptos::task::tick().await;
    assert_eq!(text_of(&parent, preview), "Version v2.0.0 (from the tag)");

    type_into(&parent, "#image-docker", "docker.io/myorg/scorer:latest");
    leptos::task::tick().await;
    assert!(text_of(&parent, preview).contains("`latest` is not a semantic version"), "{}", text_of(&parent, preview));
    let version_input = parent.query_selector("#image-version").unwrap().unwrap();
    assert_eq!(version_input.get_attribute("aria-invalid").as_deref(), Some("true"), "the Version field is where to answer");

    type_into(&parent, "#image-version", "1.0.0");
    leptos::task::tick().await;
    assert_eq!(text_of(&parent, preview), "Version v1.0.0 (as you entered it)");

    // Without a name, the same rule as the server's stops the create and says so at the field.
    click(&parent, "button[type=submit]");
    leptos::task::tick().await;
    assert_eq!(text_of(&parent, "#image-name-findings"), "Enter a name.");
    assert_eq!(parent.query_selector("#image-name").unwrap().unwrap().get_attribute("aria-invalid").as_deref(), Some("true"));

    // Escape closes it.
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    parent.query_selector("#image-name").unwrap().unwrap().dispatch_event(&escape).unwrap();
    leptos::task::tick().await;
    assert!(closed.get_untracked());
}

#[wasm_bindgen_test]
async fn state_changes_say_what_they_do_and_need_a_reason_before_anything_is_sent() {
    use wavehub_core::runtime_images::{State, StateAction};
    use wavehub_web::pages::runtime_images::dialogs::{StateDialog, StateRequest, StateTarget};
    let parent = container();
    let request = StateRequest {
        target: StateTarget::Version { ws: "default".into(), uid: "scorer".into(), version: "v3.0.0".into() },
        action: StateAction::Disable,
        subject: "version v3.0.0 of Scorer".into(),
        platform_state: None,
        impact: Some("The current version moves from v3.0.0 to v2.0.0.".into()),
    };
    let done = RwSignal::new(false);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <StateDialog request on_close=|| () on_done=move || done.set(true)/> }
    });
    leptos::task::tick().await;
    assert_eq!(text_of(&parent, "dialog h2"), "Disable version v3.0.0 of Scorer?");
    assert_eq!(
        text_of(&parent, ".consequence"),
        format!("The version becomes DISABLED: {}.", State::Disabled.meaning())
    );
    assert_eq!(text_of(&parent, ".impact"), "The current version moves from v3.0.0 to v2.0.0.");
    let label = parent.query_selector("dialog label").unwrap().unwrap();
    assert_eq!(label.text_content().unwrap(), "Reason (required)");
    assert_eq!(document().active_element().unwrap().tag_name(), "TEXTAREA", "focus is on the reason");
    click(&parent, "button[type=submit]");
    leptos::task::tick().await;
    let findings = parent.query_selector(".field-error").unwrap().expect("the reason is asked for");
    assert!(findings.text_content().unwrap().starts_with("Say why you disable it"), "{}", findings.text_content().unwrap());
    assert!(!done.get_untracked(), "nothing was sent");
}

#[wasm_bindgen_test]
async fn a_platform_ceiling_is_explained_in_the_dialog() {
    use wavehub_core::runtime_images::{State, StateAction};
    use wavehub_web::pages::runtime_images::dialogs::{StateDialog, StateRequest, StateTarget};
    let parent = container();
    let request = StateRequest {
        target: StateTarget::Image { ws: "default".into(), uid: "h2o-scorer".into() },
        action: StateAction::Enable,
        subject: "image H2O Scorer".into(),
        platform_state: Some(State::Disabled),
        impact: None,
    };
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <StateDialog request on_close=|| () on_done=|| ()/> }
    });
    leptos::task::tick().await;
    assert_eq!(text_of(&parent, "dialog h2"), "Enable image H2O Scorer?");
    assert!(text_of(&parent, ".ceiling-note").contains("The platform sets this image to DISABLED"));
    assert_eq!(text_of(&parent, "dialog label"), "Reason (optional)");
}

// ---- Tags, secrets, audit ----

fn sample_tag(name: &str, title: &str, color: &str) -> wavehub_core::tags::Tag {
    wavehub_core::tags::Tag {
        name: name.into(),
        title: title.into(),
        color: color.into(),
        description: format!("About {title}"),
        admin_roles: vec![Role::Author],
        apps_count: 1,
        can_assign: false,
    }
}

#[wasm_bindgen_test]
async fn tag_chips_wear_their_tags_color_with_readable_text_and_unknown_names_the_default() {
    use wavehub_web::components::app_view::TagChips;
    use wavehub_web::components::tags::remember_tags;
    remember_tags(vec![sample_tag("FORECASTING", "Forecasting", "#1f3b73"), sample_tag("SUNNY", "Sunny", "#FFD700")]);
    let parent = container();
    let names = vec!["FORECASTING".to_owned(), "SUNNY".to_owned(), "TELECOM".to_owned()];
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <TagChips tags=names/> });
    leptos::task::tick().await;
    let chip = |name: &str| parent.query_selector(&format!("li[data-tag={name}]")).unwrap().unwrap_or_else(|| panic!("no chip {name}"));
    let dark = chip("FORECASTING");
    assert_eq!(dark.text_content().unwrap(), "Forecasting", "chips show the tag's title");
    let style = dark.get_attribute("style").unwrap();
    assert!(style.contains("background-color: #1f3b73") && style.contains("color: #ffffff"), "{style}");
    assert_eq!(dark.get_attribute("title").as_deref(), Some("FORECASTING: About Forecasting"));
    let light = chip("SUNNY").get_attribute("style").unwrap();
    assert!(light.contains("background-color: #ffd700") && light.contains("color: #000000"), "{light}");
    let unknown = chip("TELECOM");
    assert_eq!(unknown.text_content().unwrap(), "TELECOM");
    let style = unknown.get_attribute("style").unwrap();
    assert!(style.contains(&format!("background-color: {}", wavehub_core::tags::DEFAULT_COLOR)), "{style}");
    // A later load (an admin recolored it) repaints the chips already on the page.
    remember_tags(vec![sample_tag("FORECASTING", "Forecasts", "#ffffff")]);
    leptos::task::tick().await;
    assert_eq!(chip("FORECASTING").text_content().unwrap(), "Forecasts");
    assert!(chip("FORECASTING").get_attribute("style").unwrap().contains("color: #000000"));
}

#[wasm_bindgen_test]
async fn the_new_tag_form_refuses_a_bad_color_at_its_field_before_sending() {
    use wavehub_web::pages::admin::tags::NewTagForm;
    let parent = container();
    let created = RwSignal::new(false);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <Router><NewTagForm on_created=move |_| created.set(true)/></Router> }
    });
    leptos::task::tick().await;
    // The picker and the hex text are one color.
    type_into(&parent, "#new-tag-color", "#1F77B4");
    leptos::task::tick().await;
    let picker = parent.query_selector("#new-tag-color-picker").unwrap().unwrap();
    assert_eq!(js_sys::Reflect::get(&picker, &"value".into()).unwrap().as_string().as_deref(), Some("#1f77b4"));
    assert!(text_of(&parent, ".tag-sample").contains("Sample"));

    type_into(&parent, "#new-tag-name", "bad name");
    type_into(&parent, "#new-tag-color", "#12345g");
    leptos::task::tick().await;
    click(&parent, "button[type=submit]");
    leptos::task::tick().await;
    assert!(text_of(&parent, "#new-tag-color-findings").contains("`#12345g` is not a color"), "{}", text_of(&parent, "#new-tag-color-findings"));
    assert!(text_of(&parent, "#new-tag-name-findings").contains("can't be a tag name"));
    let color = parent.query_selector("#new-tag-color").unwrap().unwrap();
    assert_eq!(color.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(text_of(&parent, "[role=alert] p"), "Fix the fields marked below.");
    assert!(!created.get_untracked(), "nothing was sent");
    // Roles: none checked says anyone signed in may assign it.
    assert!(text_of(&parent, ".tag-form").contains("None checked: anyone signed in may assign it"));
}

#[wasm_bindgen_test]
async fn secrets_and_the_audit_log_tell_non_admins_they_are_for_admins() {
    use wavehub_web::pages::admin::audit::AuditPage;
    use wavehub_web::pages::admin::secrets::SecretsPage;
    let secrets = container();
    let _secrets = leptos::mount::mount_to(secrets.clone(), || {
        provide_context(signed_in_as("alan", &[Role::Author]));
        view! { <Router><SecretsPage/></Router> }
    });
    let audit = container();
    let _audit = leptos::mount::mount_to(audit.clone(), || {
        provide_context(signed_in_as("uma", &[Role::User]));
        view! { <Router><AuditPage/></Router> }
    });
    leptos::task::tick().await;
    assert!(text_of(&secrets, "[role=alert]").starts_with("Admins only"));
    assert!(secrets.query_selector("input").unwrap().is_none(), "no form for non-admins");
    assert!(text_of(&audit, "[role=alert]").starts_with("Admins only"));
}


