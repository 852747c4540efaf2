-- TLS of the sessions on a cluster (libpq's sslmode, '' = disable) and the CA file for verify-ca /
-- verify-full (a name inside the services' secrets directory, never a certificate).
ALTER TABLE clusters ADD COLUMN sslmode text NOT NULL DEFAULT ''
  CHECK (sslmode IN ('', 'disable', 'prefer', 'require', 'verify-ca', 'verify-full'));
ALTER TABLE clusters ADD COLUMN ssl_root_cert_file text NOT NULL DEFAULT '';

-- The append-only history of each cluster's registration: who pointed it where and when. Moving a
-- cluster to another host moves every tenant on it, so a replacement keeps the endpoint it replaced.
CREATE TABLE cluster_events (
  id            bigserial PRIMARY KEY,
  cluster_id    text NOT NULL REFERENCES clusters (id),
  -- registered | updated | endpoint_replaced
  kind          text NOT NULL CHECK (kind IN ('registered', 'updated', 'endpoint_replaced')),
  -- host:port before (empty when registered) and after.
  from_endpoint text NOT NULL DEFAULT '',
  to_endpoint   text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_events_cluster ON cluster_events (cluster_id, id);

CREATE FUNCTION cluster_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cluster_events is append-only';
END $$;
CREATE TRIGGER cluster_events_append_only BEFORE UPDATE OR DELETE ON cluster_events
  FOR EACH ROW EXECUTE FUNCTION cluster_events_append_only();
