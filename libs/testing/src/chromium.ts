import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package puts the browser; CHROMIUM_PATH overrides it. */
const debianChromium = '/usr/bin/chromium';

/**
 * The system's Chromium for browser tests driven by playwright-core (whose own browser download needs
 * the internet). Throws one line naming how to install it when it is missing.
 */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.CHROMIUM_PATH || debianChromium;
  if (existsSync(path)) return path;
  throw new Error(
    `Chromium not found at ${path}: install Debian's package (bash tools/dev-stack/ensure-chromium.sh, i.e. apt-get install chromium) or set CHROMIUM_PATH`,
  );
}
