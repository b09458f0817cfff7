-- Whether an image's pre-release versions can be its current version. 1 is the platform's rule
-- (the highest version that is not disabled, pre-release or not); an admin sets 0 for releases only.
ALTER TABLE runtime_images ADD COLUMN prereleases_can_be_current INTEGER NOT NULL DEFAULT 1;
