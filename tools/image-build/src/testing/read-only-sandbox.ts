import { spawn, type ChildProcess } from 'node:child_process';
import { imageUser } from '../image-user.js';

/**
 * Runs a command as the pod runs the image: in a mount namespace of its own whose root filesystem (and the
 * workspace's, when it is another mount) is read-only, with an empty tmpfs at /tmp (the pod's emptyDir),
 * as user 1000; a workspace under /tmp stays at its path, read-only, inside that tmpfs. Needs root to set
 * up (unshare, mount), then drops to that user (setpriv). The command's process is the returned child
 * itself (each step execs the next), so signals reach it.
 */
export function spawnReadOnly(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  const script = [
    'set -e',
    'workspace=$(pwd -P)',
    'mount -o remount,bind,ro /',
    'workspace_mount=$(findmnt -n -o TARGET -T "$workspace")',
    '[ "$workspace_mount" = / ] || mount -o remount,bind,ro "$workspace_mount"',
    // A clone in a temporary folder (/tmp/<dir>/…, node_modules and the node binary in it too) would
    // vanish under the tmpfs: that folder is held read-only at /mnt meanwhile and moved back to its path
    // inside the tmpfs.
    'kept=$(printf %s "$workspace" | cut -d/ -f1-3)',
    'case "$workspace" in /tmp/*) mount -n --bind "$kept" /mnt; mount -n -o remount,bind,ro /mnt ;; esac',
    'mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp',
    'case "$workspace" in /tmp/*) mkdir -p "$kept"; mount -n --move /mnt "$kept"; cd "$workspace" ;; esac',
    `exec setpriv --reuid ${imageUser} --regid ${imageUser} --clear-groups -- "$@"`,
  ].join('\n');
  return spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', command, ...args], {
    cwd: options.cwd,
    env: { ...options.env, HOME: '/tmp', TMPDIR: '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
