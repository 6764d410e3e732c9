/**
 * The request layer's order of decisions, on a virtual clock: pacing, the rate-limit pause, what a pace is learned
 * from and how it recovers, the refusal budget, retries of unreadable answers, token refresh and redaction.
 * Times are read where the client hands a request to n8n, in virtual milliseconds, so no figure depends on how
 * busy the machine is.
 */
import {
	LEARNED_RATE_MARGIN,
	createProviderClient,
	ProviderClient,
	SEND_WINDOW_MS,
	type ClientSettings,
	type ProviderProfile,
	type ProviderResponse,
	type RequestContext,
} from '../../nodes/shared/providerClient';
import { commonOptionsFrom } from '../../nodes/shared/commonOptions';
import { CONFIGURED_RATE_MARGIN, RECOVERY_INTERVAL_MS, SLOT_TOLERANCE_MS } from '../../nodes/shared/request/rateControl';
import { DEFAULT_RETRY_POLICY, REFUSAL_BUDGET } from '../../nodes/shared/request/retry';
import { FakeClock } from './fakeClock';

interface Answer {
	statusCode: number;
	headers?: Record<string, string>;
	body?: string;
	/** Virtual milliseconds before the answer comes. */
	latencyMs?: number;
}

function recordingContext(clock: FakeClock, answer: (call: number) => Answer) {
	const sentAt: number[] = [];
	const context: RequestContext = {
		helpers: {
			httpRequestWithAuthentication: async () => {
				sentAt.push(clock.now());
				const { statusCode, headers, body, latencyMs } = answer(sentAt.length);
				if (latencyMs) await clock.sleep(latencyMs);
				return { statusCode, headers: headers ?? {}, body: body ?? '{}' };
			},
		},
	};
	return { context, sentAt };
}

const profile = (minRequestGapMs?: number): ProviderProfile => ({
	name: 'Test',
	credentialType: 'testApi',
	credentialName: 'Test API',
	describeError: (response) => ({ message: `HTTP ${response.statusCode}` }),
	minRequestGapMs,
});

const settings: ClientSettings = { retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 3 }, timeoutMs: 1000, secrets: [] };

const get = (client: ProviderClient, path = '') => client.request({ method: 'GET', url: `http://x/${path}` });

/** Sends `count` requests through `workers` lanes (one by default: the order of the sends is then known). */
const sendAll = async (client: ProviderClient, count: number, workers = 1) => {
	let next = 0;
	await Promise.all(
		Array.from({ length: workers }, async () => {
			while (next < count) await get(client, String(next++));
		}),
	);
};

/** Like sendAll, keeping every request's answer or error, in order. */
const settleAll = async (client: ProviderClient, count: number, workers: number) => {
	const outcomes: Array<ProviderResponse | Error> = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: workers }, async () => {
			while (next < count) {
				const index = next++;
				outcomes[index] = await get(client, String(index)).catch((error: Error) => error);
			}
		}),
	);
	return outcomes;
};

const gapsOf = (times: number[]) => times.slice(1).map((time, i) => time - times[i]);

describe('pacing', () => {
	test("request starts are spaced by the profile's minimum gap, even when many run in parallel", async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, () => ({ statusCode: 200 }));
		const client = new ProviderClient(context, profile(40), settings, clock);
		await clock.drive(Promise.all(Array.from({ length: 8 }, async () => await get(client))));
		expect(gapsOf(sentAt)).toEqual([40, 40, 40, 40, 40, 40, 40]);
	});

	test('without a minimum gap, parallel requests are not held back', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, () => ({ statusCode: 200 }));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(Promise.all(Array.from({ length: 5 }, async () => await get(client))));
		expect(sentAt).toHaveLength(5);
		expect(new Set(sentAt).size).toBe(1);
	});

	test('a 429 with Retry-After pauses every request of the client, not only the one that saw it', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, (call) =>
			call === 1 ? { statusCode: 429, headers: { 'retry-after': '1' } } : { statusCode: 200 },
		);
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		const both = (async () => {
			const first = get(client, '1');
			await clock.sleep(20);
			// Sent after the 429 arrived: it must wait for the same Retry-After.
			const second = get(client, '2');
			await Promise.all([first, second]);
		})();
		await clock.drive(both);
		expect(sentAt.map((time) => time - sentAt[0])).toEqual([0, 1000, 1000]);
		expect(client.counters).toMatchObject({ requests: 3, retries: 1, rateLimited: 1 });
	});

	test("a 503's Retry-After delays only its own retry, and teaches no pace", async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, (call) =>
			call === 1 ? { statusCode: 503, headers: { 'retry-after': '1' } } : { statusCode: 200 },
		);
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		const both = (async () => {
			const first = get(client, '1');
			await clock.sleep(20);
			const second = get(client, '2');
			await Promise.all([first, second]);
		})();
		await clock.drive(both);
		// The second request went out at once; the first was retried after the 503's Retry-After.
		expect(sentAt.map((time) => time - sentAt[0]).sort((a, b) => a - b)).toEqual([0, 20, 1000]);
		expect(client.counters).toMatchObject({ rateLimited: 0, learnedGapMs: 0 });
	});
});

describe('pacing learned from a rate limit', () => {
	/** Accepts `accepted` requests, refuses the next with 429 + Retry-After, then accepts everything. */
	const limitedAfter = (accepted: number, retryAfter: string) => (call: number) =>
		call === accepted + 1 ? { statusCode: 429, headers: { 'retry-after': retryAfter } } : { statusCode: 200, latencyMs: 5 };

	test('after a 429, requests are spaced to the rate the provider accepted in the second before it', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, limitedAfter(10, '1'));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 20));
		// 10 accepted within a second, then the 429: 10 per second, less the margin = one start every 106 ms.
		const gap = 100 * LEARNED_RATE_MARGIN;
		expect(client.counters.learnedGapMs).toBeCloseTo(gap, 5);
		expect(client.counters.rateLimited).toBe(1);
		const afterPause = sentAt.slice(11);
		expect(afterPause).toHaveLength(10);
		expect(afterPause[0] - sentAt[10]).toBe(1000);
		// Each request has its slot one gap after the previous slot, counted from the end of the pause.
		afterPause.forEach((time, k) => expect(time).toBeCloseTo(sentAt[10] + 1000 + k * gap, 6));
		// Before the 429 nothing held the requests back (no pacing was known yet): 5 ms of latency each.
		expect(sentAt[9] - sentAt[0]).toBe(45);
	});

	/** 50 ms latency, and the calls in `refused` answered 429 (Retry-After: 1 s); every other call is taken. */
	const slow = (refused: (call: number) => boolean) => (call: number) =>
		refused(call)
			? { statusCode: 429, headers: { 'retry-after': '1' }, latencyMs: 50 }
			: { statusCode: 200, latencyMs: 50 };

	test('the rate counts the answers the provider gave in the second before its 429, also of requests sent alongside it', async () => {
		// 5 lanes at 50 ms: when call 21's 429 comes back, calls 17–20 (taken) were sent before it and answered just before.
		const clock = new FakeClock();
		const { context } = recordingContext(clock, slow((call) => call >= 21 && call <= 25));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 30, 5));
		// 20 answers in the second before the 429: 20 per second, less the margin.
		expect(client.counters.learnedGapMs).toBeCloseTo(50 * LEARNED_RATE_MARGIN, 5);
	});

	test('answers that came after the 429 do not count, even for requests the provider took (it decided on them later)', async () => {
		const clock = new FakeClock();
		const { context } = recordingContext(clock, slow((call) => call === 21));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 30, 5));
		expect(client.counters.learnedGapMs).toBeCloseTo(50 * LEARNED_RATE_MARGIN, 5);
	});

	test('a token n8n fetched inside the first request counts as one more request the provider took', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, limitedAfter(10, '1'));
		// The credential holds a new value once the first request has gone out: n8n's preAuthentication ran in it.
		const reloadSecrets = async () => (sentAt.length > 0 ? ['client-secret', 'token-issued-in-run'] : ['client-secret']);
		const tokenProfile = { ...profile(undefined), tokenExpiredStatusCodes: [401] };
		const client = new ProviderClient(context, tokenProfile, { ...settings, secrets: ['client-secret'], reloadSecrets }, clock);
		await clock.drive(sendAll(client, 20));
		// The token request and 10 accepted requests in the second before the 429: 11 per second, less the margin.
		expect(client.counters.learnedGapMs).toBeCloseTo((1000 / 11) * LEARNED_RATE_MARGIN, 5);
		expect(client.secretValues).toContain('token-issued-in-run');
	});

	test('a credential without a token cache (nothing new after the first request) adds no request', async () => {
		const clock = new FakeClock();
		const { context } = recordingContext(clock, limitedAfter(10, '1'));
		const reloadSecrets = async () => ['static-key'];
		const tokenProfile = { ...profile(undefined), tokenExpiredStatusCodes: [401] };
		const client = new ProviderClient(context, tokenProfile, { ...settings, secrets: ['static-key'], reloadSecrets }, clock);
		await clock.drive(sendAll(client, 20));
		expect(client.counters.learnedGapMs).toBeCloseTo(100 * LEARNED_RATE_MARGIN, 5);
	});

	test('a 429 with Retry-After: 0 (a transient refusal) teaches no pace', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, limitedAfter(3, '0'));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 8));
		expect(client.counters.learnedGapMs).toBe(0);
		expect(sentAt).toHaveLength(9);
		expect(sentAt[8] - sentAt[0]).toBe(8 * 5 - 5);
	});

	test('a 429 after a second in which the requests hung teaches no pace (the node left that second idle)', async () => {
		// 5 lanes; calls 1-5 hang for 3 s before they are answered, then call 6 is refused: in the second before that
		// 429 the provider answered nothing, which measures the stall, not the provider's rate.
		const clock = new FakeClock();
		const { context } = recordingContext(clock, (call) =>
			call <= 5
				? { statusCode: 200, latencyMs: 3000 }
				: call === 6
					? { statusCode: 429, headers: { 'retry-after': '1' }, latencyMs: 5 }
					: { statusCode: 200, latencyMs: 5 },
		);
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		// The 429 comes 5 ms after the five hung answers: they were "in the second before" it only as answers that
		// took 3 s. Sent alone afterwards, with one lane, nothing else is in flight.
		await clock.drive(sendAll(client, 5, 5));
		await clock.drive(sendAll(client, 5, 1));
		expect(client.counters.rateLimited).toBe(1);
		expect(client.counters.learnedGapMs).toBe(0);
	});

	test('the learned pace recovers when the provider keeps taking requests', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, limitedAfter(10, '1'));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 12));
		const learned = client.counters.learnedGapMs;
		expect(learned).toBeCloseTo(100 * LEARNED_RATE_MARGIN, 5);
		// Accepted requests at that pace for a little over two recovery intervals.
		const until = clock.now() + 2 * RECOVERY_INTERVAL_MS + 500;
		await clock.drive(
			(async () => {
				while (clock.now() < until) await get(client);
			})(),
		);
		// Two recoveries, each a fifth faster.
		expect(client.counters.learnedGapMs).toBeCloseTo(learned * 0.8 * 0.8, 5);
		expect(gapsOf(sentAt.slice(-3))[1]).toBeCloseTo(learned * 0.8 * 0.8, 5);
	});

	test('the pace does not drift when timers wake late: each start keeps to its slot', async () => {
		// Every sleep wakes 20 ms late (a busy event loop); counting the pace from the wake-up would add 20 ms per request.
		const clock = new FakeClock(1_000_000, 20);
		const { context, sentAt } = recordingContext(clock, limitedAfter(10, '1'));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 21));
		const afterPause = sentAt.slice(11);
		expect(afterPause).toHaveLength(11);
		// 10 slots of 106 ms: the last start is at most one lateness (20 ms) after its slot, never 10 of them.
		const slots = 10 * 100 * LEARNED_RATE_MARGIN;
		expect(afterPause[10] - afterPause[0]).toBeLessThanOrEqual(slots + 20);
		expect(afterPause[10] - afterPause[0]).toBeGreaterThanOrEqual(slots - 20);
	});
});

describe('a provider that keeps refusing', () => {
	test('every answer a 429: once the budget is spent the other orders fail at once, unsent', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, () => ({ statusCode: 429, headers: { 'retry-after': '1' }, latencyMs: 10 }));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		const started = clock.now();
		const outcomes = await clock.drive(settleAll(client, 200, 5));
		const elapsed = clock.now() - started;
		expect(outcomes.every((outcome) => outcome instanceof Error)).toBe(true);
		const messages = (outcomes as Error[]).map((error) => error.message);
		expect(messages.filter((message) => /kept rate-limiting/.test(message)).length).toBeGreaterThan(150);
		// The budget's time plus one retry chain (4 attempts, 1 s apart), not 200 orders' worth of chains.
		expect(elapsed).toBeLessThanOrEqual(REFUSAL_BUDGET.ms + 4 * 1010);
		expect(sentAt.length).toBeLessThan(200);
	});

	test('refusals that the provider clears before the budget runs out are ordinary rate limiting', async () => {
		const clock = new FakeClock();
		// The first 12 answers refused (more than the budget's count, in far less than its time), then all taken.
		const { context } = recordingContext(clock, (call) =>
			call <= 12 ? { statusCode: 429, headers: { 'retry-after': '1' }, latencyMs: 5 } : { statusCode: 200, latencyMs: 5 },
		);
		const client = new ProviderClient(context, profile(undefined), { ...settings, retry: { ...settings.retry, maxRetries: 10 } }, clock);
		const outcomes = await clock.drive(settleAll(client, 20, 5));
		expect(outcomes.filter((outcome) => outcome instanceof Error)).toEqual([]);
	});
});

describe('answers that cannot be read', () => {
	const readOrder = (client: ProviderClient) => (response: ProviderResponse) => {
		if (!response.json || typeof response.json !== 'object') throw client.invalidResponse(response, 'expected a JSON object');
		return response.json as { status: string };
	};

	test('an HTML page with status 200 is retried like a 5xx, and the retry is read', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, (call) =>
			call === 1
				? { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<html>maintenance</html>' }
				: { statusCode: 200, body: '{"status":"shipped"}' },
		);
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		await expect(clock.drive(client.request({ method: 'GET', url: 'http://x/' }, readOrder(client)))).resolves.toEqual({
			status: 'shipped',
		});
		expect(sentAt).toHaveLength(2);
	});

	test('a JSON answer cut in half on every attempt ends as a clear error after Max Retries', async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, () => ({ statusCode: 200, body: '{"status":"shi' }));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		const error = await clock.drive(client.request({ method: 'GET', url: 'http://x/' }, readOrder(client)).catch((e: Error) => e));
		expect((error as Error).message).toBe('Test sent an answer that cannot be read: expected a JSON object (after 3 retries)');
		expect(sentAt).toHaveLength(4);
	});
});

describe('secrets', () => {
	test('after a token refresh, the new token is kept out of messages too', async () => {
		const NEW_TOKEN = 'NEWTOKEN-7f3a9c1e';
		const clock = new FakeClock();
		let call = 0;
		const context: RequestContext = {
			helpers: {
				httpRequestWithAuthentication: async () => {
					call++;
					// 1: the cached token is refused; 2: n8n refreshed it and the resend fails with an echo of it.
					if (call === 1) return { statusCode: 401, headers: {}, body: '{}' };
					return { statusCode: 400, headers: {}, body: JSON.stringify({ message: `bad request for ${NEW_TOKEN}` }) };
				},
			},
		};
		const client = new ProviderClient(
			context,
			{
				...profile(undefined),
				tokenExpiredStatusCodes: [401],
				describeError: (response) => ({ message: String((response.json as { message: string }).message) }),
			},
			{ ...settings, secrets: ['SECRET-original'], reloadSecrets: async () => ['SECRET-original', NEW_TOKEN] },
			clock,
		);
		const error = await clock.drive(get(client).catch((e: Error) => e));
		expect((error as Error).message).toBe('Test: bad request for [redacted]');
		expect(client.secretValues).toContain(NEW_TOKEN);
	});

	test('an echoed request is redacted in the item values, in every spelling, short secrets too', () => {
		const client = new ProviderClient(
			{ helpers: { httpRequestWithAuthentication: async () => ({}) } },
			profile(undefined),
			{ ...settings, secrets: ['k9Q!', 'key/with+chars'] },
			new FakeClock(),
		);
		const raw = {
			request: { token: 'k9Q!', url: '/x?t=key%2Fwith%2Bchars', form: 'a=key%2Fwith%2Bchars', json: '"k9Q!"' },
			basic: `Basic ${Buffer.from('key/with+chars:k9Q!').toString('base64')}`,
		};
		const redacted = JSON.stringify(client.redactDeep(raw));
		for (const leak of ['k9Q!', 'key/with+chars', 'key%2Fwith%2Bchars', Buffer.from('key/with+chars:k9Q!').toString('base64')]) {
			expect(redacted).not.toContain(leak);
		}
		expect(client.redactDeep(raw).request.token).toBe('[redacted]');
	});
});

describe('Max Requests per Second (a rate the user knows)', () => {
	/**
	 * A provider that takes `limit` requests in any sliding second, counted when a request ARRIVES: each request
	 * reaches it `jitter(call)` virtual ms after the client handed it over (n8n's own work, the network), and is
	 * answered `latencyMs` later; above the limit it answers 429 with Retry-After: 1, like the simulators.
	 */
	function limitedProvider(clock: FakeClock, limit: number, jitter: (call: number) => number, latencyMs = 20) {
		const sentAt: number[] = [];
		const arrivals: number[] = [];
		let refused = 0;
		const context: RequestContext = {
			helpers: {
				httpRequestWithAuthentication: async () => {
					sentAt.push(clock.now());
					const call = sentAt.length;
					await clock.sleep(jitter(call));
					const now = clock.now();
					const inWindow = arrivals.filter((at) => at > now - 1000).length;
					const taken = inWindow < limit;
					if (taken) arrivals.push(now);
					else refused++;
					await clock.sleep(latencyMs);
					return taken
						? { statusCode: 200, headers: {}, body: '{}' }
						: { statusCode: 429, headers: { 'retry-after': '1' }, body: '{}' };
				},
			},
		};
		return { context, sentAt, refused: () => refused };
	}
	/** Arrival delays that vary between 0 and 30 ms, repeatably. */
	const jittery = (call: number) => (call * 7919) % 31;

	test('requests start at least 1000 / rate ms apart, and the provider refuses none, with arrival jitter', async () => {
		const clock = new FakeClock();
		const provider = limitedProvider(clock, 10, jittery);
		const client = new ProviderClient(provider.context, profile(undefined), { ...settings, maxRequestsPerSecond: 10 }, clock);
		await clock.drive(sendAll(client, 40, 5));
		expect(provider.refused()).toBe(0);
		expect(client.counters).toMatchObject({ requests: 40, rateLimited: 0, retries: 0, learnedGapMs: 0 });
		expect(Math.min(...gapsOf(provider.sentAt))).toBeGreaterThanOrEqual(100);
		// Each start in its slot, 1000 / 10 ms less the margin apart: no slower than that either.
		const slot = 100 * CONFIGURED_RATE_MARGIN;
		provider.sentAt.forEach((time, k) => expect(time - provider.sentAt[0]).toBeCloseTo(k * slot, 6));
	});

	test('without it, the same provider refuses requests until a pace is learned (the test above is not trivial)', async () => {
		const clock = new FakeClock();
		const provider = limitedProvider(clock, 10, jittery);
		const client = new ProviderClient(provider.context, profile(undefined), settings, clock);
		await clock.drive(sendAll(client, 40, 5));
		expect(provider.refused()).toBeGreaterThan(0);
		expect(client.counters.rateLimited).toBeGreaterThan(0);
	});

	test('timers that wake late neither bring two starts closer than 1000 / rate ms nor slow the pace down', async () => {
		// Every sleep wakes 3 ms late: counting from the wake-up would add 3 ms to every gap.
		const clock = new FakeClock(1_000_000, SLOT_TOLERANCE_MS);
		const provider = limitedProvider(clock, 10, jittery);
		const client = new ProviderClient(provider.context, profile(undefined), { ...settings, maxRequestsPerSecond: 10 }, clock);
		await clock.drive(sendAll(client, 60, 5));
		expect(provider.refused()).toBe(0);
		expect(Math.min(...gapsOf(provider.sentAt))).toBeGreaterThanOrEqual(100);
		expect(provider.sentAt[59] - provider.sentAt[0]).toBeLessThanOrEqual(59 * 100 * CONFIGURED_RATE_MARGIN + SLOT_TOLERANCE_MS + 1e-6);
	});

	test('at a high rate too: never more than the rate in any second, even when timers wake late', async () => {
		// 50 per second with arrivals varying by up to 30 ms and every timer 3 ms late (a start that a timer woke late
		// keeps its slot, so the next one may come up to SLOT_TOLERANCE_MS sooner than the slot gap; the second holds).
		const clock = new FakeClock(1_000_000, SLOT_TOLERANCE_MS);
		const provider = limitedProvider(clock, 50, jittery, 50);
		const client = new ProviderClient(provider.context, profile(undefined), { ...settings, maxRequestsPerSecond: 50 }, clock);
		await clock.drive(sendAll(client, 300, 5));
		expect(provider.refused()).toBe(0);
		expect(Math.min(...gapsOf(provider.sentAt))).toBeGreaterThanOrEqual(20 * CONFIGURED_RATE_MARGIN - SLOT_TOLERANCE_MS);
		// 300 requests in 299 slots: 1.04 × the time the rate allows, no drift.
		expect(provider.sentAt[299] - provider.sentAt[0]).toBeLessThanOrEqual(299 * 20 * CONFIGURED_RATE_MARGIN + SLOT_TOLERANCE_MS + 1e-6);
	});

	test('a start held back longer (here: the first answer, with a minimum gap) starts a fresh run of slots, no burst', async () => {
		const clock = new FakeClock();
		const provider = limitedProvider(clock, 10, jittery, 60);
		// A 90 ms minimum gap held from the first request's answer (60 ms): the second start is 50 ms past its slot.
		const client = new ProviderClient(provider.context, profile(90), { ...settings, maxRequestsPerSecond: 10 }, clock);
		await clock.drive(sendAll(client, 30, 5));
		expect(provider.refused()).toBe(0);
		expect(Math.min(...gapsOf(provider.sentAt))).toBeGreaterThanOrEqual(100 * CONFIGURED_RATE_MARGIN - 1e-9);
	});

	test("a provider's own minimum gap stays the floor when it is longer than 1000 / rate", async () => {
		const clock = new FakeClock();
		const { context, sentAt } = recordingContext(clock, () => ({ statusCode: 200, latencyMs: 5 }));
		const client = new ProviderClient(context, profile(150), { ...settings, maxRequestsPerSecond: 10 }, clock);
		await clock.drive(sendAll(client, 8, 4));
		expect(gapsOf(sentAt).every((gap) => gap >= 150)).toBe(true);
		// The second start is held from the first answer (5 ms), the others follow 150 ms apart.
		expect(sentAt[7] - sentAt[1]).toBe(6 * 150);
	});

	test('a rate set above what the provider takes: its 429 still teaches the slower pace', async () => {
		const clock = new FakeClock();
		const provider = limitedProvider(clock, 5, () => 0);
		const client = new ProviderClient(provider.context, profile(undefined), { ...settings, maxRequestsPerSecond: 10 }, clock);
		await clock.drive(sendAll(client, 30, 5));
		expect(client.counters.rateLimited).toBeGreaterThan(0);
		expect(client.counters.learnedGapMs).toBeGreaterThan(100 * CONFIGURED_RATE_MARGIN);
		// After the pause, the learned pace holds: no second refusal.
		expect(provider.refused()).toBe(client.counters.rateLimited);
		expect(client.counters.rateLimited).toBeLessThanOrEqual(2);
	});

	test('the option: empty, 0 or not a number keeps saved workflows as they were; a rate is capped at 1000/s', () => {
		for (const value of [undefined, null, '', 0, -3, 'abc', Number.NaN]) {
			expect(commonOptionsFrom({ maxRequestsPerSecond: value } as never).maxRequestsPerSecond).toBeUndefined();
		}
		expect(commonOptionsFrom({}).maxRequestsPerSecond).toBeUndefined();
		expect(commonOptionsFrom({ maxRequestsPerSecond: 12.5 }).maxRequestsPerSecond).toBe(12.5);
		expect(commonOptionsFrom({ maxRequestsPerSecond: '40' } as never).maxRequestsPerSecond).toBe(40);
		expect(commonOptionsFrom({ maxRequestsPerSecond: 1e6 }).maxRequestsPerSecond).toBe(1000);
	});
});

describe("the reading budget (how long the node's reading may keep the event loop)", () => {
	test('a moment while the first request is on its way; nothing during a send window; until the next start otherwise', async () => {
		const clock = new FakeClock();
		const budgets: Array<[string, number]> = [];
		const { context } = recordingContext(clock, () => ({ statusCode: 200, latencyMs: 30 }));
		const client = new ProviderClient(context, profile(50), settings, clock);
		expect(client.readingBudgetMs()).toBe(Infinity);
		const work = (async () => {
			const first = get(client, 'first');
			await clock.sleep(SEND_WINDOW_MS + 5);
			budgets.push(['first on its way', client.readingBudgetMs()]);
			await first;
			// Two more: the second waits for the gap held from the first answer, the third behind it.
			const second = get(client, 'second');
			const third = get(client, 'third');
			await clock.sleep(1);
			budgets.push(['waiting for a turn', client.readingBudgetMs()]);
			await clock.sleep(49);
			budgets.push(['just started', client.readingBudgetMs()]);
			await clock.sleep(SEND_WINDOW_MS);
			budgets.push(['after the send window', client.readingBudgetMs()]);
			await Promise.all([second, third]);
			await clock.sleep(60);
			budgets.push(['nothing waits', client.readingBudgetMs()]);
		})();
		await clock.drive(work);
		expect(Object.fromEntries(budgets)).toEqual({
			'first on its way': 2,
			'waiting for a turn': 49,
			'just started': 0,
			'after the send window': 50 - SEND_WINDOW_MS,
			'nothing waits': Infinity,
		});
	});
});

test('requests that are not spaced at all (no minimum gap, no pace) leave the reading its whole budget', async () => {
	const clock = new FakeClock();
	const { context } = recordingContext(clock, () => ({ statusCode: 200, latencyMs: 30 }));
	const client = new ProviderClient(context, profile(undefined), settings, clock);
	await clock.drive(get(client));
	const second = get(client);
	await clock.drive(clock.sleep(1));
	expect(client.readingBudgetMs()).toBe(Infinity);
	await clock.drive(second);
});

describe('the credential, read once per execution', () => {
	const tokenProfile = (): ProviderProfile => ({ ...profile(50), tokenExpiredStatusCodes: [401] });

	test("is handed to n8n with every request, so n8n does not read it from its database again", async () => {
		const clock = new FakeClock();
		const seen: unknown[] = [];
		const context: RequestContext = {
			helpers: {
				httpRequestWithAuthentication: async (_type, _options, additional) => {
					seen.push(additional?.credentialsDecrypted);
					return { statusCode: 200, headers: {}, body: '{}' };
				},
			},
		};
		const credentials = { id: 'c1', name: 'Test API', type: 'testApi', data: { apiKey: 'k' } };
		const client = new ProviderClient(context, profile(undefined), { ...settings, credentials }, clock);
		await clock.drive(sendAll(client, 3));
		expect(seen).toEqual([credentials, credentials, credentials]);
	});

	test('a token stored during the first request: kept out of items at once, the gap held from then, the others released', async () => {
		const clock = new FakeClock();
		const sentAt: number[] = [];
		const holder: { client?: ProviderClient } = {};
		const context: RequestContext = {
			helpers: {
				httpRequestWithAuthentication: async () => {
					sentAt.push(clock.now());
					if (sentAt.length === 1) {
						// n8n's preAuthentication: the token request (30 ms), the token stored, then the request itself (40 ms).
						await clock.sleep(30);
						holder.client!.tokenStored('TOKEN-fetched-in-run');
					}
					await clock.sleep(40);
					return { statusCode: 200, headers: {}, body: '{}' };
				},
			},
		};
		const client = new ProviderClient(context, tokenProfile(), { ...settings, secrets: ['client-secret'] }, clock);
		holder.client = client;
		let releasedAt: number | undefined;
		void client.othersMayStart().then(() => (releasedAt = clock.now()));
		const started = clock.now();
		const work = (async () => {
			const first = get(client, 'first');
			await clock.sleep(1);
			const second = get(client, 'second');
			await Promise.all([first, second]);
		})();
		await clock.drive(work);
		expect(releasedAt! - started).toBe(30);
		expect(client.secretValues).toContain('TOKEN-fetched-in-run');
		expect(client.redactDeep({ echoed: 'TOKEN-fetched-in-run' })).toEqual({ echoed: '[redacted]' });
		// The second request starts the minimum gap after the token was stored, not after the first answer (at 70 ms).
		expect(sentAt[1] - started).toBe(30 + 50);
	});

	test('without a token fetched, the others wait for the first answer (a refused credential stops them all)', async () => {
		const clock = new FakeClock();
		const { context } = recordingContext(clock, () => ({ statusCode: 200, latencyMs: 25 }));
		const client = new ProviderClient(context, profile(undefined), settings, clock);
		let releasedAt: number | undefined;
		void client.othersMayStart().then(() => (releasedAt = clock.now()));
		const started = clock.now();
		await clock.drive(get(client));
		expect(releasedAt! - started).toBe(25);
	});

	test('createProviderClient: the token n8n writes into the credential reaches the client as it is written', async () => {
		const clock = new FakeClock();
		const stored: string[] = [];
		const context = {
			helpers: { httpRequestWithAuthentication: async () => ({ statusCode: 200, headers: {}, body: '{}' }) },
			getCredentials: async () => ({ clientSecret: 's', accessToken: '' }),
			getNode: () => ({ credentials: { testApi: { id: 'c1', name: 'Test API' } } }) as never,
		};
		const { client, credentials } = await createProviderClient(context, tokenProfile(), ['clientSecret', 'accessToken'], {
			maxRetries: 0,
			timeoutMs: 1000,
		});
		const original = client.tokenStored.bind(client);
		client.tokenStored = (token: string) => {
			stored.push(token);
			original(token);
		};
		// What n8n does after its preAuthentication: Object.assign into the credential object it was handed.
		Object.assign(credentials, { accessToken: 'NEW-TOKEN', tokenFor: 'f' });
		Object.assign(credentials, { accessToken: 'NEW-TOKEN' });
		expect(stored).toEqual(['NEW-TOKEN']);
		expect(credentials.accessToken).toBe('NEW-TOKEN');
		void clock;
	});
});

test('quietMoment waits while a request that just started is on its way, not otherwise', async () => {
	const clock = new FakeClock();
	const { context } = recordingContext(clock, () => ({ statusCode: 200, latencyMs: 60 }));
	const client = new ProviderClient(context, profile(50), settings, clock);
	await clock.drive(get(client));
	const second = get(client);
	await clock.drive(clock.sleep(51));
	const before = clock.now();
	await clock.drive(client.quietMoment());
	expect(clock.now() - before).toBeGreaterThan(0);
	expect(clock.now() - before).toBeLessThanOrEqual(SEND_WINDOW_MS);
	await clock.drive(second);
	const idle = clock.now();
	await clock.drive(client.quietMoment());
	expect(clock.now()).toBe(idle);
});
