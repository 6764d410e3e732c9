/**
 * The request layer's pacing and rate-limit pause, measured where they are decided: when the client hands a
 * request to n8n. (Arrival times at a server in the same busy process would measure the event loop instead.)
 */
import { ProviderClient, type ProviderProfile, type RequestContext } from '../../nodes/shared/providerClient';
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
