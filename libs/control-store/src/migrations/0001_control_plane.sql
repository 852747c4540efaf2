-- The control plane: clusters, blueprints and their immutable versions, tenants, rollouts and the
-- append-only history of every tenant. States are stored as lowercase words (see states.ts).

CREATE TABLE clusters (
  id                   text PRIMARY KEY,
  host                 text NOT NULL,
  port                 integer NOT NULL,
  admin_user           text NOT NULL,
  -- Names only: the password lives in this environment variable or file, never here.
  password_env         text NOT NULL DEFAULT '',
  password_file        text NOT NULL DEFAULT '',
  maintenance_database text NOT NULL DEFAULT 'postgres',
  connection_budget    integer NOT NULL DEFAULT 10 CHECK (connection_budget > 0),
  labels               jsonb NOT NULL DEFAULT '{}',
  created_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE blueprints (
  name       text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schema_versions (
  blueprint       text NOT NULL REFERENCES blueprints (name),
  version         integer NOT NULL CHECK (version > 0),
  format          text NOT NULL,
  text            text NOT NULL,
  filename        text NOT NULL DEFAULT '',
  fingerprint     text NOT NULL,
  allowed_hazards text[] NOT NULL DEFAULT '{}',
  description     text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blueprint, version)
);

-- Versions are immutable: a rollout refers to exactly what was pushed.
CREATE FUNCTION schema_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'schema version %/% is immutable', OLD.blueprint, OLD.version;
END $$;
CREATE TRIGGER schema_versions_immutable BEFORE UPDATE OR DELETE ON schema_versions
  FOR EACH ROW EXECUTE FUNCTION schema_versions_immutable();

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  blueprint   text NOT NULL REFERENCES blueprints (name),
  cluster_id  text NOT NULL REFERENCES clusters (id),
  isolation   text NOT NULL CHECK (isolation IN ('database', 'schema')),
  database    text NOT NULL,
  schema      text NOT NULL DEFAULT '',
  labels      jsonb NOT NULL DEFAULT '{}',
  version     integer NOT NULL DEFAULT 0,
  fingerprint text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cluster_id, database, schema)
);
CREATE INDEX tenants_blueprint ON tenants (blueprint, id);
CREATE INDEX tenants_labels ON tenants USING gin (labels jsonb_path_ops);

CREATE TABLE rollouts (
  id                    text PRIMARY KEY,
  blueprint             text NOT NULL REFERENCES blueprints (name),
  version               integer NOT NULL,
  state                 text NOT NULL,
  selector              jsonb NOT NULL,
  batch_size            integer NOT NULL,
  max_batches_in_flight integer NOT NULL,
  tenant_concurrency    integer NOT NULL,
  canary                boolean NOT NULL,
  max_failed_tenants    integer NOT NULL DEFAULT 0,
  max_failure_ratio     double precision NOT NULL DEFAULT 0,
  on_drift              text NOT NULL DEFAULT 'replan',
  allowed_hazards       text[] NOT NULL DEFAULT '{}',
  dry_run               boolean NOT NULL DEFAULT false,
  halt_reason           text NOT NULL DEFAULT '',
  plans                 integer NOT NULL DEFAULT 0,
  throttled_seconds     double precision NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  started_at            timestamptz,
  finished_at           timestamptz,
  FOREIGN KEY (blueprint, version) REFERENCES schema_versions (blueprint, version)
);
-- One active rollout per blueprint.
CREATE UNIQUE INDEX rollouts_one_active ON rollouts (blueprint)
  WHERE state IN ('pending', 'running', 'paused', 'halted');
CREATE INDEX rollouts_state ON rollouts (state);

-- Plans of a rollout, one per distinct from-state (plan_key), stored as the encoded Plan message.
CREATE TABLE plans (
  rollout_id       text NOT NULL REFERENCES rollouts (id),
  plan_key         text NOT NULL,
  from_version     integer NOT NULL DEFAULT 0,
  from_fingerprint text NOT NULL,
  to_fingerprint   text NOT NULL,
  steps            integer NOT NULL,
  plan             bytea NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rollout_id, plan_key)
);

-- Batches of a rollout: pending until published, published until every tenant in it is final.
CREATE TABLE rollout_batches (
  rollout_id   text NOT NULL REFERENCES rollouts (id),
  batch_number integer NOT NULL,
  cluster_id   text NOT NULL REFERENCES clusters (id),
  attempt      integer NOT NULL DEFAULT 1,
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'published', 'done')),
  published_at timestamptz,
  finished_at  timestamptz,
  PRIMARY KEY (rollout_id, batch_number)
);
CREATE INDEX rollout_batches_open ON rollout_batches (rollout_id, state);

CREATE TABLE rollout_tenants (
  rollout_id       text NOT NULL REFERENCES rollouts (id),
  tenant_id        text NOT NULL REFERENCES tenants (id),
  cluster_id       text NOT NULL,
  state            text NOT NULL DEFAULT 'pending',
  batch_number     integer NOT NULL,
  plan_key         text NOT NULL,
  from_version     integer NOT NULL DEFAULT 0,
  from_fingerprint text NOT NULL DEFAULT '',
  attempts         integer NOT NULL DEFAULT 0,
  replans          integer NOT NULL DEFAULT 0,
  error            text NOT NULL DEFAULT '',
  error_code       text NOT NULL DEFAULT '',
  executor_id      text NOT NULL DEFAULT '',
  steps_applied    integer NOT NULL DEFAULT 0,
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rollout_id, tenant_id),
  FOREIGN KEY (rollout_id, batch_number) REFERENCES rollout_batches (rollout_id, batch_number)
);
CREATE INDEX rollout_tenants_batch ON rollout_tenants (rollout_id, batch_number);
CREATE INDEX rollout_tenants_state ON rollout_tenants (rollout_id, state);

-- Append-only history. result_key deduplicates reports delivered twice.
CREATE TABLE tenant_events (
  id            bigserial PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants (id),
  rollout_id    text NOT NULL DEFAULT '',
  kind          text NOT NULL,
  from_version  integer NOT NULL DEFAULT 0,
  to_version    integer NOT NULL DEFAULT 0,
  fingerprint   text NOT NULL DEFAULT '',
  error         text NOT NULL DEFAULT '',
  error_code    text NOT NULL DEFAULT '',
  executor_id   text NOT NULL DEFAULT '',
  steps_applied integer NOT NULL DEFAULT 0,
  batch_number  integer NOT NULL DEFAULT 0,
  result_key    text UNIQUE,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_events_tenant ON tenant_events (tenant_id, id);
CREATE INDEX tenant_events_rollout ON tenant_events (rollout_id, tenant_id);

CREATE FUNCTION tenant_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'tenant_events is append-only';
END $$;
CREATE TRIGGER tenant_events_append_only BEFORE UPDATE OR DELETE ON tenant_events
  FOR EACH ROW EXECUTE FUNCTION tenant_events_append_only();
