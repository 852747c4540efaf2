// The CLI's tests run it as a process; the helper lives in libs/testing so system tests in tools/ can too.
export { runFleetshift, type CliResult } from '@fleetshift/testing';
