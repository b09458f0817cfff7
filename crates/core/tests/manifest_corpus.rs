//! Every real-world `app.toml` in `tests/corpus/apptoml/` (copied byte for byte from
//! /work/shared/corpus/apptoml; sources in its README.md) against a verdict decided by reading the
//! file against the rules of spec §3 — not by running the checker. A file added to the folder
//! without a verdict here fails the test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wavehub_core::api::Severity;
use wavehub_core::manifest::codes::*;
use wavehub_core::manifest::{check_manifest, ManifestOptions};

/// One file's verdict: the error codes it must produce (none means valid) and its warning codes,
/// each code listed as many times as it must occur.
struct Verdict {
    file: &'static str,
    errors: &'static [&'static str],
    warnings: &'static [&'static str],
}

const fn valid(file: &'static str, warnings: &'static [&'static str]) -> Verdict {
    Verdict { file, errors: &[], warnings }
}

const fn invalid(file: &'static str, errors: &'static [&'static str], warnings: &'static [&'static str]) -> Verdict {
    Verdict { file, errors, warnings }
}

#[rustfmt::skip]
const VERDICTS: &[Verdict] = &[
    valid("JH1816__Group_ALT-W_DSA4213-Project__app.toml", &[]),
    // No [Runtime]; both Env entries have SecretKey but no Secret.
    invalid("Jessie-ZhaoXi__dsa4213-ppt-generator__app.toml", &[MODULE_MISSING, ENV_SOURCE.secret_missing, ENV_SOURCE.secret_missing], &[]),
    valid("Luxshan2000__movie_recommendation_project__app.toml", &[]),
    // CRLF line endings; Version "1.0" (the platform accepts short versions).
    valid("SDPcodes__KMeansApp__app.toml", &[VERSION_SHORT]),
    valid("WildMeOrg__sage-identification-pipeline__app.toml", &[]),
    valid("WildMeOrg__sage-identification-pipeline__app@11d2109a.toml", &[]),
    // Category "Finance" is not a legacy category.
    valid("a-ghorbani__h2o-wave-apps__credit-card-default-app__app.toml", &[CATEGORY_UNKNOWN]),
    valid("aniketwattamwar__Wildfire-Challenge__app.toml", &[VERSION_SHORT]),
    // `module` in lower case.
    valid("dipplestix__q-rl-marketing__app.toml", &[KEY_CASE]),
    valid("gbethardy-h2oai__wave-safety-events-genai__app.toml", &[]),
    valid("gbethardy-h2oai__wave-topic-view__app.toml", &[]),
    // Category = "" means no category.
    valid("gbethardy-h2oai__wave-topic-view__app@c27b165d.toml", &[]),
    valid("h2oai__ai-h2o-wave-stable-diffusion__ai-h2o-wave-stable-diffusion__app.toml", &[]),
    // MemoryReservation written in [App], where the platform ignores it.
    valid("h2oai__ai-h2o-wave-stable-diffusion__app.toml", &[KEY_UNKNOWN]),
    // Name still holds the template's "<fill your team name>"; Version "1.0".
    invalid("h2oai__challenge-wildfires__wave-app__app.toml", &[NAME_INVALID], &[VERSION_SHORT]),
    valid("h2oai__genai-app-store-apps__CallCenterGPT__app.toml", &[]),
    // `name` and `description` in lower case.
    valid("h2oai__genai-app-store-apps__RFI-assistant__app.toml", &[KEY_CASE, KEY_CASE]),
    valid("h2oai__genai-app-store-apps__ask-h2o__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__automatic-slideshow-generator__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__brlawgpt__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__chatbot-template__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__clean_code_inspector__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__company-financial-overview__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__company_financial_overview__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__cycling-training-plan__app.toml", &[]),
    // Committed with git merge-conflict markers.
    invalid("h2oai__genai-app-store-apps__earnings-sentiment__app.toml", &[SYNTAX], &[]),
    // MAINTENANCE_MODE set twice: H2O's own app store serves it, so a warning (the later wins).
    valid("h2oai__genai-app-store-apps__financial-research__app.toml", &[ENV_NAME_DUPLICATE]),
    valid("h2oai__genai-app-store-apps__grammar-and-syntax-review__app.toml", &[]),
    // LINK apps: [Link] Address, no [Runtime].
    valid("h2oai__genai-app-store-apps__h2ogpte-link__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__home-listings__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__legal_process_summarizer_app__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__link-eval-studio__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__link-h2ogpte__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__new-year-bingo-card__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__python-code-inspector__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__study-partner__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__studypartner__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__system-prompt__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__template-chatbot-history__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__template-chatbot-rag__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__template-chatbot__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__tomatoAI__app.toml", &[]),
    // An [H2OGPT] table the platform ignores.
    valid("h2oai__genai-app-store-apps__tomatoAI__app@4025e928.toml", &[TABLE_UNKNOWN]),
    valid("h2oai__genai-app-store-apps__transcription-summarize__app.toml", &[]),
    valid("h2oai__genai-app-store-apps__weekly-dinner-plan__app.toml", &[]),
    // Build templates: `name`, the {{VERSION}} placeholder; the older one is a container app
    // without CustomImage.
    invalid("h2oai__h2o-llmstudio__app.toml.template.toml", &[VERSION_PLACEHOLDER, CUSTOM_IMAGE_MISSING], &[KEY_CASE]),
    invalid("h2oai__h2o-llmstudio__app.toml.template@cf36ecfe.toml", &[VERSION_PLACEHOLDER], &[KEY_CASE]),
    // `module`; H2O_WAVE_MAX_REQUEST_SIZE is on the default allow-list.
    valid("h2oai__sql-sidekick__app.toml", &[KEY_CASE]),
    // `name`, `title`, `description`, `module`.
    valid("h2oai__sql-sidekick__ui__app.toml", &[KEY_CASE, KEY_CASE, KEY_CASE, KEY_CASE]),
    valid("h2oai__wave-apps__churn-risk__app.toml", &[]),
    // Category "FinServe".
    valid("h2oai__wave-apps__credit-risk__app.toml", &[CATEGORY_UNKNOWN]),
    valid("h2oai__wave-apps__emp-churn-step-by-step__app.toml", &[]),
    valid("h2oai__wave-apps__explaining-ratings__app.toml", &[]),
    valid("h2oai__wave-apps__guess-the-number__app.toml", &[]),
    valid("h2oai__wave-apps__insurance-churn-risk__app.toml", &[]),
    valid("h2oai__wave-apps__sales-forecasting__app.toml", &[]),
    valid("h2oai__wave-apps__shopping-cart-recommendations__app.toml", &[]),
    // The app's own [Brand] and [Data]/[Model] tables.
    valid("h2oai__wave-apps__template-explore-binary-classification__app.toml", &[TABLE_UNKNOWN, TABLE_UNKNOWN]),
    valid("h2oai__wave-apps__template-mlops-single-prediction__app.toml", &[TABLE_UNKNOWN, TABLE_UNKNOWN]),
    valid("h2oai__wave-apps__twitter-sentiment__app.toml", &[]),
    valid("h2oai__wave-apps__twitter-sentiment__app@1f120f1a.toml", &[]),
    valid("h2oai__wave-apps__twitter-streamer__app.toml", &[]),
    valid("h2oai__wave-apps__well-tested-app__app.toml", &[]),
    // `tags`.
    valid("h2oai__wave-h2o-automl__app.toml", &[KEY_CASE]),
    valid("h2oai__wave-h2o-automl__app@b3b3da4e.toml", &[]),
    // `name`, `title`, `description`, `module`.
    valid("h2oai__wave-image-styling-playground__app.toml", &[KEY_CASE, KEY_CASE, KEY_CASE, KEY_CASE]),
    // [[ENV]] next to [[Env]]: the platform keeps only [[Env]], dropping a variable; it accepts it,
    // so a warning.
    valid("h2oai__wave-ml__examples__matrix-app__app@e1563920.toml", &[KEY_DUPLICATE]),
    valid("h2oai__wave-ml__examples__quickstart-cloud-app__app.toml", &[]),
    valid("h2oai__wave-ml__examples__wine-cloud-app__app.toml", &[]),
    // Category "Machine Learning".
    valid("h2oai__wave-ml__h2o_wave_ml_app__app.toml", &[CATEGORY_UNKNOWN]),
    // H2O's own repository files keep the {{VERSION}} placeholder.
    invalid("h2oai__wave__py__apps__dashboard__app.toml", &[VERSION_PLACEHOLDER], &[]),
    invalid("h2oai__wave__py__apps__dashboards__app.toml", &[VERSION_PLACEHOLDER], &[]),
    invalid("h2oai__wave__py__apps__theme-generator__app.toml", &[VERSION_PLACEHOLDER], &[]),
    // An empty file.
    invalid("h2oai__wave__py__apps__theme-generator__app@d71796c8.toml", &[APP_MISSING], &[]),
    invalid("h2oai__wave__py__apps__tour__app.toml", &[VERSION_PLACEHOLDER], &[]),
    // AppMode "container" without CustomImage.
    invalid("h2oai__wave__py__apps__tour__app@9809dc70.toml", &[VERSION_PLACEHOLDER, CUSTOM_IMAGE_MISSING], &[]),
    invalid("h2oai__wave__studio__app.toml", &[VERSION_PLACEHOLDER], &[]),
    invalid("h2oai__wave__university__app.toml", &[VERSION_PLACEHOLDER], &[]),
    valid("h2oai__wave__university__app@9ee15b33.toml", &[]),
    valid("kavindasr__challenge-wildfires__wave-app__app.toml", &[VERSION_SHORT]),
    valid("kavindasr__h2o_wildfire__wave-app__app.toml", &[VERSION_SHORT]),
    valid("mtanco__conifer-counter__app.toml", &[]),
    // `name`.
    valid("mtanco__wave-grad-cam__app.toml", &[KEY_CASE]),
    valid("mtanco__wave-template__app.toml", &[]),
    valid("mtanco__wave-template__app@2dcb6017.toml", &[]),
    // Version "1.0"; LongDescription = "" means none.
    valid("pldrobot__H20_Submissions__wave-app__app.toml", &[VERSION_SHORT]),
    valid("sulhicader__test_wave_template__app.toml", &[]),
    valid("z1nc0r3__Car-Price-Predictor-using-H2O-wave__app.toml", &[]),
    // Other products' app.toml. OpenHost's `[app]` matches [App] ignoring case, as on the
    // platform, so it is rejected for what a Wave manifest lacks (Version, Module) rather than as
    // having no [App].
    invalid(
        "negative-controls/CarlKho-Minerva__openhost-cap__app.toml",
        &[VERSION_MISSING, MODULE_MISSING],
        &[KEY_CASE, KEY_CASE, KEY_CASE, KEY_CASE, KEY_CASE, KEY_UNKNOWN, KEY_UNKNOWN, KEY_UNKNOWN, KEY_UNKNOWN],
    ),
    // Shopify's: no [App] at all.
    invalid("negative-controls/Luigi292__myapp__app.toml", &[APP_MISSING], &[]),
];

/// Files in the folder that are not manifests (kept for the sources list and the `.appignore` rules).
const NOT_MANIFESTS: &[&str] = &[
    "README.md",
    "WildMeOrg__sage-identification-pipeline__.appignore",
    "h2oai__challenge-wildfires__wave-app__.appignore",
    "h2oai__sql-sidekick__.appignore",
    "h2oai__wave-apps__churn-risk__.appignore",
    "h2oai__wave-apps__guess-the-number__.appignore",
    "h2oai__wave-h2o-automl__.appignore",
    "h2oai__wave-ml__h2o_wave_ml_app__.appignore",
    "h2oai__wave__py__apps__tour__.appignore",
    "h2oai__wave__studio__.appignore",
    "h2oai__wave__university__.appignore",
    "mtanco__wave-template__.appignore",
    "sulhicader__test_wave_template__.appignore",
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/apptoml")
}

/// Every file under `dir`, as a `/`-separated path relative to it.
fn files_under(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().expect("file type").is_dir() {
            files_under(&entry.path(), &format!("{name}/"), out);
        } else {
            out.push(name);
        }
    }
}

fn sorted(codes: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    let mut codes: Vec<String> = codes.into_iter().map(Into::into).collect();
    codes.sort();
    codes
}

#[test]
fn every_corpus_file_has_a_verdict() {
    let mut files = Vec::new();
    files_under(&corpus_dir(), "", &mut files);
    let listed: BTreeSet<&str> = VERDICTS.iter().map(|v| v.file).chain(NOT_MANIFESTS.iter().copied()).collect();
    let unlisted: Vec<&String> = files.iter().filter(|f| !listed.contains(f.as_str())).collect();
    assert!(unlisted.is_empty(), "corpus files without a verdict in manifest_corpus.rs: {unlisted:?}");
    let present: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let missing: Vec<&&str> = listed.iter().filter(|f| !present.contains(**f)).collect();
    assert!(missing.is_empty(), "verdicts for files not in the corpus: {missing:?}");
    assert_eq!(VERDICTS.len(), 90, "the corpus holds 88 Wave manifests and 2 negative controls");
}

#[test]
fn corpus_manifests_get_their_verdicts() {
    let options = ManifestOptions::default();
    let mut mismatches = Vec::new();
    for verdict in VERDICTS {
        let bytes = std::fs::read(corpus_dir().join(verdict.file)).unwrap_or_else(|e| panic!("{}: {e}", verdict.file));
        let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", verdict.file));
        let check = check_manifest(&text, &options);
        let errors = sorted(check.findings_of(Severity::Error).map(|f| f.code.clone()));
        let warnings = sorted(check.findings_of(Severity::Warning).map(|f| f.code.clone()));
        if errors != sorted(verdict.errors.iter().copied()) || warnings != sorted(verdict.warnings.iter().copied()) {
            mismatches.push(format!(
                "{}:\n  expected errors {:?} warnings {:?}\n  got {:#?}",
                verdict.file, verdict.errors, verdict.warnings, check.findings
            ));
        }
        // Every finding is located in app.toml; all but a few say where.
        for finding in &check.findings {
            assert_eq!(finding.file.as_deref(), Some("app.toml"), "{}", verdict.file);
        }
        // A readable name and version give a manifest even when other rules fail.
        let readable = !verdict.errors.iter().any(|c| [SYNTAX, APP_MISSING, VERSION_MISSING, NAME_MISSING].contains(c));
        assert_eq!(check.manifest.is_some(), readable, "{}", verdict.file);
    }
    assert!(mismatches.is_empty(), "{} corpus verdicts differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn corpus_verdict_counts() {
    let invalid = VERDICTS.iter().filter(|v| !v.errors.is_empty()).count();
    assert_eq!((VERDICTS.len() - invalid, invalid), (75, 15));
}
