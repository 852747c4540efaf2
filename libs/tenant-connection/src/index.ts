export { readPassword, PasswordSourceError, type PasswordSource } from './password-source.js';
export {
  connectionDefaults,
  targetEndpoint,
  clusterEndpoint,
  describeEndpoint,
  describeTarget,
  describeClusterDatabase,
  targetConnectionConfig,
  clusterConnectionConfig,
  type ConnectionEndpoint,
  type SessionOptions,
} from './connection-config.js';
export { isConnectionFailure, connectionFailureReason, connectFailedError } from './connection-failure.js';
export {
  secretPolicyFromEnv,
  checkPasswordEnv,
  checkPasswordSource,
  allowedSecretFile,
  SecretSourceRefusedError,
  defaultPasswordEnvPrefix,
  secretPolicyVariables,
  type SecretPolicy,
} from './secret-policy.js';
export { tlsOptions, checkTlsSource, sslModeOf, sslModes, SslModeError, type SslMode, type TlsSource } from './tls-options.js';
export {
  sessionSafetyConfig,
  applySessionSafety,
  defaultSessionSafety,
  type SessionSafety,
  type AppliedSessionSafety,
} from './session-safety.js';
