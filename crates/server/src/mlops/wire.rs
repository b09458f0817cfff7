//! What the H2O MLOps client reads and writes: grpc-gateway "proto-JSON" (camelCase keys, single
//! resources wrapped in an object, int64 counts as strings, enums by name), resource names such as
//! `workspaces/{ws}/runtimeImages/{uid}/versions/{v}`, and the subset of AIP-160 filters,
//! `orderBy` and page tokens its list and count calls send (shared/spec/mlops-client.md, §1).
//! Only shapes and their translation live here; every rule is Wavehub's own.

use crate::http::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use wavehub_core::api::Page;
use wavehub_core::runtime_images::{ImageSort, RuntimeImage, RuntimeImageQuery, RuntimeImageVersion, Availability, Workspace};

/// The workspace id that means "every workspace" (`workspaces/-`), for platform admins.
pub const ALL_WORKSPACES: &str = "-";

/// `V1RuntimeImage`. Always has `state`: the client reads `.state.value` of whatever it gets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeImageWire {
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// The current version's image, as in the console.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_image: Option<String>,
    pub state: Availability,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    pub state_update_time: String,
    /// The current version's resource name, which `image.current_version` GETs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    pub create_time: String,
    pub update_time: String,
    pub managed_by_bootstrap: bool,
}

/// `V1RuntimeImageVersion` (`image` is required by the client's model).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionWire {
    pub name: String,
    pub image: String,
    pub state: Availability,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    pub state_update_time: String,
    pub create_time: String,
    /// A version changes only in its state.
    pub update_time: String,
    pub managed_by_bootstrap: bool,
}

/// `V1Workspace`. Wavehub keeps no creator; the client needs the key, and `""` is what it accepts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceWire {
    pub name: String,
    pub creator: String,
    pub display_name: String,
    pub description: String,
    pub create_time: String,
    pub update_time: String,
    pub annotations: serde_json::Map<String, serde_json::Value>,
}

pub fn image_name(workspace: &str, uid: &str) -> String {
    format!("workspaces/{workspace}/runtimeImages/{uid}")
}

/// `image` as listed in `workspace`: under that workspace (the platform's images show in every
/// workspace, and are reached through it), or under its own one in `workspaces/-`.
pub fn image(workspace: &str, image: &RuntimeImage) -> RuntimeImageWire {
    let workspace = if workspace == ALL_WORKSPACES { image.workspace.as_str() } else { workspace };
    let name = image_name(workspace, &image.uid);
    RuntimeImageWire {
        current_version: image.current_version.as_ref().map(|version| format!("{name}/versions/{version}")),
        name,
        display_name: image.name.clone(),
        description: image.description.clone(),
        docker_image: image.docker_image.clone(),
        state: image.availability.state,
        state_reason: image.availability.state_reason.clone(),
        state_update_time: image.availability.state_update_time.clone(),
        create_time: image.created_time.clone(),
        update_time: image.updated_time.clone(),
        managed_by_bootstrap: image.availability.managed_by_bootstrap,
    }
}

pub fn version(workspace: &str, uid: &str, version: &RuntimeImageVersion) -> VersionWire {
    VersionWire {
        name: format!("{}/versions/{}", image_name(workspace, uid), version.version),
        image: version.docker_image.clone(),
        state: version.availability.state,
        state_reason: version.availability.state_reason.clone(),
        state_update_time: version.availability.state_update_time.clone(),
        create_time: version.created_time.clone(),
        update_time: version.availability.state_update_time.clone(),
        managed_by_bootstrap: version.availability.managed_by_bootstrap,
    }
}

pub fn workspace(workspace: &Workspace) -> WorkspaceWire {
    WorkspaceWire {
        name: format!("workspaces/{}", workspace.id),
        creator: String::new(),
        display_name: workspace.name.clone(),
        description: String::new(),
        create_time: workspace.created_time.clone(),
        update_time: workspace.created_time.clone(),
        annotations: serde_json::Map::new(),
    }
}

/// `{"runtimeImage": …}`, `{"runtimeImageVersion": …}`, `{"workspace": …}`: every single resource
/// is wrapped (a bare one reads as an empty wrapper in the client).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum One {
    RuntimeImage(RuntimeImageWire),
    RuntimeImageVersion(VersionWire),
    Workspace(WorkspaceWire),
}

/// A list page; `nextPageToken` is left out on the last page.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_images: Option<Vec<RuntimeImageWire>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_image_versions: Option<Vec<VersionWire>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<Vec<WorkspaceWire>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// `{"count": "3"}` (runtime images and versions) or `{"totalSize": "3"}` (workspaces): int64 as a
/// string, always present, `"0"` included.
pub fn count(key: &str, total: u64) -> serde_json::Value {
    serde_json::json!({ key: total.to_string() })
}

// ---- requests ----

/// Query of the list and count calls.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(default)]
    pub order_by: Option<String>,
    #[serde(default)]
    pub page_token: Option<String>,
    #[serde(default)]
    pub page_size: Option<u32>,
}

/// Query of create-image (`runtimeImageId`), create-version (`runtimeImageVersionId`) and update
/// (`updateMask`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionQuery {
    #[serde(default)]
    pub runtime_image_id: Option<String>,
    #[serde(default)]
    pub runtime_image_version_id: Option<String>,
    #[serde(default)]
    pub update_mask: Option<String>,
}

/// Body of create-image and update-image. What else the client sends (`"state":
/// "STATE_UNSPECIFIED"`, output-only fields) is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageBody {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub docker_image: Option<String>,
    #[serde(default)]
    pub runtime_image_version_id: Option<String>,
}

/// Body of create-version.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionBody {
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub readiness_probe_path: Option<String>,
}

// ---- filters, order, pages ----

fn unsupported_filter(filter: &str, fields: &[&str], why: &str) -> ApiError {
    let fields: Vec<String> = fields.iter().map(|field| format!("`{field} = …`")).collect();
    ApiError::BadRequest(format!(
        "Wavehub can't read the filter `{filter}`: {why}. It reads {} joined with AND.",
        fields.join(", ")
    ))
}

/// The `(field, value)` pairs of a filter made of `field = value` terms joined with AND, which is
/// what the client builds from keyword selectors (`list(state="ACTIVE", name="x")` sends
/// `state = ACTIVE AND display_name = 'x'`); anything else, or a field not in `fields`, is a 400.
/// Values are taken as sent: the client does not escape quotes inside them.
pub fn filter_terms(filter: Option<&str>, fields: &[&str]) -> ApiResult<Vec<(String, String)>> {
    let Some(text) = filter.map(str::trim).filter(|text| !text.is_empty()) else { return Ok(Vec::new()) };
    // Split at ` AND ` outside quotes.
    let mut terms = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (at, c) in text.char_indices() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && text[at..].starts_with(" AND ") {
            terms.push(&text[start..at]);
            start = at + " AND ".len();
        } else if !quoted && text[at..].starts_with(" OR ") {
            return Err(unsupported_filter(text, fields, "OR is not supported"));
        }
    }
    terms.push(&text[start..]);
    terms
        .into_iter()
        .filter(|term| !term.trim().is_empty())
        .map(|term| {
            let term = term.trim().trim_start_matches('(').trim_end_matches(')').trim();
            let field_len = term.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(term.len());
            let (field, rest) = term.split_at(field_len);
            let value = rest.trim_start().strip_prefix('=').filter(|value| !value.starts_with('='));
            let Some(value) = value.map(str::trim) else {
                return Err(unsupported_filter(text, fields, &format!("`{term}` is not `field = value`")));
            };
            if !fields.contains(&field) {
                return Err(unsupported_filter(text, fields, &format!("`{field}` is not a field it filters on")));
            }
            let value = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(value);
            Ok((field.to_owned(), value.to_owned()))
        })
        .collect()
}

/// A filter's `state = …` as Wavehub's state.
pub fn state_value(value: &str) -> ApiResult<Availability> {
    value.parse().map_err(ApiError::BadRequest)
}

/// `orderBy` of the image list as one of the console's sorts.
fn image_sort(order_by: Option<&str>) -> ApiResult<ImageSort> {
    let order = order_by.unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    Ok(match order.as_str() {
        "" => ImageSort::default(),
        "display_name" | "display_name asc" => ImageSort::Name,
        "display_name desc" => ImageSort::NameDesc,
        "create_time" | "create_time asc" => ImageSort::Oldest,
        "create_time desc" => ImageSort::Newest,
        "update_time desc" => ImageSort::RecentlyUpdated,
        _ => {
            return Err(ApiError::BadRequest(format!(
                "Wavehub can't order runtime images by `{}`: it orders by one of `display_name`, `display_name desc`, \
                 `create_time`, `create_time desc` or `update_time desc`.",
                order_by.unwrap_or_default()
            )))
        }
    })
}

/// The page a `pageToken` names: tokens are the page numbers [`next_page_token`] hands out.
fn page_of(token: Option<&str>) -> ApiResult<Option<u32>> {
    match token.map(str::trim).filter(|token| !token.is_empty()) {
        None => Ok(None),
        Some(token) => match token.parse::<u32>() {
            Ok(page) if page >= 1 => Ok(Some(page)),
            _ => Err(ApiError::BadRequest(format!("`{token}` is not a page token this server gave."))),
        },
    }
}

/// An image list call as the console's query, and the exact display name asked for, if any.
pub fn image_query(list: &ListQuery) -> ApiResult<(RuntimeImageQuery, Option<String>)> {
    let mut query = RuntimeImageQuery {
        sort: image_sort(list.order_by.as_deref())?,
        page: page_of(list.page_token.as_deref())?,
        // 0 is "the server chooses" in the platform's API.
        page_size: list.page_size.filter(|size| *size > 0),
        ..Default::default()
    };
    let mut exact_name = None;
    for (field, value) in filter_terms(list.filter.as_deref(), &["state", "display_name"])? {
        match field.as_str() {
            "state" => query.state = Some(state_value(&value)?),
            _ => exact_name = Some(value),
        }
    }
    Ok((query, exact_name))
}

/// The token of the page after `page`, when there is one.
pub fn next_page_token<T>(page: &Page<T>) -> Option<String> {
    let seen = u64::from(page.page) * u64::from(page.page_size);
    (seen < page.total).then(|| (page.page + 1).to_string())
}

/// A count is a list's total: one row is asked for, the count comes with it.
pub const COUNT_PAGE: Option<u32> = Some(1);

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::runtime_images::AvailabilityDetail;

    #[test]
    fn filters_the_client_builds_are_read() {
        let fields = ["state", "display_name"];
        assert_eq!(filter_terms(None, &fields).unwrap(), vec![]);
        let terms = filter_terms(Some("state = ACTIVE AND display_name = 'My Custom Scorer'"), &fields).unwrap();
        assert_eq!(terms, vec![("state".into(), "ACTIVE".into()), ("display_name".into(), "My Custom Scorer".into())]);
        // Nested, and a quoted AND that is part of the value.
        let terms = filter_terms(Some("(display_name = 'Fast AND Safe') AND (state = DISABLED)"), &fields).unwrap();
        assert_eq!(terms, vec![("display_name".into(), "Fast AND Safe".into()), ("state".into(), "DISABLED".into())]);
        for (bad, why) in [
            ("state = ACTIVE OR state = DEPRECATED", "OR"),
            ("description:'x'", "`description:'x'`"),
            ("create_time >= timestamp('2024-01-01T00:00:00.000000Z')", "`create_time"),
            ("image = 'x'", "`image` is not a field"),
            ("state == ACTIVE", "is not `field = value`"),
        ] {
            let error = filter_terms(Some(bad), &fields).unwrap_err().to_string();
            assert!(error.contains(why) && error.contains("`state = …`"), "{bad}: {error}");
        }
    }

    #[test]
    fn orders_and_pages_map_onto_the_consoles() {
        let list = |order: &str, token: &str| ListQuery {
            order_by: Some(order.into()),
            page_token: Some(token.into()),
            ..Default::default()
        };
        let (query, _) = image_query(&list("display_name  DESC", "3")).unwrap();
        assert_eq!((query.sort, query.page), (ImageSort::NameDesc, Some(3)));
        let (query, _) = image_query(&list("create_time desc", "")).unwrap();
        assert_eq!((query.sort, query.page), (ImageSort::Newest, None));
        assert!(image_query(&list("display_name, create_time", "")).unwrap_err().to_string().contains("can't order"));
        assert!(image_query(&list("", "abc")).unwrap_err().to_string().contains("page token"));
        let page = |page, total| Page::<()> { items: vec![], total, page, page_size: 50 };
        assert_eq!(next_page_token(&page(1, 51)).as_deref(), Some("2"));
        assert_eq!(next_page_token(&page(2, 100)), None);
        assert_eq!(next_page_token(&page(1, 0)), None);
    }

    #[test]
    fn single_resources_are_wrapped_and_counts_are_strings() {
        let image = RuntimeImage {
            uid: "scorer".into(),
            workspace: "global".into(),
            workspace_name: "Platform".into(),
            name: "Scorer".into(),
            description: String::new(),
            docker_image: None,
            availability: AvailabilityDetail {
                state: Availability::Disabled,
                state_reason: Some("CVE".into()),
                state_update_time: "2026-01-01T00:00:00Z".into(),
                managed_by_bootstrap: true,
                platform_state: Some(Availability::Disabled),
                platform_state_reason: Some("CVE".into()),
                console_state: Availability::Active,
                console_state_reason: None,
            },
            prereleases: Default::default(),
            current_version: None,
            versions_count: 1,
            created_time: "2026-01-01T00:00:00Z".into(),
            updated_time: "2026-01-01T00:00:00Z".into(),
            can_manage: false,
        };
        let shown = serde_json::to_value(One::RuntimeImage(super::image("default", &image))).unwrap();
        assert_eq!(shown["runtimeImage"]["name"], "workspaces/default/runtimeImages/scorer");
        assert_eq!(shown["runtimeImage"]["state"], "DISABLED");
        assert!(shown["runtimeImage"].get("currentVersion").is_none() && shown["runtimeImage"].get("dockerImage").is_none());
        let across = super::image(ALL_WORKSPACES, &image);
        assert_eq!(across.name, "workspaces/global/runtimeImages/scorer");
        assert_eq!(count("count", 0), serde_json::json!({"count": "0"}));
    }
}
