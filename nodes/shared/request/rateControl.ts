import type { Clock } from './clock';

/**
 * When the next request of one execution may start: a provider's documented minimum gap (PPL: 40 ms), the
 * pause a Retry-After asks for, the rate the user set (Max Requests per Second), and a pace learned from the
 * provider's rate limiting.
 *
 * The pace is learned only from rate limiting (a 429, or a provider's own rate-limit code): a 503 with
 * Retry-After says the provider is unwell, not how fast it takes requests. It is measured from the answers the
 * provider took in the second before it refused, and only from a second the node kept busy (unpaused, with at
 * least two answers taken): a second in which the node's requests hung says nothing about the provider's rate.
 * It recovers: after every `RECOVERY_INTERVAL_MS` without a rate-limit refusal the gap shrinks by a fifth, so a
 * provider that takes more again is asked faster again (and a new refusal measures the pace afresh).
 */

/**
 * Pace 6% below the rate the provider took before its 429: the provider counts requests when they arrive, and
 * the time from a start here to that moment varies by tens of milliseconds, so paced starts can still bunch up
 * there. With 3% the benchmark hit the limit again now and then, and each hit costs a whole Retry-After pause.
 */
export const LEARNED_RATE_MARGIN = 1.06;

/**
 * A rate the user set (Max Requests per Second) is kept 4% below: its slots are 1000 / rate × 1.04 ms apart, so
 * that the provider, counting arrivals in a sliding second, still sees at most that rate when arrivals vary by
 * up to 40 ms (n8n's own work on each request, the network).
 */
export const CONFIGURED_RATE_MARGIN = 1.04;
/**
 * A start that a timer woke up to this late keeps its slot (the next one is not moved: timers wake a millisecond
 * or two late, and moving every slot by that would slow the pace down); a later start (after a pause, or the
 * first request's answer) starts a fresh run of slots, so a delay never turns into a burst that catches up.
 */
export const SLOT_TOLERANCE_MS = 3;

/** How long the learned pace must hold without a rate-limit refusal before it is sped up by a fifth. */
export const RECOVERY_INTERVAL_MS = 15_000;
const RECOVERY_FACTOR = 0.8;
/** Below this gap the learned pace is dropped altogether. */
const MIN_LEARNED_GAP_MS = 5;
/** Fewer answers than this in the second before a 429 measure nothing. */
const MIN_ANSWERS_TO_LEARN = 2;

/** When a request started, and when and how the provider answered it. */
export interface RequestStart {
	at: number;
	answer?: 'taken' | 'refused';
	answeredAt?: number;
	/** The order answers came in (several can come in within one millisecond). */
	answerOrder?: number;
}

export class RateControl {
	private pauseUntil = 0;
	private nextStart = 0;
	/** The requests of the last two seconds, oldest first: what the provider took before a 429. */
	private readonly recentStarts: RequestStart[] = [];
	/** A 429 to learn the pace from, settled when its pause ends (the answers in flight with it are in by then). */
	private learning?: { refused: RequestStart; gapBefore: number };
	private answersNoted = 0;
	/** Gap between request starts learned from rate limiting (0: none). */
	private learnedGap = 0;
	private nextPacedSlot = 0;
	private lastRateLimitAt = 0;
	private lastRecoveryAt = 0;
	/** Requests waiting in `waitForTurn`, and when the last one started. */
	private waiting = 0;
	private lastStartAt = -Infinity;

	/** The slot gap of a rate the user set, margin included (0: none). */
	private readonly configuredGap: number;

	/**
	 * `maxRequestsPerSecond`: the rate the user says the provider takes (Max Requests per Second); undefined to
	 * learn it from the provider's rate limiting only. The provider's own minimum gap stays a floor, and a slower
	 * pace learned from a 429 wins over the configured one.
	 */
	constructor(
		private readonly clock: Clock,
		private readonly minRequestGapMs = 0,
		maxRequestsPerSecond?: number,
	) {
		this.configuredGap = maxRequestsPerSecond !== undefined && maxRequestsPerSecond > 0 ? (1000 / maxRequestsPerSecond) * CONFIGURED_RATE_MARGIN : 0;
	}

	get learnedGapMs(): number {
		return this.learnedGap;
	}

	/** The gap between paced slots: the learned pace, or the configured rate's when that is slower. */
	private get pacedGap(): number {
		return Math.max(this.learnedGap, this.configuredGap);
	}

	/** Waits until a request may start (pause, minimum gap, learned pace); returns its start, to note the answer on. */
	async waitForTurn(): Promise<RequestStart> {
		this.waiting++;
		try {
			for (;;) {
				const wait = this.dueAt() - this.clock.now();
				if (wait <= 0) break;
				await this.clock.sleep(wait);
			}
		} finally {
			this.waiting--;
		}
		if (this.learning) {
			this.settleLearnedGap(this.learning);
			this.learning = undefined;
		}
		const now = this.clock.now();
		this.nextStart = now + this.minRequestGapMs;
		if (this.configuredGap > 0 && this.configuredGap >= this.learnedGap) {
			// The configured rate: slots as below, but only a start within SLOT_TOLERANCE_MS of its slot keeps to them.
			const slot = Math.max(this.nextPacedSlot, this.pauseUntil);
			this.nextPacedSlot = (now - slot <= SLOT_TOLERANCE_MS ? slot : now) + this.configuredGap;
		} else if (this.learnedGap > 0) {
			// The pace counts from the slot this request was given, not from when its timer fired: timers wake a
			// millisecond or two late, and counting from the wake-up would slow every later request as much. A request
			// after an idle spell gets a fresh slot, so idling never builds up a burst.
			const slot = Math.max(this.nextPacedSlot, this.pauseUntil);
			this.nextPacedSlot = (now - slot < this.learnedGap ? slot : now) + this.learnedGap;
		}
		const start: RequestStart = { at: now };
		this.lastStartAt = now;
		this.recentStarts.push(start);
		while (this.recentStarts.length > 0 && this.recentStarts[0].at < now - 2000) this.recentStarts.shift();
		return start;
	}

	/** The earliest moment the next request may start (pause, minimum gap, learned pace). */
	private dueAt(): number {
		return Math.max(this.pauseUntil, this.nextStart, this.nextPacedSlot);
	}

	/**
	 * How long other work of the execution (reading the next items) may keep the event loop from now on without
	 * holding up a request: nothing during the first `sendWindowMs` after a start (the request is still on its way
	 * through n8n to the provider, and a late arrival there would crowd the next one), and otherwise until the next
	 * start a waiting request is due; Infinity when no request waits, or when requests are not spaced at all (no
	 * minimum gap, no pace: nothing to crowd, and a start is not held back by anything but a free slot).
	 */
	freeForMs(sendWindowMs: number): number {
		if (this.minRequestGapMs === 0 && this.pacedGap === 0 && this.pauseUntil <= this.clock.now()) return Infinity;
		const now = this.clock.now();
		if (now < this.lastStartAt + sendWindowMs) return 0;
		return this.waiting > 0 ? Math.max(0, this.dueAt() - now) : Infinity;
	}

	/** Keeps the minimum gap from now on (after a request that may have fetched a token inside it). */
	holdGapFromNow(): void {
		this.nextStart = Math.max(this.nextStart, this.clock.now() + this.minRequestGapMs);
	}

	/** Notes how the provider answered a request (refused: rate-limited); an accepted answer may speed the pace up. */
	noteAnswer(start: RequestStart, rateLimited: boolean): void {
		start.answer = rateLimited ? 'refused' : 'taken';
		start.answeredAt = this.clock.now();
		start.answerOrder = ++this.answersNoted;
		if (!rateLimited) this.recover();
	}

	/**
	 * A request the provider took that this client did not send itself, at `start` (a token request n8n made
	 * inside it): it counts when a pace is learned. Answered halfway through the request, as close as can be known.
	 */
	noteExtraRequest(start: RequestStart): void {
		const answeredAt = start.at + ((start.answeredAt ?? start.at) - start.at) / 2;
		const position = this.recentStarts.indexOf(start);
		const answerOrder = (start.answerOrder ?? 0) - 0.5;
		if (position >= 0) this.recentStarts.splice(position, 0, { at: start.at, answer: 'taken', answeredAt, answerOrder });
	}

	/** Every request of the execution waits until `delayMs` from now (a Retry-After or a backoff after a 429). */
	pause(delayMs: number): void {
		this.pauseUntil = Math.max(this.pauseUntil, this.clock.now() + delayMs);
	}

	/**
	 * A rate-limit refusal: from now on, space request starts so that the client stays under the rate the provider
	 * took in the second before it. Not learned from a second that followed a pause closely (it holds few requests)
	 * nor from a 429 asking for no wait (`Retry-After: 0`, a transient refusal). Call before `pause`.
	 */
	learnFromRateLimit(refused: RequestStart, retryAfterMs: number | undefined): void {
		const now = this.clock.now();
		this.lastRateLimitAt = now;
		if (retryAfterMs === 0 || now < this.pauseUntil + 1000) return;
		this.learning = { refused, gapBefore: this.learnedGap };
		this.settleLearnedGap(this.learning);
	}

	/**
	 * How many requests the provider took in the second before it refused this one, counted by their ANSWERS: the
	 * provider answers when it decides, so the answers' times follow its count closely, while the time from a start
	 * here to the provider varies with n8n's work on each request by tens of milliseconds. Answers still on the way
	 * when the 429 came in count once they are in (settled again when the pause ends).
	 */
	private settleLearnedGap({ refused, gapBefore }: { refused: RequestStart; gapBefore: number }): void {
		const { answeredAt: refusedAt, answerOrder: refusedOrder } = refused;
		if (refusedAt === undefined || refusedOrder === undefined) return;
		const taken = this.recentStarts.filter(
			({ answer, answeredAt, answerOrder }) =>
				answer === 'taken' &&
				answeredAt !== undefined &&
				answerOrder !== undefined &&
				answeredAt > refusedAt - 1000 &&
				answerOrder < refusedOrder,
		).length;
		if (taken < MIN_ANSWERS_TO_LEARN) return;
		this.learnedGap = Math.max(gapBefore, (1000 / taken) * LEARNED_RATE_MARGIN);
		this.lastRecoveryAt = this.clock.now();
	}

	private recover(): void {
		if (this.learnedGap === 0) return;
		const now = this.clock.now();
		if (now - Math.max(this.lastRateLimitAt, this.lastRecoveryAt) < RECOVERY_INTERVAL_MS) return;
		this.lastRecoveryAt = now;
		const faster = this.learnedGap * RECOVERY_FACTOR;
		this.learnedGap = faster < MIN_LEARNED_GAP_MS ? 0 : faster;
		if (this.pacedGap === 0) this.nextPacedSlot = 0;
	}
}
