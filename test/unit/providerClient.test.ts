/**
 * The request layer's pacing and rate-limit pause, measured where they are decided: when the client hands a
 * request to n8n. (Arrival times at a server in the same busy process would measure the event loop instead.)
 */
import { LEARNED_RATE_MARGIN, ProviderClient, type ProviderProfile, type RequestContext } from '../../nodes/shared/providerClient';
import { DEFAULT_RETRY_POLICY } from '../../nodes/shared/retryPolicy';

function recordingContext(answer: (call: number) => { statusCode: number; headers?: Record<string, string> }) {
	const sentAt: number[] = [];
	const context: RequestContext = {
		helpers: {
			httpRequestWithAuthentication: async () => {
				sentAt.push(Date.now());
				const { statusCode, headers } = answer(sentAt.length);
				return { statusCode, headers: headers ?? {}, body: '{}' };
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

const settings = { retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 3 }, timeoutMs: 1000, secrets: [] };

test('request starts are spaced by the profile\'s minimum gap, even when many run in parallel', async () => {
	const { context, sentAt } = recordingContext(() => ({ statusCode: 200 }));
	const client = new ProviderClient(context, profile(40), settings);
	await Promise.all(Array.from({ length: 8 }, async () => await client.request({ method: 'GET', url: 'http://x/' })));
	const gaps = sentAt.slice(1).map((time, i) => time - sentAt[i]);
	expect(gaps).toHaveLength(7);
	// sleep() never wakes early, so every gap is at least the minimum (1 ms of timer rounding allowed).
	for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(39);
});

test('without a minimum gap, parallel requests are not held back', async () => {
	const { context, sentAt } = recordingContext(() => ({ statusCode: 200 }));
	const client = new ProviderClient(context, profile(undefined), settings);
	await Promise.all(Array.from({ length: 5 }, async () => await client.request({ method: 'GET', url: 'http://x/' })));
	expect(sentAt).toHaveLength(5);
	expect(sentAt[4] - sentAt[0]).toBeLessThan(40);
});

test('a 429 with Retry-After pauses every request of the client, not only the one that saw it', async () => {
	const { context, sentAt } = recordingContext((call) =>
		call === 1 ? { statusCode: 429, headers: { 'retry-after': '1' } } : { statusCode: 200 },
	);
	const client = new ProviderClient(context, profile(undefined), settings);
	const first = client.request({ method: 'GET', url: 'http://x/1' });
	await new Promise((resolve) => setTimeout(resolve, 20));
	// Sent after the 429 arrived: it must wait for the same Retry-After.
	const second = client.request({ method: 'GET', url: 'http://x/2' });
	await Promise.all([first, second]);
	expect(sentAt).toHaveLength(3);
	expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(990);
	expect(sentAt[2] - sentAt[0]).toBeGreaterThanOrEqual(990);
	expect(client.counters).toMatchObject({ requests: 3, retries: 1, rateLimited: 1 });
});

test('after a token refresh, the new token is kept out of messages too', async () => {
	const NEW_TOKEN = 'NEWTOKEN-7f3a9c1e';
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
	);
	const error = await client.request({ method: 'GET', url: 'http://x/' }).catch((e: Error) => e);
	expect((error as Error).message).toBe('Test: bad request for [redacted]');
	expect(client.secretValues).toContain(NEW_TOKEN);
});

describe('pacing learned from a rate limit', () => {
	/** Accepts `accepted` requests, refuses the next with 429 + Retry-After, then accepts everything. */
	const limitedAfter = (accepted: number, retryAfter: string) => (call: number) =>
		call === accepted + 1 ? { statusCode: 429, headers: { 'retry-after': retryAfter } } : { statusCode: 200 };

	/** Sends `count` requests through `workers` lanes (one by default: the order of the sends is then known). */
	const sendAll = async (client: ProviderClient, count: number, workers = 1) => {
		let next = 0;
		await Promise.all(
			Array.from({ length: workers }, async () => {
				while (next < count) await client.request({ method: 'GET', url: `http://x/${next++}` });
			}),
		);
	};

	test('after a 429, requests are spaced to the rate the provider accepted in the second before it', async () => {
		const { context, sentAt } = recordingContext(limitedAfter(10, '1'));
		const client = new ProviderClient(context, profile(undefined), settings);
		await sendAll(client, 20);
		// 10 accepted within a second, then the 429: 10 per second, less the margin = one start every ~103 ms.
		const gap = 100 * LEARNED_RATE_MARGIN;
		expect(client.counters.learnedGapMs).toBeCloseTo(gap, 5);
		expect(client.counters.rateLimited).toBe(1);
		const afterPause = sentAt.slice(11);
		expect(afterPause[0] - sentAt[10]).toBeGreaterThanOrEqual(990);
		expect(afterPause).toHaveLength(10);
		// Each request has a slot one gap after the previous slot, counted from the end of the pause; sleep() never
		// wakes early, so no start comes before its slot (1 ms of timer rounding allowed).
		afterPause.forEach((time, k) => expect(time - (sentAt[10] + 1000 + k * gap)).toBeGreaterThanOrEqual(-1));
		// Before the 429 nothing held the requests back (no pacing was known yet).
		expect(sentAt[9] - sentAt[0]).toBeLessThan(100);
	});

	/** 50 ms latency, and the calls in `refused` answered 429 (Retry-After: 1 s); every other call is taken. */
	const slowContext = (refused: (call: number) => boolean): RequestContext => {
		let calls = 0;
		return {
			helpers: {
				httpRequestWithAuthentication: async () => {
					const call = ++calls;
					await new Promise((resolve) => setTimeout(resolve, 50));
					return refused(call)
						? { statusCode: 429, headers: { 'retry-after': '1' }, body: '{}' }
						: { statusCode: 200, headers: {}, body: '{}' };
				},
			},
		};
	};

	test('the rate counts the answers the provider gave in the second before its 429, also of requests sent alongside it', async () => {
		// 5 lanes at 50 ms: when call 21's 429 comes back, calls 17–20 (taken) were sent before it and answered just before.
		const client = new ProviderClient(slowContext((call) => call >= 21 && call <= 25), profile(undefined), settings);
		await sendAll(client, 30, 5);
		// 20 answers in the second before the 429: 20 per second, less the margin.
		expect(client.counters.learnedGapMs).toBeCloseTo(50 * LEARNED_RATE_MARGIN, 5);
	});

	test('answers that came after the 429 do not count, even for requests the provider took (it decided on them later)', async () => {
		// Only call 21 refused: calls 22–25, sent right after it, were taken, but their answers came after the 429.
		const client = new ProviderClient(slowContext((call) => call === 21), profile(undefined), settings);
		await sendAll(client, 30, 5);
		expect(client.counters.learnedGapMs).toBeCloseTo(50 * LEARNED_RATE_MARGIN, 5);
	});

	test('a token n8n fetched inside the first request counts as one more request the provider took', async () => {
		const { context, sentAt } = recordingContext(limitedAfter(10, '1'));
		// The credential holds a new value once the first request has gone out: n8n's preAuthentication ran in it.
		const reloadSecrets = async () => (sentAt.length > 0 ? ['client-secret', 'token-issued-in-run'] : ['client-secret']);
		const tokenProfile = { ...profile(undefined), tokenExpiredStatusCodes: [401] };
		const client = new ProviderClient(context, tokenProfile, { ...settings, secrets: ['client-secret'], reloadSecrets });
		await sendAll(client, 20);
		// The token request and 10 accepted requests in the second before the 429: 11 per second, less the margin.
		expect(client.counters.learnedGapMs).toBeCloseTo((1000 / 11) * LEARNED_RATE_MARGIN, 5);
		expect(client.secretValues).toContain('token-issued-in-run');
	});

	test('a credential without a token cache (nothing new after the first request) adds no request', async () => {
		const { context } = recordingContext(limitedAfter(10, '1'));
		const reloadSecrets = async () => ['static-key'];
		const tokenProfile = { ...profile(undefined), tokenExpiredStatusCodes: [401] };
		const client = new ProviderClient(context, tokenProfile, { ...settings, secrets: ['static-key'], reloadSecrets });
		await sendAll(client, 20);
		expect(client.counters.learnedGapMs).toBeCloseTo(100 * LEARNED_RATE_MARGIN, 5);
	});

	test('a 429 with Retry-After: 0 (a transient refusal) teaches no pace', async () => {
		const { context, sentAt } = recordingContext(limitedAfter(3, '0'));
		const client = new ProviderClient(context, profile(undefined), settings);
		await sendAll(client, 8);
		expect(client.counters.learnedGapMs).toBe(0);
		expect(sentAt).toHaveLength(9);
		expect(sentAt[8] - sentAt[0]).toBeLessThan(500);
	});

	test('the pace does not drift when timers wake late: each start keeps to its slot', async () => {
		// Every sleep() wakes 20 ms late (a busy event loop); counting the pace from the wake-up would add 20 ms per request.
		const workflow = jest.requireActual<typeof import('n8n-workflow')>('n8n-workflow');
		const late = jest.spyOn(workflow, 'sleep').mockImplementation(async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms + 20)));
		try {
			const { context, sentAt } = recordingContext(limitedAfter(10, '1'));
			const client = new ProviderClient(context, profile(undefined), settings);
			await sendAll(client, 21);
			const afterPause = sentAt.slice(11);
			expect(afterPause).toHaveLength(11);
			// 10 gaps of ~103 ms: ~1,030 ms when each start keeps to its slot, ~1,230 ms when the lateness adds up.
			expect(afterPause[10] - afterPause[0]).toBeLessThan(1_130);
		} finally {
			late.mockRestore();
		}
	});
});
