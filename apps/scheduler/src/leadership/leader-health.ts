/**
 * The gRPC health service name that reports the leadership: SERVING on the leader, NOT_SERVING on a
 * follower (the overall health, '', stays SERVING on both: every replica serves the API).
 */
export const leaderHealthService = 'fleetshift.v1.SchedulerLeader';
