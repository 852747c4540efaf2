export { startStack, defaultPorts, type RunningStack, type StackOptions } from './stack.js';
