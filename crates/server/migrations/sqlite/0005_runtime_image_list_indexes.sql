-- One index per sort order of the runtime image list, within a workspace, so a page is an index
-- range scan (measured with `cargo xtask bench runtime-images`: the list sorted all 10,000 rows of a
-- workspace for every page before). The tie-breaker `uid` is in each, in the order the list uses.
DROP INDEX runtime_images_by_created;
CREATE INDEX runtime_images_by_created ON runtime_images (workspace_id, created_time DESC, uid);
CREATE INDEX runtime_images_by_oldest ON runtime_images (workspace_id, created_time, uid);
CREATE INDEX runtime_images_by_updated ON runtime_images (workspace_id, updated_time DESC, uid);
CREATE INDEX runtime_images_by_state_rank ON runtime_images (workspace_id, state_rank DESC, name_key, uid);
-- Filtering by state (and counting what matches) without visiting every row.
CREATE INDEX runtime_images_by_state ON runtime_images (workspace_id, state, name_key, uid);
-- Platform admins' list across workspaces.
CREATE INDEX runtime_images_all_by_name ON runtime_images (name_key, uid);
