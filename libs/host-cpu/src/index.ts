export { parseProcStat, cpuPercentBetween, procStatSampler, type CpuTimes, type CpuSampler, type ProcStatSamplerOptions } from './proc-stat.js';
