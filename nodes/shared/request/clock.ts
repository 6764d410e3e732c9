import { sleep } from 'n8n-workflow';

/**
 * Time as the request layer sees it. Every wait and deadline goes through one of these, so pacing, retries and
 * deadlines are unit-tested on a fake clock (test/unit/fakeClock.ts) instead of against the wall clock.
 */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
	/** A signal that aborts `ms` from now: the hard deadline of one attempt. */
	deadline(ms: number): AbortSignal;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms) => await sleep(Math.max(0, ms)),
	// AbortSignal.timeout's timer does not keep the process alive and needs no clean-up.
	deadline: (ms) => AbortSignal.timeout(Math.max(1, ms)),
};
