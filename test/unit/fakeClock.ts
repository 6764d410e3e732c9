import type { Clock } from '../../nodes/shared/request/clock';

/**
 * A virtual clock for the request layer's unit tests: `sleep` and `deadline` are timers on virtual time, and
 * `drive` runs a promise to its end, jumping to the next timer whenever everything else is waiting on one. No
 * assertion then depends on how busy the machine is: a gap of 40 ms is exactly 40 virtual milliseconds.
 */
export class FakeClock implements Clock {
	private time: number;
	private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
	private seq = 0;

	/** `lateMs`: every sleep wakes this much after its due time (a busy event loop). */
	constructor(
		start = 1_000_000,
		private readonly lateMs = 0,
	) {
		this.time = start;
	}

	now(): number {
		return this.time;
	}

	async sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => this.schedule(Math.max(0, ms) + this.lateMs, resolve));
	}

	deadline(ms: number): AbortSignal {
		const controller = new AbortController();
		this.schedule(ms, () => controller.abort(new Error('deadline')));
		return controller.signal;
	}

	/** Runs `work` to its end on virtual time; fails if it waits on something that is not a timer. */
	async drive<T>(work: Promise<T>): Promise<T> {
		let settled = false;
		work.then(
			() => (settled = true),
			() => (settled = true),
		);
		for (let rounds = 0; !settled; rounds++) {
			await flushMicrotasks();
			if (settled) break;
			const next = this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq).shift();
			if (!next) throw new Error('FakeClock: the work waits on something other than a timer');
			if (rounds > 1_000_000) throw new Error('FakeClock: the work never ends');
			this.time = Math.max(this.time, next.at);
			next.fire();
		}
		return await work;
	}

	private schedule(ms: number, fire: () => void): void {
		this.timers.push({ at: this.time + ms, seq: this.seq++, fire });
	}
}

/** Lets every promise continuation that is ready run (several rounds: chains of awaits). */
async function flushMicrotasks(): Promise<void> {
	for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
