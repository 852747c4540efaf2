-- Lock-timeout retries a tenant's runs took in a rollout (TenantResult.lock_retries), summed over every
-- report the scheduler stored once: a tenant run again (retry, re-plan) adds to what it took before.
ALTER TABLE rollout_tenants ADD COLUMN lock_retries integer NOT NULL DEFAULT 0;
