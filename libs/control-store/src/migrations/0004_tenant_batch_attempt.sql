-- The attempt of the batch publication a tenant was last queued in (BatchJob.attempt). A tenant's state
-- moves only on a report of its current batch and attempt (TenantResult.batch_number / attempt): a late
-- report of an earlier publication — one the reaper or RetryFailed published again — is history only.
ALTER TABLE rollout_tenants ADD COLUMN batch_attempt integer NOT NULL DEFAULT 0;
-- Tenants queued before this column existed belong to their batch's current publication.
UPDATE rollout_tenants t SET batch_attempt = b.attempt
  FROM rollout_batches b
  WHERE b.rollout_id = t.rollout_id AND b.batch_number = t.batch_number AND t.state IN ('queued', 'running');
