-- The control outbox: every change of a rollout's state leaves a row here in the same transaction
-- (setRolloutState), and a relay copies the rollout's state to the rollouts KV bucket that executors
-- read, retrying until it succeeds, then marks the row published. PostgreSQL is the one source of
-- truth for control; the KV entry only follows it, so a NATS error after a commit can no longer leave
-- executors running a paused, halted or cancelled rollout.
CREATE TABLE control_outbox (
  id           bigserial PRIMARY KEY,
  rollout_id   text NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  -- The state the change set (history and diagnosis; the relay publishes the rollout's current state).
  state        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text NOT NULL DEFAULT ''
);
CREATE INDEX control_outbox_unpublished ON control_outbox (id) WHERE published_at IS NULL;
CREATE INDEX control_outbox_rollout ON control_outbox (rollout_id);
-- Rollouts active before the outbox existed get one row, so that a relay writes their state once.
INSERT INTO control_outbox (rollout_id, state)
  SELECT id, state FROM rollouts WHERE state IN ('running', 'paused', 'halted');
