import { spawn, type ChildProcess } from 'node:child_process';
import { imageUser } from '../image-user.js';

/**
 * Runs a command as the pod runs the image: in a mount namespace of its own whose root filesystem (and the
 * workspace's, when it is another mount) is read-only, with an empty tmpfs at /tmp (the pod's emptyDir),
 * as user 1000. Needs root to set up (unshare, mount), then drops to that user (setpriv). The command's
 * process is the returned child itself (each step execs the next), so signals reach it.
 */
export function spawnReadOnly(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  const script = [
    'set -e',
    'mount -o remount,bind,ro /',
    `workspace_mount=$(findmnt -n -o TARGET -T "$PWD")`,
    '[ "$workspace_mount" = / ] || mount -o remount,bind,ro "$workspace_mount"',
    'mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp',
    `exec setpriv --reuid ${imageUser} --regid ${imageUser} --clear-groups -- "$@"`,
  ].join('\n');
  return spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', command, ...args], {
    cwd: options.cwd,
    env: { ...options.env, HOME: '/tmp', TMPDIR: '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
