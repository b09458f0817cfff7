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

#[wasm_bindgen_test]
async fn a_text_field_names_its_hint_and_findings_and_is_invalid_while_one_is_about_it() {
    use wavehub_web::components::form::TextField;
    let parent = container();
    let (name, notes) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<ApiError>);
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! {
            <TextField id="t-name" label="Name" path="name" value=name error hint="Lower-case letters." described_by="t-preview"/>
            <TextField id="t-notes" label="Notes" path="notes" value=notes error rows=3/>
        }
    });
    leptos::task::tick().await;
    let input = parent.query_selector("input#t-name").unwrap().expect("a one-line input");
    assert_eq!(text_of(&parent, "label[for=t-name]"), "Name");
    assert_eq!(input.get_attribute("aria-describedby").as_deref(), Some("t-name-hint t-preview t-name-findings"));
    assert_eq!(text_of(&parent, "#t-name-hint"), "Lower-case letters.");
    let notes_area = parent.query_selector("textarea#t-notes").unwrap().expect("a text area");
    assert_eq!(notes_area.get_attribute("aria-describedby").as_deref(), Some("t-notes-findings"));
    assert_eq!(input.get_attribute("aria-invalid"), None);

    type_into(&parent, "#t-name", "Bad Name");
    assert_eq!(name.get_untracked(), "Bad Name");
    let mut problem = Problem::new(422, "Fix the fields marked below.");
    problem.errors = vec![Finding::field_error("name.invalid", "name", "Use lower-case letters.")];
    error.set(Some(ApiError::Invalid(problem)));
    leptos::task::tick().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(text_of(&parent, "#t-name-findings"), "Use lower-case letters.");
    assert_eq!(notes_area.get_attribute("aria-invalid"), None, "a finding about another field leaves it alone");
    assert_eq!(text_of(&parent, "#t-notes-findings"), "");
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
        // As the server (an imported version) and the engine's worker (the upload preview) render
        // it; the page inserts that HTML as is.
        long_description_html: Some(wavehub_core::markdown::to_safe_html(long_description, None)),
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
    use wavehub_web::pages::admin::runtime_images::list::CreateImageDialog;
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
    use wavehub_core::runtime_images::{Availability, StateAction};
    use wavehub_web::pages::admin::runtime_images::dialogs::{StateDialog, StateRequest, StateTarget};
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
        format!("The version becomes DISABLED: {}.", Availability::Disabled.meaning())
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
    use wavehub_core::runtime_images::{Availability, StateAction};
    use wavehub_web::pages::admin::runtime_images::dialogs::{StateDialog, StateRequest, StateTarget};
    let parent = container();
    let request = StateRequest {
        target: StateTarget::Image { ws: "default".into(), uid: "h2o-scorer".into() },
        action: StateAction::Enable,
        subject: "image H2O Scorer".into(),
        platform_state: Some(Availability::Disabled),
        impact: None,
    };
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        view! { <StateDialog request on_close=|| () on_done=|| ()/> }
    });
    leptos::task::tick().await;
    assert_eq!(text_of(&parent, "dialog h2"), "Enable image H2O Scorer?");
    assert!(text_of(&parent, ".ceiling-note").contains("The platform sets this image to DISABLED"));
    // The change would be refused, so it is not offered: no reason to type, no button to confirm.
    assert!(parent.query_selector("dialog textarea").unwrap().is_none());
    assert!(parent.query_selector("dialog button[type=submit]").unwrap().is_none());
    assert_eq!(text_of(&parent, "dialog .modal-actions button"), "Close");
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
    // Set through the CSSOM as custom properties (the CSP refuses inline style attributes).
    assert!(style.contains("--chip-color: #1f3b73") && style.contains("--chip-text: #ffffff"), "{style}");
    assert_eq!(dark.get_attribute("title").as_deref(), Some("FORECASTING: About Forecasting"));
    let light = chip("SUNNY").get_attribute("style").unwrap();
    assert!(light.contains("--chip-color: #ffd700") && light.contains("--chip-text: #000000"), "{light}");
    let unknown = chip("TELECOM");
    assert_eq!(unknown.text_content().unwrap(), "TELECOM");
    let style = unknown.get_attribute("style").unwrap();
    assert!(style.contains(&format!("--chip-color: {}", wavehub_core::tags::DEFAULT_COLOR)), "{style}");
    // A later load (an admin recolored it) repaints the chips already on the page.
    remember_tags(vec![sample_tag("FORECASTING", "Forecasts", "#ffffff")]);
    leptos::task::tick().await;
    assert_eq!(chip("FORECASTING").text_content().unwrap(), "Forecasts");
    assert!(chip("FORECASTING").get_attribute("style").unwrap().contains("--chip-text: #000000"));
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
    // Who may assign it is shown chosen: anyone signed in, until roles are picked.
    assert!(text_of(&parent, ".tag-form").contains("Anyone signed in may assign it"));
    let anyone: web_sys::HtmlInputElement =
        parent.query_selector("[data-testid=tag-anyone-assigns]").unwrap().unwrap().dyn_into().unwrap();
    assert!(anyone.checked());
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


// ---- Instances: the launch steps, Open, a failed instance, Shared with me ----

/// Waits `ms` milliseconds (for fetches and timers to settle).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (up to 5 s) until `selector` matches inside `parent`, and returns it.
async fn wait_for(parent: &web_sys::HtmlElement, selector: &str) -> web_sys::Element {
    for _ in 0..250 {
        if let Some(element) = parent.query_selector(selector).unwrap() {
            return element;
        }
        sleep(20).await;
    }
    panic!("no {selector} in {}", parent.inner_html());
}

/// Answers the page's API calls while it lives: the first `(needle, body)` whose needle is in the
/// URL answers (a string as text, an array with its items in turn, anything else as JSON),
/// anything else is a 404. Each URL asked
/// for lands in `window.__calls`. Dropping it puts the browser's own fetch back.
struct FakeApi;

impl FakeApi {
    fn new(routes: serde_json::Value) -> FakeApi {
        let install = js_sys::Function::new_with_args(
            "routes",
            r#"
            window.__calls = [];
            window.__realFetch = window.__realFetch || window.fetch;
            window.fetch = async (input, init) => {
                const url = typeof input === 'string' ? input : input.url;
                const method = (init && init.method) || (typeof input === 'string' ? 'GET' : input.method);
                window.__calls.push(`${method} ${url}`);
                const route = routes.find(([needle]) => url.includes(needle));
                if (!route) {
                    return new Response(JSON.stringify({ title: 'Not Found', status: 404, detail: `no ${url}` }),
                        { status: 404, headers: { 'content-type': 'application/problem+json' } });
                }
                // An array answers its items in turn, then its last again.
                const answers = route[1];
                const body = Array.isArray(answers) ? answers[Math.min((route.served = (route.served || 0) + 1), answers.length) - 1] : answers;
                return typeof body === 'string'
                    ? new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } })
                    : new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
            };
            "#,
        );
        let routes = js_sys::JSON::parse(&routes.to_string()).unwrap();
        install.call1(&wasm_bindgen::JsValue::NULL, &routes).unwrap();
        FakeApi
    }

    fn calls(&self) -> Vec<String> {
        let calls = js_sys::Reflect::get(&window(), &"__calls".into()).unwrap();
        js_sys::Array::from(&calls).iter().filter_map(|v| v.as_string()).collect()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        js_sys::Function::new_no_args("if (window.__realFetch) { window.fetch = window.__realFetch; }")
            .call0(&wasm_bindgen::JsValue::NULL)
            .unwrap();
    }
}

/// Puts `path` in the address bar for the test's router, and the old address back afterwards.
struct AtAddress(String);

impl AtAddress {
    fn new(path: &str) -> AtAddress {
        let location = window().location();
        let old = format!("{}{}", location.pathname().unwrap(), location.search().unwrap());
        window().history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).unwrap();
        AtAddress(old)
    }
}

impl Drop for AtAddress {
    fn drop(&mut self) {
        let _ = window().history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&self.0));
    }
}

/// An RFC 3339 time `seconds` before now.
fn seconds_ago(seconds: f64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(js_sys::Date::now() - seconds * 1000.0)).to_iso_string().as_string().unwrap()
}

fn sample_instance(id: i64, status: wavehub_core::instances::InstanceStatus) -> wavehub_core::instances::Instance {
    use wavehub_core::instances::{Instance, InstanceStatus};
    let running = status == InstanceStatus::Running;
    Instance {
        id,
        app_id: 7,
        app_name: "ai.example.credit".into(),
        app_version: "1.2.0".into(),
        app_title: "Credit Risk".into(),
        owner: Some("bob".into()),
        visibility: wavehub_core::apps::Visibility::Private,
        status,
        status_reason: None,
        url: running.then(|| format!("http://127.0.0.1:8081/instances/{id}/")),
        step: None,
        step_started_at: None,
        created_at: seconds_ago(600.0),
        updated_at: seconds_ago(600.0),
        can_manage: true,
    }
}

fn state_of(parent: &web_sys::HtmlElement, step: &str) -> String {
    parent.query_selector(&format!("li[data-step={step}]")).unwrap().unwrap().get_attribute("data-state").unwrap()
}

#[wasm_bindgen_test]
async fn launch_steps_check_the_done_ones_and_time_the_current_one_each_second() {
    use wavehub_core::instances::{InstanceStatus, LaunchStep};
    use wavehub_web::pages::instances::LaunchSteps;
    let mut starting = sample_instance(12, InstanceStatus::Starting);
    starting.step = Some(LaunchStep::InstallingPackages);
    starting.step_started_at = Some(seconds_ago(75.0));
    starting.created_at = seconds_ago(130.0);
    let instance = RwSignal::new(starting.clone());
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <LaunchSteps instance/> });
    leptos::task::tick().await;
    let labels: Vec<String> = {
        let items = parent.query_selector_all("ol.launch-steps li .launch-step-label").unwrap();
        (0..items.length()).map(|i| items.item(i).unwrap().text_content().unwrap()).collect()
    };
    assert_eq!(labels, ["Preparing the app's files", "Installing packages", "Starting Wave", "Waiting for the app"]);
    assert_eq!(state_of(&parent, "preparing"), "done");
    assert!(text_of(&parent, "li[data-step=preparing]").contains("✓"));
    let current = parent.query_selector("li[aria-current=step]").unwrap().expect("the current step");
    assert_eq!(current.get_attribute("data-step").as_deref(), Some("installing_packages"));
    assert_eq!(state_of(&parent, "starting_wave"), "pending");
    assert_eq!(state_of(&parent, "waiting_for_app"), "pending");
    assert_eq!(text_of(&parent, ".launch-step-time"), "1 min 15 s");
    assert_eq!(text_of(&parent, ".launch-total"), "Total: 2 min 10 s");
    assert_eq!(parent.query_selector_all(".launch-step-time").unwrap().length(), 1, "only the current step is timed");

    // The clock ticks by itself.
    sleep(1100).await;
    assert_eq!(text_of(&parent, ".launch-step-time"), "1 min 16 s");
    assert_eq!(text_of(&parent, ".launch-total"), "Total: 2 min 11 s");

    // The next step starts its own time.
    instance.update(|i| {
        i.step = Some(LaunchStep::WaitingForApp);
        i.step_started_at = Some(seconds_ago(3.0));
    });
    leptos::task::tick().await;
    assert_eq!(state_of(&parent, "starting_wave"), "done");
    assert_eq!(state_of(&parent, "waiting_for_app"), "current");
    assert_eq!(text_of(&parent, ".launch-step-time"), "3 s");

    // Running: every step done, and how long it took.
    instance.update(|i| {
        i.status = InstanceStatus::Running;
        i.step = None;
        let ready = js_sys::Date::parse(&i.created_at) + 12_000.0;
        i.updated_at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ready)).to_iso_string().as_string().unwrap();
    });
    leptos::task::tick().await;
    for step in LaunchStep::ALL {
        assert_eq!(state_of(&parent, step.as_str()), "done", "{step:?}");
    }
    assert!(parent.query_selector("li[aria-current]").unwrap().is_none());
    assert_eq!(text_of(&parent, ".launch-total"), "Ready in 12 s");
}

#[wasm_bindgen_test]
async fn a_running_launch_opens_through_the_console_and_shows_its_address() {
    use wavehub_core::instances::InstanceStatus;
    use wavehub_web::pages::instances::LaunchProgress;
    let instance = Signal::stored(sample_instance(7, InstanceStatus::Running));
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), move || view! { <LaunchProgress instance/> });
    leptos::task::tick().await;
    let open = parent.query_selector("a.instance-open").unwrap().expect("Open");
    assert_eq!(open.text_content().unwrap(), "Open");
    assert_eq!(open.get_attribute("href").as_deref(), Some("/api/v1/instances/7/open"), "through the console, which mints the ticket");
    assert_eq!(open.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(open.get_attribute("rel").as_deref(), Some("noopener"));
    assert_eq!(text_of(&parent, ".instance-url"), "http://127.0.0.1:8081/instances/7/");
    assert_eq!(parent.query_selector(".launch-progress").unwrap().unwrap().get_attribute("data-status").as_deref(), Some("running"));
}

#[wasm_bindgen_test]
async fn the_launch_panel_follows_the_new_instance_until_it_runs() {
    use leptos_router::components::{Route, Routes};
    use leptos_router::path;
    use wavehub_core::instances::{InstanceStatus, LaunchStep};
    use wavehub_web::pages::app_page::AppPage;
    let _at = AtAddress::new("/apps/7");
    let mut starting = sample_instance(12, InstanceStatus::Starting);
    starting.step = Some(LaunchStep::Preparing);
    starting.step_started_at = Some(seconds_ago(1.0));
    let running = sample_instance(12, InstanceStatus::Running);
    let api = FakeApi::new(serde_json::json!([
        ["/api/v1/apps/7/instances", starting],
        ["/api/v1/apps/7", sample_app("About it")],
        ["/api/v1/instances/12", running],
    ]));
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), || {
        provide_context(signed_in_as("bob", &[Role::User]));
        view! { <Router><Routes fallback=|| "not found"><Route path=path!("/apps/:id") view=AppPage/></Routes></Router> }
    });
    wait_for(&parent, "section.launch").await;
    assert!(parent.query_selector(".launch-progress").unwrap().is_none(), "nothing before a launch");
    click(&parent, "section.launch button.button");
    let progress = wait_for(&parent, ".launch-progress[data-status=running]").await;
    assert!(progress.query_selector("ol.launch-steps").unwrap().is_some());
    let open = progress.query_selector("a.instance-open").unwrap().expect("Open once running");
    assert_eq!(open.get_attribute("href").as_deref(), Some("/api/v1/instances/12/open"));
    assert_eq!(window().location().pathname().unwrap(), "/apps/7", "the page stays");
    let calls = api.calls();
    assert!(calls.iter().any(|c| c.starts_with("POST ") && c.ends_with("/api/v1/apps/7/instances")), "{calls:?}");
    // Running: no more reads.
    let settled = api.calls().len();
    sleep(2300).await;
    assert_eq!(api.calls().len(), settled, "{:?}", api.calls());
}

#[wasm_bindgen_test]
async fn my_instances_show_why_one_failed_keep_an_ended_log_and_list_shared_ones_without_polling() {
    use wavehub_core::api::Page;
    use wavehub_core::apps::Visibility;
    use wavehub_core::instances::InstanceStatus;
    use wavehub_web::pages::instances::InstancesPage;
    let _at = AtAddress::new("/instances?focus=6");
    let mut failed = sample_instance(5, InstanceStatus::Failed);
    failed.status_reason = Some("The app exited with status 1 before it answered".into());
    let mut ended = sample_instance(6, InstanceStatus::Terminated);
    ended.status_reason = Some("Terminated by bob".into());
    let mut shared = sample_instance(9, InstanceStatus::Running);
    shared.owner = Some("alice".into());
    shared.visibility = Visibility::AllUsers;
    shared.can_manage = false;
    let page = |items| Page { items, total: 2, page: 1, page_size: 100 };
    let traceback: String = (1..=40).map(|n| format!("Traceback line {n}\n")).collect();
    let api = FakeApi::new(serde_json::json!([
        ["owner=others", page(vec![shared])],
        ["owner=me", page(vec![failed, ended])],
        ["/api/v1/instances/5/logs", traceback],
        ["/api/v1/instances/6/logs", "hello\nbye\n"],
    ]));
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), || {
        provide_context(signed_in_as("bob", &[Role::User]));
        view! { <Router><InstancesPage/></Router> }
    });

    // The failed one says why, with the end of its log, without a click.
    let reason = wait_for(&parent, "tr[data-detail-for='5'] .failure-reason").await;
    assert!(reason.text_content().unwrap().contains("The app exited with status 1"));
    let tail = wait_for(&parent, "tr[data-detail-for='5'] pre.log-tail").await.text_content().unwrap();
    assert_eq!(tail.lines().count(), 30, "{tail}");
    assert!(tail.starts_with("Traceback line 11") && tail.ends_with("Traceback line 40"), "{tail}");

    // The focused one has ended: its log is read once and stays, with a note.
    let log = wait_for(&parent, "pre.log").await;
    for _ in 0..50 {
        if log.text_content().unwrap() == "hello\nbye" {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(log.text_content().unwrap(), "hello\nbye");
    assert_eq!(text_of(&parent, ".log-state"), "The instance has ended.");

    // Shared with me: alice's instance with Open through the console and its address.
    let section = parent.query_selector("section.instances-shared").unwrap().expect("Shared with me");
    assert_eq!(section.query_selector("h2").unwrap().unwrap().text_content().unwrap(), "Shared with me");
    let row = wait_for(&parent, "section.instances-shared tr[data-instance-id='9']").await;
    assert!(row.text_content().unwrap().contains("alice"));
    let open = row.query_selector("a.instance-open").unwrap().expect("Open");
    assert_eq!(open.get_attribute("href").as_deref(), Some("/api/v1/instances/9/open"));
    assert_eq!(row.query_selector(".instance-url").unwrap().unwrap().text_content().unwrap(), "http://127.0.0.1:8081/instances/9/");
    assert!(api.calls().iter().any(|c| c.contains("owner=others") && c.contains("status=running")), "{:?}", api.calls());

    // Nothing is starting, so nothing is read again: no request loop.
    let settled = api.calls();
    sleep(2500).await;
    assert_eq!(api.calls(), settled);
    assert_eq!(settled.iter().filter(|c| c.contains("owner=me")).count(), 1, "{settled:?}");
    assert_eq!(settled.iter().filter(|c| c.contains("/instances/6/logs")).count(), 1, "{settled:?}");
}

#[wasm_bindgen_test]
async fn a_starting_instance_is_read_again_every_2_s_until_it_runs_and_the_open_log_stays() {
    use wavehub_core::api::Page;
    use wavehub_core::instances::{InstanceStatus, LaunchStep};
    use wavehub_web::pages::instances::InstancesPage;
    let _at = AtAddress::new("/instances?focus=6");
    let mut starting = sample_instance(4, InstanceStatus::Starting);
    starting.step = Some(LaunchStep::InstallingPackages);
    starting.step_started_at = Some(seconds_ago(20.0));
    let running = sample_instance(4, InstanceStatus::Running);
    let ended = sample_instance(6, InstanceStatus::Terminated);
    let page = |items| Page { items, total: 2, page: 1, page_size: 100 };
    let api = FakeApi::new(serde_json::json!([
        ["owner=others", page(vec![])],
        ["owner=me", [page(vec![starting, ended.clone()]), page(vec![running, ended])]],
        ["/api/v1/instances/6/logs", "hello\nbye\n"],
    ]));
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), || {
        provide_context(signed_in_as("bob", &[Role::User]));
        view! { <Router><InstancesPage/></Router> }
    });
    let steps = wait_for(&parent, "tr[data-detail-for='4'] ol.launch-steps").await;
    assert_eq!(steps.query_selector("[aria-current=step]").unwrap().unwrap().get_attribute("data-step").as_deref(), Some("installing_packages"));
    let log = wait_for(&parent, "pre.log").await;
    assert!(text_of(&parent, "section.instances-shared").contains("Nobody has shared a running instance with you."));

    // The next read finds it running: Open appears, the steps go, and the open log is the same one.
    let row = wait_for(&parent, "tr[data-instance-id='4'][data-status=running]").await;
    assert!(row.query_selector("a.instance-open").unwrap().is_some());
    assert!(parent.query_selector("tr[data-detail-for='4']").unwrap().is_none());
    let same_log = parent.query_selector("pre.log").unwrap().unwrap();
    assert!(same_log.is_same_node(Some(&log)), "a refresh keeps the open log");
    let reads = |calls: &[String], needle: &str| calls.iter().filter(|c| c.contains(needle)).count();
    assert_eq!(reads(&api.calls(), "owner=me"), 2, "{:?}", api.calls());

    // Nothing is starting any more: no more reads.
    sleep(2300).await;
    let calls = api.calls();
    assert_eq!(reads(&calls, "owner=me"), 2, "{calls:?}");
    assert_eq!(reads(&calls, "/instances/6/logs"), 1, "{calls:?}");
}

// ---- Bulk actions: the selection, the bar, one reason for every row, the summary ----

fn checkbox(parent: &web_sys::HtmlElement, label: &str) -> web_sys::HtmlInputElement {
    parent
        .query_selector(&format!("input[type=checkbox][aria-label='{label}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no box {label}"))
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn bulk_actions_select_rows_ask_one_reason_and_keep_the_refused_rows_selected() {
    use std::sync::{Arc, Mutex};
    use wavehub_web::components::bulk::{BulkAction, BulkBar, BulkRow, SelectAllBox, SelectRowBox, Selection};
    // What the action was asked to do, row by row: (key, reason).
    type Applied = Vec<(String, Option<String>)>;
    let applied: Arc<Mutex<Applied>> = Arc::default();
    let seen = applied.clone();
    let parent = container();
    let _mounted = leptos::mount::mount_to(parent.clone(), move || {
        let selection = Selection::new();
        let rows: Vec<BulkRow> = ["alpha", "beta", "gamma"].into_iter().map(|k| BulkRow::new(k, format!("Image {k}"))).collect();
        selection.set_rows(rows.clone());
        let seen = seen.clone();
        let archive = BulkAction::new("Archive", "archived", "Each image is archived.", move |key: String, reason| {
            seen.lock().unwrap().push((key.clone(), reason));
            async move {
                if key == "gamma" {
                    Err(ApiError::Conflict(Problem::new(409, "A runtime still uses gamma.")))
                } else {
                    Ok(())
                }
            }
        })
        .with_reason_rule(true, |text: &str| {
            if text.trim().is_empty() { vec![Finding::field_error("reason.required", "reason", "Say why.")] } else { Vec::new() }
        });
        view! {
            <BulkBar selection actions=vec![archive] noun=("image", "images") on_done=|| ()/>
            <table>
                <thead><tr><th><SelectAllBox selection/></th></tr></thead>
                <tbody>{rows.into_iter().map(|row| view! { <tr><td><SelectRowBox selection row/></td></tr> }).collect_view()}</tbody>
            </table>
        }
    });
    leptos::task::tick().await;
    let all = checkbox(&parent, "Select all on this page");
    let bar = parent.query_selector(".bulk-bar").unwrap().unwrap();
    assert!(bar.has_attribute("hidden"), "no bar while nothing is selected");
    assert!(!all.checked() && !all.indeterminate());

    checkbox(&parent, "Select Image beta").click();
    leptos::task::tick().await;
    assert!(all.indeterminate() && !all.checked(), "some rows: indeterminate");
    assert!(!bar.has_attribute("hidden"));
    assert_eq!(text_of(&parent, "[data-testid=bulk-count]"), "1 selected");
    all.click();
    leptos::task::tick().await;
    assert!(all.checked() && !all.indeterminate());
    assert_eq!(text_of(&parent, "[data-testid=bulk-count]"), "3 selected");

    click(&parent, ".bulk-bar button:first-of-type");
    let dialog = wait_for(&parent, "dialog").await;
    assert_eq!(dialog.query_selector("h2").unwrap().unwrap().text_content().unwrap(), "Archive 3 images?");
    let names: Vec<String> = {
        let items = dialog.query_selector_all(".bulk-targets li").unwrap();
        (0..items.length()).map(|i| items.item(i).unwrap().text_content().unwrap()).collect()
    };
    assert_eq!(names, ["Image alpha", "Image beta", "Image gamma"]);
    // The rule refuses a blank reason before anything is sent.
    click(&parent, "dialog button[type=submit]");
    leptos::task::tick().await;
    assert!(text_of(&parent, "dialog [role=alert]").contains("Say why."));
    assert!(applied.lock().unwrap().is_empty());

    type_into(&parent, "dialog textarea", "  Old base image ");
    click(&parent, "dialog button[type=submit]");
    let summary = wait_for(&parent, "[data-testid=bulk-summary] .alert").await;
    assert_eq!(summary.query_selector("p").unwrap().unwrap().text_content().unwrap(), "2 archived; 1 refused:");
    assert_eq!(text_of(&parent, ".bulk-refusals li"), "Image gamma — A runtime still uses gamma.");
    assert!(parent.query_selector("dialog").unwrap().is_none(), "the dialog closes when the run ends");
    let reason = Some("Old base image".to_owned());
    assert_eq!(
        *applied.lock().unwrap(),
        [("alpha".to_owned(), reason.clone()), ("beta".to_owned(), reason.clone()), ("gamma".to_owned(), reason)],
        "every row, in the table's order, with the one trimmed reason"
    );
    // Only the refused row stays selected, for a retry.
    assert!(checkbox(&parent, "Select Image gamma").checked());
    assert!(!checkbox(&parent, "Select Image alpha").checked());
    assert_eq!(text_of(&parent, "[data-testid=bulk-count]"), "1 selected");
    assert!(all.indeterminate());
}
