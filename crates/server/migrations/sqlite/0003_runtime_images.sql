-- Workspaces, runtime images with their versions, runtimes, and the audit log.
-- Portable SQL (SQLite now, PostgreSQL later). Times are RFC 3339 UTC text.

CREATE TABLE workspaces (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL
);

-- Platform admins (users.admin) act as admins of every workspace without a row here.
CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_by_user ON workspace_members (user_id);

-- `global` holds the platform's (bootstrap-managed) images, which every workspace lists; nobody is
-- a member of it. `default` is where a new installation starts.
INSERT INTO workspaces (id, name, created_time) VALUES ('global', 'Platform', '1970-01-01T00:00:00Z');
INSERT INTO workspaces (id, name, created_time) VALUES ('default', 'Default', '1970-01-01T00:00:00Z');

-- One runtime image. State columns come in three: what the platform's bootstrap file sets (the
-- ceiling; NULL for API-managed images), what the console set, and the effective state (the more
-- restricted of the two), kept by the server so lists can filter and sort on it. current_version
-- and versions_count are kept by the server too, recomputed on every version change.
CREATE TABLE runtime_images (
    workspace_id          TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    uid                   TEXT NOT NULL,
    name                  TEXT NOT NULL,
    name_key              TEXT NOT NULL,          -- lower(name): sort and search
    description           TEXT NOT NULL DEFAULT '',
    managed_by_bootstrap  INTEGER NOT NULL DEFAULT 0,
    platform_state        TEXT CHECK (platform_state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    platform_state_reason TEXT,
    console_state         TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (console_state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    console_state_reason  TEXT,
    state                 TEXT NOT NULL CHECK (state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    state_rank            INTEGER NOT NULL,       -- 0 ACTIVE, 1 DEPRECATED, 2 DISABLED: sort by state
    state_reason          TEXT,
    state_update_time     TEXT NOT NULL,
    current_version       TEXT,
    current_docker_image  TEXT,
    versions_count        INTEGER NOT NULL DEFAULT 0,
    created_time          TEXT NOT NULL,
    updated_time          TEXT NOT NULL,
    PRIMARY KEY (workspace_id, uid),
    CHECK ((workspace_id = 'global') = (managed_by_bootstrap = 1))
);
CREATE INDEX runtime_images_by_name ON runtime_images (workspace_id, name_key, uid);
CREATE INDEX runtime_images_by_created ON runtime_images (workspace_id, created_time);

-- Versions have no update and no delete (the platform's API has none); only their state changes.
CREATE TABLE runtime_image_versions (
    workspace_id          TEXT NOT NULL,
    image_uid             TEXT NOT NULL,
    version               TEXT NOT NULL,          -- v1.2.3
    version_key           TEXT NOT NULL,          -- semver precedence as bytes (wavehub_core)
    docker_image          TEXT NOT NULL,
    managed_by_bootstrap  INTEGER NOT NULL DEFAULT 0,
    platform_state        TEXT CHECK (platform_state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    platform_state_reason TEXT,
    console_state         TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (console_state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    console_state_reason  TEXT,
    state                 TEXT NOT NULL CHECK (state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    state_reason          TEXT,
    state_update_time     TEXT NOT NULL,
    created_time          TEXT NOT NULL,
    PRIMARY KEY (workspace_id, image_uid, version),
    FOREIGN KEY (workspace_id, image_uid) REFERENCES runtime_images (workspace_id, uid) ON DELETE CASCADE
);
CREATE INDEX runtime_image_versions_by_key ON runtime_image_versions (workspace_id, image_uid, version_key);

-- A runtime binds a model type to an image (of its workspace or the platform's), optionally pinned
-- to one version. No cascade from images: an image a runtime references cannot be deleted.
CREATE TABLE runtimes (
    workspace_id           TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    uid                    TEXT NOT NULL,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    image_workspace_id     TEXT NOT NULL,
    image_uid              TEXT NOT NULL,
    version                TEXT,                  -- NULL: follow the image's current version
    model_type             TEXT NOT NULL,
    environment_variables  TEXT NOT NULL DEFAULT '{}',   -- JSON object
    read_only_data_volume  INTEGER NOT NULL DEFAULT 0,
    state                  TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'DEPRECATED', 'DISABLED')),
    state_reason           TEXT,
    state_update_time      TEXT NOT NULL,
    created_time           TEXT NOT NULL,
    updated_time           TEXT NOT NULL,
    PRIMARY KEY (workspace_id, uid),
    FOREIGN KEY (image_workspace_id, image_uid) REFERENCES runtime_images (workspace_id, uid)
);
CREATE INDEX runtimes_by_image ON runtimes (image_workspace_id, image_uid);

-- Who did what to which resource, when, and why. `resource` is a path such as
-- `workspaces/default/runtime-images/scorer/versions/v1.0.0`; `detail` is JSON (e.g. the new state).
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    time     TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    resource TEXT NOT NULL,
    reason   TEXT,
    detail   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_resource ON audit_log (resource, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
